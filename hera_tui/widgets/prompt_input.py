"""The multi-line prompt: Enter sends; Ctrl+J (or Shift+Enter where the terminal tells it
apart) starts a new line; pasted text keeps its lines.

The keys are declared as bindings, so the help (F1) lists them like every other key, but
they are acted on in the text area's own key handler: that runs in order with the typed
characters, whereas a priority binding would run *before* characters typed just ahead of
it had reached the text (a quick "question⏎" would send nothing).
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import TextArea


class PromptInput(TextArea):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Send", tooltip="Send the message", show=False),
        Binding("ctrl+j,shift+enter", "newline", "New line",
                tooltip="New line in the message (pasted text keeps its lines)", show=False),
    ]

    class Submitted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self) -> None:
        super().__init__(id="prompt", soft_wrap=True, show_line_numbers=False)
        self.border_title = "Message (Enter send · Ctrl+J new line · F1 keys)"

    async def _on_key(self, event: events.Key) -> None:
        action = {"enter": self.action_submit, "ctrl+j": self.action_newline,
                  "shift+enter": self.action_newline}.get(event.key)
        if action is None:
            await super()._on_key(event)
            return
        event.prevent_default()
        event.stop()
        action()

    def action_submit(self) -> None:
        text = self.text.strip()
        if text:
            self.post_message(self.Submitted(text))

    def action_newline(self) -> None:
        self.insert("\n")
