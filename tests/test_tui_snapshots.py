"""Snapshots of the main screens (pytest-textual-snapshot) at 80×24 and 160×48: chat with a
saved conversation (emergency guidance pinned above the input, a stopped reply labelled
with its model), help, settings and conversations.

Screens show stored conversations, not live generation, so each picture is deterministic;
the model is loaded for real (its label and "ready" status are part of the picture).
Update after an intended change with ``pytest tests/test_tui_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.chat_env import chat_env, starter_gguf  # noqa: F401 - fixtures

from hera_core.paths import hera_home
from hera_tui.app.chat_app import HeraApp
from hera_tui.models import ModelChoice
from hera_tui.store import ChatStore

SIZES = {"80x24": (80, 24), "160x48": (160, 48)}


def _clock():
    t = [1_700_000_000.0]

    def tick() -> float:
        t[0] += 60
        return t[0]

    return tick


@pytest.fixture
def app(chat_env: Path, starter_gguf: Path) -> HeraApp:
    store = ChatStore(hera_home() / "chats.db", clock=_clock())
    other = store.create_conversation("Knee pain after running")
    store.add_message(other.id, "user", "My knee hurts after running")
    conv = store.create_conversation("Chest pain question")
    store.add_message(conv.id, "user", "I have crushing chest pain going down my left arm")
    reply = store.add_message(conv.id, "assistant", "", state="incomplete",
                              model=str(starter_gguf))
    store.update_message(
        reply.id,
        "Please call **emergency services** now.\n\n- Sit down\n- Chew an aspirin",
        "stopped",
        {"tokens": 19, "ttft_s": 0.12, "tokens_per_s": 48.0, "finish": "stopped"},
    )
    choice = ModelChoice("gguf", str(starter_gguf), "starter", is_starter=True)
    application = HeraApp(choice, store, conversation_id=conv.id)
    yield application
    store.close()


async def _still(pilot) -> None:
    """Let focus changes and animations end, then take focus away: a picture must not
    depend on when it is taken. A focused field draws a cursor whose state depends on
    timing (blink phase, when focus landed, the terminal's own focus events); with nothing
    focused no field draws one, so the pictures show the layout and text, never a cursor."""
    for _ in range(200):
        if pilot.app.focused is not None:
            break
        await pilot.pause(0.05)
    await pilot.wait_for_scheduled_animations()
    for _ in range(3):
        await pilot.pause()
    pilot.app.set_focus(None)
    for _ in range(3):
        await pilot.pause()


async def _loaded(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await _still(pilot)


@pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))
def test_chat_screen(app: HeraApp, snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(app, terminal_size=size, run_before=_loaded)


@pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))
@pytest.mark.parametrize("key", ["f1", "ctrl+t", "ctrl+l"], ids=["help", "settings", "list"])
def test_modal_screens(app: HeraApp, snap_compare, key: str, size: tuple[int, int]) -> None:
    async def open_screen(pilot) -> None:
        await _loaded(pilot)
        await pilot.press(key)
        await pilot.pause()
        await _still(pilot)

    assert snap_compare(app, terminal_size=size, run_before=open_screen)
