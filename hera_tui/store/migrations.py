"""Schema versions of the chat database, applied in order and recorded in ``user_version``.

Each entry upgrades the schema by one version inside one transaction, so a database is
always at a whole version. Never edit a released step: add the next one. Version 1 was the
first release (conversations and messages); version 2 added per-conversation model, system
text and parameters, and per-message state ("complete", "incomplete", "stopped", "error")
and generation stats; version 3 records which model wrote each reply (a conversation can
switch models half way, and a label saying "HERA" over a starter model's words misleads),
filled for older replies with their conversation's model, the best that is known; version
4 keeps the NIH sources a reply was written with and the ones it cites (older replies have
none: they were not grounded). Ids
are AUTOINCREMENT so a deleted message's id is never reused (the UI tells replies apart
by id when one is regenerated).
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: conversations and their messages
    """
    CREATE TABLE conversations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        title TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
        content TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
    """,
    # 2: per-conversation settings; message state and stats (a reply cut short is kept)
    """
    ALTER TABLE conversations ADD COLUMN model TEXT NOT NULL DEFAULT '';
    ALTER TABLE conversations ADD COLUMN system TEXT;
    ALTER TABLE conversations ADD COLUMN params TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE messages ADD COLUMN state TEXT NOT NULL DEFAULT 'complete';
    ALTER TABLE messages ADD COLUMN stats TEXT NOT NULL DEFAULT '{}';
    """,
    # 3: the model that wrote each reply
    """
    ALTER TABLE messages ADD COLUMN model TEXT NOT NULL DEFAULT '';
    UPDATE messages SET model = (SELECT c.model FROM conversations c
                                 WHERE c.id = messages.conversation_id)
     WHERE role = 'assistant';
    """,
    # 4: the NIH sources each reply was written with, and which it cites
    """
    ALTER TABLE messages ADD COLUMN sources TEXT NOT NULL DEFAULT '{}';
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
