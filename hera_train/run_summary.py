"""The end-of-run summary and the forgetting check across stages.

Two-stage training exists to add conversation skills without losing stage 1's medical
reasoning. Whether it did is measured, not assumed: every stage ends with PubMedQA
accuracy on the same dev questions, and a later stage that loses more than
:data:`FORGETTING_POINTS` percentage points against the best earlier stage is flagged in the
manifest and warned about on the terminal. Torch-free.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: A later stage may lose at most this many points of PubMedQA dev accuracy.
FORGETTING_POINTS = 2.0

DEV_KEY = "pubmedqa_dev_accuracy"


def _points(fraction: float) -> str:
    return f"{100 * fraction:.1f}%"


def forgetting(stages: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
    """PubMedQA dev accuracy after each stage, and the largest loss a later stage caused.

    ``stages`` maps stage number to its metrics (``final`` and ``history`` as the runner
    records them). The result goes into the manifest as it is.
    """
    after = {
        k: float(m["final"][DEV_KEY]) for k, m in sorted(stages.items()) if DEV_KEY in m["final"]
    }
    worst: dict[str, Any] = {"lost_points": 0.0}
    best_stage, best = None, None
    for k, acc in after.items():
        if best is not None and best_stage is not None:
            lost = 100 * (best - acc)
            if lost > worst["lost_points"]:
                worst = {"lost_points": round(lost, 2), "stage": k, "against_stage": best_stage}
        if best is None or acc > best:
            best_stage, best = k, acc
    return {
        "pubmedqa_dev_after_stage": {str(k): v for k, v in after.items()},
        **worst,
        "threshold_points": FORGETTING_POINTS,
        "warning": worst["lost_points"] > FORGETTING_POINTS,
    }


def summary_lines(stages: Mapping[int, Mapping[str, Any]], check: Mapping[str, Any]) -> list[str]:
    """What each stage changed, one line a stage, then the forgetting verdict."""
    lines = ["summary:"]
    for k, m in sorted(stages.items()):
        start, final = m["history"][0], m["final"]
        parts = [f"eval loss {start['eval_loss']:.3f} -> {final['eval_loss']:.3f}"]
        if DEV_KEY in final and DEV_KEY in start:
            parts.append(f"PubMedQA dev {_points(start[DEV_KEY])} -> {_points(final[DEV_KEY])}")
        lines.append(f"  stage {k} ({m['name']}, {m['optimizer_steps']} steps): "
                     + ", ".join(parts))
    if check["warning"]:
        after = check["pubmedqa_dev_after_stage"]
        lines.append(
            f"warning: stage {check['stage']} lost {check['lost_points']:.1f} points of PubMedQA "
            f"dev accuracy ({_points(after[str(check['against_stage'])])} after stage "
            f"{check['against_stage']} -> {_points(after[str(check['stage'])])}), more than "
            f"{FORGETTING_POINTS:g}: stage {check['stage']} is undoing stage "
            f"{check['against_stage']}; lower its learning rate or steps, or mix stage-"
            f"{check['against_stage']} data in"
        )
    return lines
