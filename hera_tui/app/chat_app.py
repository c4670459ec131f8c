"""``HeraApp``: owns the store, the chosen model and its backend; the chat screen does the rest.

The backend is loaded (and switched) in a worker thread: loading a 2B GGUF takes seconds and
must not freeze the screen. Generation threads wait for the load to settle and then use
whatever backend is current, or report the load error.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

from textual import work
from textual.app import App, SystemCommand
from textual.screen import Screen

from hera_tui.backends.base import Backend, BackendError
from hera_tui.models import NO_MODEL_MESSAGE, ModelChoice
from hera_tui.settings import ChatConfig, data_dir
from hera_tui.store import ChatStore, export_markdown

from .registry import SCREENS
from .screens import ChatScreen

CSS = """
#model-banner { background: $primary-background; padding: 0 1; height: auto; }
#model-banner.starter { background: $warning 20%; }
#disclaimer { background: $error 15%; color: $text; padding: 0 1; height: auto; }
#log { height: 1fr; padding: 0 1; }
.message { height: auto; margin: 1 0 0 0; padding: 0 1; border-left: thick $primary; }
.message.user { border-left: thick $accent; }
.message:focus { background: $boost; }
.message .author { text-style: bold; }
.message .body { margin: 0; padding: 0; }
.message .note { color: $text-muted; height: auto; }
.message.cut-short .note { color: $warning; }
.emergency { background: $error 30%; border: heavy $error; padding: 0 1; margin: 1 0 0 0; }
.error-notice { background: $warning 20%; border: round $warning; padding: 0 1; margin: 1 0 0 0; }
#status { height: 1; padding: 0 1; color: $text-muted; }
#emergency-bar { height: auto; padding: 0 1; background: $error; color: $text; text-style: bold; }
#prompt { height: 6; }
.dialog { align: center middle; }
.panel { width: 70%; height: auto; max-height: 90%; background: $panel; border: round $primary;
         padding: 1 2; }
.panel.wide { width: 90%; }
#conversations, #models { height: auto; max-height: 20; }
#system { height: 8; }
#param-grid { grid-size: 2; grid-columns: 20 1fr; height: auto; }
#param-error { color: $error; }
#keys { height: auto; max-height: 30; }
"""


class HeraApp(App):
    """The HERA chat app. ``hera`` and ``hera chat`` open it."""

    TITLE = "HERA"
    CSS = CSS

    def __init__(
        self,
        choice: ModelChoice | None,
        store: ChatStore,
        config: ChatConfig | None = None,
        conversation_id: int | None = None,
    ) -> None:
        super().__init__()
        self.choice = choice
        self.store = store
        self.config = config or ChatConfig()
        self.backend: Backend | None = None
        self._backend_error: str | None = None
        self._backend_settled = threading.Event()
        self._initial_conversation = conversation_id
        self.chat = ChatScreen()
        for entry in SCREENS.values():
            if entry.key:
                self.bind(entry.key, f"open_screen('{entry.name}')", description=entry.title)

    async def on_mount(self) -> None:
        await self.push_screen(self.chat)
        if self._initial_conversation is not None:
            self.chat.load_conversation(self._initial_conversation)
        self._load_backend(self.choice)

    # -- screens -----------------------------------------------------------------------------
    def action_open_screen(self, name: str) -> None:
        if getattr(self.screen, "registry_name", None) == name:
            return  # already open: the key does not stack a second copy
        screen = SCREENS[name].factory(self)
        screen.registry_name = name
        self.push_screen(screen)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for entry in SCREENS.values():
            yield SystemCommand(
                entry.title, entry.help, lambda name=entry.name: self.action_open_screen(name)
            )
        for title, help_text, action in (
            ("New chat", "Start a new conversation", self.chat.action_new_chat),
            ("Export to Markdown", "Write this conversation to a .md file",
             self.chat.action_export),
            ("Regenerate", "Replace the last reply with a new one", self.chat.action_regenerate),
            ("Copy last reply", "Copy the last reply to the clipboard", self.chat.action_copy_last),
        ):
            yield SystemCommand(title, help_text, action)

    # -- the backend -------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="backend")
    def _load_backend(self, choice: ModelChoice | None) -> None:
        self._backend_settled.clear()
        old, self.backend, self._backend_error = self.backend, None, None
        if old is not None:
            old.close()
        if choice is None:
            self._backend_error = NO_MODEL_MESSAGE
            self._backend_settled.set()
            return
        try:
            backend = choice.open_backend(self.config.ollama_host)
            backend.load()
            self.backend = backend
            status, error = "ready", None
        except BackendError as exc:
            status, error = "not loaded", str(exc)
            self._backend_error = error
        self._backend_settled.set()
        self.call_from_thread(self._backend_loaded, status, error)

    def _backend_loaded(self, status: str, error: str | None) -> None:
        self.chat.show_model_status(status)
        if error:
            self.chat.show_error(error)
        else:
            self.chat.set_status(f"{self.choice.label} ready")

    def wait_for_backend(self) -> Backend:
        """Block (in a worker thread) until the model is loaded; raise its load error."""
        self._backend_settled.wait()
        if self.backend is None:
            raise BackendError(self._backend_error or NO_MODEL_MESSAGE)
        return self.backend

    def switch_model(self, choice: ModelChoice) -> None:
        self.chat.action_stop()
        self.choice = choice
        self.chat.show_model_status("loading…")
        if self.chat.conversation is not None:
            system, params = self.chat.current_settings()
            self.store.set_settings(self.chat.conversation.id, system, params, model=choice.spec)
        self._load_backend(choice)

    # -- copy and export ---------------------------------------------------------------------
    def copy_text(self, text: str) -> None:
        """Copy via the terminal (OSC 52) and also save to a private file, because many
        terminals (and tmux without set-clipboard) ignore OSC 52 silently."""
        self.copy_to_clipboard(text)
        path = data_dir() / "copied.md"
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".copied-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
        self.notify(f"Copied to the clipboard; also saved to {path}")

    def export_conversation(self, conversation_id: int) -> Path:
        conversation = self.store.conversation(conversation_id)
        return export_markdown(
            conversation, self.store.messages(conversation_id), data_dir() / "markdown"
        )

    def on_unmount(self) -> None:
        if self.backend is not None:
            self.backend.close()
