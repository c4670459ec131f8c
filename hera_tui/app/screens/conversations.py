"""Saved conversations: search, open, rename, delete."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from hera_tui.app.host import HeraHost


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text (a new title); Enter accepts, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Rename: keep the old title"),
    ]

    def __init__(self, question: str, value: str = "") -> None:
        super().__init__(classes="dialog")
        self.question, self.value = question, value

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Label(self.question)
            yield Input(self.value, id="text-prompt")

    @on(Input.Submitted)
    def accept(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConversationsScreen(ModalScreen[None]):
    """List (newest first) with a search box over titles and message text."""

    app: HeraHost
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", tooltip="Close the list"),
        Binding("enter", "open", "Open", tooltip="Open the highlighted conversation"),
        # priority: the search box would take these keys for editing otherwise
        Binding("ctrl+r", "rename", "Rename", priority=True,
                tooltip="Rename the highlighted conversation"),
        Binding("ctrl+d", "delete", "Delete", priority=True,
                tooltip="Delete the highlighted conversation (press twice)"),
        Binding("down", "move(1)", "Next", show=False,
                tooltip="Move through the list while typing a search"),
        Binding("up", "move(-1)", "Previous", show=False,
                tooltip="Move through the list while typing a search"),
    ]

    def __init__(self) -> None:
        super().__init__(classes="dialog")
        self._armed_delete: int | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel wide"):
            yield Label("Conversations  (Enter open · Ctrl+R rename · Ctrl+D delete · Esc close)")
            yield Input(placeholder="search titles and messages", id="search")
            yield OptionList(id="conversations")

    def on_mount(self) -> None:
        self.refresh_list()

    def refresh_list(self) -> None:
        search = self.query_one("#search", Input).value
        options = self.query_one(OptionList)
        options.clear_options()
        for conv in self.app.store.list_conversations(search):
            plural = "" if conv.message_count == 1 else "s"
            options.add_option(
                Option(f"{conv.title}  ·  {conv.message_count} message{plural}", id=str(conv.id))
            )
        if options.option_count:
            options.highlighted = 0

    @on(Input.Changed, "#search")
    def search(self) -> None:
        self.refresh_list()

    @on(Input.Submitted, "#search")
    def action_open(self) -> None:
        """Enter, from the search box (in order with what was typed into it) or the list."""
        selected = self._selected()
        if selected is not None:
            self._open(selected)

    @on(OptionList.OptionSelected)
    def selected(self, event: OptionList.OptionSelected) -> None:
        self._open(int(event.option.id))

    def _open(self, conversation_id: int) -> None:
        self.app.chat.load_conversation(conversation_id)
        self.dismiss(None)

    def _selected(self) -> int | None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return None
        return int(options.get_option_at_index(options.highlighted).id)

    def action_move(self, step: int) -> None:
        """Up/Down move through the list while typing in the search box."""
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    def action_rename(self) -> None:
        selected = self._selected()
        if selected is None:
            return
        title = self.app.store.conversation(selected).title

        def renamed(new_title: str | None) -> None:
            if new_title is None:
                return
            try:
                self.app.store.rename(selected, new_title)
            except ValueError as exc:
                self.notify(str(exc), severity="error")
            self.app.chat.conversation_changed(selected)
            self.refresh_list()

        self.app.push_screen(TextPrompt("New title:", title), renamed)

    def action_delete(self) -> None:
        selected = self._selected()
        if selected is None:
            return
        if self._armed_delete != selected:
            self._armed_delete = selected
            self.notify("Press Ctrl+D again to delete this conversation for good.")
            return
        self._armed_delete = None
        self.app.chat.forget_conversation(selected)
        self.app.store.delete(selected)
        self.notify("Conversation deleted.")
        self.refresh_list()

    def action_close(self) -> None:
        self.dismiss(None)
