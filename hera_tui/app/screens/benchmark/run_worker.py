"""The benchmark run worker: scores the selected models one after another in a worker
thread, with progress, cancel and the question before a long run.

Runs go through the same code as ``hera bench`` (``hera_tui.benchmark.runner``) and the
same results folder, so a cancelled run is saved as partial and resumes where it stopped
when run again. A run projected to take more than ten minutes asks first: the projection
is measured on its first few questions (each model and machine differs by tens of times),
and the run waits for the answer. Everything the run reports reaches the screen through
the UI thread (``App.call_from_thread``), and every failure becomes a line on screen.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from textual.worker import get_current_worker

from hera_core.errors import HeraError
from hera_core.model_packages import ensure_model_file
from hera_tui.benchmark.items import BenchItem
from hera_tui.benchmark.metrics import label_mix_text
from hera_tui.benchmark.runner import ProgressState, RunCancelled, run_benchmark
from hera_tui.benchmark.scorers import ChoiceScorer
from hera_tui.models import spec_label

from .form import INPUT_ERRORS

#: a run projected to take longer than this asks before it goes on
LONG_RUN_S = 600.0
#: questions scored (not from the cache) before the projection is trusted
MEASURE_FIRST = 3


def describe(exc: Exception) -> str:
    """An exception as one line: HERA's own errors already say what to do."""
    return str(exc) if isinstance(exc, (HeraError, *INPUT_ERRORS)) else (
        f"{type(exc).__name__}: {exc}"
    )


class RunView(Protocol):
    """Where a run reports, always called on the UI thread: the benchmark screen."""

    def set_status(self, text: str) -> None: ...

    def show_progress(self, label: str, offset: int, state: ProgressState) -> None: ...

    def refresh_runs(self) -> None: ...

    def run_finished(self, message: str) -> None: ...

    def ask(self, question: str, answered: Callable[[bool | None], None]) -> None: ...


@dataclass(frozen=True)
class RunRequest:
    """What one press of Run scores: these models on these questions, in this format."""

    specs: list[str]
    benchmark: str
    items: list[BenchItem]
    #: what the results record about the questions (limit, split or file)
    settings: dict[str, Any]
    fmt: str


class BenchmarkRun:
    """One run of the benchmark screen. :meth:`work` is the worker thread's body;
    :meth:`cancel` may be called from the UI thread at any time."""

    def __init__(
        self,
        request: RunRequest,
        view: RunView,
        ui: Callable[..., Any],
        results_dir: Path,
        scorer_factory: Callable[[str, str], ChoiceScorer],
        long_run_s: float = LONG_RUN_S,
    ) -> None:
        #: ``ui(callback, *args)`` runs the callback on the UI thread and waits for it
        self.request, self.view, self.ui = request, view, ui
        self.results_dir, self.scorer_factory = results_dir, scorer_factory
        self.long_run_s = long_run_s
        self._stop = threading.Event()
        self._answer = threading.Event()
        #: the person said go on to a long run (asked once a run)
        self._go_on = False

    def cancel(self) -> None:
        """Stop after the current question (what was scored is saved; a rerun resumes)."""
        self._stop.set()

    def work(self) -> None:
        """Worker thread: score each model in turn, then report every model's line."""
        worker = get_current_worker()

        def stopped() -> bool:
            return self._stop.is_set() or worker.is_cancelled

        specs, items = self.request.specs, self.request.items
        messages = []
        for index, spec in enumerate(specs):
            if stopped():
                break
            label = spec_label(spec)
            try:
                messages.append(self._run_model(
                    spec, label, stopped,
                    later=(len(specs) - index - 1) * len(items), offset=index * len(items),
                ))
            except Exception as exc:  # every failure is a line on screen, never the app's end
                messages.append(f"{label}: {describe(exc)}")
            self.ui(self.view.refresh_runs)
        self.ui(self.view.run_finished, " · ".join(messages) or "cancelled")

    def _run_model(
        self, spec: str, label: str, stopped: Callable[[], bool], later: int, offset: int
    ) -> str:
        """Score one model; the line to report. ``later`` questions follow for the models
        after this one, and this model's first question is number ``offset`` overall."""
        request = self.request
        self.ui(self.view.set_status, f"loading {label}…")
        ensure_model_file(spec)
        scorer = self.scorer_factory(spec, request.fmt)

        def progress(state: ProgressState) -> None:
            self._confirm_if_long(state, later)
            self.ui(self.view.show_progress, label, offset, state)

        try:
            report = run_benchmark(request.benchmark, request.items, scorer, self.results_dir,
                                   request.settings, progress=progress, should_stop=stopped)
        except RunCancelled as exc:
            partial = exc.report
            if partial is None:
                return f"{label}: {exc}; run again to resume"
            m = partial.metrics
            return (f"{label}: {exc}; saved as partial, {m['n']}/{len(request.items)} "
                    f"({label_mix_text(m['gold_counts'])}), accuracy {m['accuracy']:.1%} "
                    f"(majority {m['majority_accuracy']:.1%}); run again to resume")
        finally:
            scorer.close()
        m = report.metrics
        return f"{label}: accuracy {m['accuracy']:.1%} on {m['n']}"

    def _confirm_if_long(self, state: ProgressState, later: int) -> None:
        """Once the first questions are timed, ask before a run projected to take more than
        ``long_run_s`` goes on; wait for the answer (or a cancel)."""
        if self._go_on or state.scored_now != MEASURE_FIRST or state.eta_seconds is None:
            return
        per_question = state.seconds / state.scored_now
        remaining = state.eta_seconds + later * per_question
        if remaining <= self.long_run_s:
            return
        left = state.total - state.done + later
        question = (
            f"This run will take about {remaining / 60:.0f} more minutes: {left} questions "
            f"at {per_question:.1f} s each (measured on the first {MEASURE_FIRST}). Go on?"
        )
        self._answer.clear()
        self.ui(self.view.ask, question, self._answered)
        while not self._answer.wait(0.2):
            if self._stop.is_set():
                return
        if not self._go_on:
            self._stop.set()

    def _answered(self, go_on: bool | None) -> None:
        """UI thread: the long-run question's answer (None when the dialog went away)."""
        self._go_on = bool(go_on)
        if not go_on:
            self.view.set_status("cancelling: the run was longer than you wanted")
        self._answer.set()
