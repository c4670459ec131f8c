"""The passages behind the last reply (F4): what the model was given, and what it cites.

Every retrieved source is listed with its site, page, question type and URL, marked cited
or not, with the excerpt the model read (the passage trimmed to what answers the
question). A reply whose claims no source supports cites nothing; this screen still shows
what was retrieved, so the person can read the NIH text for themselves.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from hera_core.sources.grounding import citation_line


def passages_text(sources: dict) -> str:
    """The screen's body for a reply's stored sources."""
    if not sources:
        return "No reply yet, or the last reply was written before HERA kept sources."
    if not sources.get("grounded"):
        return f"The last reply was not grounded in a source ({sources.get('note', '')})."
    retrieved = sources.get("retrieved", [])
    if not retrieved:
        return ("No NIH source in HERA's library matched the last question, so the reply "
                "cites nothing.")
    cited = set(sources.get("cited", []))
    blocks = []
    for s in retrieved:
        mark = "cited by the reply" if s["number"] in cited else "retrieved, not cited"
        blocks.append(f"{citation_line(s)}\n({mark}; {s['id']})\n\n{s['excerpt']}")
    return "\n\n".join(blocks)


class SourcesScreen(ModalScreen[None]):
    """The sources of the last reply; Esc or F4 closes."""

    DEFAULT_CLASSES = "dialog"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f4", "close", "Close", tooltip="Close the sources"),
    ]

    def __init__(self, sources: dict) -> None:
        super().__init__()
        self.sources = sources

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel wide"):
            yield Label("Sources behind the last reply  (Esc closes)")
            with VerticalScroll(id="sources-list"):
                yield Static(passages_text(self.sources), id="sources-text", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
