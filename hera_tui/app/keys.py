"""Key names as people write them, and the list of every key the app has.

One style everywhere (footer, help, hints, docs/chat.md): ``Ctrl+N``, ``Esc``, ``Enter``, ``F1``,
``Up``; a plain letter key stays as typed (``w``). The list is read from the bindings of the
registered screens (see :mod:`hera_tui.app.registry`), so it cannot go stale.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from textual.binding import Binding, BindingType
from textual.dom import DOMNode

from .registry import SCREENS

_NAMES = {
    "escape": "Esc", "enter": "Enter", "ctrl": "Ctrl", "shift": "Shift", "alt": "Alt",
    "tab": "Tab", "up": "Up", "down": "Down", "left": "Left", "right": "Right",
    "pageup": "PgUp", "pagedown": "PgDn", "home": "Home", "end": "End", "delete": "Del",
    "backspace": "Backspace", "space": "Space",
}

#: where the app-wide keys are listed
ANYWHERE = "anywhere"


class KeyRow(NamedTuple):
    """One line of the help: on which screen, which key(s), what it does."""

    where: str
    keys: str
    does: str


def _one_key(key: str) -> str:
    *modifiers, last = key.strip().split("+")
    names = [_NAMES.get(m, m.title()) for m in modifiers]
    if last in _NAMES:
        names.append(_NAMES[last])
    elif re.fullmatch(r"f\d+", last):
        names.append(last.upper())
    elif len(last) == 1:
        names.append(last.upper() if modifiers else last)
    else:
        names.append(last.replace("_", " ").title())
    return "+".join(names)


def key_label(keys: str) -> str:
    """``ctrl+n`` -> ``Ctrl+N``, ``escape`` -> ``Esc``, ``ctrl+j,shift+enter`` ->
    ``Ctrl+J / Shift+Enter`` (Textual's key names, written the way people write them)."""
    return " / ".join(_one_key(k) for k in keys.split(","))


def described(bindings: Iterable[BindingType]) -> list[Binding]:
    """The bindings a person should know about: those with a description."""
    return [b for b in bindings if isinstance(b, Binding) and b.description and not b.system]


def _does(binding: Binding) -> str:
    return binding.tooltip or binding.description


def _rows(where: str, classes: Iterable[type[DOMNode]]) -> list[KeyRow]:
    return [KeyRow(where, key_label(binding.key), _does(binding))
            for cls in classes for binding in described(cls.BINDINGS)]


def _merged(rows: list[KeyRow]) -> list[KeyRow]:
    """Keys that do the same thing in the same place share a row (``Down / Up``)."""
    merged: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        merged.setdefault((row.where, row.does), []).append(row.keys)
    return [KeyRow(where, " / ".join(keys), does) for (where, does), keys in merged.items()]


def key_rows(app_bindings: Iterable[BindingType]) -> list[KeyRow]:
    """Every key of the app: app-wide ones first, then each registered screen's."""
    rows = [KeyRow(ANYWHERE, key_label(e.key), f"{e.title}: {e.help}")
            for e in SCREENS.values() if e.key]
    rows += [KeyRow(ANYWHERE, key_label(b.key), _does(b)) for b in described(app_bindings)]
    for entry in SCREENS.values():
        rows += _rows(entry.title.lower(), (entry.screen_type, *entry.parts))
    return _merged(rows)
