"""The development sets of the NIH library, built from LiveQA's training questions.

Why they are built, not hand-labelled: many of LiveQA's reference answers are NIH page
text that MedQuAD holds too. A MedQuAD pair is labelled relevant to a question when it
contains at least half of one of the question's reference answers (as runs of
:data:`SHINGLE` words; a reference shorter than :data:`MIN_SHINGLES` runs is too generic to
point at one page and labels nothing; one found in more than :data:`MAX_PER_REFERENCE`
pairs is boilerplate and labels only the pairs whose page is about the question's
annotated focus). The containment is bimodal on this data: of the 446
questions, 129 have a reference answer that is 90% or more inside a MedQuAD answer, 293
have none above 10%, 12 fall between 50% and 90% and 12 between 10% and 50%: 141
questions have a judged answer in the library.

Two files, both one JSON object a line, written in a fixed order so their sha256 is
stable (docs/sources.md cites them; a test rebuilds them and compares):

- ``liveqa-sources-dev.jsonl``: every question with at least one relevant pair:
  ``{"id", "question", "relevant": [ids], "focus": [...], "qtype": [...]}``, the input of
  ``hera bench sources``;
- ``liveqa-answers-dev.jsonl``: a fixed sample of :data:`ANSWERS_SAMPLE` of those, with
  their reference answers (``"references"``), the input of ``hera bench answers``.

The questions stay exactly as their writers sent them. Nothing here is tuned: the rule
above was fixed before any retrieval was measured.
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hera_core.atomic_files import atomic_write_text

from .liveqa import ConsumerQuestion
from .medquad import Passage

#: words per shingle when matching a reference answer against MedQuAD answers
SHINGLE = 6
#: a reference answer needs this many shingles to label anything
MIN_SHINGLES = 8
#: share of a reference answer's shingles a MedQuAD answer must contain to be relevant
CONTAINMENT = 0.5
#: a reference found in more pairs than this is boilerplate (GHR's and GARD's stock
#: paragraphs on inheritance or resources): only the pairs of the question's annotated
#: focus count, and if those are still more, the reference labels nothing
MAX_PER_REFERENCE = 10
#: questions in the grounded-answers dev set (a seeded sample of the retrieval set)
ANSWERS_SAMPLE = 50
SEED = 20261201

SOURCES_FILE = "liveqa-sources-dev.jsonl"
ANSWERS_FILE = "liveqa-answers-dev.jsonl"

_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _same_focus(foci: Iterable[str], passage: Passage) -> bool:
    """The annotated focus names the passage's page (or the page's focus is inside it)."""
    page = _words(" ".join((passage.focus, *passage.synonyms)))
    own = _words(passage.focus)
    return any((w := _words(f)) and (w <= page or own <= w) for f in foci)


def shingles(text: str) -> set[str]:
    words = _WORD.findall(text.lower())
    return {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


@dataclass(frozen=True)
class LabelledQuestion:
    question: ConsumerQuestion
    relevant: tuple[str, ...]


def label(questions: Iterable[ConsumerQuestion],
          passages: Iterable[Passage]) -> list[LabelledQuestion]:
    """Each question with the ids of the pairs that contain one of its reference answers."""
    kept = list(passages)
    ids = [p.id for p in kept]
    index: dict[str, list[int]] = defaultdict(list)
    for n, passage in enumerate(kept):
        for s in shingles(passage.text):
            index[s].append(n)
    out = []
    for q in questions:
        relevant: set[int] = set()
        for answer in q.answers:
            own = shingles(answer)
            if len(own) < MIN_SHINGLES:
                continue
            counts: dict[int, int] = defaultdict(int)
            for s in own:
                for n in index.get(s, ()):
                    counts[n] += 1
            found = [n for n, c in counts.items() if c >= CONTAINMENT * len(own)]
            if len(found) > MAX_PER_REFERENCE:  # boilerplate: keep the question's own focus
                found = [n for n in found if _same_focus(q.foci, kept[n])]
            if len(found) <= MAX_PER_REFERENCE:
                relevant.update(found)
        if relevant:
            out.append(LabelledQuestion(q, tuple(ids[n] for n in sorted(relevant))))
    return out


def _line(item: LabelledQuestion, references: bool) -> str:
    q = item.question
    row: dict = {"id": q.id, "question": q.message, "relevant": list(item.relevant),
                 "focus": list(q.foci), "qtype": list(q.qtypes)}
    if references:
        row["references"] = list(q.answers)
    return json.dumps(row, ensure_ascii=False)


def write_devsets(labelled: list[LabelledQuestion], out_dir: Path) -> dict[str, Path]:
    """Write both files into ``out_dir``; their paths by name."""
    sample = sorted(random.Random(SEED).sample(range(len(labelled)),
                                               min(ANSWERS_SAMPLE, len(labelled))))
    paths = {SOURCES_FILE: out_dir / SOURCES_FILE, ANSWERS_FILE: out_dir / ANSWERS_FILE}
    atomic_write_text(paths[SOURCES_FILE],
                      "".join(_line(item, False) + "\n" for item in labelled))
    atomic_write_text(paths[ANSWERS_FILE],
                      "".join(_line(labelled[i], True) + "\n" for i in sample))
    return paths
