"""The chat app's optional config file.

Where it is (``$HERA_CONFIG`` or ``~/.config/hera/config.toml``), like every other place
HERA reads or writes, is ruled by :mod:`hera_core.paths`. The file has one table::

    [chat]
    model = "exports/hera/hera-q4_k_m.gguf"   # or "ollama:hera"
    ollama_host = "http://127.0.0.1:11434"
    model_dirs = ["~/models"]                 # more folders for the model picker
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from hera_core.errors import HeraError
from hera_core.paths import config_path


class ChatConfigError(HeraError, ValueError):
    """The chat config file cannot be used; the message names the file and the fix."""


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
