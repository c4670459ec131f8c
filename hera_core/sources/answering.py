"""A reply grounded in the NIH library, before and after generation, for every front end.

The chat screen, ``hera ask``, ``hera bench answers`` and the build's sample replies all
answer the same way, whatever model writes the text (llama.cpp, Ollama, the starter):

1. :func:`plan_reply`: retrieve for the person's last message, keep the relevant passages
   (:func:`grounding.select_sources`), and put them in that message's turn as the context
   block of ``formats.grounded_question``. Earlier turns stay as they were said: only the
   question being answered carries sources, so a long conversation does not grow by three
   passages a turn. With sources off, the messages are sent unchanged.
2. the front end generates from ``plan.messages`` with its own backend;
3. :func:`finish_reply`: which sources the reply actually rests on
   (:func:`grounding.citations`); a reply written with no source found, or whose claims no
   source supports, cites nothing.

Torch-free and generator-free: ``hera_tui`` and the build import it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from hera_core.formats import SOURCE_LEAD_PATTERN, Message, grounded_question, with_emergency

from .grounding import Source, citation_line, citations, select_sources
from .retrieve import Retriever
from .text import CITATION

#: hits read from the retriever before the relevance rules pick the sources
SEARCH_DEPTH = 8


@dataclass(frozen=True)
class ReplyPlan:
    """What the model is asked, and with which sources."""

    messages: tuple[Message, ...]
    #: sources were asked for (the conversation's setting) and a library was there
    grounded: bool
    sources: tuple[Source, ...] = ()
    #: why the reply is not grounded, when it is not ("sources are off", "no library")
    note: str = ""


@dataclass(frozen=True)
class FinishedReply:
    text: str
    plan: ReplyPlan
    cited: tuple[Source, ...] = field(default=())

    @property
    def footer(self) -> str:
        """The lines shown under the reply: its numbered sources, or why there are none."""
        return footer_text(self.to_json())

    def to_json(self) -> dict:
        """What is stored with the reply and printed by ``hera ask --json``."""
        return {"grounded": self.plan.grounded, "note": self.plan.note,
                "retrieved": [s.to_json() for s in self.plan.sources],
                "cited": [s.number for s in self.cited]}


def plan_reply(
    messages: Sequence[Message], retriever: Retriever | None, sources: bool = True,
    missing_note: str = "the NIH library is not built: run `hera sources build`",
    emergency: str = "",
) -> ReplyPlan:
    """Ground the last user turn of ``messages`` (see the module docstring). ``emergency``:
    the emergency context (``formats.emergency_context``) when the check fired for that
    message; it opens the turn, before the sources."""
    messages = tuple(messages)
    last = max(i for i, m in enumerate(messages) if m.role == "user")
    question = messages[last].content
    chosen: list[Source] = []
    if not sources:
        grounded, note, content = False, "sources are off for this conversation", question
    elif retriever is None:
        grounded, note, content = False, missing_note, question
    else:
        chosen = select_sources(question, retriever.search(question, top=SEARCH_DEPTH))
        grounded, note = True, ""
        content = grounded_question(question, [s.context() for s in chosen])
    turn = replace(messages[last], content=with_emergency(content, emergency))
    return ReplyPlan((*messages[:last], turn, *messages[last + 1 :]), grounded, tuple(chosen),
                     note)


def finish_reply(plan: ReplyPlan, text: str) -> FinishedReply:
    """The reply with the sources it rests on (none when it rests on none); a citation
    marker the model wrote for a source that supports nothing it said is taken out, so
    every ``[n]`` left in the text is a listed source."""
    cited = tuple(citations(text, plan.sources)) if plan.grounded else ()
    return FinishedReply(keep_citations(text, {s.number for s in cited}), plan, cited)


def keep_citations(text: str, numbers: set[int]) -> str:
    """``text`` with each ``[n]`` / ``[n, m]`` marker reduced to the numbers in ``numbers``
    (a marker left with none is removed), and an opening that names a source
    (``formats.SOURCE_LEAD``) removed whole when that source is not cited: the text never
    attributes words to a source that does not support them."""
    def kept(match: re.Match) -> str:
        own = [int(n) for n in re.findall(r"\d+", match.group(0))]
        good = [n for n in own if n in numbers]
        return f" [{', '.join(map(str, good))}]" if good else ""

    def lead(match: re.Match) -> str:
        return match.group(0) if int(match.group(1)) in numbers else ""

    return CITATION.sub(kept, SOURCE_LEAD_PATTERN.sub(lead, text))


def footer_text(data: dict) -> str:
    """What is shown under a reply, from its stored JSON (:meth:`FinishedReply.to_json`):
    its numbered sources, or why it cites none."""
    if not data:
        return ""
    if not data.get("grounded"):
        note = data.get("note", "")
        return f"Not grounded in a source ({note})." if note else ""
    retrieved = data.get("retrieved", [])
    if not retrieved:
        return "No NIH source found for this question: nothing is cited."
    cited = [s for s in retrieved if s["number"] in set(data.get("cited", []))]
    if not cited:
        return ("None of the retrieved NIH sources supports this reply: nothing is cited.\n"
                "Retrieved, not cited:\n" + "\n".join(citation_line(s) for s in retrieved))
    return "Sources:\n" + "\n".join(citation_line(s) for s in cited)
