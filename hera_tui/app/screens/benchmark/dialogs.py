"""The dialogs the benchmark screen opens: the question before a long run, and the
questions a finished run got wrong."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static


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
