"""The model picker (Ctrl+O): every GGUF HERA can find (exports, ``chat.model_dirs``,
installed model packages), a typed path, and the models of a reachable Ollama server.

It opens with the current model highlighted, so Enter keeps it and Up/Down move. Whether
each local file is a chat model or a base model, and what Ollama has, is found out in a
worker thread while the list is already on screen; any failure there becomes a line in the
picker, never an exception that ends the app.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from hera_core.ollama_client import OllamaClient, OllamaError, OllamaUnreachable
from hera_core.paths import config_path
from hera_tui.app.host import HeraHost
from hera_tui.app.model_catalog import CatalogEntry, local_entries, with_chat_flag
from hera_tui.models import ModelChoice, ModelNotFoundError, parse_spec


class ModelPickerScreen(ModalScreen[None]):
    app: HeraHost
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", tooltip="Close the picker, keep the model"),
        Binding("enter", "choose", "Choose",
                tooltip="Switch to the highlighted model (or to the path typed in the box)"),
        Binding("tab", "app.focus_next", "Type a path", show=False,
                tooltip="Move between the list and the path box"),
    ]

    def __init__(self) -> None:
        super().__init__(classes="dialog")
        self._entries: dict[str, CatalogEntry] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel wide"):
            yield Label("Choose a model  (Enter choose · Tab type a path · Esc close)")
            yield OptionList(id="models")
            yield Input(placeholder="or type a path to a .gguf, or ollama:NAME, and press Enter",
                        id="model-path")
            yield Static("", id="model-error")
            yield Static("Asking Ollama for its models…", id="ollama-status")
            yield Static(self._folders_hint(), id="model-dirs")

    def _folders_hint(self) -> str:
        dirs = ", ".join(str(d) for d in self.app.config.model_dirs) or "none yet"
        return (f"Looked in: exports, installed model packages, chat.model_dirs ({dirs}). "
                f"Add folders with chat.model_dirs = [\"~/models\"] in {config_path()}.")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        for entry in local_entries(self.app.config):
            self._add(entry)
        current = self.app.choice.spec if self.app.choice else None
        if current is not None and current not in self._entries:
            self._add(CatalogEntry(self.app.choice, "current"))
        if options.option_count:
            ids = list(self._entries)
            options.highlighted = ids.index(current) if current in ids else 0
        options.focus()
        self._look_closer(list(self._entries.values()))

    def _add(self, entry: CatalogEntry) -> None:
        self._entries[entry.choice.spec] = entry
        self.query_one(OptionList).add_option(Option(entry.prompt(), id=entry.choice.spec))

    # -- background: chat or base model, and Ollama's models ---------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False)
    def _look_closer(self, entries: list[CatalogEntry]) -> None:
        for entry in entries:
            try:
                checked = with_chat_flag(entry)
            except Exception as exc:  # an unreadable file is a note in the list, not a crash
                checked = CatalogEntry(entry.choice, f"{entry.where} · unreadable ({exc})")
            if checked != entry:
                self.app.call_from_thread(self._update, checked)
        client = OllamaClient(self.app.config.ollama_host, timeout=2.0)
        try:
            names = client.model_names()
            status = f"Ollama at {client.host}: {len(names)} model(s)"
        except OllamaUnreachable:
            names, status = [], f"Ollama: no server answers at {client.host}"
        except OllamaError as exc:  # a broken server (HTML error page, bad JSON) is reported
            names, status = [], str(exc)
        self.app.call_from_thread(self._show_ollama, names, status)

    def _update(self, entry: CatalogEntry) -> None:
        self._entries[entry.choice.spec] = entry
        self.query_one(OptionList).replace_option_prompt(entry.choice.spec, entry.prompt())

    def _show_ollama(self, names: list[str], status: str) -> None:
        for name in names:
            choice = ModelChoice("ollama", name, "picked")
            if choice.spec not in self._entries:
                self._add(CatalogEntry(choice, "Ollama"))
        self.query_one("#ollama-status", Static).update(status)

    # -- choosing ----------------------------------------------------------------------------
    @on(OptionList.OptionSelected)
    def selected(self, event: OptionList.OptionSelected) -> None:
        """Enter (or a click) on the list."""
        self._switch(self._entries[event.option.id].choice)

    @on(Input.Submitted, "#model-path")
    def typed(self, event: Input.Submitted) -> None:
        """Enter in the path box: the typed path, or the highlighted model when empty."""
        if not event.value.strip():
            self.action_choose()
            return
        try:
            choice = parse_spec(event.value, "typed in the picker")
        except ModelNotFoundError as exc:
            self.query_one("#model-error", Static).update(f"Not switched: {exc}")
            return
        self._switch(choice)

    def action_choose(self) -> None:
        """The highlighted model (Enter where neither the list nor the box takes it)."""
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            spec = options.get_option_at_index(options.highlighted).id
            self._switch(self._entries[spec].choice)

    def _switch(self, choice: ModelChoice) -> None:
        if self.app.choice is None or choice.spec != self.app.choice.spec:
            self.app.switch_model(choice)
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
