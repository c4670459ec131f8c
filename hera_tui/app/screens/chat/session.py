"""The chat's storage side: which conversation is open, and the settings of the next one.

A new chat is a draft until its first message: nothing is stored for it, and changes to its
system text or parameters stay here. The first message creates the conversation (titled
after that message) with the draft's settings; from then on every change is written to the
store at once, so a crash loses nothing. The store itself belongs to the app; each call is
given it.
"""

from __future__ import annotations

from hera_core.formats import HERA_SYSTEM_PROMPT
from hera_tui.backends.base import GenerationParams
from hera_tui.store import ChatStore
from hera_tui.store.db import Conversation, StoredMessage

TITLE_CHARS = 48

Settings = tuple[str, GenerationParams]


def title_for(first_text: str) -> str:
    """A conversation's title: its first message on one line, cut to ``TITLE_CHARS``."""
    title = " ".join(first_text.split())
    if len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1] + "…"
    return title


class ChatSession:
    """The open conversation as last read from the store (None: a draft), and the system
    text and parameters each new chat starts with."""

    def __init__(self) -> None:
        self.conversation: Conversation | None = None
        self.set_defaults(HERA_SYSTEM_PROMPT, GenerationParams())

    def set_defaults(self, system: str, params: GenerationParams) -> None:
        """System text and parameters that each new chat starts with."""
        self._defaults: Settings = (system, params)
        self._draft: Settings = self._defaults

    def settings(self) -> Settings:
        if self.conversation is None:
            return self._draft
        return self.conversation.system or "", self.conversation.params

    def apply_settings(self, store: ChatStore, system: str, params: GenerationParams) -> None:
        if self.conversation is None:
            self._draft = (system, params)
            return
        store.set_settings(self.conversation.id, system, params)
        self.conversation = store.conversation(self.conversation.id)

    def start(self, store: ChatStore, first_text: str, model: str) -> Conversation:
        """The open conversation, created from the draft when this is its first message."""
        if self.conversation is None:
            system, params = self._draft
            self.conversation = store.create_conversation(
                title_for(first_text), model, system, params
            )
        return self.conversation

    def open(self, store: ChatStore, conversation_id: int) -> Conversation:
        self.conversation = store.conversation(conversation_id)
        return self.conversation

    def new(self) -> None:
        """Leave the open conversation; the next starts from the defaults."""
        self.conversation = None
        self._draft = self._defaults

    def is_open(self, conversation_id: int) -> bool:
        return self.conversation is not None and self.conversation.id == conversation_id

    def reread(self, store: ChatStore, conversation_id: int) -> None:
        """Read the conversation again if it is the open one (renamed, say)."""
        if self.is_open(conversation_id):
            self.conversation = store.conversation(conversation_id)

    def set_model(self, store: ChatStore, spec: str) -> None:
        """The open conversation continues with ``spec`` (and remembers it)."""
        if self.conversation is not None:
            store.set_model(self.conversation.id, spec)
            self.conversation = store.conversation(self.conversation.id)

    def messages(self, store: ChatStore) -> list[StoredMessage]:
        if self.conversation is None:
            return []
        return store.messages(self.conversation.id)
