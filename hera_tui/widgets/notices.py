"""Banners and notices: the disclaimer, the model banner, emergency guidance, errors.

Emergency guidance appears twice on purpose: a short marker in the conversation (the record
of which message fired it), and the full guidance pinned between the conversation and the
input, where streaming text cannot push it away, until the person hides it (F3).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from hera_tui.models import ModelChoice
from hera_tui.safety import DISCLAIMER, RedFlag


class DisclaimerBar(Static):
    """Always on screen: HERA is not a doctor."""

    def __init__(self) -> None:
        super().__init__(DISCLAIMER, id="disclaimer")


class ModelBanner(Static):
    """Which model answers; a starter model says plainly it is not HERA."""

    def __init__(self) -> None:
        super().__init__(id="model-banner")

    def show_model(self, choice: ModelChoice | None, status: str = "") -> None:
        if choice is None:
            self.update(Text("no model (Ctrl+O chooses one)", style="bold red"))
            return
        line = Text.assemble(("Model: ", "bold"), choice.label)
        if choice.is_starter:
            line.append(" · starter, NOT HERA: see F1", style="bold")
        else:
            line.append(f" ({choice.source})")
        if status:
            line.append(f" · {status}")
        self.set_class(choice.is_starter, "starter")
        self.update(line)


def emergency_titles(flags: Sequence[RedFlag]) -> str:
    return ", ".join(flag.title for flag in flags)


def emergency_guidance(flags: Sequence[RedFlag]) -> Text:
    """The full guidance for ``flags``, as the safety check words it."""
    text = Text()
    for flag in flags:
        text.append(f"{flag.title}: ", style="bold")
        text.append(f"{flag.guidance}\n")
    text.append("HERA cannot help in an emergency; any reply is general information only.")
    return text


class EmergencyNotice(Static):
    """In the conversation, under the message that fired: which emergency, and where the
    guidance is."""

    def __init__(self, flags: Sequence[RedFlag], message_id: int | None = None) -> None:
        text = Text.assemble(("⚠ This may be an emergency: ", "bold"), emergency_titles(flags),
                             ". What to do now is pinned below the conversation (F3).")
        super().__init__(text, classes="emergency")
        self.flags = list(flags)
        self.message_id = message_id


class EmergencyPanel(VerticalScroll):
    """The guidance of the latest emergency, pinned above the input until hidden."""

    def __init__(self) -> None:
        super().__init__(id="emergency-panel")
        self.border_title = "⚠ Emergency: call your local emergency number now  (F3 hide)"
        self.flags: list[RedFlag] = []
        self.display = False

    def compose(self) -> ComposeResult:
        yield Static(id="emergency-guidance")

    def pin(self, flags: Sequence[RedFlag]) -> None:
        """Show ``flags``' guidance (replacing what was pinned) until hidden."""
        self.flags = list(flags)
        self.query_one("#emergency-guidance", Static).update(emergency_guidance(flags))
        self.display = True

    def clear(self) -> None:
        self.flags = []
        self.display = False

    def toggle(self) -> None:
        """F3: hide the guidance, or show it again."""
        self.display = bool(self.flags) and not self.display


class ErrorNotice(Static):
    """Something the person should know (an error; ``kind="info"`` for a hint); the app
    keeps running."""

    def __init__(self, message: str, kind: str = "error") -> None:
        super().__init__(Text(message), classes=f"notice {kind}")
