"""The conversation store: one SQLite file, private to its owner.

Why these choices: health conversations are private, so the file (and its WAL/SHM
companions, which SQLite creates with the database's permissions) is created 0600 in a
0700 folder. WAL mode with ``synchronous=NORMAL`` makes every committed write survive a
crash or kill of the app; each sent message is committed before generation starts, and a
reply is written as ``incomplete`` first and updated while it streams, so a killed app
leaves the partial reply marked as cut short.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hera_core.errors import HeraError
from hera_tui.backends.base import GenerationParams

from .migrations import MIGRATIONS, SCHEMA_VERSION

STATES = ("complete", "incomplete", "stopped", "error")


class StoreError(HeraError, RuntimeError):
    """The database cannot be used (newer schema, unreadable file)."""


@dataclass
class Conversation:
    id: int
    title: str
    model: str
    system: str | None
    params: GenerationParams
    created_at: float
    updated_at: float
    message_count: int = 0


@dataclass
class StoredMessage:
    id: int
    conversation_id: int
    role: str
    content: str
    state: str = "complete"
    stats: dict = field(default_factory=dict)
    #: the model that wrote a reply (its ``--model`` spec); empty for the user's messages
    model: str = ""
    #: the sources a reply was written with and cites (``FinishedReply.to_json``)
    sources: dict = field(default_factory=dict)

    @property
    def cut_short(self) -> bool:
        return self.state in ("incomplete", "stopped", "error")


def _private_file(path: Path) -> None:
    """Create the database file 0600 (and its folder 0700) before SQLite opens it.

    The folder is tightened even when it already exists (made by an older version or by
    hand, under the usual 022 umask): everything HERA keeps there is private, file names
    included (Markdown exports are named after conversation titles).
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


class ChatStore:
    """Conversations and messages; safe to call from the UI thread and worker threads."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.RLock()
        _private_file(self.path)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._upgrade()
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"cannot open the chat database {self.path} ({exc}); move it aside to start "
                "a fresh one"
            ) from exc

    # -- schema ----------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    def _upgrade(self) -> None:
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the chat database {self.path} has schema version {version}, newer than this "
                f"HERA ({SCHEMA_VERSION}); upgrade HERA"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            script = MIGRATIONS[target - 1]
            self._db.executescript(
                f"BEGIN;\n{script}\nPRAGMA user_version = {target};\nCOMMIT;"
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- conversations ---------------------------------------------------------------------
    def create_conversation(
        self,
        title: str = "New chat",
        model: str = "",
        system: str | None = None,
        params: GenerationParams | None = None,
    ) -> Conversation:
        now = self._clock()
        params = params or GenerationParams()
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO conversations (title, model, system, params, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (title, model, system, json.dumps(params.to_dict()), now, now),
            )
        return self.conversation(cur.lastrowid)

    def conversation(self, conversation_id: int) -> Conversation:
        with self._lock:
            row = self._db.execute(
                "SELECT c.*, (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id)"
                " AS n FROM conversations c WHERE c.id = ?",
                (conversation_id,),
            ).fetchone()
        if row is None:
            raise StoreError(
                f"no conversation {conversation_id}; `hera chat --list` shows the saved ones"
            )
        return self._conversation(row)

    @staticmethod
    def _conversation(row: sqlite3.Row) -> Conversation:
        return Conversation(
            id=row["id"],
            title=row["title"],
            model=row["model"],
            system=row["system"],
            params=GenerationParams.from_dict(json.loads(row["params"] or "{}")),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            message_count=row["n"],
        )

    def list_conversations(self, search: str = "") -> list[Conversation]:
        """Newest first; ``search`` matches titles and message text (case-insensitive)."""
        query = (
            "SELECT c.*, (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS n"
            " FROM conversations c"
        )
        args: tuple = ()
        if search.strip():
            pattern = "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace(
                "_", "\\_"
            ) + "%"
            query += (
                " WHERE c.title LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM messages m"
                " WHERE m.conversation_id = c.id AND m.content LIKE ? ESCAPE '\\')"
            )
            args = (pattern, pattern)
        query += " ORDER BY c.updated_at DESC, c.id DESC"
        with self._lock:
            rows = self._db.execute(query, args).fetchall()
        return [self._conversation(r) for r in rows]

    def rename(self, conversation_id: int, title: str) -> None:
        title = " ".join(title.split())
        if not title:
            raise ValueError("a conversation title cannot be empty")
        self._update_conversation(conversation_id, title=title)

    def set_settings(
        self,
        conversation_id: int,
        system: str | None,
        params: GenerationParams,
        model: str | None = None,
    ) -> None:
        fields: dict = {"system": system, "params": json.dumps(params.validated().to_dict())}
        if model is not None:
            fields["model"] = model
        self._update_conversation(conversation_id, **fields)

    def set_model(self, conversation_id: int, model: str) -> None:
        """The model the conversation continues with (its ``--model`` spec)."""
        self._update_conversation(conversation_id, model=model)

    def _update_conversation(self, conversation_id: int, **fields: object) -> None:
        columns = ", ".join(f"{name} = ?" for name in fields)
        with self._lock:
            self._db.execute(
                f"UPDATE conversations SET {columns}, updated_at = ? WHERE id = ?",
                (*fields.values(), self._clock(), conversation_id),
            )

    def delete(self, conversation_id: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    # -- messages --------------------------------------------------------------------------
    def add_message(
        self,
        conversation_id: int,
        role: str,
        content: str,
        state: str = "complete",
        model: str = "",
    ) -> StoredMessage:
        if state not in STATES:
            raise ValueError(f"unknown message state {state!r}")
        now = self._clock()
        with self._lock:
            self._db.execute("BEGIN")
            cur = self._db.execute(
                "INSERT INTO messages (conversation_id, role, content, state, model, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (conversation_id, role, content, state, model, now),
            )
            self._db.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id)
            )
            self._db.execute("COMMIT")
        return StoredMessage(cur.lastrowid, conversation_id, role, content, state, model=model)

    def update_message(
        self, message_id: int, content: str, state: str, stats: dict | None = None
    ) -> None:
        if state not in STATES:
            raise ValueError(f"unknown message state {state!r}")
        with self._lock:
            self._db.execute(
                "UPDATE messages SET content = ?, state = ?, stats = ? WHERE id = ?",
                (content, state, json.dumps(stats or {}), message_id),
            )

    def set_sources(self, message_id: int, sources: dict) -> None:
        """Record the sources a reply was written with (and which it cites)."""
        with self._lock:
            self._db.execute("UPDATE messages SET sources = ? WHERE id = ?",
                             (json.dumps(sources), message_id))

    def delete_message(self, message_id: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM messages WHERE id = ?", (message_id,))

    def messages(self, conversation_id: int) -> list[StoredMessage]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM messages WHERE conversation_id = ? ORDER BY id", (conversation_id,)
            ).fetchall()
        return [
            StoredMessage(
                r["id"], r["conversation_id"], r["role"], r["content"], r["state"],
                json.loads(r["stats"] or "{}"), r["model"], json.loads(r["sources"] or "{}"),
            )
            for r in rows
        ]
