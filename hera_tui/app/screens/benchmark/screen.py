"""The benchmark screen: pick models and a benchmark, run it in the background with progress
and cancel, compare finished runs side by side (table and bar chart), and open the questions
a run got wrong.

This module is the layout and the wiring; the parts are named for what they do: ``form``
reads the setup fields, ``run_worker`` scores the models in a worker thread, ``history``
turns the results folder into rows, bars and wrong answers, ``dialogs`` holds the modals.
While a run goes, the status line shows the accuracy so far with its 95% interval beside the
majority baseline of the same questions; a cancelled run is saved and listed as partial
(``139/500 partial``) with the gold labels of the questions it scored.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Input,
    Label,
    ProgressBar,
    Select,
    SelectionList,
    Static,
)

from hera_core.paths import results_dir as default_results_dir
from hera_tui.app.host import HeraHost
from hera_tui.benchmark.runner import ProgressState, load_history
from hera_tui.benchmark.scorers import FORMAT_CHOICES, ChoiceScorer, open_scorer
from hera_tui.models import spec_label

from .dialogs import ConfirmLongRun, WrongAnswersScreen
from .form import DEFAULT_LIMIT, INPUT_ERRORS, LIMIT_HINT, benchmark_items
from .history import COLUMNS, bars_text, run_row, wrong_answers
from .run_worker import LONG_RUN_S, BenchmarkRun, RunRequest


class BenchmarkScreen(Screen[None]):
    """Benchmark models from inside the app."""

    app: HeraHost
    #: beside this module, absolute for the reason HeraApp.CSS_PATH gives; styles this screen only
    CSS_PATH = Path(__file__).with_name("benchmark.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel_or_close", "Cancel / close",
                tooltip="Cancel the run (it resumes when run again), or close the screen"),
        Binding("ctrl+r", "run", "Run", priority=True,
                tooltip="Run the selected models on the benchmark"),
        Binding("w", "wrong", "Wrong answers",
                tooltip="The questions the highlighted run got wrong"),
    ]

    def __init__(
        self,
        models: list[str],
        results_dir: Path | None = None,
        ollama_host: str | None = None,
        scorer_factory: Callable[[str, str], ChoiceScorer] | None = None,
    ) -> None:
        super().__init__()
        self.models = list(dict.fromkeys(models))
        self.results_dir = Path(results_dir) if results_dir else default_results_dir()
        self.ollama_host = ollama_host
        self.scorer_factory = scorer_factory or (
            lambda spec, fmt: open_scorer(spec, fmt, self.ollama_host)
        )
        #: a run projected to take longer than this many seconds asks first
        self.long_run_s = LONG_RUN_S
        self._run: BenchmarkRun | None = None
        self._history: list[dict[str, Any]] = []
        self.running = False

    def compose(self) -> ComposeResult:
        yield Label("Benchmark  (Ctrl+R run · Esc cancel/close · w wrong answers of a run)")
        with Horizontal(id="bench-setup"):
            yield SelectionList[str](
                *[(spec_label(m), m, i == 0) for i, m in enumerate(self.models)],
                id="bench-models",
            )
            with Vertical(id="bench-options"):
                yield Input(
                    placeholder="add a model: FILE.gguf, ollama:NAME, hf:PATH (train extra)",
                    id="bench-add-model",
                )
                yield Input(
                    placeholder="multiple-choice JSONL (empty: PubMedQA)", id="bench-file"
                )
                yield Select(
                    [(f"format: {f}", f) for f in FORMAT_CHOICES],
                    value=FORMAT_CHOICES[0], allow_blank=False, id="bench-format",
                )
                with Horizontal(id="bench-limit-row"):
                    yield Label("Questions:")
                    yield Input(DEFAULT_LIMIT, placeholder="e.g. 50", id="bench-limit")
                    yield Static(LIMIT_HINT, id="bench-limit-note")
        with Horizontal(id="bench-buttons"):
            yield Button("Run", id="bench-run", variant="primary")
            yield Button("Cancel", id="bench-cancel", disabled=True)
        yield ProgressBar(id="bench-progress", show_eta=True)
        yield Static(f"results are kept in {self.results_dir}", id="bench-status")
        yield DataTable(id="bench-runs", cursor_type="row")
        yield Static("", id="bench-bars")
        yield Footer(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        self.query_one("#bench-runs", DataTable).add_columns(*COLUMNS)
        self.refresh_runs()

    @on(Input.Submitted, "#bench-add-model")
    def add_model(self, event: Input.Submitted) -> None:
        spec = event.value.strip()
        if spec and spec not in self.models:
            self.models.append(spec)
            self.query_one(SelectionList).add_option((spec_label(spec), spec, True))
        event.input.value = ""

    # -- running -----------------------------------------------------------------------------
    @on(Button.Pressed, "#bench-run")
    def action_run(self) -> None:
        if self.running:
            return
        specs = list(self.query_one(SelectionList).selected)
        if not specs:
            self.set_status("select at least one model")
            return
        try:
            benchmark, items, settings = benchmark_items(
                self.query_one("#bench-limit", Input).value,
                self.query_one("#bench-file", Input).value,
            )
        except INPUT_ERRORS as exc:
            self.set_status(f"error: {exc}")
            return
        fmt = str(self.query_one("#bench-format", Select).value)
        self._run = BenchmarkRun(
            RunRequest(specs, benchmark, items, settings, fmt), self, self.app.call_from_thread,
            self.results_dir, self.scorer_factory, self.long_run_s,
        )
        self._set_running(True)
        self.query_one(ProgressBar).update(total=len(items) * len(specs), progress=0)
        self.run_worker(self._run.work, name="benchmark run", group="benchmark",
                        exclusive=True, thread=True, exit_on_error=False)

    def ask(self, question: str, answered: Callable[[bool | None], None]) -> None:
        self.app.push_screen(ConfirmLongRun(question), answered)

    def show_progress(self, label: str, offset: int, state: ProgressState) -> None:
        self.query_one(ProgressBar).update(progress=offset + state.done)
        self.set_status(f"{label}: {state.done}/{state.total}, {state.running_text()}")

    def run_finished(self, message: str) -> None:
        self._set_running(False)
        self.set_status(message)

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.query_one("#bench-run", Button).disabled = running
        self.query_one("#bench-cancel", Button).disabled = not running

    @on(Button.Pressed, "#bench-cancel")
    def cancel(self) -> None:
        if self.running and self._run is not None:
            self._run.cancel()
            self.set_status("cancelling after the current question…")

    def action_cancel_or_close(self) -> None:
        if self.running:
            self.cancel()
        else:
            self.dismiss(None)

    def set_status(self, text: str) -> None:
        self.query_one("#bench-status", Static).update(text)

    # -- comparing ---------------------------------------------------------------------------
    def refresh_runs(self) -> None:
        """The history, newest first, and bars for the selected run's benchmark."""
        self._history = list(reversed(load_history(self.results_dir)))
        table = self.query_one("#bench-runs", DataTable)
        table.clear()
        for i, h in enumerate(self._history):
            table.add_row(*run_row(h), key=str(i))
        self._show_bars(self._history[0]["benchmark"] if self._history else None)

    @on(DataTable.RowHighlighted, "#bench-runs")
    def run_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_bars(self._history[int(event.row_key.value)]["benchmark"])

    def _show_bars(self, benchmark: str | None) -> None:
        self.query_one("#bench-bars", Static).update(bars_text(self._history, benchmark))

    def selected_run(self) -> dict[str, Any] | None:
        table = self.query_one("#bench-runs", DataTable)
        if not self._history or table.cursor_row is None:
            return None
        return self._history[table.cursor_row]

    def action_wrong(self) -> None:
        entry = self.selected_run()
        if entry is None:
            self.set_status("no run selected")
            return
        shown = wrong_answers(self.results_dir, entry)
        if shown.problem:
            self.set_status(shown.problem)
        self.app.push_screen(WrongAnswersScreen(shown.title, shown.wrong, shown.texts))


def benchmark_screen(app: HeraHost) -> BenchmarkScreen:
    """The screen for the app: its current model first, then every model the picker lists."""
    from hera_tui.app.model_catalog import local_entries

    models = [app.choice.spec] if app.choice is not None else []
    models += [entry.choice.spec for entry in local_entries(app.config)]
    return BenchmarkScreen(models, ollama_host=app.config.ollama_host)
