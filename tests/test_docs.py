"""The README and docs/ hold together: every link lands, and the configuration page lists
every training config field (the pages that cite measured figures, keys and frozen sets are
checked by the tests of those parts)."""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path

import pytest

from hera_train.config import RunConfig

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    anchors = set()
    fenced = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            heading = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", heading).replace(" ", "-"))
    return anchors


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_lands(page: Path) -> None:
    broken = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # a URL
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (
                anchor and linked.suffix == ".md" and anchor not in _anchors(linked)):
            broken.append(target)
    assert not broken, f"{page.name}: links to nothing: {broken}"


def _fields(cls: type, prefix: str = "") -> list[str]:
    names = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            names += _fields(tp, f"{prefix}{f.name}.")
        elif typing.get_origin(tp) is list and dataclasses.is_dataclass(typing.get_args(tp)[0]):
            names += _fields(typing.get_args(tp)[0], f"{prefix}{f.name}.N.")
        else:
            names.append(prefix + f.name)
    return names


def test_the_configuration_page_lists_every_config_field() -> None:
    """Its table has one row per field of ``RunConfig`` (nested ones by dotted name), and no
    row for a field that does not exist."""
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    table = text[text.index("| field | default | what |"):]
    rows = re.findall(r"^\| `([\w.]+)` \|", table, re.M)
    assert len(_fields(RunConfig)) > 40  # the walk found the nested sections
    assert rows == list(dict.fromkeys(rows)), "a field is listed twice"
    assert set(rows) == set(_fields(RunConfig))
