"""The benchmark screen: pick models and a benchmark, run it in the background with progress
and cancel, compare finished runs side by side (table and bar chart), and open the questions
a run got wrong.

Runs go through the same code as ``hera bench`` (``hera_tui.benchmark.runner``) and the
same results folder (``$HERA_HOME/results`` by default), so CLI and TUI runs appear in one
history, and a cancelled run resumes where it stopped. While a run goes, the status line
shows the accuracy so far with its 95% interval beside the majority baseline of the same
questions; a cancelled run is saved and listed as partial (``139/500 partial``) with the
gold labels of the questions it scored, since its figures hold for those only.

How many questions is a labelled field (50 by default); an empty or unreadable field is an
error on screen, never "all 500". A run projected to take more than ten minutes asks first:
the projection is measured on its first few questions (each model and machine differs by
tens of times), and the run waits for the answer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
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
from textual.worker import get_current_worker

from hera_train.errors import HeraError
from hera_train.pubmedqa import PubMedQAError
from hera_tui.benchmark.bars import Bar, render_bars
from hera_tui.benchmark.items import (
    BenchItem,
    BenchmarkInputError,
    load_mcq,
    pubmedqa_items,
)
from hera_tui.benchmark.metrics import label_mix_text
from hera_tui.benchmark.runner import (
    ProgressState,
    RunCancelled,
    count_text,
    load_history,
    load_run,
    run_benchmark,
)
from hera_tui.benchmark.scorers import FORMAT_CHOICES, ChoiceScorer, open_scorer
from hera_tui.models import ensure_model_file, spec_label
from hera_tui.settings import results_dir as default_results_dir

if TYPE_CHECKING:
    from hera_tui.app.chat_app import HeraApp

DEFAULT_LIMIT = "50"
#: a run projected to take longer than this asks before it goes on
LONG_RUN_S = 600.0
#: questions scored (not from the cache) before the projection is trusted
MEASURE_FIRST = 3
_INPUT_ERRORS = (BenchmarkInputError, PubMedQAError, FileNotFoundError)

CSS = """
BenchmarkScreen { layout: vertical; }
#bench-setup { height: auto; }
#bench-models { width: 1fr; height: 8; }
#bench-options { width: 48; height: auto; }
#bench-limit-row { height: auto; }
#bench-limit-row Label { padding: 1 1 0 0; }
#bench-limit { width: 12; }
#bench-limit-note { color: $text-muted; padding: 1 0 0 1; }
#bench-buttons { height: auto; }
#bench-status { height: auto; color: $text-muted; padding: 0 1; }
#bench-runs { height: 1fr; min-height: 6; }
#bench-bars { height: auto; padding: 0 1; }
#wrong-list { height: 12; }
#wrong-text { height: auto; max-height: 16; }
"""


LIMIT_HINT = "a number, or all"


def parse_limit(text: str) -> int:
    """The questions field: a positive number, or ``all`` (0, as ``--limit`` takes it).

    An empty field is an error: it once meant "all 500" (46 minutes here) without a word.
    """
    text = text.strip().lower()
    if text == "all":
        return 0
    if not text:
        raise BenchmarkInputError("how many questions? Type a number (e.g. 50) or all")
    if not text.isdigit() or int(text) < 1:
        raise BenchmarkInputError(f"questions must be a number from 1, or all; not {text!r}")
    return int(text)


def _describe(exc: Exception) -> str:
    """An exception as one line: HERA's own errors already say what to do."""
    return str(exc) if isinstance(exc, (HeraError, *_INPUT_ERRORS)) else (
        f"{type(exc).__name__}: {exc}"
    )


class ConfirmLongRun(ModalScreen[bool]):
    """Asks before a long run goes on: y goes on, n or Esc cancels (what was scored stays
    in the cache, so running again later resumes)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Go on", tooltip="Long run: go on"),
        Binding("n,escape", "answer(False)", "Cancel",
                tooltip="Long run: cancel (what was scored is kept; running again resumes)"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__(classes="dialog")
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Label(self.question, id="long-run-question")
            yield Label("y go on · n or Esc cancel")

    def action_answer(self, go_on: bool) -> None:
        self.dismiss(go_on)


class WrongAnswersScreen(ModalScreen[None]):
    """The questions a run got wrong: the list, and the highlighted question in full."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", tooltip="Close the wrong answers"),
    ]

    def __init__(self, title: str, wrong: list[dict[str, Any]], texts: dict[str, str]) -> None:
        super().__init__(classes="dialog")
        self.title_text, self.wrong, self.texts = title, wrong, texts

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel wide"):
            yield Label(f"{self.title_text}: {len(self.wrong)} wrong  (Esc close)")
            yield DataTable(id="wrong-list", cursor_type="row")
            with VerticalScroll(id="wrong-text"):
                yield Static(id="wrong-question")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("question id", "gold", "model said", "scores")
        for p in self.wrong:
            scores = " ".join(f"{k} {v:.2f}" for k, v in p["scores"].items())
            table.add_row(p["id"], p["gold"], p["pred"], scores, key=p["id"])
        if self.wrong:
            self._show(self.wrong[0]["id"])

    @on(DataTable.RowHighlighted)
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show(str(event.row_key.value))

    def _show(self, qid: str) -> None:
        self.query_one("#wrong-question", Static).update(
            self.texts.get(qid, f"question {qid} is no longer in the benchmark file")
        )

    def action_close(self) -> None:
        self.dismiss(None)


class BenchmarkScreen(Screen[None]):
    """Benchmark models from inside the app."""

    app: HeraApp
    DEFAULT_CSS = CSS
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
        self._stop = threading.Event()
        self._answer = threading.Event()
        self._go_on = False
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
        self.query_one("#bench-runs", DataTable).add_columns(
            "model", "benchmark", "format", "n", "accuracy", "95% CI", "macro-F1",
            "majority", "gold labels", "when",
        )
        self.refresh_runs()

    # -- setup -------------------------------------------------------------------------------
    @on(Input.Submitted, "#bench-add-model")
    def add_model(self, event: Input.Submitted) -> None:
        spec = event.value.strip()
        if spec and spec not in self.models:
            self.models.append(spec)
            self.query_one(SelectionList).add_option((spec_label(spec), spec, True))
        event.input.value = ""

    def _items(self) -> tuple[str, list[BenchItem], dict[str, Any]]:
        limit = parse_limit(self.query_one("#bench-limit", Input).value)
        path = self.query_one("#bench-file", Input).value.strip()
        if not path:
            return "pubmedqa", pubmedqa_items(limit), {"limit": limit, "split": "pqal-test"}
        items = load_mcq(Path(path).expanduser())
        name = f"mcq-{Path(path).stem}"
        return name, items[:limit] if limit else items, {"limit": limit, "file": path}

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
            benchmark, items, settings = self._items()
        except _INPUT_ERRORS as exc:
            self.set_status(f"error: {exc}")
            return
        fmt = str(self.query_one("#bench-format", Select).value)
        self._stop.clear()
        self._set_running(True)
        self.query_one(ProgressBar).update(total=len(items) * len(specs), progress=0)
        self._run(specs, benchmark, items, settings, fmt)

    @work(thread=True, exclusive=True, group="benchmark", exit_on_error=False)
    def _run(
        self,
        specs: list[str],
        benchmark: str,
        items: list[BenchItem],
        settings: dict[str, Any],
        fmt: str,
    ) -> None:
        worker = get_current_worker()

        def stopped() -> bool:
            return self._stop.is_set() or worker.is_cancelled

        self._go_on = False  # a long run asks again each time it is started
        messages = []
        for index, spec in enumerate(specs):
            if stopped():
                break
            label = spec_label(spec)
            try:
                messages.append(self._run_model(
                    spec, label, benchmark, items, settings, fmt, stopped,
                    later=(len(specs) - index - 1) * len(items), offset=index * len(items),
                ))
            except Exception as exc:  # every failure is a line on screen, never the app's end
                messages.append(f"{label}: {_describe(exc)}")
            self.app.call_from_thread(self.refresh_runs)
        self.app.call_from_thread(self._finished, " · ".join(messages) or "cancelled")

    def _run_model(
        self,
        spec: str,
        label: str,
        benchmark: str,
        items: list[BenchItem],
        settings: dict[str, Any],
        fmt: str,
        stopped: Callable[[], bool],
        later: int,
        offset: int,
    ) -> str:
        """Score one model (worker thread); the line to report."""
        self.app.call_from_thread(self.set_status, f"loading {label}…")
        ensure_model_file(spec)
        scorer = self.scorer_factory(spec, fmt)

        def progress(state: ProgressState) -> None:
            self._confirm_if_long(state, later)
            self.app.call_from_thread(self._progress, label, offset, state)

        try:
            report = run_benchmark(benchmark, items, scorer, self.results_dir, settings,
                                   progress=progress, should_stop=stopped)
        except RunCancelled as exc:
            partial = exc.report
            if partial is None:
                return f"{label}: {exc}; run again to resume"
            m = partial.metrics
            return (f"{label}: {exc}; saved as partial, {m['n']}/{len(items)} "
                    f"({label_mix_text(m['gold_counts'])}), accuracy {m['accuracy']:.1%} "
                    f"(majority {m['majority_accuracy']:.1%}); run again to resume")
        finally:
            scorer.close()
        m = report.metrics
        return f"{label}: accuracy {m['accuracy']:.1%} on {m['n']}"

    def _confirm_if_long(self, state: ProgressState, later: int) -> None:
        """Worker thread: once the first questions are timed, ask before a run projected
        to take more than LONG_RUN_S goes on; wait for the answer (or a cancel)."""
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
        self.app.call_from_thread(self._ask, question)
        while not self._answer.wait(0.2):
            if self._stop.is_set():
                return
        if not self._go_on:
            self._stop.set()

    def _ask(self, question: str) -> None:
        def answered(go_on: bool | None) -> None:
            self._go_on = bool(go_on)
            if not go_on:
                self.set_status("cancelling: the run was longer than you wanted")
            self._answer.set()

        self.app.push_screen(ConfirmLongRun(question), answered)

    def _progress(self, label: str, offset: int, state: ProgressState) -> None:
        self.query_one(ProgressBar).update(progress=offset + state.done)
        self.set_status(f"{label}: {state.done}/{state.total}, {state.running_text()}")

    def _finished(self, message: str) -> None:
        self._set_running(False)
        self.set_status(message)

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.query_one("#bench-run", Button).disabled = running
        self.query_one("#bench-cancel", Button).disabled = not running

    @on(Button.Pressed, "#bench-cancel")
    def cancel(self) -> None:
        if self.running:
            self._stop.set()
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
            lo, hi = h["accuracy_ci95"]
            table.add_row(
                spec_label(h["model"]), h["benchmark"], h["format"], count_text(h),
                f"{h['accuracy']:.1%}", f"{lo:.1%}-{hi:.1%}", f"{h['macro_f1']:.3f}",
                f"{h['majority_accuracy']:.1%}", label_mix_text(h.get("label_mix", {})),
                h["created"].replace("T", " ")[:16], key=str(i),
            )
        self._show_bars(self._history[0]["benchmark"] if self._history else None)

    @on(DataTable.RowHighlighted, "#bench-runs")
    def run_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_bars(self._history[int(event.row_key.value)]["benchmark"])

    def _show_bars(self, benchmark: str | None) -> None:
        """The latest run of each model, format and question count on ``benchmark``, side by
        side; a partial run (the latest of its kind) is labelled so, with its count."""
        latest: dict[tuple[str, str, int], dict[str, Any]] = {}
        for h in self._history:
            key = (h["model"], h["format"], h["of"])
            if h["benchmark"] == benchmark and key not in latest:
                latest[key] = h
        bars = [
            Bar(f"{spec_label(h['model'])} {h['format']} n={count_text(h)}", h["accuracy"],
                tuple(h["accuracy_ci95"]), h["majority_accuracy"])
            for h in latest.values()
        ]
        title = f"{benchmark}: accuracy, 95% CI, | = majority baseline\n" if bars else ""
        self.query_one("#bench-bars", Static).update(title + render_bars(bars))

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
        run = load_run(self.results_dir, entry)
        wrong = [p for p in run["predictions"] if p["pred"] != p["gold"]]
        try:
            items = (
                pubmedqa_items() if entry["benchmark"] == "pubmedqa"
                else load_mcq(Path(run["settings"]["file"]))
            )
        except _INPUT_ERRORS as exc:
            self.set_status(f"cannot show the questions: {exc}")
            items = []
        texts = {it.id: it.prompt for it in items}
        title = f"{spec_label(entry['model'])} on {entry['benchmark']}"
        self.app.push_screen(WrongAnswersScreen(title, wrong, texts))


def benchmark_screen(app: HeraApp) -> BenchmarkScreen:
    """The screen for the app: its current model first, then every model the picker lists."""
    from hera_tui.app.model_catalog import local_entries

    models = [app.choice.spec] if app.choice is not None else []
    models += [entry.choice.spec for entry in local_entries(app.config)]
    return BenchmarkScreen(models, ollama_host=app.config.ollama_host)
