"""Reading a labelled JSON-lines file: one object a line, blank lines skipped, and any bad
line a one-line error with its file and line number (the class of error is the caller's,
so each command names its own fix). Torch-free."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def read_objects(path: Path,
                 error: type[Exception]) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """``(line number, where, object)`` for each non-blank line (``where``: ``path:line``)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise error(f"{path}: cannot read it ({exc.strerror}); check the path") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(f"{where}: not valid JSON ({exc.msg}); each line must be one JSON "
                        "object") from None
        if not isinstance(row, dict):
            raise error(f"{where}: expected a JSON object")
        yield n, where, row
