"""Vital signs read as numbers: parsing, NEWS2 against the published chart, NICE NG51 and
paediatric thresholds, single numbers, and normal numbers that must not fire."""

from __future__ import annotations

import pytest

from hera_tui.safety import vitals
from hera_tui.safety.detector import Detector
from hera_tui.safety.redflags import rule_hits

# NEWS2 chart (Royal College of Physicians, 2017): every band edge of every parameter.
NEWS2_CHART = [
    # respiration rate: <=8: 3, 9-11: 1, 12-20: 0, 21-24: 2, >=25: 3
    ("respiratory_rate", 6, 3), ("respiratory_rate", 8, 3), ("respiratory_rate", 9, 1),
    ("respiratory_rate", 11, 1), ("respiratory_rate", 12, 0), ("respiratory_rate", 20, 0),
    ("respiratory_rate", 21, 2), ("respiratory_rate", 24, 2), ("respiratory_rate", 25, 3),
    ("respiratory_rate", 40, 3),
    # SpO2 scale 1: <=91: 3, 92-93: 2, 94-95: 1, >=96: 0
    ("spo2", 85, 3), ("spo2", 91, 3), ("spo2", 92, 2), ("spo2", 93, 2), ("spo2", 94, 1),
    ("spo2", 95, 1), ("spo2", 96, 0), ("spo2", 100, 0),
    # air or oxygen: oxygen 2, air 0
    ("oxygen", 1, 2), ("oxygen", 0, 0),
    # systolic BP: <=90: 3, 91-100: 2, 101-110: 1, 111-219: 0, >=220: 3
    ("systolic", 70, 3), ("systolic", 90, 3), ("systolic", 91, 2), ("systolic", 100, 2),
    ("systolic", 101, 1), ("systolic", 110, 1), ("systolic", 111, 0), ("systolic", 219, 0),
    ("systolic", 220, 3),
    # pulse: <=40: 3, 41-50: 1, 51-90: 0, 91-110: 1, 111-130: 2, >=131: 3
    ("heart_rate", 35, 3), ("heart_rate", 40, 3), ("heart_rate", 41, 1), ("heart_rate", 50, 1),
    ("heart_rate", 51, 0), ("heart_rate", 90, 0), ("heart_rate", 91, 1), ("heart_rate", 110, 1),
    ("heart_rate", 111, 2), ("heart_rate", 130, 2), ("heart_rate", 131, 3),
    # consciousness: alert 0; new confusion, voice, pain, unresponsive 3
    ("consciousness", 0, 0), ("consciousness", 1, 3),
    # temperature: <=35.0: 3, 35.1-36.0: 1, 36.1-38.0: 0, 38.1-39.0: 1, >=39.1: 2
    ("temperature", 34.0, 3), ("temperature", 35.0, 3), ("temperature", 35.1, 1),
    ("temperature", 36.0, 1), ("temperature", 36.1, 0), ("temperature", 38.0, 0),
    ("temperature", 38.1, 1), ("temperature", 39.0, 1), ("temperature", 39.1, 2),
    ("temperature", 41.0, 2),
]


@pytest.mark.parametrize(("parameter", "value", "points"), NEWS2_CHART)
def test_news2_points_match_the_published_chart(parameter: str, value: float,
                                                points: int) -> None:
    assert vitals.news2_points(parameter, value) == points


def _read(text: str) -> dict[str, float]:
    return {r.name: r.value for r in vitals.read(text).readings}


@pytest.mark.parametrize(
    ("text", "name", "value"),
    [
        ("T 38.9, HR 120", "temperature", 38.9),
        ("temp 102.4F this evening", "temperature", 39.1),
        ("her temperature is 100.4 \u00b0F", "temperature", 38.0),
        ("temperature 39,2 this morning", "temperature", 39.2),
        ("the ear thermometer reads 38.4", "temperature", 38.4),
        ("HR 128", "heart_rate", 128),
        ("pulse 130 and sweaty", "heart_rate", 130),
        ("RR 28", "respiratory_rate", 28),
        ("breathing 40 a minute", "respiratory_rate", 40),
        ("BP 84/50", "blood_pressure", 84),
        ("SpO2 91%", "spo2", 91),
        ("sats 91 on air", "spo2", 91),
        ("BM 1.9 after insulin", "glucose", 1.9),
        ("blood sugar 45 mg/dL", "glucose", 2.5),
        ("sugar was 450 this morning", "glucose", 25.0),
        ("sugar 32 and vomiting", "glucose", 32.0),
        ("ketones 4.2", "ketones", 4.2),
        ("potassium 6.9 on my bloods", "potassium", 6.9),
        ("GCS 13", "gcs", 13),
    ],
)
def test_numbers_are_read_in_their_usual_shorthands_and_units(text: str, name: str,
                                                              value: float) -> None:
    assert _read(text)[name] == pytest.approx(value)


def test_age_and_consciousness_are_read() -> None:
    assert vitals.read("my 6 week old has a temp of 38.4").age == pytest.approx(6 / 52, abs=1e-3)
    assert vitals.read("Mum (82), HR 90").age == 82
    assert vitals.read("67M, BP 150/90").age == 67
    signs = vitals.read("HR 110, BP 100/60, new confusion")
    assert signs.last("consciousness").unit == "C"
    assert vitals.read("T 37, HR 80, responds to voice").last("consciousness").unit == "V"


@pytest.mark.parametrize(
    "text",
    [
        "keep her sats above 94",  # a target, not a reading
        "It's 34 degrees outside",  # the weather, not a body
        "the thermometer in the lounge says 16",  # a room, not a body
        "I bent my knee to 45 degrees",
        "what does a heart rate of 130 mean?",  # a general question
        "his temperature was 39 last year when he had flu",  # history
        "2 sugars in my tea",
        "fell 10 m off the wall",
        "T 38",  # one-letter shorthand alone is not read
    ],
)
def test_numbers_that_are_not_readings_are_not_read(text: str) -> None:
    assert vitals.read(text).readings == []


def test_the_issue_nurse_message_is_a_news2_of_7_or_more_and_high_risk_sepsis() -> None:
    text = ("Community nurse: T 38.9, HR 128, RR 28, BP 84/50, SpO2 91%, new confusion and no "
            "urine since this morning")
    score = vitals.news2(vitals.read(text))
    assert score.total == 3 + 3 + 3 + 2 + 3 + 1
    hits = rule_hits(text)
    assert {h.condition for h in hits} == {"sepsis"}
    assert all(h.decisive for h in hits)
    assert any(h.rule.startswith("NICE NG51") for h in hits)


def test_a_news2_of_7_from_numbers_alone_fires() -> None:
    # RR 25 (3) + SpO2 92 (2) + pulse 112 (2) = 7, no words of illness at all
    text = "RR 25, SpO2 92%, HR 112, BP 128/80, temp 37.0"
    assert vitals.news2(vitals.read(text)).total == 7
    alert = Detector().assess(text).alert
    assert alert is not None and alert.general  # numbers say "emergency", not which one
    assert Detector().assess("RR 24, SpO2 93%, HR 112, BP 128/80, temp 37.0").alert is None


def test_news2_of_5_or_a_single_red_score_is_reported_but_does_not_flag() -> None:
    assessment = Detector().assess("RR 26, HR 80, BP 130/80, temp 37.1")
    assert not assessment.flagged
    [finding] = [f for f in assessment.vital_findings if f.rule.startswith("NEWS2")]
    assert not finding.flags and "single red score" in finding.rule


@pytest.mark.parametrize(
    "text",
    [
        "HR 88, RR 16, BP 124/78, SpO2 98% on air, temp 36.8, alert",
        "BP 128/82, pulse 72",
        "my sugar is 5.6 before breakfast",
        "temp 37.4 and a runny nose",
        "sats 97%",
        "my 4 month old has a temp of 38.2",
        "HR 45 while asleep, I'm a cyclist",
        "glucose 7.8 mmol/L after dinner",
        "ketones 0.4 and sugar 12",
        "potassium 4.6",
        "my 2 year old has a temperature of 37.9 and breathing 30 a minute",
        "sugar 2.6, treated with juice, 10 minutes later 5.4, eating toast now",
        "I have COPD and my sats are 89%, which is my usual",
        "ANC 0.4 after chemo, no fever, I feel well",
        "HR 38 on my watch while asleep, no fainting",
        "HR 165 on the treadmill, breathless at the end of the sprint",
        "neutrophils 4.2, temp 37.1",
    ],
)
def test_normal_numbers_do_not_fire(text: str) -> None:
    assert rule_hits(text) == [], text


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("my 6 week old has a temp of 38.4 and is feeding less, ok to give calpol and check in "
         "the morning?", "child_red_flags"),
        ("baby is 10 weeks, forehead thermometer says 100.8F", "child_red_flags"),
        ("my 2 year old has a fever of 39.5 and is breathing 55 times a minute",
         "child_red_flags"),
        ("BM 1.9, gave glucogel", "diabetic_emergency"),
        ("blood sugar 45 mg/dL and shaky", "diabetic_emergency"),
        ("meter says HI", "diabetic_ketoacidosis"),
        ("ketones 4.2, glucose 28", "diabetic_ketoacidosis"),
        ("potassium 6.9 on my blood test", "hyperkalaemia"),
        ("lithium level 2.1", "drug_toxicity"),
        ("my grandma's temperature is 34.6 with the ear thermometer", "hypothermia"),
        ("I'm 34 weeks pregnant, BP 162/112", "pre_eclampsia"),
        ("67M, BP 190/125 with a pounding headache and blurred vision",
         "hypertensive_emergency"),
        ("temp 102.2F, pulse 132, resp 26, BP 88/52, ?pneumonia", "sepsis"),
        # NHS England pulse oximetry: 92% or below (no infection named: a breathing emergency)
        ("sitting in a chair, pulse oximeter says 90%, heart 104", "general"),
        ("pulse oximeter says 90% and I'm breathless sitting down", "breathing_difficulty"),
        ("ANC 0.2, T 38.6, shivery", "neutropenic_sepsis"),
        ("pulse 36 and I fainted at the shops", "dangerous_heart_rhythm"),
        ("she has anorexia, HR 37 this evening", "dangerous_heart_rhythm"),
        ("HR 175 at rest, chest pain, feel faint", "dangerous_heart_rhythm"),
    ],
)
def test_numbers_past_a_published_threshold_fire_the_right_condition(text: str,
                                                                     condition: str) -> None:
    hits = [h for h in rule_hits(text) if h.decisive]
    assert condition in {h.condition for h in hits}, (text, hits)


def test_a_baby_under_3_months_counts_any_reading_of_38() -> None:
    text = "my 5 week old had a temp of 38.2, now 37.4 after calpol"
    assert "child_red_flags" in {h.condition for h in rule_hits(text)}


def test_paediatric_thresholds_depend_on_age() -> None:
    # a respiratory rate of 45 is high risk at 3 years (40 or more), not under 1 (60)
    assert "child_red_flags" in {h.condition for h in rule_hits("my son is 3 years old, RR 45")}
    assert rule_hits("my 6 month old, RR 45") == []


def test_check_output_shows_every_number_used(capsys) -> None:
    from hera_tui.command import main

    assert main(["safety", "check", "--detector", "rules",
                 "T 38.9, HR 128, RR 28, BP 84/50, SpO2 91%, new confusion"]) == 0
    out = capsys.readouterr().out
    for shown in ("temperature 38.9 \u00b0C", "heart rate 128", "respiratory rate 28",
                  "blood pressure 84/50", "SpO2 91", "new confusion", "NEWS2 15"):
        assert shown in out, shown
