"""Benchmark metrics, honest about uncertainty.

Accuracy and macro-F1 come from ``hera_core.pubmedqa`` (the same functions training's
eval uses). Beside them: the confusion matrix, a seeded 95% bootstrap interval for the
accuracy (questions resampled with replacement), and the majority baseline (always answer
the most common gold label: 55.2% "yes" on the PubMedQA test set), which a model must beat
to have learned anything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from hera_core.intervals import BOOTSTRAP_SAMPLES, bootstrap_mean_ci
from hera_core.pubmedqa import accuracy, macro_f1


def confusion_matrix(
    gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]
) -> dict[str, dict[str, int]]:
    """``matrix[gold][predicted]`` counts."""
    matrix = {g: dict.fromkeys(labels, 0) for g in labels}
    for g, p in zip(gold, predicted, strict=True):
        matrix[g][p] += 1
    return matrix


def bootstrap_ci(
    correct: Sequence[bool],
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the accuracy, reproducible by seed."""
    return bootstrap_mean_ci([1 if c else 0 for c in correct], samples, seed, level)


def majority_of(gold_counts: Mapping[str, int]) -> tuple[str, float]:
    """The most common gold label of these counts and the accuracy of always answering it
    (the first label on ties); ``("", 0.0)`` when nothing was counted."""
    total = sum(gold_counts.values())
    if not total:
        return ("", 0.0)
    label, count = Counter(gold_counts).most_common(1)[0]
    return (label, count / total)


def majority_baseline(gold: Sequence[str]) -> tuple[str, float]:
    """The most common gold label and the accuracy of always answering it."""
    return majority_of(Counter(gold))


def label_mix_text(gold_counts: Mapping[str, int]) -> str:
    """``yes 77 · no 47 · maybe 15``: which questions a (partial) run's figures rest on."""
    return " · ".join(f"{label} {count}" for label, count in gold_counts.items())


def summarize(
    gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str], seed: int = 0
) -> dict[str, Any]:
    """Every number a run reports."""
    gold, predicted = list(gold), list(predicted)
    lo, hi = bootstrap_ci([g == p for g, p in zip(gold, predicted, strict=True)], seed=seed)
    majority_label, majority_acc = majority_baseline(gold)
    return {
        "n": len(gold),
        "accuracy": accuracy(gold, predicted),
        "accuracy_ci95": [lo, hi],
        "macro_f1": macro_f1(gold, predicted, labels),
        "majority_label": majority_label,
        "majority_accuracy": majority_acc,
        "gold_counts": {lab: gold.count(lab) for lab in labels},
        "confusion": confusion_matrix(gold, predicted, labels),
        "predicted_counts": {lab: predicted.count(lab) for lab in labels},
    }
