"""The conditions list: every condition has a source, guidance (call first) and examples."""

from __future__ import annotations

import difflib
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


#: the emergencies the first list did not name (issue 16): national "call 999 / go to A&E
#: now" guidance and the Manchester Triage System send each of them to emergency care
ISSUE_16_IDS = {
    "cauda_equina", "spinal_cord_compression", "compartment_syndrome", "necrotising_fasciitis",
    "ectopic_pregnancy", "pre_eclampsia", "postpartum_haemorrhage", "hypothermia",
    "heat_stroke", "bowel_obstruction", "drug_toxicity", "button_battery_magnet",
    "child_medicine_ingestion", "acute_glaucoma", "retinal_detachment", "hyperkalaemia",
    "neutropenic_sepsis", "adrenal_crisis", "sickle_cell_crisis", "ovarian_torsion",
    "aortic_aneurysm", "acute_limb_ischaemia", "diabetic_ketoacidosis", "epiglottitis",
    "carbon_monoxide", "hypertensive_emergency",
}
#: added when the third frozen set showed them missing (each is a "call 999 / go to A&E now"
#: presentation in its published source); their corpus examples are fewer (the rules carry
#: them), in nurse_contrast.jsonl with a benign twin for each kind of wording
ISSUE_16_SECOND_ROUND_IDS = {
    "shunt_blockage", "acute_liver_failure", "hypercalcaemia", "guillain_barre",
    "rhabdomyolysis",
}
#: added for the patterns behind the fourth frozen set's misses (a heart pump alarming, a
#: pulse below 40 with a faint, a diabetic foot with gangrene, a knocked-out adult tooth);
#: their examples are in pattern_contrast.jsonl, each kind with a benign twin
ISSUE_16_THIRD_ROUND_IDS = {
    "medical_device_failure", "dangerous_heart_rhythm", "diabetic_foot", "knocked_out_tooth",
}
FEW_EXAMPLES = ISSUE_16_SECOND_ROUND_IDS | ISSUE_16_THIRD_ROUND_IDS
ALL_IDS = ISSUE_9_IDS | ISSUE_16_IDS | FEW_EXAMPLES


def test_the_list_has_exactly_the_shared_condition_ids() -> None:
    assert set(condition_ids()) == ALL_IDS
    assert len(ALL_IDS) == 27 + 26 + 5 + 4


def test_the_safety_page_counts_the_conditions() -> None:
    """docs/safety.md's account of the check says how many conditions it covers."""
    assert f"It covers {len(ALL_IDS)} conditions" in SAFETY_DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("condition", sorted(ALL_IDS))
def test_every_condition_has_a_published_source_and_guidance_with_the_call_first(
        condition: str) -> None:
    guidance = conditions()[condition]
    assert guidance.title and len(guidance.steps) >= 2
    assert any(re.search(r"NHS|CDC|ACEP|Manchester Triage|NICE|988|Stop the Bleed|Poison", s)
               for s in guidance.sources)
    first_line = guidance.text().splitlines()[0]
    assert "emergency number" in first_line and "999" in first_line


def test_every_condition_has_labelled_examples_in_the_corpus() -> None:
    rows = [row for path in corpus_files(corpus_dir()) for row in read_labelled(path)]
    emergencies = Counter(r.condition for r in rows if r.emergency)
    near_misses = Counter(r.near for r in rows if not r.emergency)
    assert set(emergencies) == ALL_IDS
    assert min(emergencies[c] for c in ALL_IDS - FEW_EXAMPLES) >= 40
    assert min(emergencies[c] for c in FEW_EXAMPLES) >= 10
    assert all(near_misses[c] >= 5 for c in FEW_EXAMPLES), near_misses
    assert sum(emergencies.values()) >= 3500
    assert sum(near_misses.values()) >= 1700


def test_rules_and_shipped_sets_use_only_listed_conditions() -> None:
    assert {rule.condition for rule in RULES} == ALL_IDS  # every condition has a rule
    for name in ("development", "held-out"):
        assert {r.condition for r in shipped_set(name) if r.emergency} <= ALL_IDS


def test_the_general_block_holds_only_steps_right_in_every_emergency() -> None:
    text = general_guidance().text()
    assert text.splitlines()[0] == conditions()["stroke"].call
    for wrong_somewhere in ("aspirin", "sugar", "adrenaline", "vomit", "water", "inhaler"):
        assert wrong_somewhere not in text.lower()
    assert "CPR" in text


#: advice that is right in one condition and can harm in another: where each may be given
#: (elsewhere it may only appear as a warning: "no aspirin", "do not take aspirin")
RIGHT_ONLY_IN = {
    r"aspirin": {"heart_attack"},
    r"adrenaline|epinephrine|auto-injector": {"anaphylaxis"},
    r"hydrocortisone": {"adrenal_crisis"},
    r"sugary drink|glucose tablets": {"diabetic_emergency"},
    r"inhaler": {"breathing_difficulty"},
    r"cool them|cold packs on the neck": {"heat_stroke"},
    r"warm them|wrap them": {"hypothermia"},
}
_WARNING = re.compile(r"\b(no|not|never|do not|don'?t|nor|or)\b[^.;:]{0,40}$", re.I)


@pytest.mark.parametrize("advice", sorted(RIGHT_ONLY_IN))
def test_advice_that_could_harm_elsewhere_is_given_only_where_it_is_right(advice: str) -> None:
    for condition, guidance in conditions().items():
        for step in guidance.steps:
            for match in re.finditer(advice, step, re.I):
                if condition not in RIGHT_ONLY_IN[advice]:
                    assert _WARNING.search(step[: match.start()]), (condition, step)


SETS = Path(__file__).parent.parent / "hera_tui" / "safety" / "sets"
SAFETY_DOC = Path(__file__).parent.parent / "docs" / "safety.md"


@pytest.mark.parametrize(
    "name",
    ["frozen_eval.jsonl", "frozen_eval_v2.jsonl", "frozen_eval_v3.jsonl", "frozen_eval_v4.jsonl",
     "frozen_eval_v5.jsonl", "frozen_eval_v6.jsonl", "frozen_eval_v7.jsonl"])
def test_the_frozen_sets_are_the_ones_the_docs_measured(name: str) -> None:
    """A frozen set is never edited: its sha256 is the one docs/safety.md's figures cite."""
    digest = hashlib.sha256((SETS / name).read_bytes()).hexdigest()
    assert f"`{digest}`" in SAFETY_DOC.read_text(encoding="utf-8"), f"{name} changed since measured"


def test_the_corpus_takes_nothing_from_the_frozen_set() -> None:
    """Five short messages of the second frozen set were written, independently, word for
    word as in the corpus ("collapsed not breathing"; docs/safety.md says so); the corpus must
    gain no other."""
    frozen = {r.text.casefold() for r in read_labelled(SETS / "frozen_eval_v2.jsonl")}
    corpus = {r.text.casefold() for f in corpus_files(corpus_dir()) for r in read_labelled(f)}
    assert len(frozen & corpus) == 5


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.casefold())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)} or {tuple(words)}


#: the sets up to the fourth, and the fifth, sixth and seventh, which were written blind later
_SETS_TO_V4 = ("dev_blind", "frozen_eval", "frozen_eval_v2", "frozen_eval_v3", "frozen_eval_v4")
_ALL_SETS = (*_SETS_TO_V4, "frozen_eval_v5", "frozen_eval_v6", "frozen_eval_v7")
#: the corpus files written after a frozen set was measured, and the sets each must keep
#: away from: nurse_contrast.jsonl was written after the third set, pattern_contrast.jsonl
#: after the fourth (now a development set too, so both are kept from it; one of its 160
#: lines is near a line of the fifth set, written blind after it); composed.jsonl was
#: written after the fifth and keeps away from every set, the blind sixth and seventh included
LATE_CORPUS = [("nurse_contrast.jsonl", 120, _SETS_TO_V4),
               ("pattern_contrast.jsonl", 120, _SETS_TO_V4), ("composed.jsonl", 700, _ALL_SETS)]

def _near(text: str, frozen: list[str]) -> str | None:
    """The frozen line ``text`` is near, word for word or nearly: a fifth of its word
    trigrams shared, or (sharing at least 30% of its words) 60% the same character by
    character; None when it is near none."""
    mine = _trigrams(text)
    matcher = difflib.SequenceMatcher(None, "", text.casefold())  # caches the line
    mine_words = set(re.findall(r"[a-z0-9']+", text.casefold()))
    for other in frozen:
        theirs = _trigrams(other)
        if len(mine & theirs) / len(mine | theirs) >= 0.2:
            return other
        their_words = set(re.findall(r"[a-z0-9']+", other))
        if len(mine_words & their_words) < 0.3 * len(mine_words | their_words):
            continue  # too few words in common to read 60% the same
        matcher.set_seq1(other)
        if (matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6
                and matcher.ratio() >= 0.6):
            return other
    return None


def test_the_distance_check_finds_a_near_copy() -> None:
    """The check itself can fail: a frozen line with two words changed is near it."""
    frozen = [r.text.casefold() for r in read_labelled(SETS / "frozen_eval_v4.jsonl")]
    words = frozen[7].split()
    words[1], words[-1] = "xyzzy", "plugh"
    assert _near(" ".join(words), frozen) == frozen[7]
    assert _near("an unrelated line about the weather in the hills", frozen) is None


@pytest.mark.parametrize(("name", "at_least", "sets"), LATE_CORPUS)
def test_the_late_corpus_is_not_near_any_frozen_line(name: str, at_least: int,
                                                     sets: tuple[str, ...]) -> None:
    """The corpus written after a frozen set was measured must not carry a line of the sets
    its writer could have seen into training, word for word or nearly."""
    frozen = [r.text.casefold() for n in sets for r in read_labelled(SETS / f"{n}.jsonl")]
    new = read_labelled(corpus_dir() / name)
    assert len(new) >= at_least
    near = [(row.text, other) for row in new if (other := _near(row.text, frozen))]
    assert near == []


def test_the_composed_corpus_is_what_compose_writes() -> None:
    """corpus/composed.jsonl is built from findings.py by compose.py; an edit to either
    without rewriting the file (python -m hera_tui.safety.compose) fails here."""
    from hera_tui.safety.compose import OUT_NAME, render

    assert (corpus_dir() / OUT_NAME).read_text(encoding="utf-8") == render()


def test_each_composed_emergency_has_its_twin_told_the_same_way() -> None:
    """The finding decides, not the telling: every composed emergency is followed by a
    non-emergency on the same condition in the same frame, and no text repeats."""
    rows = read_labelled(corpus_dir() / "composed.jsonl")
    assert len({r.text for r in rows}) == len(rows)
    for emergency, twin in zip(rows[::2], rows[1::2], strict=True):
        assert emergency.emergency and not twin.emergency
        assert twin.near == emergency.condition
        assert twin.kind == f"twin_{emergency.fields['style']}"
