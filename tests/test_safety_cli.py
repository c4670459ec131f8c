"""``hera safety check`` and ``hera safety eval``, run as a person would."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hera_tui.command import main

SUMMARY = re.compile(r"^recall \d\.\d\d \(\d+/\d+\), false alarms \d\.\d\d \(\d+/\d+\)$")


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_check_prints_the_banner_and_why(capsys) -> None:
    assert main(["safety", "check", "my chest is crushing and it goes down my left arm"]) == 0
    out = capsys.readouterr().out
    assert "flagged: yes" in out
    assert "banner: Possible heart attack" in out
    assert "rule heart_attack / chest pain or pressure:" in out
    # the emergency probability of each scored piece (a sure one prints as 1.00)
    assert re.search(r"classifier (0\.\d\d|1\.00) on \u201cmy chest is crushing", out)
    assert "Call your local emergency number now" in out


def test_check_of_a_harmless_message_says_so(capsys) -> None:
    assert main(["safety", "check", "what helps with a mild cold?"]) == 0
    out = capsys.readouterr().out
    assert "flagged: no" in out and "banner" not in out


def test_eval_counts_recall_and_false_alarms_with_a_per_condition_table(tmp_path, capsys) -> None:
    labelled = _write(tmp_path / "set.jsonl", [
        {"text": "my husband collapsed and isn't breathing", "emergency": True,
         "condition": "cardiac_arrest"},
        {"text": "my face is drooping on one side and my speech is slurred", "emergency": True,
         "condition": "stroke"},
        {"text": "I had a seizure as a kid, nothing since", "emergency": False,
         "kind": "history_over"},
        {"text": "what's a good stretch for a stiff back after gardening?", "emergency": False},
    ])
    assert main(["safety", "eval", str(labelled), "--detector", "rules"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == "recall 1.00 (2/2), false alarms 0.00 (0/2)"
    assert any(line.startswith("cardiac_arrest") and "1/1" in line for line in lines)
    assert any(line.startswith("history_over") for line in lines)
    assert any("95% CI" in line for line in lines)


def test_eval_reads_any_labelled_file_and_ends_with_the_summary_line(tmp_path) -> None:
    labelled = _write(tmp_path / "plain.jsonl", [
        {"text": "I can't breathe and my lips are blue", "emergency": True, "id": 7},
        {"text": "mild headache after a long day at work", "emergency": False},
    ])
    result = subprocess.run(
        [sys.executable, "-m", "hera_tui.command", "safety", "eval", str(labelled)],
        capture_output=True, text=True, check=True)
    assert SUMMARY.match(result.stdout.strip().splitlines()[-1]), result.stdout


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"text": "hi"}', '"emergency" must be true or false'),
        ('{"text": "hi", "emergency": "yes"}', '"emergency" must be true or false'),
        ('{"emergency": true}', '"text" must be a non-empty string'),
        ('{"text": "hi", "emergency": true', "not valid JSON"),
        ('["hi", true]', "expected a JSON object"),
    ],
)
def test_a_bad_line_stops_with_its_line_number(tmp_path, line: str, problem: str) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine", "emergency": false}\n\n' + line + "\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "hera_tui.command", "safety", "eval", str(bad)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stdout == ""
    [message] = result.stderr.strip().splitlines()
    assert message.startswith(f"hera: error: {bad}:3: ") and problem in message


def test_eval_of_a_missing_file_is_a_one_line_error(tmp_path, capsys) -> None:
    assert main(["safety", "eval", str(tmp_path / "nope.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_eval_breaks_down_by_any_field(tmp_path, capsys) -> None:
    labelled = _write(tmp_path / "worded.jsonl", [
        {"text": "my husband collapsed and isn't breathing", "emergency": True,
         "wording": "plain"},
        {"text": "my back aches a bit after gardening", "emergency": True, "wording": "calm"},
        {"text": "what's a good stretch for a stiff back?", "emergency": False,
         "wording": "calm"},
        {"text": "I had a seizure as a kid, nothing since", "emergency": False},
    ])
    assert main(["safety", "eval", str(labelled), "--detector", "rules", "--by", "wording"]) == 0
    lines = capsys.readouterr().out.splitlines()
    table = {line.split()[0]: line for line in lines[lines.index(
        next(line for line in lines if line.startswith("by wording"))) + 1:][:3]}
    assert "100.0% (1/1" in table["plain"] and table["plain"].rstrip().endswith("-")
    assert "0.0% (0/1" in table["calm"] and table["calm"].count("95% CI") == 2
    assert "(none)" in table and "0.0% (0/1" in table["(none)"]
    assert lines[-1] == "recall 0.50 (1/2), false alarms 0.00 (0/2)"
