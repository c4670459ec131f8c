"""Export a conversation to Markdown (written atomically, private like the database)."""

from __future__ import annotations

from pathlib import Path

from hera_core.atomic_files import atomic_write_text
from hera_core.sources.answering import footer_text
from hera_tui.models import spec_label

from .db import Conversation, StoredMessage

_CUT_SHORT = {
    "incomplete": "reply cut short (the app stopped)",
    "stopped": "reply stopped",
    "error": "reply cut short by an error",
}


def conversation_markdown(conversation: Conversation, messages: list[StoredMessage]) -> str:
    lines = [f"# {conversation.title}", ""]
    if conversation.model:
        lines += [f"Model: `{conversation.model}`", ""]
    if conversation.system:
        lines += ["**System:**", "", conversation.system, ""]
    for m in messages:
        lines += [f"## {'You' if m.role == 'user' else spec_label(m.model)}", "", m.content, ""]
        sources = footer_text(m.sources)
        if sources:
            lines += [f"> {line}" if line else ">" for line in sources.splitlines()] + [""]
        if m.cut_short:
            lines += [f"*({_CUT_SHORT[m.state]})*", ""]
    lines += [
        "---",
        "*HERA is not a doctor; this is general information, not medical advice.*",
        "",
    ]
    return "\n".join(lines)


def export_markdown(
    conversation: Conversation, messages: list[StoredMessage], folder: Path
) -> Path:
    """Write ``<folder>/<title>-<id>.md`` (0600) via a temp file and rename; return its path."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    words = "".join(c if c.isalnum() else " " for c in conversation.title.lower()).split()
    target = folder / f"{'-'.join(words)[:60] or 'chat'}-{conversation.id}.md"
    atomic_write_text(target, conversation_markdown(conversation, messages), mode=0o600)
    return target
