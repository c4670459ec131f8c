"""A chat message on screen: who, the Markdown body (streamed), the sources a reply rests
on, and a footer line.

The body is fed through Textual's ``MarkdownStream``, which batches fragments that arrive
faster than the screen can redraw, so a fast model never backs the UI up.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownStream

from hera_tui.backends.base import ReplyStats

STATE_NOTES = {
    "incomplete": "cut short: the app stopped before this reply finished",
    "stopped": "stopped by you (Esc); the reply is cut short",
    "error": "cut short by an error",
}


def stats_line(stats: ReplyStats | dict) -> str:
    """``"42 tokens · 18.3 tok/s · first token 0.25 s"`` (parts that are known)."""
    if isinstance(stats, ReplyStats):
        stats = stats.to_dict()
    parts = [f"{stats.get('tokens', 0)} tokens"]
    if stats.get("tokens_per_s"):
        parts.append(f"{stats['tokens_per_s']:.1f} tok/s")
    if stats.get("ttft_s") is not None:
        parts.append(f"first token {stats['ttft_s']:.2f} s")
    return " · ".join(parts)


class MessageView(Vertical, can_focus=True):
    """One message, headed by who wrote it: "You", or the model that answered (a reply is
    never labelled HERA unless HERA wrote it). Focus it (Tab) and press c to copy it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy", "Copy message",
                tooltip="Copy the message under the cursor (Tab moves between messages)"),
    ]

    class CopyRequested(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(
        self,
        role: str,
        content: str = "",
        message_id: int | None = None,
        note: str = "",
        state: str = "complete",
        author: str = "",
        sources: str = "",
    ) -> None:
        super().__init__(classes=f"message {role}")
        self.role = role
        self.author = "You" if role == "user" else author or "assistant"
        self.content = content
        self.message_id = message_id
        self._initial_note = (note, state)
        #: the reply's sources as shown under it (numbered citations, or why there are none)
        self.sources = sources
        self._stream: MarkdownStream | None = None

    def compose(self) -> ComposeResult:
        yield Static(self.author, classes="author", markup=False)
        yield Markdown(self.content, classes="body")
        yield Static(self.sources, classes="sources", markup=False)
        yield Static("", classes="note")

    def on_mount(self) -> None:
        self.set_note(*self._initial_note)
        self.set_sources(self.sources)

    def set_sources(self, text: str) -> None:
        """Show the reply's sources (hidden when there is nothing to say)."""
        self.sources = text
        shown = self.query_one(".sources", Static)
        shown.update(text)
        shown.display = bool(text)

    async def append(self, text: str) -> None:
        """Add streamed text to the body."""
        self.content += text
        if self._stream is None:
            self._stream = Markdown.get_stream(self.query_one(Markdown))
        await self._stream.write(text)

    async def finish(self, note: str = "", state: str = "complete") -> None:
        """End streaming; show the footer note and mark a cut-short reply."""
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        self.set_note(note, state)

    async def replace(self, text: str) -> None:
        """Show ``text`` in place of the body (a finished reply whose text was corrected)."""
        self.content = text
        await self.query_one(Markdown).update(text)

    def set_note(self, note: str, state: str = "complete") -> None:
        parts = [p for p in (note, STATE_NOTES.get(state, "")) if p]
        footer = self.query_one(".note", Static)
        footer.update(" · ".join(parts))
        self.set_class(state != "complete", "cut-short")

    def action_copy(self) -> None:
        self.post_message(self.CopyRequested(self.content))
