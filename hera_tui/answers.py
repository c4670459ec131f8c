"""Grounded, guarded answers: the steps every front end shares, and one answer at a time
outside the chat screen (``hera ask``, ``hera bench answers``, the build's sample replies).

The order is the chat's: the caller runs the emergency check first (it never waits for
retrieval or the model), then retrieval and the prompt
(``hera_core.sources.answering.plan_reply``, with the emergency context of
``hera_core.formats.emergency_context`` when the check fired), the model's reply through
the same backend the chat uses (llama.cpp in-process or Ollama) passed through the reply
guard (:func:`generate_guarded`: a reply that reads as reassurance or permission to wait
is stopped and withheld), and the sources the reply rests on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from hera_core.formats import (
    CLINICIAN_LINE,
    EMERGENCY_OPENING,
    HERA_SYSTEM_PROMPT,
    Message,
    emergency_context,
)
from hera_core.sources.answering import FinishedReply, ReplyPlan, finish_reply, plan_reply
from hera_core.sources.retrieve import Retriever

from .backends.base import Backend, GenerationParams, ReplyStats, StopSignal
from .safety.reply_guard import ReplyCheck, StreamGuard, withheld_notice

if TYPE_CHECKING:
    from export.sample_replies import SampleReply

    from .safety.detector import Alert

#: greedy, with room for a whole reply (HERA-mini's grounded replies run to ~100 tokens)
GREEDY = GenerationParams(temperature=0.0, top_p=1.0, max_tokens=384, context_length=4096)
#: the sample replies: greedy, and room to show a model that never ends its turn
SAMPLE_PARAMS = GenerationParams(temperature=0.0, top_p=1.0, max_tokens=512,
                                 context_length=2048)


def emergency_prompt(alert: Alert | None) -> str:
    """The emergency context a reply to a flagged message is generated with ("" if none)."""
    return emergency_context(*alert.prompt_context()) if alert is not None else ""


@dataclass(frozen=True)
class Generated:
    """What the model wrote, and whether the guard withheld it."""

    stats: ReplyStats
    #: everything the model wrote (a withheld reply's text is kept for the record)
    text: str
    withheld: ReplyCheck | None = None
    #: HERA's own words before the model's (``EMERGENCY_OPENING`` when the check fired)
    opening: str = ""

    @property
    def reply(self) -> str:
        """The reply as it was shown while it streamed: the opening, then the model's text."""
        return f"{self.opening}\n\n{self.text}".strip() if self.opening else self.text


class ClosingLine:
    """Ends a reply at HERA's closing line, as a stop sequence would.

    Why: every grounded reply HERA is trained on ends with ``CLINICIAN_LINE`` and then the
    end of turn; a small model sometimes writes the line and then repeats it (or LiveQA's
    ``[NAME]`` placeholders) to the token limit. Text after the first closing line is never
    part of HERA's reply, so it is cut there and the model is stopped.
    """

    def __init__(self, emit: Callable[[str], None], stop: Callable[[], None]) -> None:
        self._emit, self._stop = emit, stop
        self._text = ""
        self.reached = False

    def feed(self, piece: str) -> None:
        if self.reached:
            return
        seen = len(self._text)
        self._text += piece
        end = self._text.find(CLINICIAN_LINE, max(0, seen - len(CLINICIAN_LINE)))
        if end < 0:
            self._emit(piece)
            return
        self.reached = True
        self._emit(self._text[seen:end + len(CLINICIAN_LINE)])
        self._stop()


def generate_guarded(
    backend: Backend, plan: ReplyPlan, params: GenerationParams, stop: StopSignal,
    emit: Callable[[str], None], alert: Alert | None,
) -> Generated:
    """Generate from ``plan`` through the reply guard: with no alert every piece reaches
    ``emit`` as it comes; with one, a sentence at a time once judged, and the model is
    stopped at the first sentence that undercuts the guidance (nothing of it is emitted).
    The reply ends at HERA's closing line (:class:`ClosingLine`): its finish is then "stop",
    as for a stop sequence. With an alert, the reply opens with HERA's own
    ``EMERGENCY_OPENING``, emitted before the model starts, so the first words on screen
    point to the guidance whatever the model writes (and come without waiting for it)."""
    opening = EMERGENCY_OPENING if alert is not None else ""
    if opening:
        emit(f"{opening}\n\n")
    guard = StreamGuard(alert, emit, stop.set)
    closing = ClosingLine(guard.feed, stop.set)
    stats = backend.generate(plan.messages, params, stop, closing.feed)
    withheld = guard.close()
    if closing.reached and withheld is None:
        stats = replace(stats, finish="stop")
    return Generated(stats, guard.text.strip(), withheld, opening)


def withheld_reply(plan: ReplyPlan, check: ReplyCheck, alert: Alert) -> FinishedReply:
    """What stands in for a withheld reply: the reason and the guidance, citing nothing."""
    text = "\n".join([withheld_notice(check, alert), *(f"- {s}" for s in alert.guidance.steps)])
    return FinishedReply(text, replace(plan, grounded=False,
                                       note="the reply was withheld: follow the guidance"))


@dataclass(frozen=True)
class Answer:
    question: str
    reply: FinishedReply
    stats: ReplyStats
    seconds: float = 0.0
    #: why the model's reply was withheld (its text is then ``model_text``), if it was
    withheld: ReplyCheck | None = None
    model_text: str = ""

    def to_json(self) -> dict:
        data = {"question": self.question, "answer": self.reply.text,
                "finish": self.stats.finish, "tokens": self.stats.tokens,
                "ttft_s": self.stats.ttft_s, **self.reply.to_json(),
                "sources": [s.to_json() for s in self.reply.cited]}
        if self.withheld is not None:
            data["withheld"] = {"reason": self.withheld.reason,
                                "words": list(self.withheld.evidence),
                                "reply": self.model_text}
        return data


def open_library_retriever() -> tuple[Retriever | None, str]:
    """The current library's retriever, or None and why (the reply then says it)."""
    from hera_core.errors import HeraError
    from hera_core.sources.retrieve import open_retriever

    try:
        return open_retriever(), ""
    except HeraError as exc:
        return None, str(exc)


class LibraryLoader:
    """The NIH library's retriever, opened once in a daemon thread (the encoder and the
    focus lexicon take a second or two): the chat app starts it as it opens, so the first
    reply does not wait for it, and closing the app never waits for it."""

    def __init__(self) -> None:
        self._ready = threading.Event()
        self._result: tuple[Retriever | None, str] = (None, "")

    def start(self) -> LibraryLoader:
        threading.Thread(target=self._load, name="hera-library", daemon=True).start()
        return self

    def _load(self) -> None:
        try:
            self._result = open_library_retriever()
        except Exception as exc:  # a broken library must not end the app: replies say why
            self._result = (None, f"the NIH library could not be opened ({exc})")
        finally:
            self._ready.set()

    def get(self) -> tuple[Retriever | None, str]:
        """The retriever (or None and why), waiting for the load to finish."""
        self._ready.wait()
        return self._result


class Answerer:
    """Answers questions with one backend and (optionally) the NIH library."""

    def __init__(self, backend: Backend, retriever: Retriever | None, missing_note: str = "",
                 params: GenerationParams = GREEDY) -> None:
        self.backend = backend
        self.retriever = retriever
        self.missing_note = missing_note or "the NIH library is not built"
        self.params = params

    def plan(self, question: str, sources: bool = True, system: str = HERA_SYSTEM_PROMPT,
             alert: Alert | None = None) -> ReplyPlan:
        """What the model will be asked for ``question``: retrieval and the prompt."""
        messages = ([Message("system", system)] if system.strip() else []) + [
            Message("user", question)]
        return plan_reply(messages, self.retriever, sources, self.missing_note,
                          emergency_prompt(alert))

    def answer(
        self, question: str, sources: bool = True, system: str = HERA_SYSTEM_PROMPT,
        emit: Callable[[str], None] | None = None, alert: Alert | None = None,
        plan: ReplyPlan | None = None,
    ) -> Answer:
        """Retrieve, generate through the guard, cite. ``alert``: what the emergency check
        (which the caller runs first) found in ``question``, if it fired. ``plan``: the
        prompt :meth:`plan` already made for these arguments (it is not made again)."""
        started = time.perf_counter()
        plan = plan or self.plan(question, sources, system, alert)
        out = generate_guarded(self.backend, plan, self.params, StopSignal(),
                               emit or (lambda _text: None), alert)
        seconds = time.perf_counter() - started
        if out.withheld is not None and alert is not None:
            return Answer(question, withheld_reply(plan, out.withheld, alert), out.stats,
                          seconds, out.withheld, out.text)
        return Answer(question, finish_reply(plan, out.reply), out.stats, seconds)


def sample_replies(gguf: Path) -> list[SampleReply]:
    """Greedy, grounded replies of ``gguf`` to the fixed sample questions, each checked."""
    from export.sample_replies import SAMPLE_QUESTIONS, check_reply

    from .backends.llama_cpp_backend import LlamaCppBackend
    from .safety import triage

    backend = LlamaCppBackend(gguf)
    backend.load(SAMPLE_PARAMS.context_length)
    retriever, missing = open_library_retriever()
    try:
        fmt = backend.prompt_format
        answerer = Answerer(backend, retriever, missing, SAMPLE_PARAMS)
        out = []
        for question in SAMPLE_QUESTIONS:
            answer = answerer.answer(question, alert=triage(question))
            out.append(check_reply(question, answer.reply, answer.stats.tokens,
                                   answer.stats.finish == "stop",
                                   (fmt.turn_start, fmt.turn_end, fmt.bos or "")))
        return out
    finally:
        backend.close()
        if retriever is not None:
            retriever.library.close()
