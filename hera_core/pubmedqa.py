"""PubMedQA: its files, the one question format, and the metrics.

The standard test set is the 500 PQA-L questions whose ids are in ``test_ground_truth.json``
(selected by id, never by position); :mod:`hera_core.pubmedqa_split` divides PQA-L by
them and guards training and model selection against test questions, by id and by content.

The question format is shared by training stage 1 and the benchmark, in the
reasoning-required setting (contexts and question, no long answer): the user turn carries
the abstract and question, and the model's reply begins ``Answer: <yes|no|maybe>``.
Log-likelihood scoring compares the three continuations of the reply prefix ``Answer:``.

Torch-free: the chat app's benchmark screen imports it.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from hera_core.errors import HeraError
from hera_core.formats import PARAGRAPH_BREAK

LABELS = ("yes", "no", "maybe")
ANSWER_PREFIX = "Answer:"
#: Continuations scored after ANSWER_PREFIX (leading space: one word after "Answer:").
CHOICES = tuple(f" {label}" for label in LABELS)
INSTRUCTION = "Answer the question about the abstract with yes, no or maybe."


class PubMedQAError(HeraError, ValueError):
    """Malformed PubMedQA data or a forbidden use of the test set."""


class LeakedTestQuestionError(PubMedQAError):
    """A PubMedQA test question was about to enter training or model selection."""


@dataclass(frozen=True)
class Question:
    """One PubMedQA question."""

    id: str
    question: str
    contexts: tuple[str, ...]
    label: str
    long_answer: str = ""


def load_pqal(path: Path) -> dict[str, Question]:
    """Read PQA-L's ``ori_pqal.json`` (PMID → fields)."""
    try:
        raw = json.loads(Path(path).read_text())
    except json.JSONDecodeError as exc:
        raise PubMedQAError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise PubMedQAError(f"{path}: expected an object keyed by PMID")
    out = {}
    for pmid, item in raw.items():
        try:
            label = item["final_decision"]
            if label not in LABELS:
                raise PubMedQAError(f"{path}: question {pmid} has label {label!r}")
            out[str(pmid)] = Question(
                id=str(pmid),
                question=item["QUESTION"],
                contexts=tuple(item["CONTEXTS"]),
                label=label,
                long_answer=item.get("LONG_ANSWER", ""),
            )
        except (KeyError, TypeError) as exc:
            raise PubMedQAError(f"{path}: question {pmid} lacks field {exc}") from None
    return out


def load_test_ids(path: Path) -> dict[str, str]:
    """Read ``test_ground_truth.json`` (PMID → label)."""
    try:
        raw = json.loads(Path(path).read_text())
    except json.JSONDecodeError as exc:
        raise PubMedQAError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(raw, dict) or not all(v in LABELS for v in raw.values()):
        raise PubMedQAError(f"{path}: expected an object PMID → yes/no/maybe")
    return {str(k): v for k, v in raw.items()}


def _by_label(questions: Iterable[Question]) -> dict[str, list[Question]]:
    """The questions grouped by gold label, each group in the order given."""
    by_label: dict[str, list[Question]] = {}
    for q in questions:
        by_label.setdefault(q.label, []).append(q)
    return by_label


def stratified_sample(questions: list[Question], n: int, seed: int = 0) -> list[Question]:
    """``n`` questions with the label proportions of ``questions`` (largest remainder)."""
    if n <= 0 or n >= len(questions):
        return list(questions)
    by_label = _by_label(questions)
    rng = random.Random(seed)
    quotas = {lab: n * len(qs) / len(questions) for lab, qs in by_label.items()}
    counts = {lab: int(quota) for lab, quota in quotas.items()}
    remainder = sorted(by_label, key=lambda lab: quotas[lab] - counts[lab], reverse=True)
    for lab in remainder[: n - sum(counts.values())]:
        counts[lab] += 1
    picked = []
    for lab in sorted(by_label):
        picked.extend(rng.sample(by_label[lab], counts[lab]))
    rng.shuffle(picked)
    return picked


def label_mixed_order(questions: Sequence[Question], seed: int = 0) -> list[Question]:
    """``questions`` in a seeded order whose every prefix holds each label in proportion.

    Why: ``test_ground_truth.json`` lists its ids by label (276 "yes", then 169 "no", then
    55 "maybe"). Scored in that order, a model that always answers "yes" reads 100% until
    question 276, and a run cut short keeps only "yes" questions. A random shuffle only
    mixes the labels on average; here each label's questions are shuffled (by ``seed``)
    and then dealt out one at a time, each position going to the label furthest below its
    share of the questions so far. Every prefix of k questions then holds, of each label,
    the floor or the ceiling of its exact share k * n_label / n_total (tested), so the
    first N are a label-stratified sample of N and the running accuracy is comparable to
    the majority baseline from the first question on. Same questions and seed, same order:
    the per-question cache and resume do not depend on it anyway (they are keyed by id).
    """
    rng = random.Random(seed)
    groups = _by_label(questions)
    for label in sorted(groups):
        rng.shuffle(groups[label])
    total = len(questions)
    taken = dict.fromkeys(groups, 0)
    order: list[Question] = []
    for k in range(1, total + 1):
        # Largest deficit (k * share - taken, times total: exact in integers) first; ties go
        # to the larger group, then to the first label name.
        label = max(
            sorted(groups),
            key=lambda lab: (k * len(groups[lab]) - taken[lab] * total, len(groups[lab])),
        )
        order.append(groups[label][taken[label]])
        taken[label] += 1
    return order


def question_text(question: str, contexts: Iterable[str]) -> str:
    """The user turn: abstract (contexts) and question, reasoning-required setting."""
    abstract = " ".join(c.strip() for c in contexts)
    return f"{INSTRUCTION}{PARAGRAPH_BREAK}Abstract: {abstract}\nQuestion: {question.strip()}"


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")


def shorten_contexts(
    contexts: Sequence[str], fits: Callable[[tuple[str, ...]], bool]
) -> tuple[tuple[str, ...], int]:
    """The abstract without as few of its *leading* sentences as make ``fits`` true.

    Why the start goes: PubMedQA's question is answered by the results at the end of the
    abstract (the conclusion is already withheld in the reasoning-required setting), while
    the background at the start is the least informative part. Sections keep their order;
    a section whose sentences are all removed disappears. Returns the shortened contexts and
    how many sentences were removed (0 when the abstract already fits). Raises
    :class:`PubMedQAError` when even the last sentence alone does not fit.
    """
    sections = [[s for s in _SENTENCE_END.split(c.strip()) if s] for c in contexts]
    flat = [(i, s) for i, sentences in enumerate(sections) for s in sentences]

    def without_first(k: int) -> tuple[str, ...]:
        kept: dict[int, list[str]] = {}
        for i, sentence in flat[k:]:
            kept.setdefault(i, []).append(sentence)
        return tuple(" ".join(kept[i]) for i in sorted(kept))

    if fits(tuple(contexts)):
        return tuple(contexts), 0
    low, high = 1, len(flat) - 1  # the smallest k that fits lies in [low, high]
    if high < low or not fits(without_first(high)):
        raise PubMedQAError("even the abstract's last sentence does not fit; raise max_seq_len")
    while low < high:
        mid = (low + high) // 2
        if fits(without_first(mid)):
            high = mid
        else:
            low = mid + 1
    return without_first(low), low


def answer_text(label: str, long_answer: str = "") -> str:
    """The training reply: the decision first (where the benchmark scores it), then why.

    A line break follows the label (one, never a blank line: ``formats.PARAGRAPH_BREAK``) so
    that no tokenizer merges the label with what comes after it: the tokens of "Answer: yes"
    are then the same in training and in scoring.
    """
    reply = f"{ANSWER_PREFIX} {label}"
    return f"{reply}{PARAGRAPH_BREAK}{long_answer.strip()}" if long_answer.strip() else reply


def accuracy(gold: list[str], predicted: list[str]) -> float:
    """Fraction of exact matches."""
    if not gold:
        return 0.0
    return sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)


def macro_f1(
    gold: list[str], predicted: list[str], labels: Sequence[str] = LABELS
) -> float:
    """Unweighted mean F1 over ``labels`` (PubMedQA's three by default; the benchmark passes
    a multiple-choice question's letters). Labels never predicted nor gold score 0."""
    scores = []
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)
