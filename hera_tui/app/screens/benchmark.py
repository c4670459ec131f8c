"""The benchmark screen: pick models and a benchmark, run it in the background with progress
and cancel, compare finished runs side by side (table and bar chart), and open the questions
a run got wrong.

Runs go through the same code as ``hera bench`` (``hera_tui.benchmark.runner``) and the
same results folder (``results/`` in the working directory by default), so CLI and TUI runs
appear in one history, and a cancelled run resumes where it stopped.
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

from hera_train.formats import FormatError
from hera_train.pubmedqa import PubMedQAError
from hera_tui.app.registry import ScreenEntry, register_screen
from hera_tui.benchmark.bars import Bar, render_bars
from hera_tui.benchmark.items import (
    BenchItem,
    BenchmarkInputError,
    load_mcq,
    pubmedqa_items,
)
from hera_tui.benchmark.runner import (
    ProgressState,
    RunCancelled,
    load_history,
    load_run,
    run_benchmark,
)
from hera_tui.benchmark.scorers import FORMAT_CHOICES, ChoiceScorer, ScorerError, open_scorer

if TYPE_CHECKING:
    from hera_tui.app.chat_app import HeraApp

DEFAULT_RESULTS = Path("results")
DEFAULT_LIMIT = "50"
_INPUT_ERRORS = (BenchmarkInputError, PubMedQAError, FileNotFoundError)

CSS = """
BenchmarkScreen { layout: vertical; }
#bench-setup { height: auto; }
#bench-models { width: 1fr; height: 8; }
#bench-options { width: 44; height: auto; }
#bench-buttons { height: auto; }
#bench-status { height: auto; color: $text-muted; padding: 0 1; }
#bench-runs { height: 1fr; min-height: 6; }
#bench-bars { height: auto; padding: 0 1; }
#wrong-list { height: 12; }
#wrong-text { height: auto; max-height: 16; }
"""


def _model_label(spec: str) -> str:
    return spec if spec.startswith(("ollama:", "hf:")) else Path(spec).name


class WrongAnswersScreen(ModalScreen[None]):
    """The questions a run got wrong: the list, and the highlighted question in full."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close")]

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
        Binding("escape", "cancel_or_close", "Cancel run / close"),
        Binding("ctrl+r", "run", "Run", priority=True),
        Binding("w", "wrong", "Wrong answers of the selected run"),
    ]

    def __init__(
        self,
        models: list[str],
        results_dir: Path = DEFAULT_RESULTS,
        ollama_host: str | None = None,
        scorer_factory: Callable[[str, str], ChoiceScorer] | None = None,
    ) -> None:
        super().__init__()
        self.models = list(dict.fromkeys(models))
        self.results_dir = Path(results_dir)
        self.ollama_host = ollama_host
        self.scorer_factory = scorer_factory or (
            lambda spec, fmt: open_scorer(spec, fmt, self.ollama_host)
        )
        self._stop = threading.Event()
        self._history: list[dict[str, Any]] = []
        self.running = False

    def compose(self) -> ComposeResult:
        yield Label("Benchmark  (Ctrl+R run · Esc cancel/close · w wrong answers of a run)")
        with Horizontal(id="bench-setup"):
            yield SelectionList[str](
                *[(_model_label(m), m, i == 0) for i, m in enumerate(self.models)],
                id="bench-models",
            )
            with Vertical(id="bench-options"):
                yield Input(
                    placeholder="add a model: FILE.gguf, ollama:NAME or hf:PATH",
                    id="bench-add-model",
                )
                yield Input(
                    placeholder="multiple-choice JSONL (empty: PubMedQA)", id="bench-file"
                )
                yield Select(
                    [(f"format: {f}", f) for f in FORMAT_CHOICES],
                    value=FORMAT_CHOICES[0], allow_blank=False, id="bench-format",
                )
                yield Input(
                    DEFAULT_LIMIT, placeholder="questions (0 = all)", type="integer",
                    id="bench-limit",
                )
        with Horizontal(id="bench-buttons"):
            yield Button("Run", id="bench-run", variant="primary")
            yield Button("Cancel", id="bench-cancel", disabled=True)
        yield ProgressBar(id="bench-progress", show_eta=True)
        yield Static("", id="bench-status")
        yield DataTable(id="bench-runs", cursor_type="row")
        yield Static("", id="bench-bars")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#bench-runs", DataTable).add_columns(
            "model", "benchmark", "format", "n", "accuracy", "95% CI", "macro-F1",
            "majority", "when",
        )
        self.refresh_runs()

    # -- setup -------------------------------------------------------------------------------
    @on(Input.Submitted, "#bench-add-model")
    def add_model(self, event: Input.Submitted) -> None:
        spec = event.value.strip()
        if spec and spec not in self.models:
            self.models.append(spec)
            self.query_one(SelectionList).add_option((_model_label(spec), spec, True))
        event.input.value = ""

    def _items(self) -> tuple[str, list[BenchItem], dict[str, Any]]:
        limit_text = self.query_one("#bench-limit", Input).value.strip() or "0"
        limit = max(0, int(limit_text))
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

    @work(thread=True, exclusive=True, group="benchmark")
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

        messages = []
        for index, spec in enumerate(specs):
            if stopped():
                break
            label = _model_label(spec)
            self.app.call_from_thread(self.set_status, f"loading {label}…")
            try:
                scorer = self.scorer_factory(spec, fmt)
            except (ScorerError, FormatError) as exc:
                messages.append(f"{label}: {exc}")
                continue
            offset = index * len(items)
            try:
                report = run_benchmark(
                    benchmark, items, scorer, self.results_dir, settings,
                    progress=lambda state, label=label, offset=offset: self.app.call_from_thread(
                        self._progress, label, offset, state
                    ),
                    should_stop=stopped,
                )
                m = report.metrics
                messages.append(f"{label}: accuracy {m['accuracy']:.1%} on {m['n']}")
            except RunCancelled as exc:
                messages.append(f"{label}: cancelled ({exc}); run again to resume")
            except ScorerError as exc:
                messages.append(f"{label}: {exc}")
            finally:
                scorer.close()
            self.app.call_from_thread(self.refresh_runs)
        self.app.call_from_thread(self._finished, " · ".join(messages) or "cancelled")

    def _progress(self, label: str, offset: int, state: ProgressState) -> None:
        self.query_one(ProgressBar).update(progress=offset + state.done)
        self.set_status(
            f"{label}: {state.done}/{state.total}, accuracy so far "
            f"{state.correct / state.done:.1%}"
        )

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
                _model_label(h["model"]), h["benchmark"], h["format"], str(h["n"]),
                f"{h['accuracy']:.1%}", f"{lo:.1%}-{hi:.1%}", f"{h['macro_f1']:.3f}",
                f"{h['majority_accuracy']:.1%}", h["created"].replace("T", " ")[:16],
                key=str(i),
            )
        self._show_bars(self._history[0]["benchmark"] if self._history else None)

    @on(DataTable.RowHighlighted, "#bench-runs")
    def run_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_bars(self._history[int(event.row_key.value)]["benchmark"])

    def _show_bars(self, benchmark: str | None) -> None:
        """The latest run of each model and format on ``benchmark``, side by side."""
        latest: dict[tuple[str, str, int], dict[str, Any]] = {}
        for h in self._history:
            key = (h["model"], h["format"], h["n"])
            if h["benchmark"] == benchmark and key not in latest:
                latest[key] = h
        bars = [
            Bar(f"{_model_label(h['model'])} {h['format']} n={h['n']}", h["accuracy"],
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
        title = f"{_model_label(entry['model'])} on {entry['benchmark']}"
        self.app.push_screen(WrongAnswersScreen(title, wrong, texts))


def benchmark_screen(app: HeraApp) -> BenchmarkScreen:
    """The screen for the app: its current model first, then the local GGUFs."""
    from hera_tui.models import local_ggufs, starter_model_path

    models = [app.choice.spec] if app.choice is not None else []
    models += [str(p) for p in local_ggufs(app.config.model_dirs)]
    starter = starter_model_path()
    if starter is not None:
        models.append(str(starter.resolve()))
    return BenchmarkScreen(models, ollama_host=app.config.ollama_host)


register_screen(ScreenEntry(
    "benchmark", "Benchmark", "PubMedQA or multiple choice: run models, compare, wrong answers",
    benchmark_screen, key="f5",
))
