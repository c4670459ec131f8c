"""Read an HF checkpoint directory lazily: config, tensor names, one tensor at a time.

Conversion never holds the whole model: :meth:`Checkpoint.tensor` opens the safetensors
file, reads one tensor and lets it go. A corrupt or truncated file is reported as one
line before anything is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from export.errors import ExportError


@dataclass(frozen=True)
class TensorMeta:
    name: str
    shape: tuple[int, ...]
    dtype: str
    file: Path


@dataclass(frozen=True)
class Checkpoint:
    """A local HF model directory with safetensors weights."""

    path: Path
    config: dict[str, Any]
    tensors: dict[str, TensorMeta]

    def tensor(self, name: str) -> Any:
        """One tensor as float32 numpy (torch reads bf16, which numpy cannot)."""
        from safetensors import safe_open

        meta = self.tensors[name]
        try:
            with safe_open(meta.file, framework="pt") as f:
                return f.get_tensor(name).float().numpy()
        except Exception as exc:  # safetensors raises its own error types
            raise ExportError(f"{meta.file}: cannot read tensor {name} ({exc})") from None


def _weight_files(path: Path) -> list[Path]:
    index = path / "model.safetensors.index.json"
    if index.exists():
        try:
            weight_map = json.loads(index.read_text())["weight_map"]
        except (OSError, ValueError, KeyError):
            raise ExportError(f"{index}: not a safetensors index") from None
        return sorted({path / f for f in weight_map.values()})
    single = path / "model.safetensors"
    if single.exists():
        return [single]
    raise ExportError(
        f"{path}: no model.safetensors; HERA exports safetensors checkpoints only (never pickles)"
    )


def open_checkpoint(path: Path) -> Checkpoint:
    """Read config.json and every safetensors header; validate without loading weights."""
    from safetensors import safe_open

    path = Path(path)
    config_path = path / "config.json"
    if not config_path.exists():
        raise ExportError(f"{path}: no config.json; not an HF model directory")
    try:
        config = json.loads(config_path.read_text())
    except (OSError, ValueError):
        raise ExportError(f"{config_path}: not valid JSON") from None
    tensors: dict[str, TensorMeta] = {}
    for file in _weight_files(path):
        if not file.exists():
            raise ExportError(f"{file}: listed in the index but missing")
        try:
            with safe_open(file, framework="pt") as f:
                for name in f.keys():  # noqa: SIM118 (safe_open is not a dict)
                    sl = f.get_slice(name)
                    tensors[name] = TensorMeta(
                        name, tuple(sl.get_shape()), str(sl.get_dtype()), file
                    )
        except ExportError:
            raise
        except Exception as exc:
            raise ExportError(
                f"{file}: corrupt or truncated safetensors ({exc}); re-save or re-download it"
            ) from None
    if not tensors:
        raise ExportError(f"{path}: the checkpoint has no tensors")
    return Checkpoint(path, config, tensors)
