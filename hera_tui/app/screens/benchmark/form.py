"""The benchmark screen's setup fields read into a run: which questions, and how many.

How many questions is a labelled field (50 by default); an empty or unreadable field is an
error on screen, never "all 500".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hera_core.pubmedqa import PubMedQAError
from hera_tui.benchmark.items import BenchItem, BenchmarkInputError, load_mcq, pubmedqa_items

DEFAULT_LIMIT = "50"
LIMIT_HINT = "a number, or all"
#: what a wrong field or benchmark file raises: a line on screen, not a crash
INPUT_ERRORS = (BenchmarkInputError, PubMedQAError, FileNotFoundError)


def parse_limit(text: str) -> int:
    """The questions field: a positive number, or ``all`` (0, as ``--limit`` takes it).

    An empty field is an error: it once meant "all 500" (46 minutes here) without a word.
    """
    text = text.strip().lower()
    if text == "all":
        return 0
    if not text:
        raise BenchmarkInputError("how many questions? Type a number (e.g. 50) or all")
    if not text.isdigit() or int(text) < 1:
        raise BenchmarkInputError(f"questions must be a number from 1, or all; not {text!r}")
    return int(text)


def benchmark_items(limit_text: str, file_text: str) -> tuple[str, list[BenchItem], dict[str, Any]]:
    """The benchmark's name, its questions and the settings a run records, from the fields:
    PubMedQA's test split when no file is named, else the multiple-choice JSONL file."""
    limit = parse_limit(limit_text)
    path = file_text.strip()
    if not path:
        return "pubmedqa", pubmedqa_items(limit), {"limit": limit, "split": "pqal-test"}
    items = load_mcq(Path(path).expanduser())
    name = f"mcq-{Path(path).stem}"
    return name, items[:limit] if limit else items, {"limit": limit, "file": path}
