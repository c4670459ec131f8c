"""The model picker: local GGUF files (exports, configured folders, the starter) and the
models of a reachable Ollama server (asked in a worker thread, so the list opens at once)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from hera_tui.backends.base import BackendError
from hera_tui.models import ModelChoice, is_starter_path, local_ggufs, starter_model_path

if TYPE_CHECKING:
    from hera_tui.app.chat_app import HeraApp


class ModelPickerScreen(ModalScreen[None]):
    app: HeraApp
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close")]

    def __init__(self) -> None:
        super().__init__(classes="dialog")
        self._choices: dict[str, ModelChoice] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel wide"):
            yield Label("Choose a model  (Enter select · Esc close)")
            yield OptionList(id="models")
            yield Static("Asking Ollama for its models…", id="ollama-status")

    def on_mount(self) -> None:
        paths = local_ggufs(self.app.config.model_dirs)
        starter = starter_model_path()
        if starter is not None and starter.resolve() not in paths:
            paths.append(starter.resolve())
        for path in paths:
            starter_flag = is_starter_path(path)
            choice = ModelChoice("gguf", str(path), "picked", is_starter=starter_flag)
            note = "  (starter, not HERA)" if starter_flag else ""
            self._add(choice, f"{Path(path).name}{note}  —  {path.parent}")
        self._ollama_models()

    def _add(self, choice: ModelChoice, prompt: str) -> None:
        self._choices[choice.spec] = choice
        self.query_one(OptionList).add_option(Option(prompt, id=choice.spec))

    @work(thread=True, exclusive=True)
    def _ollama_models(self) -> None:
        from hera_tui.backends.ollama import OllamaClient

        client = OllamaClient(self.app.config.ollama_host)
        try:
            names = client.model_names(timeout=2.0)
            status = f"Ollama at {client.host}: {len(names)} model(s)"
        except BackendError:
            names, status = [], f"Ollama: no server answers at {client.host}"
        self.app.call_from_thread(self._show_ollama, names, status)

    def _show_ollama(self, names: list[str], status: str) -> None:
        for name in names:
            self._add(ModelChoice("ollama", name, "picked"), f"ollama:{name}")
        self.query_one("#ollama-status", Static).update(status)

    @on(OptionList.OptionSelected)
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.app.switch_model(self._choices[event.option.id])
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
