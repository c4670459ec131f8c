"""Read an HF checkpoint directory lazily: config, tensor names, rows of one tensor at a time.

Safetensors is a simple format (an 8-byte header length, a JSON header of names, dtypes,
shapes and byte offsets, then raw little-endian data), so it is read here with plain file
reads rather than through ``safe_open``: a memory map would count every page of a large
tensor toward the process's resident memory, and torch would be needed only to turn bf16
into float32. Every header is validated (dtypes, shapes against byte ranges, ranges against
the file size) before anything is written, so a corrupt or truncated file is one line of
error, not a half-written GGUF.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from export.errors import ExportError

#: safetensors dtype -> (numpy dtype of the stored bytes, bytes per element)
_DTYPES: dict[str, tuple[Any, int]] = {
    "F32": (np.dtype("<f4"), 4),
    "F16": (np.dtype("<f2"), 2),
    "BF16": (np.dtype("<u2"), 2),  # widened to float32 by a 16-bit shift
}
_MAX_HEADER = 100 << 20


@dataclass(frozen=True)
class TensorMeta:
    name: str
    shape: tuple[int, ...]
    dtype: str
    file: Path
    offset: int  # absolute byte offset of the data in ``file``


@dataclass(frozen=True)
class Checkpoint:
    """A local HF model directory with safetensors weights."""

    path: Path
    config: dict[str, Any]
    tensors: dict[str, TensorMeta]

    def row_chunks(self, name: str, max_elements: int = 1 << 22) -> Iterator[np.ndarray]:
        """A tensor as float32 blocks of whole rows, at most ``max_elements`` each."""
        return row_chunks(self.tensors[name], max_elements)


def row_chunks(meta: TensorMeta, max_elements: int = 1 << 22) -> Iterator[np.ndarray]:
    """A stored tensor as float32 blocks of whole rows, at most ``max_elements`` each."""
    stored, size = _DTYPES[meta.dtype]
    rows = meta.shape[0] if meta.shape else 1
    row = math.prod(meta.shape[1:])
    step = max(1, max_elements // max(row, 1))
    try:
        with meta.file.open("rb") as f:
            for start in range(0, rows, step):
                n = min(step, rows - start)
                f.seek(meta.offset + start * row * size)
                raw = f.read(n * row * size)
                if len(raw) != n * row * size:
                    raise ExportError(f"{meta.file}: truncated inside tensor {meta.name}")
                data = np.frombuffer(raw, dtype=stored)
                if meta.dtype == "BF16":
                    data = (data.astype(np.uint32) << 16).view(np.float32)
                shape = (n, *meta.shape[1:]) if meta.shape else ()
                yield data.astype(np.float32, copy=False).reshape(shape)
    except OSError as exc:
        raise ExportError(f"{meta.file}: cannot read tensor {meta.name} ({exc.strerror})") from None


def read_tensor(meta: TensorMeta) -> np.ndarray:
    """A small tensor (a LoRA factor) whole, as float32."""
    return np.concatenate(list(row_chunks(meta)), axis=0) if meta.shape else next(row_chunks(meta))


def read_header(file: Path) -> dict[str, TensorMeta]:
    """Validate one safetensors file's header and return its tensors."""

    def corrupt(why: str) -> ExportError:
        return ExportError(
            f"{file}: corrupt or truncated safetensors ({why}); re-save or re-download it"
        )

    size = file.stat().st_size
    with file.open("rb") as f:
        head = f.read(8)
        if len(head) != 8:
            raise corrupt("no header")
        (n,) = struct.unpack("<Q", head)
        if n > min(size - 8, _MAX_HEADER):
            raise corrupt("header length beyond the file")
        try:
            header = json.loads(f.read(n))
        except ValueError:
            raise corrupt("header is not JSON") from None
    if not isinstance(header, dict):
        raise corrupt("header is not a JSON object")
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape = entry["dtype"], tuple(entry["shape"])
            begin, end = entry["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise corrupt(f"bad entry for {name}") from None
        if dtype not in _DTYPES:
            raise ExportError(f"{file}: tensor {name} has dtype {dtype}; export reads F32/F16/BF16")
        if end - begin != math.prod(shape) * _DTYPES[dtype][1] or 8 + n + end > size:
            raise corrupt(f"tensor {name} does not fit its byte range")
        tensors[name] = TensorMeta(name, shape, dtype, file, 8 + n + begin)
    return tensors


def read_json(path: Path) -> Any:
    """A JSON file of the checkpoint (config, tokenizer, adapter) or a one-line error."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ExportError(f"{path}: missing or not valid JSON ({exc.__class__.__name__})") from None


def _weight_files(path: Path) -> list[Path]:
    index = path / "model.safetensors.index.json"
    if index.exists():
        weight_map = read_json(index).get("weight_map")
        if not isinstance(weight_map, dict):
            raise ExportError(f"{index}: not a safetensors index")
        return sorted({path / f for f in weight_map.values()})
    single = path / "model.safetensors"
    if single.exists():
        return [single]
    raise ExportError(
        f"{path}: no model.safetensors; HERA exports safetensors checkpoints only (never pickles)"
    )


def open_checkpoint(path: Path) -> Checkpoint:
    """Read config.json and every safetensors header; validate without loading weights."""
    path = Path(path)
    config_path = path / "config.json"
    if not config_path.exists():
        raise ExportError(f"{path}: no config.json; not an HF model directory")
    config = read_json(config_path)
    tensors: dict[str, TensorMeta] = {}
    for file in _weight_files(path):
        if not file.exists():
            raise ExportError(f"{file}: listed in the index but missing")
        tensors.update(read_header(file))
    if not tensors:
        raise ExportError(f"{path}: the checkpoint has no tensors")
    return Checkpoint(path, config, tensors)
