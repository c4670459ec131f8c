"""Every location rule of HERA, in one module: where its data files live, where it keeps
what it makes, where its config, caches, exports and sentence encoder are.

Real users load datasets from the Hugging Face hub. Offline machines (and CI) keep the
same data in a folder (``pubmedqa/ori_pqal.json``, ``pubmedqa/test_ground_truth.json``,
``genmedgpt-5k/genmedgpt_5k.json``, ``medquad/``, ``liveqa-train/``), found by one rule
that every command (``hera train``, ``hera build``, ``hera bench``, ``hera sources``...)
and the tests share:

1. ``$HERA_DATA_DIR`` when it is set (an explicit choice always wins, even when the
   folder is missing: the error then names it rather than silently using another);
2. else ``../shared/data`` beside the source checkout (the folder that holds
   ``hera_core/``), when that folder exists: the layout the Makefile was written for, so
   ``hera build configs/hera-mini.toml`` typed by hand finds what ``make hera-mini`` finds;
3. else none: datasets come from the hub, and a relative data path is an error that says
   which folders were tried.

The other places follow the XDG conventions and can each be moved by one environment
variable (tests and several installs side by side use them):

- ``$HERA_HOME`` or ``~/.local/share/hera``: ``chats.db``, Markdown exports, copied text,
  benchmark ``results/``, the NIH library
- ``$HERA_CACHE_DIR`` or ``~/.cache/hera``: caches rebuilt at will
- ``$HERA_CONFIG`` or ``~/.config/hera/config.toml``: the chat app's config file (optional)
- ``$HERA_EXPORTS_DIR``: where ``hera export`` writes GGUFs (default ``./exports`` and the
  ``exports/`` folder of the source checkout)
- ``$HERA_ENCODER_DIR`` or ``~/.cache/hera/models/all-MiniLM-L6-v2``: the sentence encoder
"""

from __future__ import annotations

import os
from pathlib import Path

from hera_core.errors import HeraError

DATA_DIR_ENV = "HERA_DATA_DIR"
#: The source checkout: the folder that holds ``hera_core/``.
CHECKOUT = Path(__file__).resolve().parent.parent


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


def _xdg(var: str, default: str) -> Path:
    return Path(os.environ.get(var) or Path.home() / default)


def config_path() -> Path:
    """The chat app's config file (optional): ``$HERA_CONFIG``, else
    ``$XDG_CONFIG_HOME/hera/config.toml``, else ``~/.config/hera/config.toml``."""
    return Path(os.environ.get("HERA_CONFIG") or _xdg("XDG_CONFIG_HOME", ".config") / "hera"
                / "config.toml")


def results_dir() -> Path:
    """Where benchmark runs, their cache and history go by default (CLI and app alike)."""
    return hera_home() / "results"


def exports_dirs() -> list[Path]:
    """Where ``hera export`` writes GGUFs and the chat app looks for them:
    ``$HERA_EXPORTS_DIR``, else ``./exports`` and the checkout's ``exports/``."""
    if os.environ.get("HERA_EXPORTS_DIR"):
        return [Path(os.environ["HERA_EXPORTS_DIR"])]
    dirs = [Path.cwd() / "exports", CHECKOUT / "exports"]
    return list(dict.fromkeys(d.resolve() for d in dirs))


#: the sentence encoder's folder name under HERA's model cache
ENCODER_NAME = "all-MiniLM-L6-v2"


def encoder_dir() -> Path:
    """Where the encoder lives: ``$HERA_ENCODER_DIR``, else HERA's cache next to its wheels
    (``~/.cache/hera/models``, whatever ``$HERA_CACHE_DIR`` says)."""
    override = os.environ.get("HERA_ENCODER_DIR")
    if override:
        return Path(override).expanduser()
    return Path.home() / ".cache" / "hera" / "models" / ENCODER_NAME


def checkout_data_dir() -> Path:
    """``../shared/data`` beside the source checkout (whether or not it exists)."""
    return CHECKOUT.parent / "shared" / "data"


def data_dir() -> Path | None:
    """The local data folder by the module's rule, or None when data should come from the
    hub (``HERA_DATA_DIR`` unset and no ``../shared/data`` beside the checkout)."""
    value = os.environ.get(DATA_DIR_ENV)
    if value:
        return Path(value).expanduser()
    default = checkout_data_dir()
    return default if default.is_dir() else None


def data_dir_source() -> str:
    """Where :func:`data_dir` looked and what it found, for errors that name the fix."""
    value = os.environ.get(DATA_DIR_ENV)
    if value:
        return f"{DATA_DIR_ENV}={value}"
    default = checkout_data_dir()
    if default.is_dir():
        return f"{default} ({DATA_DIR_ENV} not set: ../shared/data beside the checkout)"
    return f"tried {DATA_DIR_ENV} (not set) and {default} (not found)"


def data_file(relative: str | Path) -> Path:
    """Resolve a path against the data folder (absolute paths pass through)."""
    path = Path(relative).expanduser()
    if not path.is_absolute():
        base = data_dir()
        if base is None:
            raise DataNotFoundError(
                f"{relative}: relative data path but no data folder ({data_dir_source()}); "
                f"set {DATA_DIR_ENV}=/path/to/data or give an absolute path"
            )
        path = base / path
    if not path.exists():
        raise DataNotFoundError(
            f"{path}: data file not found (data folder: {data_dir_source()}); check the "
            f"path or set {DATA_DIR_ENV}"
        )
    return path
