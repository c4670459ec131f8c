"""Measure the emergency check on a labelled file: recall and false alarms with intervals.

Why Wilson intervals: the sets are a few hundred messages, so a rate of "97%" alone hides
how much it could move on another set of the same size; the Wilson score interval stays
inside [0, 1] and is honest near 0% and 100%, where the figures that matter live.
Recall = emergencies flagged / emergencies; false-alarm rate = non-emergencies flagged /
non-emergencies. Where the file labels conditions, recall is also given per condition, and
whether the banner named the labelled condition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from hera_core.intervals import wilson

from .detector import Assessment
from .labelled import Labelled


@dataclass
class Rate:
    hits: int = 0
    total: int = 0

    @property
    def value(self) -> float:
        return self.hits / self.total if self.total else 0.0

    def describe(self) -> str:
        low, high = wilson(self.hits, self.total)
        return f"{self.value:.1%} ({self.hits}/{self.total}, 95% CI {low:.1%}-{high:.1%})"


@dataclass
class Evaluation:
    recall: Rate = field(default_factory=Rate)
    false_alarms: Rate = field(default_factory=Rate)
    #: per labelled condition: emergencies flagged / emergencies
    by_condition: dict[str, Rate] = field(default_factory=dict)
    #: per labelled condition: banner named that condition (not the general block)
    named_right: dict[str, Rate] = field(default_factory=dict)
    #: per kind of non-emergency: flagged / total
    by_kind: dict[str, Rate] = field(default_factory=dict)
    #: per field asked for (``--by wording``), per value: (recall, false alarms)
    by_field: dict[str, dict[str, tuple[Rate, Rate]]] = field(default_factory=dict)
    missed: list[Labelled] = field(default_factory=list)
    false_alarm_cases: list[tuple[Labelled, Assessment]] = field(default_factory=list)

    def summary_line(self) -> str:
        """The last line ``hera safety eval`` prints (its format is relied on)."""
        r, f = self.recall, self.false_alarms
        return (f"recall {r.value:.2f} ({r.hits}/{r.total}), "
                f"false alarms {f.value:.2f} ({f.hits}/{f.total})")


def evaluate(rows: list[Labelled], assess: Callable[[str], Assessment],
             by: tuple[str, ...] = ()) -> Evaluation:
    """Run ``assess`` on every message and count what it flagged (also per value of each
    field named in ``by``; a line without the field counts as "(none)")."""
    result = Evaluation(by_field={name: {} for name in by})
    for row in rows:
        assessment = assess(row.text)
        flagged = assessment.flagged
        for name in by:
            recall, alarms = result.by_field[name].setdefault(
                row.fields.get(name, "(none)"), (Rate(), Rate()))
            rate = recall if row.emergency else alarms
            rate.total += 1
            rate.hits += flagged
        if row.emergency:
            result.recall.total += 1
            result.recall.hits += flagged
            if not flagged:
                result.missed.append(row)
            if row.condition:
                rate = result.by_condition.setdefault(row.condition, Rate())
                rate.total += 1
                rate.hits += flagged
                named = result.named_right.setdefault(row.condition, Rate())
                named.total += 1
                named.hits += bool(assessment.alert and assessment.alert.condition
                                   == row.condition)
        else:
            result.false_alarms.total += 1
            result.false_alarms.hits += flagged
            if flagged:
                result.false_alarm_cases.append((row, assessment))
            if row.kind:
                rate = result.by_kind.setdefault(row.kind, Rate())
                rate.total += 1
                rate.hits += flagged
    return result


def report(result: Evaluation, *, show_cases: bool = False) -> list[str]:
    """The lines ``hera safety eval`` prints; the last is :meth:`Evaluation.summary_line`."""
    lines = []
    if result.by_condition:
        lines.append(f"{'condition':<26} {'recall':>26}   named this condition")
        for condition in sorted(result.by_condition):
            rate, named = result.by_condition[condition], result.named_right[condition]
            lines.append(f"{condition:<26} {rate.describe():>26}   {named.hits}/{named.total}")
    if result.by_kind:
        lines.append(f"{'non-emergency kind':<26} {'false alarms':>26}")
        for kind in sorted(result.by_kind):
            lines.append(f"{kind:<26} {result.by_kind[kind].describe():>26}")
    for name, values in result.by_field.items():
        lines.append(f"{'by ' + name:<26} {'recall':>26}   {'false alarms':>26}")
        for value in sorted(values):
            recall, alarms = values[value]
            lines.append(f"{value:<26} {recall.describe() if recall.total else '-':>26}   "
                         f"{alarms.describe() if alarms.total else '-':>26}")
    if show_cases:
        lines += [f"missed: {row.text}" for row in result.missed]
        for row, assessment in result.false_alarm_cases:
            why = assessment.alert.condition if assessment.alert else "?"
            lines.append(f"false alarm ({why}): {row.text}")
    lines.append(f"recall {result.recall.describe()}")
    lines.append(f"false alarms {result.false_alarms.describe()}")
    lines.append(result.summary_line())
    return lines
