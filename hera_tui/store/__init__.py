"""Conversations on disk: SQLite with versioned schema upgrades, and Markdown export."""

from .db import ChatStore, Conversation, StoredMessage, StoreError
from .markdown import conversation_markdown, export_markdown

__all__ = [
    "ChatStore",
    "Conversation",
    "StoreError",
    "StoredMessage",
    "conversation_markdown",
    "export_markdown",
]
