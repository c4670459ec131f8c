"""Measure the red-flag check on the labelled sets: ``python -m hera_tui.safety.evaluate``.

Recall = emergencies flagged / emergencies; false-alarm rate = non-emergencies flagged /
non-emergencies. Both sets are colloquial messages written for this check, positives in
every category and negatives built to tempt a naive keyword match (negations, normal
results, past history, general questions). ``cases.jsonl`` is the development set the
rules were tuned on (it includes two earlier held-out sets, folded in after they were
measured). ``cases_heldout.jsonl`` was written after the rules were frozen and measured once
(recall 70%, false alarms 0%, see the README); its misses were then fixed, so its figure
now overstates how the check does on new phrasing. Grow it with fresh cases before tuning.
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


SETS = {"development": "cases.jsonl", "held-out": "cases_heldout.jsonl"}


def load_cases(name: str = "development") -> list[Case]:
    text = resources.files(__package__).joinpath(SETS[name]).read_text(encoding="utf-8")
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
    for name in SETS:
        result = evaluate(load_cases(name))
        print(
            f"{name} set, {result.positives} emergencies + {result.negatives} non-emergencies:"
            f" recall {result.recall:.1%}, false-alarm rate {result.false_alarm_rate:.1%}"
        )
        for case in result.missed:
            print(f"  missed: {case.text}")
        for case in result.false_alarms:
            print(f"  false alarm: {case.text}")


if __name__ == "__main__":
    main()
