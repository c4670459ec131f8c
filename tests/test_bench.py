"""The benchmark pipeline without a model: fake scorers prove items, runner and metrics."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import hera_tui.command
from hera_core.formats import CHATML, GEMMA
from hera_tui.benchmark import scorers
from hera_tui.benchmark.cli import TerminalProgress, format_report
from hera_tui.benchmark.items import BenchmarkInputError, load_mcq, pubmedqa_items
from hera_tui.benchmark.metrics import bootstrap_ci, confusion_matrix, summarize
from hera_tui.benchmark.runner import (
    RunCancelled,
    cache_path,
    count_text,
    load_history,
    load_run,
    run_benchmark,
)
from hera_tui.benchmark.scorer_base import ScorerError, choose_format, infer_format


class FakeScorer:
    """Implements the scorer interface; answers from a prompt → label table."""

    fmt = None

    def __init__(self, answers: dict[str, str] | None = None, model: str = "fake") -> None:
        self.answers = answers or {}
        self.model = model
        self.calls = 0

    def identity(self) -> dict[str, Any]:
        return {"backend": "fake", "name": self.model}

    def score(self, prompt: str, prefix: str, choices: Sequence[str]) -> list[float]:
        self.calls += 1
        wanted = f" {self.answers.get(prompt, 'yes')}"
        return [0.0 if c == wanted else -5.0 - i for i, c in enumerate(choices)]

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def test_items():
    return pubmedqa_items()


def test_test_set_is_the_500_standard_ids(test_items, data_dir):
    ids = json.loads((data_dir / "pubmedqa" / "test_ground_truth.json").read_text())
    assert sorted(it.id for it in test_items) == sorted(ids)
    assert Counter(it.gold for it in test_items) == Counter(ids.values())
    assert all(it.gold == ids[it.id] for it in test_items)


def _within_quota(labels: Sequence[str], shares: Counter) -> bool:
    """Every label's count among ``labels`` is its exact share rounded down or up."""
    total = sum(shares.values())
    counts = Counter(labels)
    k = len(labels)
    return all(
        (k * n) // total <= counts[lab] <= -((-k * n) // total) for lab, n in shares.items()
    )


def test_scoring_order_mixes_the_labels_in_every_prefix(test_items, data_dir):
    """The file lists 276 "yes", then 169 "no", then 55 "maybe": scored in that order, the
    first 50 would all be "yes". The scoring order holds each label in proportion from the
    first question on, and is the same every time."""
    gold = [it.gold for it in test_items]
    first_50 = Counter(gold[:50])
    assert first_50 == {"yes": 28, "no": 17, "maybe": 5}  # 27.6, 16.9, 5.5 of 50
    shares = Counter(gold)
    assert all(_within_quota(gold[:k], shares) for k in range(1, 501))
    file_order = list(json.loads((data_dir / "pubmedqa" / "test_ground_truth.json").read_text()))
    assert [it.id for it in test_items] != file_order
    assert [it.id for it in pubmedqa_items()] == [it.id for it in test_items]
    other_seed = [it.id for it in pubmedqa_items(seed=1)]
    assert other_seed != [it.id for it in test_items]
    assert sorted(other_seed) == sorted(it.id for it in test_items)


def test_label_mixed_order_keeps_every_prefix_within_quota():
    """On label mixes other than PubMedQA's too (the property the docstring promises)."""
    from hera_core.pubmedqa import Question, label_mixed_order

    for sizes in [(1, 1, 1), (9, 1, 0), (3, 7, 2), (50, 5, 1), (13, 13, 13), (2, 0, 11)]:
        questions = [Question(f"{lab}{i}", "q", (), lab)
                     for lab, n in zip(("yes", "no", "maybe"), sizes, strict=True)
                     for i in range(n)]
        order = [q.label for q in label_mixed_order(questions, seed=5)]
        shares = Counter(q.label for q in questions)
        assert sorted(order) == sorted(shares.elements())
        assert all(_within_quota(order[:k], shares) for k in range(1, len(order) + 1)), sizes


def test_a_yes_only_models_running_accuracy_is_the_baseline_not_100(test_items, tmp_path):
    """After 50 questions the running line reads about 55% beside a majority baseline of
    the same, where the file's own order would have read 100%."""
    states = []
    run_benchmark("pubmedqa", test_items[:60], FakeScorer(), tmp_path, progress=states.append)
    at_50 = states[49]
    assert at_50.done == 50 and at_50.accuracy == pytest.approx(0.56)
    assert 0.5 <= at_50.accuracy <= 0.6
    stream = io.StringIO()
    TerminalProgress("pubmedqa m.gguf", stream)(at_50)
    line = stream.getvalue()
    assert "50/60 acc 56.0% (95% CI 42.3%-68.8%) | majority 56.0% (yes)" in line
    assert all(s.accuracy < 1.0 for s in states[1:])  # the second question is a "no"


def test_gold_scorer_scores_100_percent(test_items, tmp_path):
    scorer = FakeScorer({it.prompt: it.gold for it in test_items}, model="oracle")
    report = run_benchmark("pubmedqa", test_items, scorer, tmp_path)
    assert report.metrics["accuracy"] == 1.0
    assert report.metrics["macro_f1"] == 1.0
    assert report.metrics["accuracy_ci95"] == [1.0, 1.0]


def test_always_yes_scores_exactly_the_majority_rate(test_items, tmp_path):
    report = run_benchmark("pubmedqa", test_items, FakeScorer(), tmp_path)
    m = report.metrics
    assert m["n"] == 500
    assert m["accuracy"] == pytest.approx(0.552)
    assert m["majority_label"] == "yes"
    assert m["accuracy"] == m["majority_accuracy"]
    assert m["predicted_counts"] == {"yes": 500, "no": 0, "maybe": 0}
    assert m["confusion"]["no"] == {"yes": 169, "no": 0, "maybe": 0}
    lo, hi = m["accuracy_ci95"]
    assert lo < 0.552 < hi


def test_run_file_and_history_accumulate(test_items, tmp_path):
    items = test_items[:20]
    first = run_benchmark("pubmedqa", items, FakeScorer(model="a.gguf"), tmp_path)
    run_benchmark("pubmedqa", items, FakeScorer(model="b.gguf"), tmp_path)
    history = load_history(tmp_path)
    assert [h["model"] for h in history] == ["a.gguf", "b.gguf"]
    saved = load_run(tmp_path, history[0])
    assert saved["settings"]["model"] == "a.gguf"
    assert saved["settings"]["format"] == "raw"
    assert [p["id"] for p in saved["predictions"]] == [it.id for it in items]
    assert saved["metrics"] == json.loads(json.dumps(first.metrics))


def test_interrupted_run_resumes_without_rescoring(test_items, tmp_path):
    items = test_items[:30]
    scorer = FakeScorer()
    with pytest.raises(RunCancelled) as stopped:
        run_benchmark("pubmedqa", items, scorer, tmp_path, should_stop=lambda: scorer.calls >= 12)
    assert scorer.calls == 12
    # Saved, and marked partial: 12 of 30, with the gold labels they rest on.
    [partial] = load_history(tmp_path)
    assert partial["partial"] is True and (partial["n"], partial["of"]) == (12, 30)
    assert partial["label_mix"] == dict(Counter(it.gold for it in items[:12]))
    assert partial["run_file"].endswith("-partial.json")
    assert count_text(partial) == "12/30 partial"
    saved = load_run(tmp_path, partial)
    assert saved["settings"]["partial"] and saved["settings"]["stopped"] == "cancelled"
    assert [p["id"] for p in saved["predictions"]] == [it.id for it in items[:12]]
    assert stopped.value.report.run_file == tmp_path / partial["run_file"]
    assert "PARTIAL   12 of 30 questions (yes 7 · no 4 · maybe 1), cancelled" in format_report(
        stopped.value.report)
    # A crash mid-write leaves a cut line: it is ignored and that question rescored.
    cache = cache_path(tmp_path, "pubmedqa", scorer)
    cache.write_text(cache.read_text() + '{"id": "cut sh')
    again = FakeScorer()
    report = run_benchmark("pubmedqa", items, again, tmp_path)
    assert again.calls == 18
    assert report.from_cache == 12
    assert report.metrics["n"] == 30
    finished = load_history(tmp_path)[-1]
    assert finished["partial"] is False and count_text(finished) == "30"
    assert "PARTIAL" not in format_report(report)


def test_ctrl_c_saves_a_partial_run_and_the_cli_says_so(test_items, tmp_path, capsys,
                                                        monkeypatch):
    """Ctrl-C in `hera bench`: the questions scored so far are saved as a partial run,
    printed as partial, and the command exits 130; running it again resumes."""

    class Interrupted(FakeScorer):
        def score(self, prompt: str, prefix: str, choices: Sequence[str]) -> list[float]:
            if self.calls == 7:
                raise KeyboardInterrupt
            return super().score(prompt, prefix, choices)

    monkeypatch.setattr(scorers, "open_scorer", lambda *a, **k: Interrupted(model="m.gguf"))
    argv = ["bench", "pubmedqa", "--model", "m.gguf", "--limit", "20", "--out", str(tmp_path)]
    assert hera_tui.command.main(argv) == 130
    captured = capsys.readouterr()
    assert "PARTIAL   7 of 20 questions (yes 4 · no 2 · maybe 1), interrupted" in captured.out
    assert "interrupted after 7 of 20 questions; the same command resumes" in captured.err
    [entry] = load_history(tmp_path)
    assert (entry["n"], entry["of"], entry["partial"]) == (7, 20, True)
    monkeypatch.setattr(scorers, "open_scorer", lambda *a, **k: FakeScorer(model="m.gguf"))
    assert hera_tui.command.main(argv) == 0
    assert "(7 from cache)" in capsys.readouterr().out
    assert [h["partial"] for h in load_history(tmp_path)] == [True, False]


def test_history_lines_from_before_partial_runs_read_as_finished(tmp_path):
    line = {"created": "2026-01-01T00:00:00+00:00", "benchmark": "pubmedqa", "model": "m",
            "format": "raw", "n": 50, "accuracy": 0.5, "accuracy_ci95": [0.4, 0.6],
            "macro_f1": 0.3, "majority_accuracy": 0.56, "run_file": "runs/x.json"}
    (tmp_path / "history.jsonl").write_text(json.dumps(line) + "\n")
    [entry] = load_history(tmp_path)
    assert entry["partial"] is False and entry["of"] == 50 and count_text(entry) == "50"


def test_cache_is_per_model_and_rescored_when_a_question_changes(test_items, tmp_path):
    items = test_items[:5]
    run_benchmark("pubmedqa", items, FakeScorer(model="a"), tmp_path)
    other = FakeScorer(model="b")
    run_benchmark("pubmedqa", items, other, tmp_path)
    assert other.calls == 5
    changed = [items[0].__class__(**{**items[0].__dict__, "prompt": "edited"}), *items[1:]]
    same = FakeScorer(model="a")
    run_benchmark("pubmedqa", changed, same, tmp_path)
    assert same.calls == 1


def test_limit_draws_a_stratified_reproducible_sample(test_items):
    sample = pubmedqa_items(limit=60, seed=3)
    assert len(sample) == 60
    assert Counter(it.gold for it in sample) == {"yes": 33, "no": 20, "maybe": 7}
    assert {it.id for it in sample} <= {it.id for it in test_items}
    assert [it.id for it in pubmedqa_items(limit=60, seed=3)] == [it.id for it in sample]
    assert [it.id for it in pubmedqa_items(limit=60, seed=4)] != [it.id for it in sample]
    # --limit N is the first N of the same seed's scoring order, so a larger run (or the
    # full one) extends it and reuses its cached questions.
    assert [it.id for it in sample] == [it.id for it in pubmedqa_items(seed=3)[:60]]
    assert [it.id for it in pubmedqa_items(limit=50)] == [it.id for it in test_items[:50]]


def test_bootstrap_interval_is_seeded_and_narrows_with_more_questions():
    small = [i % 2 == 0 for i in range(40)]
    large = [i % 2 == 0 for i in range(1000)]
    lo_s, hi_s = bootstrap_ci(small, seed=1)
    lo_l, hi_l = bootstrap_ci(large, seed=1)
    assert lo_s < 0.5 < hi_s and lo_l < 0.5 < hi_l
    assert hi_l - lo_l < hi_s - lo_s
    assert bootstrap_ci(small, seed=1) == (lo_s, hi_s)
    assert bootstrap_ci([True] * 10) == (1.0, 1.0)
    # A binomial 95% interval at n=1000, p=0.5 is about +-3.1 points.
    assert 0.05 < hi_l - lo_l < 0.075


def test_summary_metrics_on_a_small_case():
    gold = ["yes", "no", "maybe", "yes"]
    pred = ["yes", "yes", "maybe", "no"]
    m = summarize(gold, pred, ("yes", "no", "maybe"))
    assert m["accuracy"] == 0.5
    assert m["majority_accuracy"] == 0.5
    assert confusion_matrix(gold, pred, ("yes", "no", "maybe"))["no"]["yes"] == 1
    # F1: yes 1/2, no 0, maybe 1
    assert m["macro_f1"] == pytest.approx((0.5 + 0 + 1) / 3)


MCQ_ROWS = [
    {"id": "q1", "question": "Which organ makes insulin?",
     "options": {"A": "Liver", "B": "Pancreas", "C": "Kidney"}, "answer": "B"},
    {"id": "q2", "question": "Normal adult resting heart rate?",
     "options": {"A": "60-100/min", "B": "20-40/min"}, "answer": "A"},
]


def _write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_mcq_file_becomes_lettered_items(tmp_path):
    items = load_mcq(_write_jsonl(tmp_path / "med.jsonl", MCQ_ROWS))
    assert [it.id for it in items] == ["q1", "q2"]
    assert items[0].labels == ("A", "B", "C")
    assert items[0].choices == (" A", " B", " C")
    assert items[0].prompt.endswith("A. Liver\nB. Pancreas\nC. Kidney")
    answers = {items[0].prompt: "B", items[1].prompt: "B"}
    report = run_benchmark("mcq-med", items, FakeScorer(answers), tmp_path)
    assert report.metrics["accuracy"] == 0.5
    assert report.metrics["confusion"]["A"] == {"A": 0, "B": 1, "C": 0}


def test_mcq_letters_beyond_the_first_question_are_reported(tmp_path):
    items = load_mcq(_write_jsonl(tmp_path / "m.jsonl", [MCQ_ROWS[1], MCQ_ROWS[0]]))
    assert items[0].labels == ("A", "B")
    answers = {items[0].prompt: "A", items[1].prompt: "C"}
    report = run_benchmark("mcq-m", items, FakeScorer(answers), tmp_path)
    assert report.metrics["confusion"]["B"] == {"A": 0, "B": 0, "C": 1}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("{not json", "not valid JSON"),
        ({"id": "x", "question": "q", "options": {"A": "a", "B": "b"}}, "missing field(s) answer"),
        ({"id": "x", "question": "q", "options": {"A": "a", "B": "b"}, "answer": "C"},
         "answer 'C' is not one of the options"),
        ({"id": "x", "question": "q", "options": {"A": "a"}, "answer": "A"}, "at least two"),
        ({"id": "x", "question": "q", "options": {"a": "1", "b": "2"}, "answer": "a"},
         "not a capital letter"),
        ({"id": "q1", "question": "dup", "options": {"A": "a", "B": "b"}, "answer": "A"},
         "duplicate id 'q1'"),
    ],
)
def test_bad_mcq_rows_are_named_by_line(tmp_path, row, message):
    path = _write_jsonl(tmp_path / "bad.jsonl", [MCQ_ROWS[0], row])
    with pytest.raises(BenchmarkInputError, match=re.escape(message)) as exc:
        load_mcq(path)
    assert "bad.jsonl:2" in str(exc.value)


class NoAnswerScorer(FakeScorer):
    """A model that gives no choice of one question any probability (all -inf), as an
    Ollama model does when no choice is among its top alternatives."""

    def score(self, prompt: str, prefix: str, choices: Sequence[str]) -> list[float]:
        if prompt == self.answers.get("blank"):
            return [float("-inf")] * len(choices)
        return super().score(prompt, prefix, choices)


def test_a_question_no_choice_can_answer_stops_the_run(test_items, tmp_path):
    items = test_items[:3]
    scorer = NoAnswerScorer({"blank": items[1].prompt})
    with pytest.raises(ScorerError, match=rf"question '{items[1].id}'.*finite log-likelihood"):
        run_benchmark("pubmedqa", items, scorer, tmp_path)
    cached = (tmp_path / "cache").glob("*.jsonl")
    lines = [json.loads(line) for f in cached for line in f.read_text().splitlines()]
    assert [r["id"] for r in lines] == [items[0].id]  # nothing recorded as "yes"
    # The one question scored before the error is kept as a partial run that says why.
    [entry] = load_history(tmp_path)
    assert (entry["n"], entry["of"], entry["partial"]) == (1, 3, True)
    assert load_run(tmp_path, entry)["settings"]["stopped"].startswith("error: ")


def test_format_follows_the_models_template():
    assert infer_format(None) is None
    assert infer_format(GEMMA.chat_template) is GEMMA
    assert infer_format(CHATML.ollama_template) is CHATML
    assert choose_format("raw", GEMMA.chat_template) is None
    assert choose_format("gemma", None) is GEMMA
    with pytest.raises(ScorerError, match="--format"):
        infer_format("{{ messages }}")


def _cli(capsys, *argv: str) -> tuple[int, str]:
    code = hera_tui.command.main(list(argv))
    return code, capsys.readouterr().err.strip()


def test_cli_errors_are_one_line(tmp_path, capsys, data_dir):
    code, err = _cli(capsys, "bench", "pubmedqa", "--model", str(tmp_path / "none.gguf"))
    assert code == 2 and err.count("\n") == 0 and "model file not found" in err
    code, err = _cli(capsys, "bench", "pubmedqa", "--model", "model.bin")
    assert code == 2 and "give an existing .gguf file, ollama:NAME or hf:PATH_OR_ID" in err
    not_gguf = tmp_path / "model.gguf"
    not_gguf.write_text("<html>404</html>")
    code, err = _cli(capsys, "bench", "pubmedqa", "--model", str(not_gguf))
    assert code == 2 and "model.gguf is not a GGUF file" in err
    code, err = _cli(
        capsys, "bench", "pubmedqa", "--model", "x.gguf", "--pqal", str(tmp_path / "no.json")
    )
    assert code == 2 and "no.json" in err and "not found" in err
    unknown = tmp_path / "ids.json"
    unknown.write_text(json.dumps({"99999999": "yes"}))
    code, err = _cli(capsys, "bench", "pubmedqa", "--model", "x.gguf", "--test-ids", str(unknown))
    assert code == 2 and "not in PQA-L" in err and "99999999" in err
    code, err = _cli(capsys, "bench", "mcq", str(tmp_path / "q.jsonl"), "--model", "x.gguf")
    assert code == 2 and "q.jsonl: file not found" in err
    code, err = _cli(capsys, "bench", "pubmedqa", "--model", "x.gguf", "--limit", "-1")
    assert code == 2 and "--limit" in err
    assert not (Path.cwd() / "results").exists() or not any(
        (Path.cwd() / "results" / "runs").glob("*x.gguf*")
    )


def test_benchmark_package_does_not_import_torch():
    code = (
        "import sys, hera_tui.command; hera_tui.command.build_parser(); "
        "import hera_tui.benchmark.runner, hera_tui.benchmark.llamacpp_scorer, "
        "hera_tui.benchmark.ollama_scorer, hera_tui.benchmark.hf_scorer; "
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
