"""The patterns behind the sixth frozen set's misses and false alarms (docs/safety-v6-misses.md),
each with its benign twin: rules made context-aware, vital-sign formats, and findings the
learned layer now knows. Messages written for these tests, not taken from any set."""

from __future__ import annotations

import pytest

from hera_tui.safety import vitals
from hera_tui.safety.detector import Detector
from hera_tui.safety.redflags import rule_hits


def _conditions(text: str) -> set[str]:
    return {h.condition for h in rule_hits(text)}


# (message that must fire, its condition, its benign twin that must not fire it)
RULE_TWINS = [
    ("On chemo, my temp is 37.7 and I keep shivering.", "neutropenic_sepsis",
     "On chemo, temp 36.9, feel fine. The alert card says to ring at 37.5 or above, for the "
     "sepsis risk, so I'll just keep checking."),
    ("Cut my hand on glass and there is blood everywhere, it won't stop.", "severe_bleeding",
     "I'm worried I might have a blood clot, my calf cramped overnight but it's not swollen."),
    ("Dad has been taking his methotrexate every day this week instead of weekly.",
     "drug_toxicity",
     "I take methotrexate every Tuesday and feel tired for a day afterwards, bloods fine."),
    ("My 2 year old ate some of my iron tablets.", "child_medicine_ingestion",
     "My 2 year old ate two of my vitamin gummies, the tub says iron-free."),
]


@pytest.mark.parametrize(("emergency", "condition", "twin"), RULE_TWINS)
def test_a_context_aware_rule_fires_on_the_finding_and_not_on_its_twin(
        emergency: str, condition: str, twin: str) -> None:
    assert condition in _conditions(emergency), emergency
    assert condition not in _conditions(twin), (twin, rule_hits(twin))


@pytest.mark.parametrize("text", [
    "I took my statin twice by mistake last night, forgot I'd had it. Is that an overdose?",
    "By accident I had 20mg instead of 10 of my citalopram this morning, am I poisoned?",
])
def test_an_adults_usual_dose_taken_twice_by_mistake_is_no_overdose_rule(text: str) -> None:
    assert "poisoning_overdose" not in _conditions(text), rule_hits(text)


@pytest.mark.parametrize("text", [
    "I took an overdose of my citalopram an hour ago.",
    "She swallowed 30 of her sleeping tablets on purpose.",
])
def test_a_real_overdose_still_fires(text: str) -> None:
    assert "poisoning_overdose" in _conditions(text), text


def test_a_saturation_at_altitude_is_not_the_home_alarm_but_breathlessness_still_is() -> None:
    calm = "Trekking at 3,800 m and the oximeter says 89% this morning, I feel great."
    assert not [f for f in vitals.assess(vitals.read(calm)) if f.flags]
    breathless = "Trekking at 3,800 m, sats 89% and I'm breathless at rest."
    assert [f for f in vitals.assess(vitals.read(breathless)) if f.flags]
    assert [f for f in vitals.assess(vitals.read("Sats 89% at home this morning")) if f.flags]


@pytest.mark.parametrize(("text", "value"), [
    ("resident's GCS went from 15 to 10 this afternoon", 10.0),
    ("GCS 14 -> 11 over an hour", 11.0),
    ("GCS dropped from 15 down to 12", 12.0),
])
def test_a_gcs_told_as_a_fall_reads_the_latest_score_and_flags(text: str, value: float) -> None:
    signs = vitals.read(text)
    assert signs.last("gcs").value == value
    assert any(f.flags and "Glasgow" in f.rule for f in vitals.assess(signs))


def test_a_normal_gcs_does_not_flag() -> None:
    signs = vitals.read("GCS 15, alert and chatting after a nap")
    assert not any(f.flags for f in vitals.assess(signs))


# benign twins of findings added to findings.py, in new words: the rules must leave them
# alone (whether the learned layer flags the emergencies beside them, in new words, is the
# open gap in docs/safety-v6-misses.md)
BENIGN_TWINS = [
    "My colostomy from Monday's operation is pink and moist and a bit puffy. Is that okay?",
    "I'm 31 weeks and get the odd painless tightening that goes when I sit down. Would a "
    "bath help?",
    "Two days after my thyroid operation my throat is sore and my voice is croaky. Normal?",
    "Stepped on a rusty nail yesterday, my tetanus jabs are up to date and it's just a bit "
    "sore. Is it the infection?",
]


@pytest.mark.parametrize("twin", BENIGN_TWINS)
def test_the_rules_alone_do_not_fire_on_the_twins(twin: str) -> None:
    rules = Detector()
    assert not rules.assess(twin).flagged, (twin, rules.assess(twin).hits)
