"""Where HERA's data files live, and where it keeps what it makes.

Real users load datasets from the Hugging Face hub. Offline machines (and CI) point
``HERA_DATA_DIR`` at a folder holding the same data (``pubmedqa/ori_pqal.json``,
``pubmedqa/test_ground_truth.json``, ``genmedgpt-5k/genmedgpt_5k.json``).
"""

from __future__ import annotations

import os
from pathlib import Path

from hera_train.errors import HeraError

DATA_DIR_ENV = "HERA_DATA_DIR"


class DataNotFoundError(HeraError, FileNotFoundError):
    """A data file HERA needs is not where it was looked for."""


def hera_home() -> Path:
    """Where HERA keeps what it makes for the user (conversations, results, the NIH
    library): ``$HERA_HOME``, else ``$XDG_DATA_HOME/hera``, else ``~/.local/share/hera``."""
    if os.environ.get("HERA_HOME"):
        return Path(os.environ["HERA_HOME"])
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "hera"


def cache_home() -> Path:
    """HERA's caches, rebuilt at will (the tiny model, assembled GGUFs, the library's
    vectors): ``$HERA_CACHE_DIR``, else ``~/.cache/hera``, beside the llama.cpp wheels."""
    return Path(os.environ.get("HERA_CACHE_DIR") or Path.home() / ".cache" / "hera")


def data_dir() -> Path | None:
    """The local data folder, or None when data should come from the hub."""
    value = os.environ.get(DATA_DIR_ENV)
    return Path(value).expanduser() if value else None


def data_file(relative: str | Path) -> Path:
    """Resolve a path against ``HERA_DATA_DIR`` (absolute paths pass through)."""
    path = Path(relative).expanduser()
    if not path.is_absolute():
        base = data_dir()
        if base is None:
            raise DataNotFoundError(
                f"{relative}: relative data path but {DATA_DIR_ENV} is not set; "
                f"set {DATA_DIR_ENV}=/path/to/data or give an absolute path"
            )
        path = base / path
    if not path.exists():
        raise DataNotFoundError(
            f"{path}: data file not found; check the path or set {DATA_DIR_ENV}"
        )
    return path
