"""The encoder's transformer layers run by onnxruntime: the same arithmetic, about twice as fast.

Why: the emergency check must take at most 50 ms a message on 2 cores, and a long message
(about 120 tokens) spent ~45 ms in numpy's forward pass, a third of it in element-wise
work (GELU, softmax, layer norms) that numpy runs one operation and one core at a time.
onnxruntime fuses those operations and runs them on all cores (``bench/triage_latency.py``
measures both). The graph is built in memory with ``onnx.helper`` from the weights numpy
already loaded, so there is no model file to convert, install or let go stale, and the
numpy forward pass stays as the reference the tests compare it with and as the fallback
where onnxruntime is not installed.

The graph takes the embedded, normalised tokens and an additive attention mask and
returns the last hidden states; tokenizing, embedding and pooling stay outside it.
"""

from __future__ import annotations

import os

import numpy as np

from hera_core.errors import HeraError

#: ONNX IR version 8 (onnxruntime >= 1.14 reads it) and the default-domain opset of the graph
IR_VERSION = 8
OPSET = 17

#: onnxruntime's intra-op threads: ``$HERA_ENCODER_THREADS``, else the CPUs this process may
#: use, at most :data:`MAX_THREADS` (onnxruntime's own default counts physical cores, which
#: on a 2-vCPU machine of one hyperthreaded core left half the machine idle: 43 ms against
#: 31 ms a long message)
THREADS_VARIABLE = "HERA_ENCODER_THREADS"
#: a 384-wide model gains little past this many threads
MAX_THREADS = 4


def threads() -> int:
    configured = os.environ.get(THREADS_VARIABLE, "").strip()
    if not configured:
        return max(1, min(MAX_THREADS, len(os.sched_getaffinity(0))))
    if not configured.isdigit() or int(configured) < 1:
        raise HeraError(f"{THREADS_VARIABLE}={configured!r} is not a number of threads; "
                        "set a whole number from 1 up, or unset it")
    return int(configured)


def available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def build(layers: list, heads: int, dim: int, eps: float) -> bytes:
    """The serialized graph of the transformer layers (``minilm._Layer`` weights).

    ``onnx`` is imported here, not at the top: importing it costs about half a second
    (``ml_dtypes`` registers its number types), which only the onnxruntime path needs."""
    from onnx import TensorProto, helper, numpy_helper

    head_dim = dim // heads
    nodes: list = []
    weights = [
        numpy_helper.from_array(np.array([0, 0, heads, head_dim], np.int64), "split_heads"),
        numpy_helper.from_array(np.array([0, 0, dim], np.int64), "merge_heads"),
        # the scalars are one-element tensors, as in the graph the detector was tuned on
        numpy_helper.from_array(np.array([1 / np.sqrt(head_dim)], np.float32), "scale"),
        numpy_helper.from_array(np.array([0.5], np.float32), "half"),
        numpy_helper.from_array(np.array([1.0], np.float32), "one"),
        numpy_helper.from_array(np.array([1 / np.sqrt(2)], np.float32), "inv_sqrt2"),
    ]

    def op(kind: str, inputs: list[str], output: str, **attributes: float | int | list[int]
           ) -> str:
        """One node with one output, named after it (names stay unique across the graph)."""
        nodes.append(helper.make_node(kind, inputs, [output], name=output, **attributes))
        return output

    def weight(name: str, array: np.ndarray) -> str:
        weights.append(numpy_helper.from_array(np.ascontiguousarray(array, np.float32), name))
        return name

    def linear(name: str, x: str, w: np.ndarray, b: np.ndarray) -> str:
        product = op("MatMul", [x, weight(f"{name}.w", w)], f"{name}.xw")
        return op("Add", [product, weight(f"{name}.b", b)], name)

    def heads_of(name: str, x: str, perm: list[int]) -> str:
        split = op("Reshape", [x, "split_heads"], f"{name}.split")
        return op("Transpose", [split], f"{name}.heads", perm=perm)

    def add_and_norm(name: str, x: str, delta: str, norm: tuple[np.ndarray, np.ndarray]) -> str:
        residual = op("Add", [x, delta], f"{name}.residual")
        return op("LayerNormalization", [residual, weight(f"{name}.w", norm[0]),
                                         weight(f"{name}.b", norm[1])], name,
                  axis=-1, epsilon=eps)

    x = "x"
    for i, layer in enumerate(layers):
        p = f"layer{i}"
        wq, wk, wv = np.split(layer.qkv_w, 3, axis=1)
        bq, bk, bv = np.split(layer.qkv_b, 3)
        q = heads_of(f"{p}.q", linear(f"{p}.q", x, wq, bq), [0, 2, 1, 3])
        k = heads_of(f"{p}.k", linear(f"{p}.k", x, wk, bk), [0, 2, 3, 1])
        v = heads_of(f"{p}.v", linear(f"{p}.v", x, wv, bv), [0, 2, 1, 3])
        scores = op("Mul", [op("MatMul", [q, k], f"{p}.qk"), "scale"], f"{p}.scaled")
        attention = op("Softmax", [op("Add", [scores, "mask"], f"{p}.masked")], f"{p}.attn",
                       axis=-1)
        context = op("Transpose", [op("MatMul", [attention, v], f"{p}.av")], f"{p}.avt",
                     perm=[0, 2, 1, 3])
        context = op("Reshape", [context, "merge_heads"], f"{p}.context")
        x = add_and_norm(f"{p}.ln1", x, linear(f"{p}.out", context, layer.out_w, layer.out_b),
                         layer.ln1)
        up = linear(f"{p}.up", x, layer.up_w, layer.up_b)
        # BERT's exact GELU: up * (1 + erf(up / sqrt 2)) / 2
        erf = op("Erf", [op("Mul", [up, "inv_sqrt2"], f"{p}.up_scaled")], f"{p}.erf")
        scaled = op("Mul", [up, op("Add", [erf, "one"], f"{p}.erf1")], f"{p}.g")
        gelu = op("Mul", [scaled, "half"], f"{p}.gelu")
        x = add_and_norm(f"{p}.ln2", x, linear(f"{p}.down", gelu, layer.down_w, layer.down_b),
                         layer.ln2)
    op("Identity", [x], "states")
    graph = helper.make_graph(
        nodes, "all-MiniLM-L6-v2 layers",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "length", dim]),
         helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["batch", 1, 1, "length"])],
        [helper.make_tensor_value_info("states", TensorProto.FLOAT, ["batch", "length", dim])],
        initializer=weights,
    )
    model = helper.make_model(graph, ir_version=IR_VERSION,
                              opset_imports=[helper.make_opsetid("", OPSET)])
    return model.SerializeToString()


class OnnxLayers:
    """The layers as one onnxruntime session: ``(x, mask) -> last hidden states``."""

    def __init__(self, layers: list, heads: int, dim: int, eps: float) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads()
        # no busy-waiting between messages: the chat model needs those cores
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(
            build(layers, heads, dim, eps), options, providers=["CPUExecutionProvider"])

    def __call__(self, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return self.session.run(["states"], {"x": x, "mask": mask})[0]
