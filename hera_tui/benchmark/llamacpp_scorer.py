"""Log-likelihood scoring through llama.cpp (GGUF, in-process), with KV-cache reuse.

Loading, tokenization and prompt evaluation are ``hera_core.llamacpp``'s, shared with the
chat backend. Tokens are laid out by ``hera_core.choices`` exactly as for Hugging Face:
text without special-token parsing, control tokens looked up one by one. The continuation
is scored from the logits after the context, so:

- the three choices share one evaluation of the prompt (yes/no/maybe are single tokens;
  a longer choice is fed token by token after the prompt);
- consecutive prompts keep the KV cache of their common token prefix (the instruction and
  chat header every PubMedQA question starts with): only the new suffix is evaluated.

``reuse_prefix=False`` evaluates every choice from an empty cache: the baseline that
``bench/pubmedqa_speed.py`` compares against. The two can differ by ~0.2 in a score
(llama.cpp's kernels round differently for different batch shapes), so the setting is
part of the cache key, as is the context length.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hera_core import llamacpp
from hera_core.choices import choice_pairs, reply_prefix
from hera_tui.benchmark.scorer_base import AUTO, ScorerError, choose_format

DEFAULT_N_CTX = 4096


class LlamaCppScorer:
    """A GGUF model loaded with llama-cpp-python."""

    def __init__(
        self,
        model: str,
        path: Path,
        fmt: str = AUTO,
        reuse_prefix: bool = True,
        n_ctx: int = DEFAULT_N_CTX,
        n_threads: int | None = None,
    ) -> None:
        self.model = model
        self.path = Path(path)
        self.reuse_prefix = reuse_prefix
        try:
            # A full-size sliding-window cache: Gemma 2/3 layers with a window must keep
            # every position so that a kept prefix stays valid after the suffix changes.
            self.llm: Any = llamacpp.load(self.path, n_ctx, n_threads, swa_full=True)
        except llamacpp.LlamaCppError as exc:
            raise ScorerError(str(exc)) from None
        self.fmt = choose_format(fmt, self.llm.metadata.get("tokenizer.chat_template"))
        self.bos_id = llamacpp.bos_id(self.llm)
        self.evaluated_tokens = 0

    def identity(self) -> dict[str, Any]:
        stat = self.path.stat()
        return {
            "backend": "llama.cpp",
            "path": str(self.path.resolve()),
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "reuse_prefix": self.reuse_prefix,
            "n_ctx": self.llm.n_ctx(),
        }

    def token_id(self, token: str) -> int:
        try:
            return llamacpp.control_id(self.llm, token)
        except llamacpp.LlamaCppError as exc:
            raise ScorerError(f"{self.path.name}: {exc}; wrong --format?") from None

    def pairs(
        self, prompt: str, prefix: str, choices: Sequence[str]
    ) -> list[tuple[list[int], list[int]]]:
        """(context, continuation) token ids, as ``hf_scoring.choice_token_ids`` gives."""
        return choice_pairs(
            lambda text: llamacpp.encode_text(self.llm, text), self.token_id, self.bos_id,
            self.fmt, prompt, reply_prefix(self.fmt, prefix), choices,
        )

    def _next_logprobs(self, tokens: list[int]) -> np.ndarray:
        """Log-probabilities of the token after ``tokens``, evaluating only what the KV
        cache does not already hold (everything, without prefix reuse)."""
        try:
            self.evaluated_tokens += llamacpp.prefill(self.llm, tokens, self.reuse_prefix)
        except llamacpp.LlamaCppError as exc:
            raise ScorerError(str(exc)) from None
        return llamacpp.last_logprobs(self.llm)

    def _continuation_logprob(
        self, context: list[int], first: np.ndarray, continuation: list[int]
    ) -> float:
        total = float(first[continuation[0]])
        for i in range(1, len(continuation)):
            total += float(self._next_logprobs(context + continuation[:i])[continuation[i]])
        return total

    def score(self, prompt: str, prefix: str, choices: Sequence[str]) -> list[float]:
        scores = []
        after: dict[tuple[int, ...], np.ndarray] = {}
        for context, continuation in self.pairs(prompt, prefix, choices):
            key = tuple(context)
            if key not in after or not self.reuse_prefix:
                after[key] = self._next_logprobs(context)
            scores.append(self._continuation_logprob(context, after[key], continuation))
        return scores

    def close(self) -> None:
        self.llm.close()
