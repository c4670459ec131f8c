"""Where the chat app keeps things, and its optional config file.

Paths follow the XDG conventions and can each be moved by one environment variable (tests
and several installs side by side use them):

- ``$HERA_CONFIG`` or ``~/.config/hera/config.toml``: the config file (optional)
- ``$HERA_HOME`` or ``~/.local/share/hera``: ``chats.db``, Markdown exports, copied text,
  benchmark ``results/``
- ``$HERA_EXPORTS_DIR``: where ``hera export`` writes GGUFs (default ``./exports`` and the
  ``exports/`` folder of the source checkout)

The config file has one table::

    [chat]
    model = "exports/hera/hera-q4_k_m.gguf"   # or "ollama:hera"
    ollama_host = "http://127.0.0.1:11434"
    model_dirs = ["~/models"]                 # more folders for the model picker
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from hera_train.data_paths import hera_home
from hera_train.errors import HeraError

REPO_ROOT = Path(__file__).resolve().parent.parent


class ChatConfigError(HeraError, ValueError):
    """The chat config file cannot be used; the message names the file and the fix."""


def _xdg(var: str, default: str) -> Path:
    return Path(os.environ.get(var) or Path.home() / default)


def config_path() -> Path:
    return Path(os.environ.get("HERA_CONFIG") or _xdg("XDG_CONFIG_HOME", ".config") / "hera"
                / "config.toml")


def data_dir() -> Path:
    return hera_home()


def results_dir() -> Path:
    """Where benchmark runs, their cache and history go by default (CLI and app alike)."""
    return data_dir() / "results"


def exports_dirs() -> list[Path]:
    if os.environ.get("HERA_EXPORTS_DIR"):
        return [Path(os.environ["HERA_EXPORTS_DIR"])]
    dirs = [Path.cwd() / "exports", REPO_ROOT / "exports"]
    return list(dict.fromkeys(d.resolve() for d in dirs))


@dataclass(frozen=True)
class ChatConfig:
    model: str | None = None
    ollama_host: str | None = None
    model_dirs: tuple[Path, ...] = field(default_factory=tuple)
    source: Path | None = None


def load_config(path: Path | None = None) -> ChatConfig:
    """Read the ``[chat]`` table; a missing file is an empty config."""
    path = path or config_path()
    if not path.is_file():
        return ChatConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ChatConfigError(f"{path} is not valid TOML ({exc}); fix or delete it") from exc
    chat = data.get("chat", {})
    known = {"model", "ollama_host", "model_dirs"}
    unknown = sorted(set(chat) - known)
    if unknown:
        raise ChatConfigError(
            f"{path}: unknown key chat.{unknown[0]}; known keys: {', '.join(sorted(known))}"
        )
    for key in ("model", "ollama_host"):
        if key in chat and not isinstance(chat[key], str):
            raise ChatConfigError(f"{path}: chat.{key} must be a string")
    dirs = chat.get("model_dirs", [])
    if not isinstance(dirs, list) or not all(isinstance(d, str) for d in dirs):
        raise ChatConfigError(f"{path}: chat.model_dirs must be a list of folder paths")
    base = path.parent
    model = chat.get("model")
    if model and not model.startswith("ollama:"):
        model = str((base / Path(model).expanduser()).resolve())
    return ChatConfig(
        model=model,
        ollama_host=chat.get("ollama_host"),
        model_dirs=tuple((base / Path(d).expanduser()).resolve() for d in dirs),
        source=path,
    )
