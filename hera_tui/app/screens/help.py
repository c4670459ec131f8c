"""Key bindings, collected from the screens themselves so the list is never stale."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from hera_tui.safety import DISCLAIMER

if TYPE_CHECKING:
    from hera_tui.app.chat_app import HeraApp


def _bindings(bindings: list[BindingType]) -> list[Binding]:
    return [b for b in bindings if isinstance(b, Binding) and b.description]


def key_label(key: str) -> str:
    """``ctrl+n`` -> ``Ctrl+N``, ``escape`` -> ``Esc``, ``f2`` -> ``F2`` (as people write keys)."""
    names = {"escape": "Esc", "ctrl": "Ctrl", "shift": "Shift", "alt": "Alt", "enter": "Enter"}
    return "+".join(names.get(part, part.upper()) for part in key.split("+"))


def key_rows() -> list[tuple[str, str, str]]:
    """(where, keys, what) for every described binding of the chat app."""
    from hera_tui.app.registry import SCREENS
    from hera_tui.widgets.messages import MessageView

    from .chat import ChatScreen
    from .conversations import ConversationsScreen
    from .parameters import ParametersScreen

    rows = [("chat", "Enter", "Send the message"), ("chat", "Ctrl+J", "New line in the message")]
    rows += [("chat", b.key, b.description) for b in _bindings(ChatScreen.BINDINGS)]
    rows += [("chat", e.key, e.title) for e in SCREENS.values() if e.key]
    rows += [("chat", "Ctrl+P", "Command palette"), ("chat", "Ctrl+Q", "Quit")]
    rows += [("message", b.key, b.description) for b in _bindings(MessageView.BINDINGS)]
    rows += [("conversations", b.key, b.description)
             for b in _bindings(ConversationsScreen.BINDINGS)]
    rows += [("parameters", b.key, b.description) for b in _bindings(ParametersScreen.BINDINGS)]
    return rows


class HelpScreen(ModalScreen[None]):
    DEFAULT_CLASSES = "dialog"
    app: HeraApp
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("f1", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel wide"):
            yield Label("HERA chat: keys  (Esc close)")
            yield DataTable(id="keys", show_cursor=False)
            yield Static(DISCLAIMER, classes="help-note")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("where", "key", "does")
        for where, key, does in key_rows():
            table.add_row(where, key_label(key), does)

    def action_close(self) -> None:
        self.dismiss(None)
