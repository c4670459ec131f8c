"""Finished runs as the benchmark screen shows them: a table row each, bars comparing the
latest runs of one benchmark, and the questions a run got wrong.

The history is the results folder ``hera bench`` writes too, so CLI and TUI runs appear
together; a partial (cancelled) run is labelled with its count, since its figures hold for
the questions it scored only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hera_tui.benchmark.bars import Bar, render_bars
from hera_tui.benchmark.items import load_mcq, pubmedqa_items
from hera_tui.benchmark.metrics import label_mix_text
from hera_tui.benchmark.runner import count_text, load_run
from hera_tui.models import spec_label

from .form import INPUT_ERRORS

COLUMNS = ("model", "benchmark", "format", "n", "accuracy", "95% CI", "macro-F1",
           "majority", "gold labels", "when")


def run_row(h: dict[str, Any]) -> tuple[str, ...]:
    """One history entry as a row of the runs table, in the order of ``COLUMNS``."""
    lo, hi = h["accuracy_ci95"]
    return (
        spec_label(h["model"]), h["benchmark"], h["format"], count_text(h),
        f"{h['accuracy']:.1%}", f"{lo:.1%}-{hi:.1%}", f"{h['macro_f1']:.3f}",
        f"{h['majority_accuracy']:.1%}", label_mix_text(h.get("label_mix", {})),
        h["created"].replace("T", " ")[:16],
    )


def bars_text(history: list[dict[str, Any]], benchmark: str | None) -> str:
    """The latest run (``history`` is newest first) of each model, format and question count
    on ``benchmark``, side by side; a partial run (the latest of its kind) is labelled so,
    with its count."""
    latest: dict[tuple[str, str, int], dict[str, Any]] = {}
    for h in history:
        key = (h["model"], h["format"], h["of"])
        if h["benchmark"] == benchmark and key not in latest:
            latest[key] = h
    bars = [
        Bar(f"{spec_label(h['model'])} {h['format']} n={count_text(h)}", h["accuracy"],
            tuple(h["accuracy_ci95"]), h["majority_accuracy"])
        for h in latest.values()
    ]
    title = f"{benchmark}: accuracy, 95% CI, | = majority baseline\n" if bars else ""
    return title + render_bars(bars)


@dataclass(frozen=True)
class WrongAnswers:
    """What the wrong-answers dialog shows for a run."""

    title: str
    wrong: list[dict[str, Any]]
    #: question id → its full text
    texts: dict[str, str]
    #: why the questions' texts could not be read (the ids are listed without them)
    problem: str | None = None


def wrong_answers(results_dir: Path, entry: dict[str, Any]) -> WrongAnswers:
    """The predictions of the run ``entry`` names that differ from the gold label, with the
    questions' texts from the benchmark they were asked from (when it can still be read)."""
    run = load_run(results_dir, entry)
    wrong = [p for p in run["predictions"] if p["pred"] != p["gold"]]
    problem = None
    try:
        items = (
            pubmedqa_items() if entry["benchmark"] == "pubmedqa"
            else load_mcq(Path(run["settings"]["file"]))
        )
    except INPUT_ERRORS as exc:
        problem = f"cannot show the questions: {exc}"
        items = []
    texts = {it.id: it.prompt for it in items}
    title = f"{spec_label(entry['model'])} on {entry['benchmark']}"
    return WrongAnswers(title, wrong, texts, problem)
