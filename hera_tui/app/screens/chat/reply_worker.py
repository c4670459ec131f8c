"""The chat's reply worker: one reply, written in a worker thread and saved as it streams.

An empty reply row marked ``incomplete`` is committed before generation starts, filled while
streaming (saved about once a second), and finally marked complete, stopped or error. When
the emergency check fired for the message answered, the reply is written with the emergency
in its prompt and shown a judged sentence at a time (``hera_tui.answers.generate_guarded``):
a reply that reads as reassurance or permission to wait is stopped there and replaced by the
reason and the guidance; the model's words are kept in the row's details, not shown.

Text reaches the screen as messages (thread-safe), so a slow or stuck backend never freezes
it; the StopSignal is checked by the backend while it reads the prompt and between tokens.
If the terminal goes away mid-reply, the app saves the text so far from its own thread
(:func:`save_streaming_reply`); whichever of it and the worker finishes the reply first
wins, so the row is written once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message

from hera_core.formats import Message as PromptMessage
from hera_core.sources.answering import ReplyPlan, finish_reply, plan_reply
from hera_tui.answers import emergency_prompt, generate_guarded, withheld_reply
from hera_tui.app.host import HeraHost
from hera_tui.backends.base import BackendError, GenerationParams, ReplyStats, StopSignal
from hera_tui.safety.reply_guard import ReplyCheck
from hera_tui.store import ChatStore
from hera_tui.widgets.messages import MessageView

if TYPE_CHECKING:
    from hera_tui.safety.detector import Alert

#: seconds between saves of a reply while it streams
SAVE_EVERY_S = 1.0


@dataclass
class Generation:
    """One reply being written: its row, the view it streams into, and how it ends."""

    stop: StopSignal
    view: MessageView
    reply_id: int
    conversation_id: int
    pieces: list[str] = field(default_factory=list)
    #: the sources the reply is being written with (set once retrieval is done)
    plan: ReplyPlan | None = None
    #: what the emergency check found in the message being answered, if it fired
    alert: Alert | None = None
    #: why the guard withheld the reply, and the model's words, if it did
    withheld: ReplyCheck | None = None
    model_text: str = ""
    _finished: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    @property
    def finished(self) -> bool:
        return self._finished

    def claim_finish(self) -> bool:
        """True for the first caller only: the reply row is finished exactly once."""
        with self._lock:
            first, self._finished = not self._finished, True
        return first


class ReplyStatus(Message):
    """A worker's progress for the status line (looking up sources, generating)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class ReplyDelta(Message):
    """Text the model added to the reply in ``view``."""

    def __init__(self, view: MessageView, text: str) -> None:
        super().__init__()
        self.view, self.text = view, text


class ReplyDone(Message):
    """The reply in ``view`` is saved in its final state."""

    def __init__(
        self, view: MessageView, state: str, stats: ReplyStats | None, error: str | None,
        sources: str = "", text: str | None = None,
    ) -> None:
        super().__init__()
        self.view, self.state, self.stats, self.error = view, state, stats, error
        #: the sources shown under the reply, and its final text when that differs from
        #: what streamed (uncited markers taken out)
        self.sources, self.text = sources, text


def write_reply(
    generation: Generation,
    host: HeraHost,
    post: Callable[[Message], object],
    messages: Sequence[PromptMessage],
    params: GenerationParams,
) -> None:
    """Worker thread: run the backend, save the reply as it grows, report through ``post``
    (the screen's ``post_message``).

    Every exception ends here as an error on screen with the partial reply kept.
    """
    store = host.store
    last_save = time.monotonic()

    def emit(text: str) -> None:
        nonlocal last_save
        generation.pieces.append(text)
        post(ReplyDelta(generation.view, text))
        if time.monotonic() - last_save >= SAVE_EVERY_S and not generation.finished:
            store.update_message(generation.reply_id, generation.text, "incomplete")
            last_save = time.monotonic()

    try:
        backend = host.wait_for_backend()
        retriever, missing = host.library.get()
        if params.sources and retriever is not None:
            post(ReplyStatus("looking up NIH sources… (Esc to stop)"))
        plan = plan_reply(messages, retriever, params.sources, missing,
                          emergency_prompt(generation.alert))
        generation.plan = plan
        post(ReplyStatus("generating… (Esc to stop)"))
        out = generate_guarded(backend, plan, params, generation.stop, emit, generation.alert)
    except BackendError as exc:
        _finish(generation, store, post, "error", None, str(exc))
        return
    except Exception as exc:  # an unexpected failure must not lose the reply either
        _finish(generation, store, post, "error", None, f"{type(exc).__name__}: {exc}")
        return
    generation.withheld, generation.model_text = out.withheld, out.text
    stopped = out.stats.finish == "stopped" and out.withheld is None
    _finish(generation, store, post, "stopped" if stopped else "complete", out.stats, None)


def _finish(
    generation: Generation,
    store: ChatStore,
    post: Callable[[Message], object],
    state: str,
    stats: ReplyStats | None,
    error: str | None,
) -> None:
    """Save the reply in its final state (with its sources, or withheld), once."""
    if not generation.claim_finish():
        return  # already saved when the terminal went away
    text = generation.text
    shown, final = "", None
    if state == "error" and not text:
        store.delete_message(generation.reply_id)  # nothing to keep; the question stays
    else:
        details = stats.to_dict() if stats else {"error": error}
        if generation.plan is not None and generation.withheld and generation.alert:
            finished = withheld_reply(generation.plan, generation.withheld, generation.alert)
            text = final = finished.text
            details["withheld"] = {"reason": generation.withheld.reason,
                                   "reply": generation.model_text}
            store.set_sources(generation.reply_id, finished.to_json())
            shown = finished.footer
        elif generation.plan is not None:
            finished = finish_reply(generation.plan, text)
            if finished.text != text:  # a marker for a source that supports nothing
                text = final = finished.text
            store.set_sources(generation.reply_id, finished.to_json())
            shown = finished.footer
        store.update_message(generation.reply_id, text, state, details)
    post(ReplyDone(generation.view, state, stats, error, shown, final))


def save_streaming_reply(generation: Generation, store: ChatStore, reason: str) -> None:
    """From any thread, when the app must end now: stop the reply and save its text."""
    generation.stop.set()
    if not generation.claim_finish():
        return
    if generation.text:
        store.update_message(generation.reply_id, generation.text, "incomplete",
                             {"error": reason})
    else:
        store.delete_message(generation.reply_id)
