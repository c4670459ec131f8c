"""Labelled messages: one JSON object a line with ``text`` and ``emergency`` (true/false).

Why strict: ``hera safety eval`` is run on files the project has never seen, and a figure
computed on a half-read file is worse than none. A bad line stops the read with its line
number and what is wrong. Optional fields are kept: ``condition`` (for a per-condition
recall table) and ``kind`` / ``near`` (what a non-emergency resembles), and every other
field with a string value (``wording``, ``style``...), so ``hera safety eval --by FIELD``
can break any set down by any of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from hera_core.errors import HeraError


class LabelledFileError(HeraError, ValueError):
    """A labelled file that cannot be read: the message names the file, line and fix."""


@dataclass(frozen=True)
class Labelled:
    text: str
    emergency: bool
    condition: str | None = None
    kind: str | None = None
    #: for a non-emergency: the condition it resembles
    near: str | None = None
    #: every string-valued field of the line, by name (``wording``, ``style``, ``kind``...)
    fields: dict[str, str] = field(default_factory=dict, compare=False, repr=False)


def _parse(line: str, where: str) -> Labelled:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LabelledFileError(f"{where}: not valid JSON ({exc.msg}); each line must be one "
                                "JSON object") from None
    if not isinstance(row, dict):
        raise LabelledFileError(f"{where}: expected a JSON object with \"text\" and "
                                "\"emergency\"")
    text, emergency = row.get("text"), row.get("emergency")
    if not isinstance(text, str) or not text.strip():
        raise LabelledFileError(f"{where}: \"text\" must be a non-empty string")
    if not isinstance(emergency, bool):
        raise LabelledFileError(f"{where}: \"emergency\" must be true or false, got "
                                f"{json.dumps(emergency)}")
    condition = row.get("condition") or row.get("category")
    kind = row.get("kind") or row.get("style")
    near = row.get("near")
    for name, value in (("condition", condition), ("kind", kind), ("near", near)):
        if value is not None and not isinstance(value, str):
            raise LabelledFileError(f"{where}: \"{name}\" must be a string")
    strings = {k: v for k, v in row.items() if isinstance(v, str) and k != "text"}
    return Labelled(text, emergency, condition if emergency else None, kind, near, strings)


def read_labelled(path: Path) -> list[Labelled]:
    """Every message of a labelled JSONL file; blank lines are skipped."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise LabelledFileError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise LabelledFileError(f"{path}: not UTF-8 text ({exc.reason})") from None
    rows = [_parse(line, f"{path}:{number}") for number, line in enumerate(lines, 1)
            if line.strip()]
    if not rows:
        raise LabelledFileError(f"{path}: no labelled messages (one JSON object a line)")
    return rows


#: the small labelled sets shipped in the package: ``cases.jsonl`` (the rules of the first
#: version were tuned on it) and ``cases_heldout.jsonl`` (measured once, then its misses fixed)
SHIPPED_SETS = {"development": "cases.jsonl", "held-out": "cases_heldout.jsonl"}


def shipped_set(name: str) -> list[Labelled]:
    return read_labelled(Path(str(resources.files(__package__).joinpath(SHIPPED_SETS[name]))))
