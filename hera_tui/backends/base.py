"""The one interface every chat backend implements, and the values that cross it.

A backend turns a conversation into streamed text. It is called from a worker thread and
reports each piece of text through a callback, so the caller decides what "showing" means
(posting a message to the UI, appending to a list in a benchmark). A :class:`StopSignal`
set from the UI thread stops generation between tokens and runs the backend's own stop
action (closing an HTTP stream), so Esc really stops the work, not just the display.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from hera_core.errors import HeraError
from hera_core.formats import Message


class BackendError(HeraError, RuntimeError):
    """A failure the user can act on (unreachable server, unreadable model): shown in the app."""


class ContextOverflowError(BackendError):
    """The conversation does not fit in the model's context window."""


@dataclass(frozen=True)
class GenerationParams:
    """Per-conversation sampling parameters (stored with the conversation)."""

    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 512
    context_length: int = 4096
    #: answer from the NIH library's passages (and cite them); off sends the message alone
    sources: bool = True

    def validated(self) -> GenerationParams:
        """Raise ValueError naming the field and its allowed range when a value is out of it."""
        checks = (
            ("temperature", 0.0 <= self.temperature <= 5.0, "between 0 and 5"),
            ("top_p", 0.0 < self.top_p <= 1.0, "above 0 and at most 1"),
            ("max_tokens", 1 <= self.max_tokens <= 32768, "between 1 and 32768"),
            ("context_length", 256 <= self.context_length <= 131072, "between 256 and 131072"),
        )
        for name, ok, allowed in checks:
            if not ok:
                raise ValueError(f"{name} must be {allowed}")
        if not isinstance(self.sources, bool):
            raise ValueError("sources must be true or false")
        return self

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> GenerationParams:
        """Build from stored JSON, ignoring unknown keys and keeping defaults for missing ones."""
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


@dataclass
class ReplyStats:
    """What one generation did: shown under the reply and stored with it."""

    tokens: int = 0
    #: seconds from the request to the first streamed text (prompt processing included)
    ttft_s: float | None = None
    #: generated tokens per second after the first one (the decode rate)
    tokens_per_s: float | None = None
    #: "stop" (end of turn), "length" (max tokens or context full) or "stopped" (by the user)
    finish: str = "stop"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class StopSignal:
    """Set from any thread to stop a generation; backends register how to abort their I/O."""

    _event: threading.Event = field(default_factory=threading.Event)
    _actions: list[Callable[[], None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def set(self) -> None:
        with self._lock:
            self._event.set()
            actions, self._actions = self._actions, []
        for action in actions:
            action()

    def is_set(self) -> bool:
        return self._event.is_set()

    def on_stop(self, action: Callable[[], None]) -> None:
        """Run ``action`` when stopped (at once if already stopped)."""
        with self._lock:
            if not self._event.is_set():
                self._actions.append(action)
                return
        action()


class DecodeRate:
    """Counts streamed tokens and times them the same way for every backend and the bench."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.first: float | None = None
        self.last: float | None = None
        self.tokens = 0

    def token(self, now: float) -> None:
        if self.first is None:
            self.first = now
        self.last = now
        self.tokens += 1

    def stats(self, finish: str) -> ReplyStats:
        ttft = None if self.first is None else self.first - self.started
        rate = None
        if self.first is not None and self.last is not None and self.tokens > 1:
            span = self.last - self.first
            rate = (self.tokens - 1) / span if span > 0 else None
        return ReplyStats(self.tokens, ttft, rate, finish)


class Backend(ABC):
    """A model that chats. One generation at a time; ``generate`` runs in a worker thread."""

    #: short text shown on screen (model file or Ollama name)
    label: str

    @abstractmethod
    def load(self) -> None:
        """Make the model ready (load weights, check the server); raise BackendError if not."""

    @abstractmethod
    def generate(
        self, messages: Sequence[Message], params: GenerationParams, stop: StopSignal,
        emit: Callable[[str], None],
    ) -> ReplyStats:
        """Stream the assistant's reply to ``messages`` through ``emit``; return its stats."""

    def warm(self, system: str) -> int:
        """Get ready for a new conversation with this system text; return how many prompt
        tokens that evaluated ahead of time. Most backends have nothing to do (Ollama keeps
        its own prompt cache on the server)."""
        return 0

    def close(self) -> None:  # noqa: B027 - most backends hold nothing to release
        """Release the model or connection."""
