"""The hand-written ONNX serializer: onnxruntime must read what it writes and compute with it
what numpy computes (every field kind the encoder's graph uses: initializers of both data
types, named dimensions, int, negative int, float and int-list attributes)."""

from __future__ import annotations

import numpy as np
import onnxruntime

from hera_train.encoder import onnx_proto as pb


def _run(model: bytes, **inputs: np.ndarray) -> np.ndarray:
    session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    return session.run(None, inputs)[0]


def test_a_small_graph_computes_what_numpy_computes() -> None:
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 6)).astype(np.float32)
    gamma, beta = rng.standard_normal(6).astype(np.float32), np.zeros(6, np.float32)
    nodes = [
        pb.node("MatMul", ["x", "w"], "xw"),
        pb.node("Reshape", ["xw", "shape"], "split"),
        pb.node("Transpose", ["split"], "swapped", perm=[0, 2, 1]),
        pb.node("Softmax", ["swapped"], "soft", axis=-1),
        pb.node("Reshape", ["soft", "flat"], "back"),
        pb.node("LayerNormalization", ["back", "gamma", "beta"], "y", axis=-1, epsilon=1e-3),
    ]
    model = pb.model(
        "test", nodes,
        [pb.tensor("w", w), pb.tensor("shape", np.array([0, 3, 2], np.int64)),
         pb.tensor("flat", np.array([0, 6], np.int64)), pb.tensor("gamma", gamma),
         pb.tensor("beta", beta)],
        [pb.value_info("x", pb.FLOAT, ["batch", 4])],
        [pb.value_info("y", pb.FLOAT, ["batch", 6])],
    )
    x = rng.standard_normal((5, 4)).astype(np.float32)
    swapped = (x @ w).reshape(5, 3, 2).transpose(0, 2, 1)
    soft = np.exp(swapped) / np.exp(swapped).sum(-1, keepdims=True)
    back = soft.reshape(5, 6)
    centred = back - back.mean(-1, keepdims=True)
    expected = centred / np.sqrt((centred**2).mean(-1, keepdims=True) + 1e-3) * gamma + beta
    assert np.abs(_run(model, x=x) - expected).max() < 1e-5


def test_varints_cover_large_and_negative_numbers() -> None:
    assert pb._varint(0) == b"\x00" and pb._varint(300) == b"\xac\x02"
    assert pb._varint(-1) == b"\xff" * 9 + b"\x01"  # int64 two's complement, ten bytes
