"""The conversation store: CRUD, search, privacy, WAL, schema upgrades, crash safety."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hera_tui.backends.base import GenerationParams
from hera_tui.store import ChatStore, StoreError, conversation_markdown, export_markdown
from hera_tui.store.migrations import MIGRATIONS, SCHEMA_VERSION


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def store(tmp_path: Path) -> ChatStore:
    s = ChatStore(tmp_path / "data" / "chats.db")
    yield s
    s.close()


def test_conversations_list_search_rename_delete(store: ChatStore) -> None:
    a = store.create_conversation("Knee pain")
    b = store.create_conversation("Sleep")
    store.add_message(a.id, "user", "my knee hurts after running")
    store.add_message(b.id, "user", "how much melatonin is safe?")
    assert [c.title for c in store.list_conversations()] == ["Sleep", "Knee pain"]
    assert [c.title for c in store.list_conversations("MELATONIN")] == ["Sleep"]
    assert [c.title for c in store.list_conversations("knee")] == ["Knee pain"]
    assert store.list_conversations("100%") == []  # LIKE wildcards are escaped
    store.rename(a.id, "  Runner's   knee ")
    assert store.conversation(a.id).title == "Runner's knee"
    with pytest.raises(ValueError, match="empty"):
        store.rename(a.id, "   ")
    store.delete(b.id)
    assert [c.id for c in store.list_conversations()] == [a.id]
    assert store.messages(b.id) == []  # messages go with their conversation


def test_settings_are_per_conversation(store: ChatStore) -> None:
    a = store.create_conversation("a", system="Be brief.")
    b = store.create_conversation("b")
    store.set_settings(a.id, "Answer in French.", GenerationParams(temperature=0.1, max_tokens=9))
    assert store.conversation(a.id).system == "Answer in French."
    assert store.conversation(a.id).params.max_tokens == 9
    assert store.conversation(b.id).params == GenerationParams()
    with pytest.raises(ValueError, match="top_p"):
        store.set_settings(a.id, None, GenerationParams(top_p=0))


def test_file_is_private_and_in_wal_mode(store: ChatStore) -> None:
    c = store.create_conversation("x")
    store.add_message(c.id, "user", "private")
    assert _mode(store.path) == 0o600
    assert _mode(store.path.parent) == 0o700
    wal = store.path.with_name(store.path.name + "-wal")
    assert wal.exists() and _mode(wal) == 0o600
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_existing_open_folder_is_tightened(tmp_path: Path) -> None:
    home = tmp_path / "hera"
    home.mkdir(mode=0o755)
    home.chmod(0o755)  # as `mkdir` under the usual umask, or an older HERA, leaves it
    ChatStore(home / "chats.db").close()
    assert _mode(home) == 0o700


def test_upgrade_from_version_1_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.executescript(MIGRATIONS[0])
        db.execute("INSERT INTO conversations VALUES (1, 'old chat', 0, 0)")
        db.execute("INSERT INTO messages VALUES (1, 1, 'user', 'hello from v1', 0)")
        db.execute("PRAGMA user_version = 1")
    store = ChatStore(path)
    assert store.schema_version == SCHEMA_VERSION > 1
    [msg] = store.messages(1)
    assert (msg.content, msg.state, msg.stats) == ("hello from v1", "complete", {})
    assert store.conversation(1).params == GenerationParams()
    store.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="upgrade HERA"):
        ChatStore(path)


def test_a_killed_app_loses_no_sent_message(tmp_path: Path) -> None:
    """kill -9 in the middle of a reply: the question and the partial reply survive."""
    path = tmp_path / "chats.db"
    script = textwrap.dedent(f"""
        import os, signal
        from hera_tui.store import ChatStore
        store = ChatStore({str(path)!r})
        c = store.create_conversation("crash")
        store.add_message(c.id, "user", "is this kept?")
        reply = store.add_message(c.id, "assistant", "", state="incomplete")
        store.update_message(reply.id, "Yes, it is ke", "incomplete")
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], check=False)
    assert proc.returncode == -9
    store = ChatStore(path)
    [conv] = store.list_conversations()
    question, reply = store.messages(conv.id)
    assert question.content == "is this kept?"
    assert (reply.content, reply.state, reply.cut_short) == ("Yes, it is ke", "incomplete", True)
    store.close()


def test_markdown_export(store: ChatStore, tmp_path: Path) -> None:
    c = store.create_conversation("Fever / kids?", model="m.gguf", system="Be kind.")
    store.add_message(c.id, "user", "My son has a fever")
    reply = store.add_message(c.id, "assistant", "Fevers are common", state="stopped",
                              model="/models/m.gguf")
    store.update_message(reply.id, "Fevers are common", "stopped")
    conv, messages = store.conversation(c.id), store.messages(c.id)
    text = conversation_markdown(conv, messages)
    assert text.startswith("# Fever / kids?\n")
    assert "## You\n\nMy son has a fever" in text
    assert "## m.gguf\n\nFevers are common\n\n*(reply stopped)*" in text  # who answered
    assert "Be kind." in text and "not a doctor" in text
    path = export_markdown(conv, messages, tmp_path / "md")
    assert path.name == f"fever-kids-{c.id}.md"
    assert path.read_text() == text
    assert _mode(path) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left


def test_upgrade_to_version_3_records_who_wrote_each_reply(tmp_path: Path) -> None:
    """Version 3 adds each reply's model; older replies get their conversation's model."""
    path = tmp_path / "v2.db"
    with sqlite3.connect(path) as db:
        for script in MIGRATIONS[:2]:
            db.executescript(script)
        db.execute("INSERT INTO conversations (id, title, created_at, updated_at, model)"
                   " VALUES (1, 'old', 0, 0, 'ollama:hera')")
        db.execute("INSERT INTO messages (id, conversation_id, role, content, created_at)"
                   " VALUES (1, 1, 'user', 'hi', 0), (2, 1, 'assistant', 'hello', 0)")
        db.execute("PRAGMA user_version = 2")
    store = ChatStore(path)
    assert store.schema_version == SCHEMA_VERSION >= 3
    user, reply = store.messages(1)
    assert (user.model, reply.model) == ("", "ollama:hera")
    new = store.add_message(1, "assistant", "again", model="/models/other.gguf")
    assert store.messages(1)[-1].model == new.model == "/models/other.gguf"
    store.set_model(1, "/models/other.gguf")
    assert store.conversation(1).model == "/models/other.gguf"
    store.close()
