"""The scorer interface every backend implements, and the prompt-format choice they share.

A scorer answers one question: given a prompt, the reply prefix and the choices, what is
the log-likelihood of each choice? It lays the prompt out in its prompt format (a chat
format from ``hera_core.formats``, or ``raw`` for base models) with the same token layout
as training (``hera_core.choices``). The runner never sees tokens, so a fake scorer in the
tests proves the pipeline without a model.

Why a module of its own: the scorers (llama.cpp, Ollama, transformers) import these names
and the factory in :mod:`hera_tui.benchmark.scorers` imports the scorers, so each
dependency points one way. Torch-free and light: the runner and the CLI import it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from hera_core.errors import HeraError
from hera_core.format_detection import named_format
from hera_core.formats import CHATML, GEMMA, PromptFormat, get_format

RAW = "raw"
AUTO = "auto"
FORMAT_CHOICES = (AUTO, GEMMA.name, CHATML.name, RAW)


class ScorerError(HeraError, RuntimeError):
    """The model cannot be loaded or cannot be scored; the message says what to do."""


class ChoiceScorer(Protocol):
    """A backend that scores answer choices by log-likelihood."""

    #: The ``--model`` spec the user gave.
    model: str
    #: The prompt format in use (None: raw text, for base models).
    fmt: PromptFormat | None

    def identity(self) -> dict[str, Any]:
        """What makes cached results of this model valid (path, size, digest...)."""
        ...

    def score(self, prompt: str, prefix: str, choices: Sequence[str]) -> list[float]:
        """Log-likelihood of each choice after ``prompt`` and the reply ``prefix``."""
        ...

    def close(self) -> None:
        """Release the model."""
        ...


def format_name(fmt: PromptFormat | None) -> str:
    return fmt.name if fmt is not None else RAW


def infer_format(chat_template: str | None) -> PromptFormat | None:
    """The chat format a model's own template speaks; None (raw) for base models without
    one (Gemma 3 270M's GGUF has no template: it is a base model)."""
    fmt = named_format(chat_template)
    if fmt is not None or not chat_template:
        return fmt
    raise ScorerError(
        "the model's chat template is neither Gemma nor ChatML; pass --format gemma, "
        "chatml or raw"
    )


def choose_format(requested: str, chat_template: str | None) -> PromptFormat | None:
    """``--format``: ``auto`` follows the model's template, ``raw`` means no chat format."""
    if requested == AUTO:
        return infer_format(chat_template)
    if requested == RAW:
        return None
    return get_format(requested)
