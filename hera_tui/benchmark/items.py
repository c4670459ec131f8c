"""What a benchmark asks: items with a prompt, the scored choices and the gold label.

Both benchmarks become the same :class:`BenchItem`, so one scorer and one runner serve them:

- PubMedQA: the 500 PQA-L questions whose ids are in ``test_ground_truth.json`` (selected
  by id), reasoning-required setting, the prompt shared with training stage 1
  (``question_text``), reply prefix ``Answer:``, choices `` yes``/`` no``/`` maybe``.
- Multiple choice (MedQA / MedMCQA / MMLU style): a JSONL file, one question per line::

      {"id": "q1", "question": "...", "options": {"A": "...", "B": "..."}, "answer": "B"}

  The options are listed under the question as ``A. text`` lines and the letters
  `` A``/`` B``/... are scored after ``Answer:``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from hera_core.errors import HeraError
from hera_core.formats import PARAGRAPH_BREAK
from hera_core.paths import data_file
from hera_core.pubmedqa import (
    ANSWER_PREFIX,
    CHOICES,
    LABELS,
    Question,
    label_mixed_order,
    question_text,
)
from hera_core.pubmedqa_split import load_split

PQAL_FILE = "pubmedqa/ori_pqal.json"
TEST_IDS_FILE = "pubmedqa/test_ground_truth.json"


class BenchmarkInputError(HeraError, ValueError):
    """A benchmark file that cannot be used; the message names the file, row and fix."""


@dataclass(frozen=True)
class BenchItem:
    """One question: ``choices[i]`` is the scored text of ``labels[i]``."""

    id: str
    prompt: str
    labels: tuple[str, ...]
    choices: tuple[str, ...]
    gold: str
    prefix: str = ANSWER_PREFIX


def pubmedqa_item(q: Question) -> BenchItem:
    """A PubMedQA question in the training stage-1 format."""
    return BenchItem(
        id=q.id,
        prompt=question_text(q.question, q.contexts),
        labels=LABELS,
        choices=CHOICES,
        gold=q.label,
    )


def pubmedqa_test_questions(
    pqal_path: Path | None = None, test_ids_path: Path | None = None
) -> list[Question]:
    """The standard test set, in the order of ``test_ground_truth.json`` (grouped by label:
    :func:`pubmedqa_items` scores it in a label-mixed order).

    Paths default to ``$HERA_DATA_DIR/pubmedqa/...``; unknown ids or mismatched labels stop
    with :class:`hera_core.pubmedqa.PubMedQAError`.
    """
    pqal = pqal_path or data_file(PQAL_FILE)
    test_ids = test_ids_path or data_file(TEST_IDS_FILE)
    for path in (pqal, test_ids):
        if not Path(path).exists():
            raise BenchmarkInputError(f"{path}: PubMedQA file not found; check the path")
    return load_split(Path(pqal), Path(test_ids)).test


def pubmedqa_items(
    limit: int = 0,
    seed: int = 0,
    pqal_path: Path | None = None,
    test_ids_path: Path | None = None,
) -> list[BenchItem]:
    """The test set as items in its scoring order (:func:`label_mixed_order` by ``seed``).

    ``limit`` > 0 keeps the first ``limit`` of that order: every prefix of it holds each
    label's share rounded down or up, so the sample is label-stratified, and a larger
    ``--limit`` or a full run extends a smaller one (reusing its cached questions).
    """
    questions = label_mixed_order(pubmedqa_test_questions(pqal_path, test_ids_path), seed)
    return [pubmedqa_item(q) for q in questions[: limit or None]]


def _mcq_item(row: object, where: str) -> BenchItem:
    if not isinstance(row, dict):
        raise BenchmarkInputError(f"{where}: expected a JSON object")
    missing = [k for k in ("id", "question", "options", "answer") if k not in row]
    if missing:
        raise BenchmarkInputError(f"{where}: missing field(s) {', '.join(missing)}")
    options = row["options"]
    if not isinstance(options, dict) or len(options) < 2:
        raise BenchmarkInputError(
            f"{where}: 'options' must be an object with at least two letters, e.g. "
            '{"A": "...", "B": "..."}'
        )
    letters = tuple(str(k) for k in options)
    bad = [k for k in letters if len(k) != 1 or not k.isalpha() or not k.isupper()]
    if bad:
        raise BenchmarkInputError(f"{where}: option key {bad[0]!r} is not a capital letter")
    answer = str(row["answer"]).strip()
    if answer not in letters:
        raise BenchmarkInputError(
            f"{where}: answer {answer!r} is not one of the options {', '.join(letters)}"
        )
    question = str(row["question"]).strip()
    if not question:
        raise BenchmarkInputError(f"{where}: empty question")
    listing = "\n".join(f"{k}. {str(v).strip()}" for k, v in options.items())
    return BenchItem(
        id=str(row["id"]),
        prompt=f"{question}{PARAGRAPH_BREAK}{listing}",
        labels=letters,
        choices=tuple(f" {k}" for k in letters),
        gold=answer,
    )


def load_mcq(path: Path) -> list[BenchItem]:
    """Read a multiple-choice JSONL file; any bad row stops with its line number."""
    path = Path(path)
    if not path.exists():
        raise BenchmarkInputError(f"{path}: file not found")
    items: list[BenchItem] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BenchmarkInputError(f"{where}: not valid JSON ({exc.msg})") from None
            item = _mcq_item(row, where)
            if item.id in seen:
                raise BenchmarkInputError(f"{where}: duplicate id {item.id!r}")
            seen.add(item.id)
            items.append(item)
    if not items:
        raise BenchmarkInputError(f"{path}: no questions (expected one JSON object per line)")
    return items

