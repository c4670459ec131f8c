"""Banners and notices: the disclaimer, the model banner, emergency guidance, errors."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from hera_tui.models import HOW_TO_GET_HERA, ModelChoice
from hera_tui.safety import DISCLAIMER, RedFlag


class DisclaimerBar(Static):
    """Always on screen: HERA is not a doctor."""

    def __init__(self) -> None:
        super().__init__(DISCLAIMER, id="disclaimer")


class ModelBanner(Static):
    """Which model answers; a starter model says plainly it is not HERA and how to get HERA."""

    def __init__(self) -> None:
        super().__init__(id="model-banner")

    def show_model(self, choice: ModelChoice | None, status: str = "") -> None:
        if choice is None:
            self.update(Text("no model", style="bold red"))
            return
        line = Text.assemble(("Model: ", "bold"), choice.label, f" ({choice.source})")
        if status:
            line.append(f" · {status}")
        if choice.is_starter:
            line.append("\nStarter model: ", style="bold yellow")
            line.append(HOW_TO_GET_HERA, style="yellow")
        self.set_class(choice.is_starter, "starter")
        self.update(line)


class EmergencyNotice(Static):
    """Emergency guidance for red flags in a user message, shown before any reply."""

    def __init__(self, flags: list[RedFlag], message_id: int | None = None) -> None:
        text = Text("⚠ This may be an emergency\n", style="bold")
        for flag in flags:
            text.append(f"{flag.title}: ", style="bold")
            text.append(f"{flag.guidance}\n")
        text.append("HERA cannot help in an emergency; the reply below is general information.")
        super().__init__(text, classes="emergency")
        self.flags = flags
        self.message_id = message_id


class ErrorNotice(Static):
    """A problem the user should know about; the app keeps running."""

    def __init__(self, message: str) -> None:
        super().__init__(Text(message), classes="error-notice")
