"""Log-likelihood scoring through llama.cpp (GGUF, in-process), with KV-cache reuse.

Tokens are laid out by ``hera_train.choices`` exactly as for Hugging Face: text without
special-token parsing, control tokens looked up one by one. The continuation is scored from
the logits after the context, so:

- the three choices share one evaluation of the prompt (yes/no/maybe are single tokens;
  a longer choice is fed token by token after the prompt);
- consecutive prompts keep the KV cache of their common token prefix (the instruction and
  chat header every PubMedQA question starts with): only the new suffix is evaluated.

``reuse_prefix=False`` evaluates every choice from an empty cache: the baseline that
``bench/pubmedqa_speed.py`` compares against.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hera_train.choices import choice_pairs, reply_prefix
from hera_tui.benchmark.scorers import AUTO, ScorerError, choose_format

DEFAULT_N_CTX = 4096


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max()
    return shifted - np.log(np.exp(shifted).sum())


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
        # llama.cpp's OpenMP threads spin while they wait; where other jobs share the cores
        # (CI, a laptop in use) the spinning starves the working thread: measured here,
        # ~20x more CPU time per short prompt. Sleeping waits cost little. The OpenMP runtime
        # reads this once when it is first loaded (by llama.cpp, or earlier by sentencepiece),
        # so it applies to `hera bench`; set OMP_WAIT_POLICY yourself to choose.
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        try:
            from llama_cpp import Llama
        except ImportError:
            raise ScorerError("llama.cpp is not installed: pip install llama-cpp-python") from None
        self.model = model
        self.path = Path(path)
        self.reuse_prefix = reuse_prefix
        threads = n_threads or min(os.cpu_count() or 1, 8)
        try:
            # A full-size sliding-window cache: Gemma 2/3 layers with a window must keep
            # every position so that a kept prefix stays valid after the suffix changes.
            self.llm: Any = Llama(
                model_path=str(self.path),
                n_ctx=n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                logits_all=False,
                swa_full=True,
                verbose=False,
            )
        except ValueError as exc:
            raise ScorerError(f"{self.path}: llama.cpp cannot load it ({exc})") from None
        self.fmt = choose_format(fmt, self.llm.metadata.get("tokenizer.chat_template"))
        bos = self.llm.token_bos()
        self.bos_id: int | None = bos if bos >= 0 else None
        self.n_vocab = self.llm.n_vocab()
        self.evaluated_tokens = 0

    def identity(self) -> dict[str, Any]:
        stat = self.path.stat()
        return {
            "backend": "llama.cpp",
            "path": str(self.path.resolve()),
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
        }

    def encode_text(self, text: str) -> list[int]:
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)

    def token_id(self, token: str) -> int:
        ids = self.llm.tokenize(token.encode("utf-8"), add_bos=False, special=True)
        if len(ids) != 1:
            raise ScorerError(
                f"{self.path.name} has no single {token!r} token; wrong --format?"
            )
        return ids[0]

    def pairs(
        self, prompt: str, prefix: str, choices: Sequence[str]
    ) -> list[tuple[list[int], list[int]]]:
        """(context, continuation) token ids, as ``hf_scoring.choice_token_ids`` gives."""
        return choice_pairs(
            self.encode_text, self.token_id, self.bos_id, self.fmt, prompt,
            reply_prefix(self.fmt, prefix), choices,
        )

    def _next_logprobs(self, tokens: list[int]) -> np.ndarray:
        """Log-probabilities of the token after ``tokens``, evaluating only what the KV
        cache does not already hold."""
        if len(tokens) > self.llm.n_ctx():
            raise ScorerError(
                f"prompt of {len(tokens)} tokens exceeds the context of {self.llm.n_ctx()}"
            )
        keep = 0
        if self.reuse_prefix:
            # At least one token is evaluated so that fresh logits exist for the last one.
            keep = min(_common_prefix(self.llm._input_ids, tokens), len(tokens) - 1)
        if not self.llm._ctx.kv_cache_seq_rm(-1, keep, -1):
            keep = 0
            self.llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        self.llm.n_tokens = keep
        self.llm.eval(tokens[keep:])
        self.evaluated_tokens += len(tokens) - keep
        logits = np.ctypeslib.as_array(self.llm._ctx.get_logits_ith(-1), shape=(self.n_vocab,))
        return _log_softmax(logits.astype(np.float64))

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
