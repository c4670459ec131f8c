"""Just enough of the ONNX file format (protocol buffers) to hand a graph to onnxruntime.

Why written here: onnxruntime runs a model from its serialized bytes, but building those
bytes is normally the ``onnx`` package's job, which brings protobuf and 30 MB more into the
torch-free chat install for the one graph the emergency check needs. The wire format is
small and stable: varints, and length-delimited fields that nest. Field numbers are those
of ``onnx.proto`` (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
ValueInfoProto, TypeProto, TensorShapeProto); only the fields used here are written.
"""

from __future__ import annotations

import numpy as np

#: TensorProto.DataType values
FLOAT, INT64 = 1, 7
_DATA_TYPES = {np.dtype(np.float32): FLOAT, np.dtype(np.int64): INT64}
#: AttributeProto.AttributeType values
_ATTR_FLOAT, _ATTR_INT, _ATTR_INTS = 1, 2, 7
#: ONNX IR version 8 (onnxruntime >= 1.14 reads it) and the default-domain opset used
IR_VERSION = 8
OPSET = 17


def _varint(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1  # negative ints are written as 64-bit two's complement
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field: int, wire_type: int) -> bytes:
    return _varint(field << 3 | wire_type)


def _int(field: int, value: int) -> bytes:
    return _key(field, 0) + _varint(value)


def _bytes(field: int, value: bytes) -> bytes:
    return _key(field, 2) + _varint(len(value)) + value


def _str(field: int, value: str) -> bytes:
    return _bytes(field, value.encode("utf-8"))


def _float(field: int, value: float) -> bytes:
    return _key(field, 5) + np.float32(value).tobytes()


def tensor(name: str, array: np.ndarray) -> bytes:
    """A TensorProto with raw little-endian data (an initializer: a weight or a constant)."""
    array = np.ascontiguousarray(array)
    dims = b"".join(_int(1, d) for d in array.shape)
    little_endian = array.astype(array.dtype.newbyteorder("<"), copy=False)
    return dims + _int(2, _DATA_TYPES[array.dtype]) + _str(8, name) + _bytes(
        9, little_endian.tobytes())


def _attribute(name: str, value: float | int | list[int]) -> bytes:
    if isinstance(value, list):
        return _str(1, name) + b"".join(_int(8, v) for v in value) + _int(20, _ATTR_INTS)
    if isinstance(value, float):
        return _str(1, name) + _float(2, value) + _int(20, _ATTR_FLOAT)
    return _str(1, name) + _int(3, value) + _int(20, _ATTR_INT)


def node(op: str, inputs: list[str], output: str, **attributes: float | int | list[int]
         ) -> bytes:
    """A NodeProto with one output, named after it."""
    return (b"".join(_str(1, i) for i in inputs) + _str(2, output) + _str(3, output)
            + _str(4, op) + b"".join(_bytes(5, _attribute(k, v))
                                     for k, v in attributes.items()))


def value_info(name: str, elem_type: int, shape: list[int | str]) -> bytes:
    """A graph input or output: its element type and shape (a str is a named dimension)."""
    dims = b"".join(_bytes(1, _int(1, d) if isinstance(d, int) else _str(2, d)) for d in shape)
    tensor_type = _int(1, elem_type) + _bytes(2, dims)
    return _str(1, name) + _bytes(2, _bytes(1, tensor_type))


def model(name: str, nodes: list[bytes], initializers: list[bytes], inputs: list[bytes],
          outputs: list[bytes]) -> bytes:
    """A serialized ModelProto holding one graph, ready for ``onnxruntime.InferenceSession``."""
    graph = (b"".join(_bytes(1, n) for n in nodes) + _str(2, name)
             + b"".join(_bytes(5, t) for t in initializers)
             + b"".join(_bytes(11, i) for i in inputs) + b"".join(_bytes(12, o) for o in outputs))
    opset = _str(1, "") + _int(2, OPSET)
    return _int(1, IR_VERSION) + _bytes(8, opset) + _bytes(7, graph)
