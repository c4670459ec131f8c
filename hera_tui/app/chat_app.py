"""``HeraApp``: owns the store, the chosen model and its backend; the chat screen does the rest.

The backend is loaded (and switched) in a worker thread: loading a 2B GGUF takes seconds and
must not freeze the screen. Generation threads wait for the load to settle and then use
whatever backend is current, or report the load error. Every worker turns every exception
into a message on screen (Textual would otherwise end the app), and a terminal that goes
away ends the app cleanly, saving the reply that was streaming (``terminal_guard``).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from hera_core.atomic_files import atomic_write_text
from hera_core.errors import HeraError
from hera_core.model_packages import ensure_model_file
from hera_core.paths import hera_home
from hera_tui.answers import LibraryLoader
from hera_tui.backends.base import Backend, BackendError
from hera_tui.models import NO_MODEL_MESSAGE, ModelChoice
from hera_tui.settings import ChatConfig
from hera_tui.store import ChatStore, export_markdown

from .keys import key_label
from .model_catalog import base_model_warning
from .registry import SCREENS
from .screens import ChatScreen
from .terminal_guard import EXIT_STATUS, TerminalGuard, is_terminal


class HeraApp(App):
    """The HERA chat app. ``hera`` and ``hera chat`` open it."""

    TITLE = "HERA"
    #: beside this module, shipped as package data; an absolute path because Textual resolves
    #: a relative one against the file of the instance's class (a subclass's, elsewhere)
    CSS_PATH = Path(__file__).with_name("chat_app.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, show=False,
                tooltip="Quit (the conversation is already saved)"),
        Binding("ctrl+p", "command_palette", "Commands", priority=True, show=False,
                tooltip="Command palette: every screen and chat action by name"),
    ]

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
        self._guard: TerminalGuard | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        #: the NIH library, opened in the background as the app starts (replies wait for it)
        self.library = LibraryLoader()
        self.chat = ChatScreen()
        for entry in SCREENS.values():
            if entry.key:
                self.bind(entry.key, f"open_screen('{entry.name}')",
                          description=entry.footer or entry.title, show=bool(entry.footer))

    def get_key_display(self, binding: Binding) -> str:
        """Key names in the footer in the app's one style (``Ctrl+N``, not ``^n``)."""
        return binding.key_display or key_label(binding.key)

    async def on_mount(self) -> None:
        self._loop = asyncio.get_running_loop()
        stdin = sys.__stdin__
        if not self.is_headless and stdin is not None and is_terminal(stdin.fileno()):
            self._guard = TerminalGuard(self.terminal_lost, stdin.fileno()).start()
        self.library.start()
        await self.push_screen(self.chat)
        if self._initial_conversation is not None:
            named = self.choice is not None and self.choice.source == "--model"
            self.chat.load_conversation(self._initial_conversation, follow_model=not named)
        self._load_backend(self.choice)

    # -- the terminal went away ----------------------------------------------------------------
    def terminal_lost(self, reason: str) -> None:
        """Called from the guard's thread: save what is streaming, then exit.

        The save happens here, in this thread (the store is thread-safe), because the UI
        thread may be stuck writing to the dead terminal; the exit is then requested from
        the event loop without waiting for it.
        """
        self.chat.save_streaming_reply(f"the app was closed ({reason})")
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.exit, None, EXIT_STATUS[reason])

    # -- screens -----------------------------------------------------------------------------
    def action_open_screen(self, name: str) -> None:
        if getattr(self.screen, "registry_name", None) == name:
            return  # already open: the key does not stack a second copy
        entry = SCREENS[name]
        if entry.factory is None:
            return
        screen = entry.factory(self)
        screen.registry_name = name
        self.push_screen(screen)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for entry in SCREENS.values():
            if entry.factory is not None:
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
    @work(thread=True, exclusive=True, group="backend", exit_on_error=False)
    def _load_backend(self, choice: ModelChoice | None) -> None:
        self._backend_settled.clear()
        old, self.backend, self._backend_error = self.backend, None, None
        warning = None
        try:
            if old is not None:
                old.close()
            if choice is None:
                raise BackendError(NO_MODEL_MESSAGE)
            ensure_model_file(choice.spec)
            backend = choice.open_backend(self.config.ollama_host)
            backend.load()
            self.backend = backend
            warning = base_model_warning(choice)
            status, error = "ready", None
        except BackendError as exc:
            status, error = "not loaded", str(exc)
        except Exception as exc:  # llama.cpp, a package or a server failing in a new way
            name = choice.label if choice else "the model"
            status, error = "not loaded", f"{name} could not be loaded: {type(exc).__name__}: {exc}"
        self._backend_error = error
        self._backend_settled.set()
        if choice is not None:
            self.call_from_thread(self._backend_loaded, choice, status, error, warning)
        if status == "ready":
            self._warm(backend)

    def _warm(self, backend: Backend) -> None:
        """After "ready": evaluate the system text ahead of the first message (a message sent
        meanwhile waits for it and reuses it). Only a head start: a model that cannot
        evaluate it says so when the message is answered."""
        with contextlib.suppress(HeraError, RuntimeError):
            backend.warm(self.chat.current_settings()[0])

    def _backend_loaded(
        self, choice: ModelChoice, status: str, error: str | None, warning: str | None
    ) -> None:
        if choice is not self.choice:
            return  # a later switch is already loading
        self.chat.show_model_status(status)
        if error:
            self.chat.show_error(error)
        else:
            self.chat.set_status(f"{choice.label} ready")
        if warning:
            self.chat.show_error(warning)

    def wait_for_backend(self) -> Backend:
        """Block (in a worker thread) until the model is loaded; raise its load error."""
        self._backend_settled.wait()
        if self.backend is None:
            raise BackendError(self._backend_error or NO_MODEL_MESSAGE)
        return self.backend

    def switch_model(self, choice: ModelChoice) -> None:
        """Use ``choice`` from now on, for this conversation too."""
        self.chat.action_stop()
        self._backend_settled.clear()  # a reply sent from now on waits for this model
        self.choice = choice
        self.chat.show_model_status("loading…")
        self.chat.model_switched(choice)
        self._load_backend(choice)

    # -- copy and export ---------------------------------------------------------------------
    def copy_text(self, text: str) -> None:
        """Copy via the terminal (OSC 52) and also save to a private file, because many
        terminals (and tmux without set-clipboard) ignore OSC 52 silently."""
        self.copy_to_clipboard(text)
        path = hera_home() / "copied.md"
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write_text(path, text, mode=0o600)
        self.notify(f"Copied to the clipboard; also saved to {path}")

    def export_conversation(self, conversation_id: int) -> Path:
        conversation = self.store.conversation(conversation_id)
        return export_markdown(
            conversation, self.store.messages(conversation_id), hera_home() / "markdown"
        )

    def on_unmount(self) -> None:
        if self._guard is not None:
            self._guard.stop()
        if self.backend is not None:
            self.backend.close()
