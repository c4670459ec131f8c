"""How a ``--model`` spec picks a scorer (the interface is in ``scorer_base``).

Model specs: a ``.gguf`` path (llama.cpp, in-process), ``ollama:NAME`` (an Ollama server),
``hf:PATH_OR_ID`` (transformers; needs the training extra). Each scorer's module is
imported only when a spec of its kind is opened: a chat-only install has no transformers
scorer to import.
"""

from __future__ import annotations

from pathlib import Path

from hera_core.model_spec import ModelNotFoundError, parse_model_spec
from hera_tui.benchmark.scorer_base import AUTO, FORMAT_CHOICES, ChoiceScorer, ScorerError

#: What a caller that opens scorers needs in one place: the factory, the type it returns and
#: the ``--format`` values it takes (the benchmark screen imports these from here).
__all__ = ["FORMAT_CHOICES", "ChoiceScorer", "open_scorer"]


def open_scorer(
    spec: str,
    fmt: str = AUTO,
    ollama_host: str | None = None,
    reuse_prefix: bool = True,
    threads: int | None = None,
) -> ChoiceScorer:
    """The scorer for a ``--model`` spec (heavy libraries are imported only here)."""
    try:
        parsed = parse_model_spec(spec)
    except ModelNotFoundError as exc:
        raise ScorerError(str(exc)) from None
    if parsed.kind == "ollama":
        from hera_tui.benchmark.ollama_scorer import OllamaScorer

        return OllamaScorer(spec, parsed.ref, fmt, ollama_host)
    if parsed.kind == "hf":
        from hera_tui.benchmark.hf_scorer import HFScorer

        return HFScorer(spec, parsed.ref, fmt)
    from hera_tui.benchmark.llamacpp_scorer import LlamaCppScorer

    return LlamaCppScorer(spec, Path(parsed.ref), fmt, reuse_prefix=reuse_prefix,
                          n_threads=threads)
