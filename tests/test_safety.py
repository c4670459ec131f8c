"""The emergency red-flag check: measured on the labelled set, and its key behaviours."""

from __future__ import annotations

import pytest

from hera_tui.safety import DISCLAIMER, check_message
from hera_tui.safety.evaluate import SETS, evaluate, load_cases
from hera_tui.safety.redflags import _RULES


@pytest.mark.parametrize("name", SETS)
def test_labelled_sets_are_large_and_cover_every_category(name: str) -> None:
    cases = load_cases(name)
    assert len(cases) >= 30
    positives = {c.category for c in cases if c.emergency}
    assert positives == {rule.category for rule in _RULES}
    assert sum(not c.emergency for c in cases) >= 14


@pytest.mark.parametrize("name", SETS)
def test_recall_and_false_alarm_rate(name: str) -> None:
    result = evaluate(load_cases(name))
    assert result.recall >= 0.95, [c.text for c in result.missed]
    assert result.false_alarm_rate <= 0.10, [c.text for c in result.false_alarms]


@pytest.mark.parametrize("name", SETS)
def test_positives_are_flagged_with_their_category(name: str) -> None:
    for case in load_cases(name):
        if case.emergency:
            assert case.category in {f.category for f in check_message(case.text)}, case.text


@pytest.mark.parametrize(
    "text",
    [
        "my ECG was normal last year",
        "no chest pain at all",
        "I don't have chest pain, just a cough",
        "denies any chest pressure",
        "what are the signs of a stroke?",
        "I had a seizure as a kid",
        "my doctor ruled out a heart attack",
        "my 8 year old has a fever",
    ],
)
def test_negated_past_general_or_out_of_scope_does_not_fire(text: str) -> None:
    assert check_message(text) == []


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("chest pain going into my jaw", "heart"),
        ("No fever. But my chest hurts and it goes down my left arm", "heart"),
        ("what are the signs of a stroke, my dad suddenly can't lift his arm", "stroke"),
        ("my 3 week old has a temp of 38.4", "infant_fever"),
        ("I want to kill myself", "suicide"),
    ],
)
def test_fires_despite_negation_elsewhere_or_a_question(text: str, category: str) -> None:
    assert category in {f.category for f in check_message(text)}


def test_guidance_tells_what_to_do_now() -> None:
    [flag] = check_message("my husband's face is drooping and his speech is slurred")
    assert flag.category == "stroke"
    assert "emergency number" in flag.guidance
    assert "not a doctor" in DISCLAIMER
