"""Banners and notices: the disclaimer, the model banner, emergency guidance, errors.

Emergency guidance appears twice on purpose: a short marker in the conversation (the record
of which message fired it), and the full guidance pinned between the conversation and the
input, where streaming text cannot push it away, until the person hides it (F3).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from hera_tui.models import ModelChoice
from hera_tui.safety import DISCLAIMER, Alert


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


def emergency_guidance(alert: Alert) -> Text:
    """The banner's text, as the safety check words it: who to call, then the first steps;
    for the general block, which conditions are possible."""
    text = Text(f"{alert.title}\n", style="bold")
    if alert.general and alert.possible:
        text.append(f"Possible: {alert.possible_titles()}\n")
    text.append(alert.guidance.text())
    text.append("\nHERA cannot help in an emergency; any reply is general information only.")
    return text


class EmergencyNotice(Static):
    """In the conversation, under the message that fired: which emergency, and where the
    guidance is."""

    def __init__(self, alert: Alert, message_id: int | None = None) -> None:
        text = Text.assemble(("⚠ This may be an emergency: ", "bold"), alert.title,
                             ". What to do now is pinned below the conversation (F3).")
        super().__init__(text, classes="emergency")
        self.alert = alert
        self.message_id = message_id


class EmergencyPanel(VerticalScroll):
    """The guidance of the latest emergency, pinned above the input until hidden."""

    def __init__(self) -> None:
        super().__init__(id="emergency-panel")
        self.border_title = "⚠ Emergency: call your local emergency number now  (F3 hide)"
        self.alert: Alert | None = None
        self.display = False

    def compose(self) -> ComposeResult:
        yield Static(id="emergency-guidance")

    def pin(self, alert: Alert) -> None:
        """Show ``alert``'s guidance (replacing what was pinned) until hidden."""
        self.alert = alert
        self.query_one("#emergency-guidance", Static).update(emergency_guidance(alert))
        self.display = True

    def clear(self) -> None:
        self.alert = None
        self.display = False

    def toggle(self) -> None:
        """F3: hide the guidance, or show it again."""
        self.display = self.alert is not None and not self.display


class ErrorNotice(Static):
    """Something the person should know (an error; ``kind="info"`` for a hint); the app
    keeps running."""

    def __init__(self, message: str, kind: str = "error") -> None:
        super().__init__(Text(message), classes=f"notice {kind}")
