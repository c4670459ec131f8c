"""Screens the app has, in one place: each openable one gets a command palette entry and
an optional key, and every one gets its keys listed in the help screen (F1) and docs/chat.md.

The help reads each entry's bindings from the classes themselves (the screen, the widgets
on it, the dialogs it opens), so a key added to a screen shows up in F1 without anyone
remembering to document it. To add a screen (the PubMedQA benchmark screen, say), register
it from the module that defines it and import that module in :mod:`hera_tui.app.screens`::

    register_screen(ScreenEntry("benchmark", "Benchmark", "Score models", BenchmarkScreen,
                                lambda app: BenchmarkScreen(...), key="f5"))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.dom import DOMNode
from textual.screen import Screen

from .host import HeraHost


@dataclass(frozen=True)
class ScreenEntry:
    """A screen: its name, what it is for, and how it is opened (if it can be)."""

    name: str
    title: str
    help: str
    screen_type: type[Screen]
    #: builds the screen for the app; None for the chat screen, which is always open
    factory: Callable[[HeraHost], Screen] | None = None
    #: the key that opens it from anywhere (Textual's key name, e.g. ``ctrl+o``)
    key: str | None = None
    #: the key's label in the footer, which has room for the main ones (None: F1 only)
    footer: str | None = None
    #: widgets on the screen and dialogs it opens, whose keys the help lists with it
    parts: tuple[type[DOMNode], ...] = ()


SCREENS: dict[str, ScreenEntry] = {}


def register_screen(entry: ScreenEntry) -> None:
    """Add (or replace, by name) a screen of the app."""
    SCREENS[entry.name] = entry
