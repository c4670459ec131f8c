"""Screens the app can open, in one place: each gets a command palette entry, an optional
key, and a line in the help screen.

To add a screen (the PubMedQA benchmark screen, say), register it from the module that
defines it and import that module in :mod:`hera_tui.app.screens`::

    register_screen(ScreenEntry("benchmark", "PubMedQA benchmark", "Score the model",
                                lambda app: BenchmarkScreen(app.backend), key="f5"))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.screen import Screen

if TYPE_CHECKING:
    from .chat_app import HeraApp


@dataclass(frozen=True)
class ScreenEntry:
    name: str
    title: str
    help: str
    factory: Callable[[HeraApp], Screen]
    key: str | None = None


SCREENS: dict[str, ScreenEntry] = {}


def register_screen(entry: ScreenEntry) -> None:
    """Add (or replace, by name) a screen the app offers."""
    SCREENS[entry.name] = entry
