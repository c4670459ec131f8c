"""The default backend: a GGUF model run in-process by llama.cpp (no server needed).

Loading, tokenization and prompt evaluation come from ``hera_core.llamacpp``, shared with
the benchmark and export. Prompts are built from :mod:`hera_core.formats` and tokenized
segment by segment: text without special-token parsing, control tokens by id. So what a
user types is always data; ``<start_of_turn>model`` in a message stays plain text and
cannot forge a turn.

Esc is honoured at any point: while the prompt is evaluated (in chunks of about a quarter
of a second, with the StopSignal checked between them, so even a 20,000-character prompt
stops within a second) and between any two generated tokens (the token loop is closed,
nothing runs on). Generation stops at the format's stop tokens or the model's
end-of-generation token.
"""

from __future__ import annotations

import codecs
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hera_core import llamacpp
from hera_core.errors import HeraError
from hera_core.formats import Message, PromptFormat, encode_segments

from .base import (
    Backend,
    BackendError,
    ContextOverflowError,
    DecodeRate,
    GenerationParams,
    ReplyStats,
    StopSignal,
)


class LlamaCppBackend(Backend):
    """Chat with a GGUF through llama-cpp-python, one generation at a time."""

    def __init__(self, path: Path, n_threads: int | None = None) -> None:
        self.path = Path(path)
        self.label = self.path.name
        self.n_threads = n_threads or llamacpp.default_threads()
        self._llm: Any = None
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
        self.close_model()
        try:
            llm = llamacpp.load(self.path, context_length, self.n_threads)
            try:
                fmt = llamacpp.prompt_format(llm)
            except HeraError:
                llm.close()
                raise
        except HeraError as exc:
            raise BackendError(f"{exc}; or pick another model (Ctrl+O)") from exc
        self._llm, self._n_ctx, self._format = llm, context_length, fmt

    @property
    def prompt_format(self) -> PromptFormat:
        if self._format is None:
            raise BackendError("the model is not loaded yet")
        return self._format

    # -- prompts ---------------------------------------------------------------------------
    def prompt_tokens(self, messages: Sequence[Message]) -> list[int]:
        """The conversation as token ids, ready for the reply (see the module docstring)."""
        segments = self.prompt_format.segments(messages, add_generation_prompt=True)
        return encode_segments(segments, *llamacpp.encoder(self._llm))[0]

    def warm(self, system: str) -> int:
        """Evaluate the start that every new conversation with ``system`` shares (the turn
        markers and the system text, about a hundred tokens of HERA's), so that the first
        reply evaluates only the person's words and their sources: prompt evaluation is
        most of the time to the first token on a CPU, and ``prefill`` keeps a cached
        prefix. The shared start is found by rendering two different first messages. Does
        nothing once anything was evaluated (a reply already sent keeps its cache)."""
        with self._lock:
            if self._llm is None or self._llm.n_tokens:
                return 0
            first, second = (self.prompt_tokens([Message("system", system), Message("user", text)])
                             for text in ("a", "b"))
            shared = llamacpp.common_prefix(first, second)
            return llamacpp.prefill(self._llm, first[:shared]) if shared > 1 else 0

    def stop_ids(self) -> set[int]:
        ids = {llamacpp.control_id(self._llm, t) for t in self.prompt_format.stop_tokens}
        ids.add(self._llm.token_eos())
        return ids

    # -- generation ------------------------------------------------------------------------
    def generate(
        self, messages: Sequence[Message], params: GenerationParams, stop: StopSignal,
        emit: Callable[[str], None],
    ) -> ReplyStats:
        with self._lock:
            self._ensure_loaded(params.context_length)
            rate = DecodeRate(time.perf_counter())
            return rate.stats(self._generate(self.prompt_tokens(messages), params, stop, rate,
                                             emit))

    def _generate(
        self, prompt: list[int], params: GenerationParams, stop: StopSignal, rate: DecodeRate,
        emit: Callable[[str], None],
    ) -> str:
        """Evaluate the prompt and stream the reply; how it finished."""
        llm = self._llm
        room = self._n_ctx - len(prompt)
        if room < 1:
            raise ContextOverflowError(
                f"the conversation is {len(prompt)} tokens, more than the context length "
                f"{self._n_ctx}; raise the context length (Ctrl+T) or start a new chat (Ctrl+N)"
            )
        budget = min(params.max_tokens, room)
        llamacpp.reset_if_prompt_cached(llm, prompt)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        try:
            # Stoppable; generate() then samples from the live logits of the last token.
            llamacpp.prefill(llm, prompt, should_stop=stop.is_set)
            return self._stream(prompt, params, budget, stop, rate, decoder, emit)
        except llamacpp.Stopped:
            return "stopped"
        except RuntimeError as exc:  # llama_decode failed (out of memory, a corrupt tensor)
            raise BackendError(f"llama.cpp failed while generating ({exc})") from exc
        finally:
            tail = decoder.decode(b"", final=True)
            if tail:
                emit(tail)

    def _stream(
        self,
        prompt: list[int],
        params: GenerationParams,
        budget: int,
        stop: StopSignal,
        rate: DecodeRate,
        decoder: codecs.IncrementalDecoder,
        emit: Callable[[str], None],
    ) -> str:
        """The token loop; returns how it finished ("stop", "length" or "stopped")."""
        llm, stop_ids = self._llm, self.stop_ids()
        tokens = llm.generate(
            prompt, temp=params.temperature, top_p=params.top_p, top_k=0, min_p=0.0,
            repeat_penalty=1.0, reset=True,
        )
        try:
            for token in tokens:
                if stop.is_set():
                    return "stopped"
                if token in stop_ids:
                    return "stop"
                rate.token(time.perf_counter())
                text = decoder.decode(llm.detokenize([token], special=False))
                if text:
                    emit(text)
                if rate.tokens >= budget:
                    break
        finally:
            tokens.close()
        return "length"

    def close_model(self) -> None:
        if self._llm is not None:
            self._llm.close()
            self._llm = None
            self._format = None

    def close(self) -> None:
        with self._lock:
            self.close_model()
