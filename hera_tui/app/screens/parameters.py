"""Per-conversation system text, sampling parameters, and whether replies use sources."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Static, TextArea

from hera_tui.app.host import HeraHost
from hera_tui.backends.base import GenerationParams

_FIELDS = (
    ("temperature", float, "Temperature"),
    ("top_p", float, "Top-p"),
    ("max_tokens", int, "Max tokens"),
    ("context_length", int, "Context length"),
)


class ParametersScreen(ModalScreen[None]):
    """Edit, then Ctrl+S to save (for this conversation) or Esc to cancel."""

    DEFAULT_CLASSES = "dialog"

    app: HeraHost
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", tooltip="Save the settings for this conversation"),
        Binding("escape", "close", "Cancel", tooltip="Close without saving"),
    ]

    def compose(self) -> ComposeResult:
        system, params = self.app.chat.current_settings()
        with Vertical(classes="panel wide"):
            yield Label("Settings for this conversation  (Ctrl+S save · Esc cancel)")
            yield Label("System text:")
            yield TextArea(system, id="system", soft_wrap=True)
            with Grid(id="param-grid"):
                for name, _type, title in _FIELDS:
                    yield Label(title)
                    yield Input(str(getattr(params, name)), id=name)
            yield Checkbox("Answer from NIH sources (and cite them)", params.sources,
                           id="sources")
            yield Static("", id="param-error")

    def _read(self) -> GenerationParams:
        values = {}
        for name, kind, title in _FIELDS:
            raw = self.query_one(f"#{name}", Input).value.strip()
            try:
                values[name] = kind(raw)
            except ValueError:
                raise ValueError(f"{title} must be a {kind.__name__}, not {raw!r}") from None
        values["sources"] = self.query_one("#sources", Checkbox).value
        return GenerationParams(**values).validated()

    def action_save(self) -> None:
        try:
            params = self._read()
        except ValueError as exc:
            self.query_one("#param-error", Static).update(f"Not saved: {exc}")
            return
        system = self.query_one("#system", TextArea).text
        self.app.chat.apply_settings(system, params)
        self.notify("Parameters saved for this conversation.")
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
