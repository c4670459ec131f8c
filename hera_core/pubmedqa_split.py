"""The standard PubMedQA split, and the guards that keep its test questions out of training.

The standard test set is the 500 PQA-L questions whose ids are in ``test_ground_truth.json``
(selected by id, never by position). The other 500 PQA-L questions are the train/dev pool.
Test questions must never reach training, eval-during-training or model selection:
:func:`guard_against_test` is called on every id that enters those paths.

Checking ids is not enough: the same question reaches training under another id (a hub
copy of PQA-L, ``pqa_artificial`` rows built from the same abstracts, a conversation
dataset that quotes an abstract). So every training, eval and dev text is compared with
the 500 test questions by content: a text leaks a test question when it contains its
question (normalised: lower case, words only) or a large part of its abstract (shared
runs of :data:`SHINGLE` words). Abstracts of different studies share boilerplate phrases,
so one shared run is not enough; :func:`ContentGuard.find` needs several, and a fifth of
the abstract's runs. Torch-free.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from hera_core.pubmedqa import (
    LeakedTestQuestionError,
    PubMedQAError,
    Question,
    load_pqal,
    load_test_ids,
    stratified_sample,
)

_WORD = re.compile(r"[a-z0-9]+")
#: Words in a run that identifies an abstract (long enough that only copying repeats it).
SHINGLE = 12
#: Shorter questions ("Is it safe?") are too generic to be recognised on their own.
MIN_QUESTION_WORDS = 6
#: An abstract is recognised from this many shared runs and this fraction of its runs.
MIN_SHARED_RUNS = 3
MIN_SHARED_FRACTION = 0.2


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _runs(words: list[str]) -> set[int]:
    return {hash(tuple(words[i : i + SHINGLE])) for i in range(len(words) - SHINGLE + 1)}


@dataclass
class ContentGuard:
    """Fingerprints of the test questions; :meth:`check` raises on any text that holds one."""

    #: first three words of a question -> (its words, test id)
    questions: dict[tuple[str, ...], list[tuple[list[str], str]]] = field(default_factory=dict)
    #: run of SHINGLE abstract words -> test id, and each test abstract's number of runs
    runs: dict[int, str] = field(default_factory=dict)
    run_counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, test: Iterable[Question]) -> ContentGuard:
        guard = cls()
        for q in test:
            words = _words(q.question)
            if len(words) >= MIN_QUESTION_WORDS:
                guard.questions.setdefault(tuple(words[:3]), []).append((words, q.id))
            runs = _runs(_words(" ".join(q.contexts)))
            guard.run_counts[q.id] = len(runs)
            guard.runs.update(dict.fromkeys(runs, q.id))
        return guard

    def find(self, text: str) -> tuple[str, str] | None:
        """(test id, "question" or "abstract") of a test question ``text`` contains."""
        words = _words(text)
        for i in range(len(words) - 2):
            for question, test_id in self.questions.get(tuple(words[i : i + 3]), ()):
                if words[i : i + len(question)] == question:
                    return test_id, "question"
        shared = Counter(self.runs[r] for r in _runs(words) if r in self.runs)
        for test_id, n in shared.items():
            if n >= max(MIN_SHARED_RUNS, MIN_SHARED_FRACTION * self.run_counts[test_id]):
                return test_id, "abstract"
        return None

    def check(self, texts: Iterable[tuple[str, str]], what: str) -> None:
        """Raise :class:`LeakedTestQuestionError` for the first (id, text) that holds a test
        question; ``what`` names the source in the message ("stage 2 example")."""
        for item_id, text in texts:
            found = self.find(text)
            if found is not None:
                raise LeakedTestQuestionError(
                    f"{what} {item_id!r} contains the {found[1]} of PubMedQA test question "
                    f"{found[0]}; remove it from the data (test questions never train or "
                    "select models)"
                )


@dataclass(frozen=True)
class Split:
    """PQA-L divided into the standard test set and the non-test pool."""

    test: list[Question]
    pool: list[Question]
    test_ids: frozenset[str]

    def guard(self, ids: Iterable[str]) -> None:
        """Raise if any id belongs to the test set."""
        guard_against_test(ids, self.test_ids)

    @cached_property
    def content_guard(self) -> ContentGuard:
        """The test questions' fingerprints (:class:`ContentGuard`), built once."""
        return ContentGuard.of(self.test)

    def dev(self, n: int, seed: int = 0) -> list[Question]:
        """A label-stratified sample of the non-test pool, reproducible by seed."""
        return stratified_sample(self.pool, n, seed)


def split_pqal(questions: Mapping[str, Question], test_ids: Mapping[str, str]) -> Split:
    """Select the test set by id; everything else is the pool."""
    unknown = sorted(set(test_ids) - set(questions))
    if unknown:
        raise PubMedQAError(
            f"{len(unknown)} test ids are not in PQA-L (first: {unknown[0]}); "
            "use the ori_pqal.json that matches test_ground_truth.json"
        )
    for pmid, label in test_ids.items():
        if questions[pmid].label != label:
            raise PubMedQAError(f"test id {pmid}: label {label!r} disagrees with PQA-L")
    test = [questions[pmid] for pmid in test_ids]
    pool = [q for pmid, q in questions.items() if pmid not in test_ids]
    return Split(test=test, pool=pool, test_ids=frozenset(test_ids))


def load_split(pqal_path: Path, test_ids_path: Path) -> Split:
    """Load PQA-L and its standard test ids."""
    return split_pqal(load_pqal(pqal_path), load_test_ids(test_ids_path))


def guard_against_test(ids: Iterable[str], test_ids: frozenset[str] | set[str]) -> None:
    """Refuse any PubMedQA test id: they never enter training or model selection."""
    leaked = sorted({str(i) for i in ids} & set(test_ids))
    if leaked:
        raise LeakedTestQuestionError(
            f"{len(leaked)} PubMedQA test question(s) (first: {leaked[0]}) would enter "
            "training or model selection; remove them from the training data"
        )
