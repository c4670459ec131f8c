"""Stage 2 of HERA-mini: questions answered from the passages the retriever returns.

A small model cannot hold enough medicine to be trusted on its own; what it can learn is to
read trusted text and say what it says. Each example is one consumer question, the
sources the library's retriever returns for it (exactly as the chat app builds its prompt:
:func:`grounding.select_sources`, rendered by ``formats.grounded_question``), and a reply
in HERA's voice:

- the right passage is among the sources (with none, one or two of the retriever's other
  hits as distractors, numbered in the retriever's order as the chat numbers them): the
  reply names that source by site and number and quotes the excerpt the model was shown,
  then HERA's fixed line on seeing a clinician;
- the right passage is missing (a share :data:`MISSING_SHARE` of examples: it is taken out
  of the sources, with every other page about its focus): the reply says the sources do
  not answer the question, and cites nothing. The model learns to look, not to copy
  source [1];
- no context block at all (a share :data:`PLAIN_SHARE`: the question as ``ollama run hera``
  sends it, without HERA's client): the same reply, so that without sources the model
  says it has none, and ends its turn, rather than answer from what it half knows.

Questions are MedQuAD's own, half of them reworded the way people write (a greeting, who
it is about, the question in everyday words, typos left in), since the chat's questions
come from people, not templates. **Split by focus**: no page whose focus is one of the
LiveQA training questions' (the dev sets' questions and every other LiveQA question), and
no page holding a pair a dev question is labelled with, is trained on, so the dev
questions are about conditions the model never saw in training.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hera_core.formats import (
    CLINICIAN_LINE,
    HERA_SYSTEM_PROMPT,
    NO_SOURCES_LINE,
    PARAGRAPH_BREAK,
    SOURCE_LEAD,
    Message,
    grounded_question,
)

from .grounding import Source, excerpt, select_sources
from .liveqa import ConsumerQuestion
from .medquad import Passage
from .retrieve import Hit, Retriever, focus_key

#: share of examples whose right passage is taken out of the sources
MISSING_SHARE = 0.15
#: share of examples asked with no context block at all (as ``ollama run hera`` asks,
#: without HERA's client): the reply says the sources do not answer it, and ends its turn
PLAIN_SHARE = 0.10
#: share of questions reworded the way people write
REWORDED_SHARE = 0.5
#: question types people ask about (the rest, such as "brand names of combination
#: products" or "storage and disposal", are drug-label sections the library lacks)
QTYPES = ("information", "symptoms", "treatment", "causes", "exams and tests", "outlook",
          "prevention", "complications", "susceptibility", "inheritance", "frequency",
          "when to contact a medical professional", "genetic changes", "research",
          "stages", "considerations")

_ASK: dict[str, tuple[str, ...]] = {
    "information": ("what is {f}?", "can you tell me about {f}", "what exactly is {f}",
                    "i need information on {f} please", "what does {f} mean"),
    "symptoms": ("what are the signs of {f}?", "how do i know if it is {f}",
                 "what symptoms does {f} cause", "is tiredness a symptom of {f}?"),
    "treatment": ("how is {f} treated?", "what can be done for {f}", "is there a cure for {f}",
                  "what treatment options are there for {f}?", "how do i get rid of {f}"),
    "causes": ("what causes {f}?", "why does someone get {f}", "how did i get {f}?"),
    "exams and tests": ("how is {f} diagnosed?", "what tests are there for {f}",
                        "how do doctors check for {f}?"),
    "outlook": ("what is the outlook for {f}?", "will i get better from {f}",
                "what is the life expectancy with {f}"),
    "prevention": ("how can i prevent {f}?", "can {f} be avoided", "how do i stop {f} "
                   "coming back"),
    "complications": ("what complications can {f} cause?", "can {f} lead to other problems"),
    "susceptibility": ("who gets {f}?", "am i at risk of {f}", "who is more likely to get {f}"),
    "inheritance": ("is {f} inherited?", "can i pass {f} on to my children",
                    "does {f} run in families"),
    "frequency": ("how common is {f}?", "how many people have {f}"),
    "when to contact a medical professional": ("when should i see a doctor about {f}?",
                                               "when is {f} serious enough to see someone"),
    "genetic changes": ("what gene causes {f}?", "is {f} genetic"),
    "research": ("is there any research on {f}?", "are there clinical trials for {f}"),
    "stages": ("what are the stages of {f}?",),
    "considerations": ("what should i know about {f}?",),
}
_OPENING = ("", "", "hi, ", "hello, ", "dear sir, ", "good morning. ", "hello doctor, ",
            "please help. ")
_WHO = ("", "", "i have been told i have {f}. ", "my mother has {f}. ",
        "my son was diagnosed with {f} last month. ", "my husband has {f}. ",
        "a friend of mine has {f}. ", "i think i might have {f}. ")
_CLOSING = ("", "", " thank you", " thanks in advance!", " any advice is welcome.",
            " i would be grateful for your help")


@dataclass(frozen=True)
class GroundedExample:
    """One stage-2 conversation and what it was built from."""

    id: str
    messages: tuple[Message, ...]
    #: the right passage was among the sources
    answerable: bool


def prose(passage: Passage) -> bool:
    """The answer is prose a reply can quote: not one of the stock lists some sites give
    (Genetics Home Reference's "These resources address the diagnosis or management of",
    GARD's Human Phenotype Ontology symptom tables)."""
    text = passage.text
    return not text.startswith("These resources") and "Human Phenotype Ontology" not in text


def reword(question: str, passage: Passage, rng: random.Random) -> str:
    """The question as a person might write it (lower case, framing, maybe a typo)."""
    focus = passage.focus.split(" - ")[-1].strip().lower()
    ask = rng.choice(_ASK.get(passage.qtype, ("{f}?",))).format(f=focus)
    who = rng.choice(_WHO).format(f=focus)
    text = f"{rng.choice(_OPENING)}{who}{ask}{rng.choice(_CLOSING)}"
    if rng.random() < 0.3 and len(text) > 20:  # a dropped letter, as people type
        i = rng.randrange(5, len(text) - 1)
        if text[i].isalpha():
            text = text[:i] + text[i + 1 :]
    return text


def reply_from(source: Source) -> str:
    """HERA's reply from one source: which source it is (:data:`formats.SOURCE_LEAD`), the
    excerpt the model was shown, whole, then the clinician line. Why the whole excerpt: the
    model learns one rule, quote the chosen source to its end and stop, rather than to
    stop somewhere inside it (run H quoted up to 90 of 100 words, and four of its dev
    replies ran on from the quote into the next source)."""
    lead = SOURCE_LEAD.format(site=source.passage.site, number=source.number)
    return f"{lead} {source.excerpt.removesuffix(' …')}{PARAGRAPH_BREAK}{CLINICIAN_LINE}"


def unanswerable_reply() -> str:
    return f"{NO_SOURCES_LINE}{PARAGRAPH_BREAK}{CLINICIAN_LINE}"


def could_answer(candidate: Passage, gold: Passage, gold_shown: bool) -> bool:
    """``candidate`` may answer the question as well as the right page: the same text, or
    a page about the same focus (MedQuAD has several sites' pages on one condition); where
    the right page is shown, only one of the same question type too. Such a page is never a
    distractor: in an example that says the sources do not answer, it would teach the model
    to say so of a source that does."""
    if candidate.id == gold.id or candidate.text == gold.text:
        return True
    same_focus = focus_key(candidate.focus) == focus_key(gold.focus)
    return same_focus and (not gold_shown or candidate.qtype == gold.qtype)


def gold_position(gold: Passage, distractors: Sequence[Passage], hits: Sequence[Hit],
                  rng: random.Random) -> int:
    """Where the right page goes among the distractors: at its rank in the retriever's hits,
    as the chat would number it (the chat's source [1] is the retriever's best hit, and is
    most often the right one), or anywhere when the retriever missed it. Run G numbered the
    sources at random; it cited source [1] less often than the chat's sources deserve."""
    rank = {h.passage.id: i for i, h in enumerate(hits)}
    if gold.id not in rank:
        return rng.randint(0, len(distractors))
    return sum(1 for p in distractors if rank.get(p.id, len(hits)) < rank[gold.id])


def held_out_foci(questions: Iterable[ConsumerQuestion]) -> set[tuple[str, ...]]:
    """The focus keys of every LiveQA question (the evaluation's conditions)."""
    return {k for q in questions for f in q.foci if (k := focus_key(f))}


def _held_out(passage: Passage, foci: set[tuple[str, ...]]) -> bool:
    """The page is about a held-out focus: its focus (or a synonym) equals one, or holds a
    held-out focus as a run of stems, or is held inside one."""
    for name in (passage.focus, *passage.synonyms):
        key = focus_key(name)
        joined = " " + " ".join(key) + " "
        for f in foci:
            inner = " " + " ".join(f) + " "
            if key == f or inner in joined or (len(key) > 1 and joined in inner):
                return True
    return False


def grounded_examples(
    retriever: Retriever, passages: Sequence[Passage], held_out: set[tuple[str, ...]],
    held_out_pages: set[str], count: int, seed: int = 0,
) -> tuple[list[GroundedExample], dict]:
    """``count`` grounded conversations (see the module docstring) and a report of how
    they were drawn. ``held_out_pages``: URLs of pages a dev question is labelled with."""
    rng = random.Random(seed)
    pool = [p for p in passages if p.qtype in QTYPES and p.url not in held_out_pages
            and prose(p) and not _held_out(p, held_out)]
    report = {"pool": len(pool), "held_out_pairs": len(passages) - len(pool)}
    rng.shuffle(pool)
    out: list[GroundedExample] = []
    for gold in pool[:count]:
        question = reword(gold.question, gold, rng) if rng.random() < REWORDED_SHARE else (
            gold.question)
        hits = retriever.search(question, top=8)
        draw = rng.random()
        answerable = draw >= MISSING_SHARE + PLAIN_SHARE
        others = [s.passage for s in select_sources(question, hits)
                  if not could_answer(s.passage, gold, answerable)]
        # one to three sources, as the chat sends: the right one and up to two distractors
        chosen = others[: rng.randint(0, 2) if answerable else rng.randint(0, 3)]
        if answerable:
            chosen.insert(gold_position(gold, chosen, hits, rng), gold)
        sources = [Source(n, p, excerpt(question, p)) for n, p in enumerate(chosen, 1)]
        if answerable:
            reply = reply_from(next(s for s in sources if s.passage.id == gold.id))
        else:
            reply = unanswerable_reply()
        user = (question if draw < PLAIN_SHARE else
                grounded_question(question, [s.context() for s in sources]))
        out.append(GroundedExample(gold.id, (
            Message("system", HERA_SYSTEM_PROMPT), Message("user", user),
            Message("assistant", reply)), answerable))
    report["examples"] = len(out)
    report["unanswerable"] = sum(1 for e in out if not e.answerable)
    return out, report
