"""Read a ``.safetensors`` file into numpy arrays without torch or the ``safetensors`` package.

Why our own reader: the chat install is torch-free and does not carry ``safetensors`` (a
training-stack dependency). The format is small and fully specified: an 8-byte little-endian
header length, a JSON header naming each tensor's dtype, shape and byte range, then the
raw little-endian data. The file is memory-mapped, so opening the encoder is fast.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from hera_train.errors import HeraError

_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16,
    "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8,
    "BOOL": np.bool_,
}


class SafetensorsError(HeraError, ValueError):
    """The file is not a readable safetensors file."""


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of the file as a read-only numpy array (a view of the memory map)."""
    path = Path(path)
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    if raw.size < 8:
        raise SafetensorsError(f"{path}: too short to be a safetensors file")
    (header_len,) = struct.unpack("<Q", raw[:8].tobytes())
    if 8 + header_len > raw.size:
        raise SafetensorsError(f"{path}: header length {header_len} runs past the end (truncated?)")
    try:
        header = json.loads(raw[8 : 8 + header_len].tobytes())
    except ValueError as exc:
        raise SafetensorsError(f"{path}: unreadable header ({exc})") from exc
    data = raw[8 + header_len :]
    tensors: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise SafetensorsError(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
        start, end = info["data_offsets"]
        if end > data.size:
            raise SafetensorsError(f"{path}: tensor {name} runs past the end (truncated?)")
        little_endian = np.dtype(dtype).newbyteorder("<")
        tensors[name] = data[start:end].view(little_endian).reshape(info["shape"])
    return tensors
