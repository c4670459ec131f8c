"""From stored messages to the turns a backend sees.

Stored history can be irregular after failures: a reply that errored before any text is
not kept, so two user messages may follow each other. Prompt formats need strict
user/assistant alternation, so consecutive turns of one role are joined (what the person
said, in order) and empty replies are dropped. Replies cut short are sent as they stand:
that is what the person saw.
"""

from __future__ import annotations

from collections.abc import Sequence

from hera_core.formats import PARAGRAPH_BREAK, Message

from .store.db import StoredMessage


def prompt_messages(system: str | None, stored: Sequence[StoredMessage]) -> list[Message]:
    turns: list[Message] = []
    for m in stored:
        if m.role == "assistant" and not m.content.strip():
            continue
        if turns and turns[-1].role == m.role:
            turns[-1] = Message(m.role, f"{turns[-1].content}{PARAGRAPH_BREAK}{m.content}")
        else:
            turns.append(Message(m.role, m.content))
    while turns and turns[0].role == "assistant":
        turns.pop(0)
    return ([Message("system", system)] if system and system.strip() else []) + turns
