"""Write files atomically: a reader (or a crash, or ``kill -9``) sees the old file or the
new one, never half of one.

Every file HERA writes that something else reads back (manifests, checkpoints' state,
benchmark runs, GGUFs, Modelfiles, Markdown exports) goes through :func:`atomic_path`:
the content is written to a temporary file in the destination's folder (same filesystem,
so the final rename is atomic), flushed to disk, and renamed over the target only when
writing succeeded; on any failure the temporary file is removed.

Temporary files are created ``0600`` (``mkstemp``); pass ``mode`` to choose the final
permissions (private health data stays ``0600``). Torch-free: every package uses it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def atomic_path(path: Path, mode: int | None = None) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed onto ``path`` if the block
    ends without an exception, deleted otherwise."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        if mode is not None:
            os.chmod(tmp, mode)
        yield tmp
        with open(tmp, "rb") as written:
            os.fsync(written.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(path: Path, text: str, mode: int | None = None) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path, mode) as tmp:
        tmp.write_text(text, encoding="utf-8")


def atomic_write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON (sorted keys) to ``path`` atomically."""
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str))
