"""Every key is listed (F1, docs/chat.md), named in one style, and the footer's keys fit the screen.

The help is built from the screen registry; these tests check it against what the running
app really binds on each registered screen (Textual's active bindings), so a key added
anywhere without a registry entry, or a screen nobody registered, fails here.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from support.chat_env import chat_env  # noqa: F401 - fixture
from textual.binding import Binding
from textual.widgets import Label, Static

from hera_core.paths import hera_home
from hera_tui.app.chat_app import HeraApp
from hera_tui.app.keys import ANYWHERE, KeyRow, key_label, key_rows
from hera_tui.app.registry import SCREENS
from hera_tui.app.screens.help import HelpScreen
from hera_tui.store import ChatStore

CHAT_DOC = Path(__file__).resolve().parent.parent / "docs" / "chat.md"
#: one key: modifiers, then a named key, an F-key, a capital (with a modifier) or a letter
KEY = (r"((Ctrl|Shift|Alt)\+)*"
       r"(Esc|Enter|Tab|Up|Down|Left|Right|PgUp|PgDn|Home|End|Del|F\d+|[A-Z]|[a-z])")
KEYS = re.compile(rf"^{KEY}( / {KEY})*$")
#: key names in another style, anywhere in text on screen
OTHER_STYLE = re.compile(r"\b(ctrl|CTRL|shift|alt)\+|\bENTER\b|\bESC\b|\^[a-z]\b|\besc\b")


def _app() -> HeraApp:
    return HeraApp(None, ChatStore(hera_home() / "chats.db"))


def _declared_by_hera(cls: type, binding: Binding) -> bool:
    return any(binding in vars(c).get("BINDINGS", ()) for c in cls.__mro__
               if c.__module__.startswith("hera_tui"))


def _hera_keys(app: HeraApp) -> set[str]:
    """The keys of every binding HERA made that is active on the current screen (the app's,
    including those bound at run time, and those its classes declare), as F1 names them."""
    found = set()
    for active in app.screen.active_bindings.values():
        node, binding = active.node, active.binding
        if binding.system or not binding.description:
            continue
        if node is not app and not _declared_by_hera(type(node), binding):
            continue  # Textual's own widget keys (text editing, list movement)
        found.add(key_label(binding.key))
    return found


def _unlisted(keys: set[str], where: str, rows: list[KeyRow]) -> set[str]:
    listed = {r.keys for r in rows if r.where in (where, ANYWHERE)}
    return {k for k in keys if k not in listed}


def _visible_text(app: HeraApp) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Label).results()) + "\n".join(
        str(w.render()) for w in app.screen.query(Static).results()
    )


def test_f1_lists_every_key_of_every_registered_screen(chat_env: Path) -> None:
    app = _app()
    rows = key_rows(HeraApp.BINDINGS)

    async def scenario() -> None:
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            chat_keys = _hera_keys(app)  # the chat screen, with the prompt focused
            assert {"Enter", "Esc", "Ctrl+N", "F1", "Ctrl+Q"} <= chat_keys
            assert not _unlisted(chat_keys, "chat", rows)
            assert not OTHER_STYLE.search(_visible_text(app))
            opened = 0
            for entry in SCREENS.values():
                if entry.key is None:
                    continue
                await pilot.press(entry.key)
                await pilot.pause()
                assert getattr(app.screen, "registry_name", None) == entry.name
                keys = _hera_keys(app)
                assert not _unlisted(keys, entry.title.lower(), rows), entry.name
                assert not OTHER_STYLE.search(_visible_text(app)), entry.name
                app.screen.dismiss(None)
                await pilot.pause()
                opened += 1
            assert opened == len([e for e in SCREENS.values() if e.key]) >= 5
            await pilot.press("f1")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            assert app.screen.rows == rows
            table = app.screen.query_one("#keys-table", Static).content
            assert table.row_count == len(rows)

    asyncio.run(scenario())
    app.store.close()


def test_key_names_have_one_style() -> None:
    rows = key_rows(HeraApp.BINDINGS)
    bad = [r for r in rows if not KEYS.match(r.keys)]
    assert not bad, bad
    assert key_label("ctrl+n") == "Ctrl+N" and key_label("escape,f1") == "Esc / F1"
    assert key_label("ctrl+j,shift+enter") == "Ctrl+J / Shift+Enter"
    assert key_label("w") == "w" and key_label("down") == "Down"


def _documented_key_rows() -> list[KeyRow]:
    text = CHAT_DOC.read_text(encoding="utf-8")
    section = text[text.index("| where | key | does |"):]
    rows = []
    for line in section.splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip().replace("`", "") for c in line.strip("|").split("|")]
        rows.append(KeyRow(*cells))
    return rows


def test_documented_key_table_is_f1() -> None:
    """docs/chat.md's key table is exactly what F1 shows (order included)."""
    assert _documented_key_rows() == key_rows(HeraApp.BINDINGS)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_footer_keys_fit_and_f1_is_among_them(chat_env: Path, size: tuple[int, int]) -> None:
    app = _app()

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            for _ in range(50):  # until the footer is composed and laid out
                await pilot.pause(0.05)
                keys = list(app.screen.query("FooterKey").results())
                if keys and all(k.region.width for k in keys):
                    break
            labels = [k.key_display for k in keys]
            assert {"Esc", "Ctrl+N", "F1", "Ctrl+L", "Ctrl+O", "Ctrl+T"} <= set(labels)
            assert all(k.region.right <= size[0] and k.region.width > 0 for k in keys), [
                (k.key_display, k.region) for k in keys
            ]

    asyncio.run(scenario())
    app.store.close()
