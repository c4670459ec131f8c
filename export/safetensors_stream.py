"""Write a safetensors checkpoint tensor by tensor, never holding more than a block of rows.

The ``safetensors`` library saves a dict of whole arrays, so a merged model would have to
sit in memory at once (10.5 GB of float32 for Gemma-2-2b). The format is a JSON header of
names, dtypes, shapes and byte ranges followed by the raw little-endian data, so once every
tensor's shape is known the header is written first and each tensor's rows streamed after
it, as they are produced. Shards and their index follow transformers' layout
(``model-00001-of-00002.safetensors`` + ``model.safetensors.index.json``), so that
``from_pretrained`` and llama.cpp's converter read the folder as they read any checkpoint.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from export.errors import ExportError

#: transformers' ``save_pretrained`` default shard limit (5 GB)
MAX_SHARD_BYTES = 5_000_000_000
_BYTES = {"F32": 4, "F16": 2, "BF16": 2}
#: config.json's dtype names -> safetensors dtypes
CONFIG_DTYPES = {"float32": "F32", "float16": "F16", "bfloat16": "BF16"}


@dataclass(frozen=True)
class PlannedTensor:
    """A tensor to write: its name and shape now, its float32 row blocks when written."""

    name: str
    shape: tuple[int, ...]
    blocks: Callable[[], Iterator[np.ndarray]]

    def nbytes(self, dtype: str) -> int:
        return math.prod(self.shape) * _BYTES[dtype]


def to_bfloat16_bits(block: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bit patterns, rounded to nearest even as torch's ``.to(bfloat16)``
    does (a plain truncation would bias every weight toward zero); NaN stays a quiet NaN."""
    bits = np.ascontiguousarray(block, dtype=np.float32).view(np.uint32)
    rounded = (bits + (0x7FFF + ((bits >> 16) & 1))) >> 16
    rounded = np.where(np.isnan(block), (bits >> 16) | 0x40, rounded)
    return rounded.astype("<u2")


def encode(block: np.ndarray, dtype: str) -> bytes:
    """A float32 block as the stored bytes of ``dtype``."""
    if dtype == "BF16":
        return to_bfloat16_bits(block).tobytes()
    return np.ascontiguousarray(block, dtype="<f4" if dtype == "F32" else "<f2").tobytes()


def _shards(tensors: list[PlannedTensor], dtype: str, limit: int) -> list[list[PlannedTensor]]:
    """Greedy shards in order, each under ``limit`` bytes unless one tensor alone is larger."""
    shards: list[list[PlannedTensor]] = [[]]
    size = 0
    for t in tensors:
        if shards[-1] and size + t.nbytes(dtype) > limit:
            shards.append([])
            size = 0
        shards[-1].append(t)
        size += t.nbytes(dtype)
    return shards


def _write_file(path: Path, tensors: list[PlannedTensor], dtype: str) -> None:
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for t in tensors:
        header[t.name] = {"dtype": dtype, "shape": list(t.shape),
                          "data_offsets": [offset, offset + t.nbytes(dtype)]}
        offset += t.nbytes(dtype)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned, as safetensors writes it
    with path.open("wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for t in tensors:
            written = 0
            for block in t.blocks():
                data = encode(block, dtype)
                f.write(data)
                written += len(data)
            if written != t.nbytes(dtype):
                raise ExportError(f"{t.name}: produced {written} bytes, expected {t.nbytes(dtype)}")


def write_checkpoint(out_dir: Path, tensors: list[PlannedTensor], dtype: str,
                     max_shard_bytes: int = MAX_SHARD_BYTES) -> list[Path]:
    """Write ``tensors`` in ``dtype`` as one file or as shards with an index; the files."""
    shards = _shards(tensors, dtype, max_shard_bytes)
    if len(shards) == 1:
        path = out_dir / "model.safetensors"
        _write_file(path, shards[0], dtype)
        return [path]
    paths, weight_map = [], {}
    for i, shard in enumerate(shards, 1):
        path = out_dir / f"model-{i:05d}-of-{len(shards):05d}.safetensors"
        _write_file(path, shard, dtype)
        paths.append(path)
        weight_map.update({t.name: path.name for t in shard})
    index = {"metadata": {"total_size": sum(t.nbytes(dtype) for t in tensors)},
             "weight_map": weight_map}
    (out_dir / "model.safetensors.index.json").write_text(json.dumps(index, indent=2) + "\n")
    return paths
