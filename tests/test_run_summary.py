"""The end-of-run summary and the forgetting check: a later stage that undoes stage 1 warns."""

from __future__ import annotations

from hera_train.run_summary import forgetting, summary_lines


def _stage(name: str, start: float, end: float) -> dict:
    return {
        "name": name,
        "optimizer_steps": 10,
        "history": [{"step": 0, "eval_loss": 2.0, "pubmedqa_dev_accuracy": start}],
        "final": {"eval_loss": 1.5, "pubmedqa_dev_accuracy": end},
    }


def test_stage_two_losing_more_than_two_points_warns():
    stages = {1: _stage("pubmedqa", 0.50, 0.62), 2: _stage("conversations", 0.62, 0.58)}
    check = forgetting(stages)
    assert check["pubmedqa_dev_after_stage"] == {"1": 0.62, "2": 0.58}
    assert check["lost_points"] == 4.0 and check["stage"] == 2 and check["against_stage"] == 1
    assert check["warning"] is True
    lines = summary_lines(stages, check)
    assert "PubMedQA dev 50.0% -> 62.0%" in lines[1]
    assert lines[-1].startswith("warning: stage 2 lost 4.0 points")


def test_two_points_or_a_gain_do_not_warn():
    for end in (0.60, 0.66):
        stages = {1: _stage("pubmedqa", 0.50, 0.62), 2: _stage("conversations", 0.62, end)}
        check = forgetting(stages)
        assert check["warning"] is False
        assert not any(line.startswith("warning") for line in summary_lines(stages, check))


def test_stages_without_dev_accuracy_are_summarised_without_it():
    stage = _stage("conversations", 0.5, 0.5)
    del stage["final"]["pubmedqa_dev_accuracy"]
    check = forgetting({1: stage})
    assert check["pubmedqa_dev_after_stage"] == {} and check["warning"] is False
    assert summary_lines({1: stage}, check)[1] == (
        "  stage 1 (conversations, 10 steps): eval loss 2.000 -> 1.500"
    )
