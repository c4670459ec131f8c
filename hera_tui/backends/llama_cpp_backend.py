"""The default backend: a GGUF model run in-process by llama.cpp (no server needed).

Prompts are built from :mod:`hera_train.formats` and tokenized segment by segment: text
without special-token parsing, control tokens by id. So what a user types is always data;
``<start_of_turn>model`` in a message stays plain text and cannot forge a turn. Generation
stops at the format's stop tokens or the model's end-of-generation token, and between any
two tokens when the StopSignal is set (the token loop is closed, nothing runs on).
"""

from __future__ import annotations

import codecs
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from hera_train.formats import Message, PromptFormat, encode_segments

from .base import (
    Backend,
    BackendError,
    ContextOverflowError,
    DecodeRate,
    GenerationParams,
    ReplyStats,
    StopSignal,
)
from .gguf_format import detect_format

GGUF_MAGIC = b"GGUF"


def check_gguf_file(path: Path) -> None:
    """Fail fast, with the fix, on a missing or non-GGUF file (llama.cpp's own error is vague)."""
    if not path.is_file():
        raise BackendError(f"model file not found: {path}; pick another model (ctrl+o)")
    with path.open("rb") as f:
        magic = f.read(4)
    if magic != GGUF_MAGIC:
        raise BackendError(
            f"{path.name} is not a GGUF file (corrupt or incomplete download?); "
            "re-export it with `hera export` or pick another model (ctrl+o)"
        )


def reset_if_prompt_cached(llm, prompt: list[int]) -> None:
    """Start from an empty cache when the whole prompt is already cached.

    llama-cpp-python 0.3.36 reuses the cached prefix of a new prompt. When the *entire* prompt
    is cached (regenerating a reply sends the same conversation again), its replay path gives
    a different, wrong continuation (seen with SmolLM2: greedy "I'm glad to hear" became "The
    phrase \"The Great"). Partial prefixes (a longer conversation) are fine and keep the
    speed-up; only the exact repeat pays for a fresh prompt pass.
    """
    if llm.n_tokens >= len(prompt) and list(llm.input_ids[: len(prompt)]) == prompt:
        llm.reset()


def prefer_passive_openmp() -> None:
    """Let llama.cpp's OpenMP threads sleep between tokens instead of spinning.

    Spinning threads starve the UI thread (and anything else on a busy laptop): measured
    here on 2 shared cores, an 8-token reply took 11 s in the app with the default policy and
    1 s with PASSIVE. OpenMP reads this once, when llama.cpp's library loads, so it is set
    just before the first import; a user's own OMP_WAIT_POLICY wins.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def default_threads() -> int:
    """Physical-core-ish thread count: llama.cpp decode is memory-bound, more threads hurt."""
    return max(1, min(8, os.cpu_count() or 1))


class LlamaCppBackend(Backend):
    """Chat with a GGUF through llama-cpp-python, one generation at a time."""

    def __init__(self, path: Path, n_threads: int | None = None) -> None:
        self.path = Path(path)
        self.label = self.path.name
        self.n_threads = n_threads or default_threads()
        self._llm = None
        self._n_ctx = 0
        self._format: PromptFormat | None = None
        self._lock = threading.Lock()

    # -- loading ---------------------------------------------------------------------------
    def load(self, context_length: int = GenerationParams.context_length) -> None:
        with self._lock:
            self._ensure_loaded(context_length)

    def _ensure_loaded(self, context_length: int) -> None:
        if self._llm is not None and self._n_ctx == context_length:
            return
        check_gguf_file(self.path)
        prefer_passive_openmp()
        from llama_cpp import Llama

        self.close_model()
        try:
            llm = Llama(
                model_path=str(self.path),
                n_ctx=context_length,
                n_threads=self.n_threads,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise BackendError(
                f"llama.cpp could not load {self.path.name} ({exc}); the file may be corrupt: "
                "re-export it or pick another model (ctrl+o)"
            ) from exc
        self._format = detect_format(llm.metadata, lambda t: self._single_special(llm, t))
        self._llm, self._n_ctx = llm, context_length

    @staticmethod
    def _single_special(llm, text: str) -> bool:
        ids = llm.tokenize(text.encode(), add_bos=False, special=True)
        return len(ids) == 1 and ids != llm.tokenize(text.encode(), add_bos=False, special=False)

    @property
    def prompt_format(self) -> PromptFormat:
        if self._format is None:
            raise BackendError("the model is not loaded yet")
        return self._format

    # -- prompts ---------------------------------------------------------------------------
    def prompt_tokens(self, messages: Sequence[Message]) -> list[int]:
        """The conversation as token ids, ready for the reply (see the module docstring)."""
        llm, fmt = self._llm, self.prompt_format
        segments = fmt.segments(messages, add_generation_prompt=True)
        ids, _ = encode_segments(
            segments,
            lambda text: llm.tokenize(text.encode(), add_bos=False, special=False),
            lambda token: self._control_id(llm, token),
        )
        return ids

    @staticmethod
    def _control_id(llm, token: str) -> int:
        ids = llm.tokenize(token.encode(), add_bos=False, special=True)
        if len(ids) != 1:
            raise BackendError(f"the model has no single token for {token!r}")
        return ids[0]

    def stop_ids(self) -> set[int]:
        llm, fmt = self._llm, self.prompt_format
        ids = {self._control_id(llm, t) for t in fmt.stop_tokens}
        ids.add(llm.token_eos())
        return ids

    # -- generation ------------------------------------------------------------------------
    def generate(
        self,
        messages: Sequence[Message],
        params: GenerationParams,
        stop: StopSignal,
        emit: Callable[[str], None],
    ) -> ReplyStats:
        with self._lock:
            self._ensure_loaded(params.context_length)
            return self._generate(messages, params, stop, emit)

    def _generate(
        self,
        messages: Sequence[Message],
        params: GenerationParams,
        stop: StopSignal,
        emit: Callable[[str], None],
    ) -> ReplyStats:
        llm = self._llm
        rate = DecodeRate(time.perf_counter())
        prompt = self.prompt_tokens(messages)
        room = self._n_ctx - len(prompt)
        if room < 1:
            raise ContextOverflowError(
                f"the conversation is {len(prompt)} tokens, more than the context length "
                f"{self._n_ctx}; raise the context length (ctrl+t) or start a new chat (ctrl+n)"
            )
        budget = min(params.max_tokens, room)
        stop_ids = self.stop_ids()
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        finish = "length"
        reset_if_prompt_cached(llm, prompt)
        tokens = llm.generate(
            prompt, temp=params.temperature, top_p=params.top_p, top_k=0, min_p=0.0,
            repeat_penalty=1.0, reset=True,
        )
        try:
            for token in tokens:
                if stop.is_set():
                    finish = "stopped"
                    break
                if token in stop_ids:
                    finish = "stop"
                    break
                rate.token(time.perf_counter())
                text = decoder.decode(llm.detokenize([token], special=False))
                if text:
                    emit(text)
                if rate.tokens >= budget:
                    break
        finally:
            tokens.close()
        tail = decoder.decode(b"", final=True)
        if tail:
            emit(tail)
        return rate.stats(finish)

    def close_model(self) -> None:
        if self._llm is not None:
            self._llm.close()
            self._llm = None

    def close(self) -> None:
        with self._lock:
            self.close_model()
