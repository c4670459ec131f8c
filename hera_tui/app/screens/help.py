"""F1: every key of the app, read from the registered screens (see ``hera_tui.app.keys``),
and how to get HERA when the model on screen is not HERA.

A Rich table in a scrolling container rather than a data table: its cells wrap, so every
description can be read whole at 80 columns.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from hera_tui.app.host import HeraHost
from hera_tui.app.keys import KeyRow, key_rows
from hera_tui.models import HOW_TO_GET_HERA


def keys_table(rows: list[KeyRow]) -> Table:
    table = Table(expand=True, box=None, padding=(0, 1), show_edge=False)
    table.add_column("where", no_wrap=True, style="dim")
    table.add_column("key", no_wrap=True, style="bold")
    table.add_column("does", ratio=1)
    for row in rows:
        table.add_row(*row)
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CLASSES = "dialog"
    app: HeraHost
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1", "close", "Close", tooltip="Close the help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[KeyRow] = []

    def compose(self) -> ComposeResult:
        self.rows = key_rows(type(self.app).BINDINGS)
        with Vertical(classes="panel wide"):
            yield Label("HERA: every key  (Esc close · Up/Down scroll)")
            with VerticalScroll(id="keys"):
                yield Static(keys_table(self.rows), id="keys-table")
                yield Static(HOW_TO_GET_HERA, id="help-hera")

    def on_mount(self) -> None:
        self.query_one("#keys", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
