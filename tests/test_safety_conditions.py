"""The conditions list: every condition has a source, guidance (call first) and examples."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

import pytest

from hera_tui.safety.conditions import condition_ids, conditions, general_guidance
from hera_tui.safety.labelled import read_labelled, shipped_set
from hera_tui.safety.redflags import RULES
from hera_tui.safety.train import corpus_dir, corpus_files

ISSUE_9_IDS = {
    "heart_attack", "cardiac_arrest", "stroke", "seizure", "sudden_severe_headache",
    "meningitis", "breathing_difficulty", "choking", "anaphylaxis", "severe_bleeding",
    "gi_bleed", "surgical_abdomen", "pregnancy_emergency", "urological_emergency",
    "vascular_emergency", "diabetic_emergency", "sepsis", "head_spine_injury", "major_trauma",
    "burns_chemical", "poisoning_overdose", "suicide_self_harm", "harm_to_others",
    "acute_psychosis_delirium", "child_red_flags", "eye_emergency", "environmental",
}


def test_the_list_has_exactly_the_shared_condition_ids() -> None:
    assert set(condition_ids()) == ISSUE_9_IDS


@pytest.mark.parametrize("condition", sorted(ISSUE_9_IDS))
def test_every_condition_has_a_published_source_and_guidance_with_the_call_first(
        condition: str) -> None:
    guidance = conditions()[condition]
    assert guidance.title and len(guidance.steps) >= 2
    assert any(re.search(r"NHS|CDC|ACEP|Manchester Triage|NICE|988|Stop the Bleed", s)
               for s in guidance.sources)
    first_line = guidance.text().splitlines()[0]
    assert "emergency number" in first_line and "999" in first_line


def test_every_condition_has_labelled_examples_in_the_corpus() -> None:
    rows = [row for path in corpus_files(corpus_dir()) for row in read_labelled(path)]
    emergencies = Counter(r.condition for r in rows if r.emergency)
    near_misses = Counter(r.near for r in rows if not r.emergency)
    assert set(emergencies) == ISSUE_9_IDS
    assert min(emergencies.values()) >= 40, emergencies.most_common()[-3:]
    assert sum(emergencies.values()) >= 2000
    assert sum(near_misses.values()) >= 1500


def test_rules_and_shipped_sets_use_only_listed_conditions() -> None:
    assert {rule.condition for rule in RULES} <= ISSUE_9_IDS
    for name in ("development", "held-out"):
        assert {r.condition for r in shipped_set(name) if r.emergency} <= ISSUE_9_IDS


def test_the_general_block_holds_only_steps_right_in_every_emergency() -> None:
    text = general_guidance().text()
    assert text.splitlines()[0] == conditions()["stroke"].call
    for wrong_somewhere in ("aspirin", "sugar", "adrenaline", "vomit", "water", "inhaler"):
        assert wrong_somewhere not in text.lower()
    assert "CPR" in text


SETS = Path(__file__).parent.parent / "hera_tui" / "safety" / "sets"
README = Path(__file__).parent.parent / "README.md"


@pytest.mark.parametrize(
    "name", ["frozen_eval.jsonl", "frozen_eval_v2.jsonl", "frozen_eval_v3.jsonl"])
def test_the_frozen_sets_are_the_ones_the_readme_measured(name: str) -> None:
    """A frozen set is never edited: its sha256 is the one the README's figures cite."""
    digest = hashlib.sha256((SETS / name).read_bytes()).hexdigest()
    assert f"`{digest}`" in README.read_text(encoding="utf-8"), f"{name} changed since measured"


def test_the_corpus_takes_nothing_from_the_frozen_set() -> None:
    """Five short messages of the second frozen set were written, independently, word for
    word as in the corpus ("collapsed not breathing"; the README says so); the corpus must
    gain no other."""
    frozen = {r.text.casefold() for r in read_labelled(SETS / "frozen_eval_v2.jsonl")}
    corpus = {r.text.casefold() for f in corpus_files(corpus_dir()) for r in read_labelled(f)}
    assert len(frozen & corpus) == 5
