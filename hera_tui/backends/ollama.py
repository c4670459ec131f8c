"""Chat through an Ollama server (``--model ollama:NAME``), with the official ``ollama``
client through HERA's layer on it (``hera_core.ollama_client``).

Replies stream from ``client.chat(..., stream=True)`` (``POST /api/chat``, NDJSON). Esc
shuts the connection down from the UI thread, at any moment, also before the first token
while Ollama is still evaluating the prompt: the blocking read returns at once and the
server sees the client go away, which is how Ollama cancels a request; nothing keeps
generating in the background.

What is sent is what the llama.cpp backend would render, as far as a server-side template
allows (:func:`chat_request_messages`):

- every text is trimmed (the one whitespace rule of ``hera_core.formats``: a Go TEMPLATE
  cannot trim, so the client does);
- every text is neutralised (``hera_core.ollama_client.neutralise``): Ollama tokenizes the
  rendered prompt with special-token parsing, so a typed ``<start_of_turn>`` would
  otherwise become a real turn marker;
- the conversation's system text is always sent, empty when there is none, so that the
  Modelfile's SYSTEM does not silently replace a system text the person cleared.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from hera_core.formats import Message, normalise_text
from hera_core.ollama_client import OllamaClient, OllamaError, neutralise

from .base import (
    Backend,
    BackendError,
    ContextOverflowError,
    DecodeRate,
    GenerationParams,
    ReplyStats,
    StopSignal,
)


def chat_request_messages(messages: Sequence[Message]) -> list[dict[str, str]]:
    """The ``messages`` of an ``/api/chat`` request for a conversation (module docstring)."""
    turns = list(messages)
    system = turns.pop(0).content if turns and turns[0].role == "system" else ""
    return [
        {"role": m.role, "content": neutralise(normalise_text(m.content))}
        for m in (Message("system", system), *turns)
    ]


def _is_context_error(message: str) -> bool:
    return "context" in message.lower() and any(
        w in message.lower() for w in ("exceed", "too long", "overflow", "length")
    )


def _backend_error(exc: OllamaError) -> BackendError:
    if _is_context_error(str(exc)):
        return ContextOverflowError(
            f"{exc}; raise the context length (Ctrl+T) or start a new chat (Ctrl+N)"
        )
    return BackendError(f"{exc}; or pick a GGUF model (Ctrl+O)")


class OllamaBackend(Backend):
    """Chat with a model served by Ollama (``--model ollama:NAME``)."""

    def __init__(self, model: str, host: str | None = None) -> None:
        self.model = model
        self.client = OllamaClient(host)
        self.label = f"ollama:{model}"

    def load(self) -> None:
        """Check the server answers and has the model (so errors show before the first send)."""
        try:
            with self.client.errors(self.model):
                self.client.api.show(self.model)
        except OllamaError as exc:
            raise _backend_error(exc) from exc

    def generate(
        self, messages: Sequence[Message], params: GenerationParams, stop: StopSignal,
        emit: Callable[[str], None],
    ) -> ReplyStats:
        rate = DecodeRate(time.perf_counter())
        finish = "stopped"
        try:
            chunks = self.client.api.chat(
                self.model, chat_request_messages(messages), stream=True,
                options={
                    "temperature": params.temperature,
                    "top_p": params.top_p,
                    "num_predict": params.max_tokens,
                    "num_ctx": params.context_length,
                },
            )
            for chunk in self.client.stream(chunks, stop, model=self.model):
                if chunk.message.content:
                    rate.token(time.perf_counter())
                    emit(chunk.message.content)
                if chunk.done:
                    finish = "length" if chunk.done_reason == "length" else "stop"
        except OllamaError as exc:
            raise _backend_error(exc) from exc
        return rate.stats(finish)
