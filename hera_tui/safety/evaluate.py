"""Measure the red-flag check on the labelled set: ``python -m hera_tui.safety.evaluate``.

Recall = emergencies flagged / emergencies; false-alarm rate = non-emergencies flagged /
non-emergencies. The set (``cases.jsonl``) is colloquial messages written for this check,
positives across every category and negatives built to tempt a naive keyword match
(negations, normal results, past history, general questions).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from .redflags import check_message


@dataclass(frozen=True)
class Case:
    text: str
    emergency: bool
    category: str | None


@dataclass(frozen=True)
class Evaluation:
    positives: int
    negatives: int
    recall: float
    false_alarm_rate: float
    missed: tuple[Case, ...]
    false_alarms: tuple[Case, ...]


def load_cases() -> list[Case]:
    text = resources.files(__package__).joinpath("cases.jsonl").read_text(encoding="utf-8")
    return [Case(**json.loads(line)) for line in text.splitlines() if line.strip()]


def evaluate(cases: list[Case]) -> Evaluation:
    missed = tuple(c for c in cases if c.emergency and not check_message(c.text))
    false_alarms = tuple(c for c in cases if not c.emergency and check_message(c.text))
    positives = sum(c.emergency for c in cases)
    negatives = len(cases) - positives
    return Evaluation(
        positives,
        negatives,
        (positives - len(missed)) / positives,
        len(false_alarms) / negatives,
        missed,
        false_alarms,
    )


def main() -> None:
    result = evaluate(load_cases())
    print(
        f"red-flag check on {result.positives} emergencies + {result.negatives} non-emergencies:"
        f" recall {result.recall:.1%}, false-alarm rate {result.false_alarm_rate:.1%}"
    )
    for case in result.missed:
        print(f"  missed: {case.text}")
    for case in result.false_alarms:
        print(f"  false alarm: {case.text}")


if __name__ == "__main__":
    main()
