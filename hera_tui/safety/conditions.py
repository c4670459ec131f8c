"""The emergency conditions list (``conditions.toml``): ids, titles, guidance and sources.

Why a data file: the list is what a clinician or auditor reviews, so it lives in one
readable place with each condition's published source next to the guidance the app shows.
The rules, the classifier, the corpus and the banner all refer to conditions by these ids.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from hera_core.errors import HeraError


@dataclass(frozen=True)
class Guidance:
    """What the banner shows: who to call first, then the first steps, and where it is from."""

    id: str
    title: str
    call: str
    steps: tuple[str, ...]
    sources: tuple[str, ...]

    def text(self) -> str:
        """The call instruction, then one line per step."""
        return "\n".join([self.call, *(f"- {s}" for s in self.steps)])


#: the id of the block shown when the condition is unclear or two conditions are possible
GENERAL_ID = "general"


class ConditionsFileError(HeraError, ValueError):
    """``conditions.toml`` is malformed (a packaging or editing mistake)."""


def _guidance(entry: dict, default_call: str) -> Guidance:
    try:
        guidance = Guidance(
            entry["id"], entry["title"], entry.get("call", default_call),
            tuple(entry["steps"]), tuple(entry["sources"]),
        )
    except KeyError as exc:
        raise ConditionsFileError(
            f"conditions.toml: {entry.get('id', '?')} lacks {exc.args[0]!r}"
        ) from exc
    if not guidance.steps or not guidance.sources:
        raise ConditionsFileError(f"conditions.toml: {guidance.id} needs steps and sources")
    return guidance


@cache
def _load() -> tuple[dict[str, Guidance], Guidance]:
    raw = tomllib.loads(
        resources.files(__package__).joinpath("conditions.toml").read_text(encoding="utf-8")
    )
    call = raw["call"]
    conditions = {}
    for entry in raw["condition"]:
        guidance = _guidance(entry, call)
        if guidance.id in conditions or guidance.id == GENERAL_ID:
            raise ConditionsFileError(f"conditions.toml: duplicate id {guidance.id!r}")
        conditions[guidance.id] = guidance
    return conditions, _guidance({"id": GENERAL_ID, **raw["general"]}, call)


def conditions() -> dict[str, Guidance]:
    """Every condition by id, in the file's order."""
    return _load()[0]


def condition_ids() -> tuple[str, ...]:
    return tuple(_load()[0])


def general_guidance() -> Guidance:
    """The block for an unclear or mixed picture: only steps right in every emergency."""
    return _load()[1]
