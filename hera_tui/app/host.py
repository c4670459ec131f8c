"""The app as its screens see it: what a screen may ask of ``self.app``.

:class:`~hera_tui.app.chat_app.HeraApp` imports the screens (it opens the chat screen and
offers the rest from the registry). If the screens imported the app module back, even only
for a type, the two would form an import circle: neither could be read, tested or changed
without the other. So the screens type ``self.app`` as :class:`HeraHost`, declared here in a
module that imports no screen and not the app, and dependencies run one way:
``chat_app`` → ``screens`` → ``host``. ``HeraApp`` satisfies the protocol by having these
members; it never names it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from textual.screen import Screen

from hera_tui.answers import LibraryLoader
from hera_tui.backends.base import Backend, GenerationParams
from hera_tui.models import ModelChoice
from hera_tui.settings import ChatConfig
from hera_tui.store import ChatStore


class ChatControls(Protocol):
    """The chat screen as the other screens drive it: open, rename or delete a saved chat,
    read or change its settings, and show the sources of its last reply."""

    def load_conversation(self, conversation_id: int, follow_model: bool = True) -> None: ...

    def conversation_changed(self, conversation_id: int) -> None: ...

    def forget_conversation(self, conversation_id: int) -> None: ...

    def current_settings(self) -> tuple[str, GenerationParams]: ...

    def apply_settings(self, system: str, params: GenerationParams) -> None: ...

    def last_reply_sources(self) -> dict[str, Any]: ...


class HeraHost(Protocol):
    """What HERA's app holds for its screens, and the few Textual ``App`` methods they call.

    The store, the chosen model and its backend belong to the app because they outlive any
    one screen (a model switch from the picker changes what the chat replies with).
    """

    choice: ModelChoice | None
    store: ChatStore
    config: ChatConfig
    #: the NIH library, opened in the background as the app starts
    library: LibraryLoader

    @property
    def chat(self) -> ChatControls:
        """The chat screen, which is always open under the others."""
        ...

    def wait_for_backend(self) -> Backend: ...

    def switch_model(self, choice: ModelChoice) -> None: ...

    def copy_text(self, text: str) -> None: ...

    def export_conversation(self, conversation_id: int) -> Path: ...

    # -- Textual's App ---------------------------------------------------------------------
    def call_from_thread(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        ...

    def push_screen(
        self, screen: Screen[Any], callback: Callable[[Any], Any] | None = None
    ) -> Any: ...
