"""The benchmark pipeline without a model: fake scorers prove items, runner and metrics."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import hera_cli
from hera_train.formats import CHATML, GEMMA
from hera_tui.benchmark.items import BenchmarkInputError, load_mcq, pubmedqa_items
from hera_tui.benchmark.metrics import bootstrap_ci, confusion_matrix, summarize
from hera_tui.benchmark.runner import (
    RunCancelled,
    cache_path,
    load_history,
    load_run,
    run_benchmark,
)
from hera_tui.benchmark.scorers import ScorerError, choose_format, infer_format


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
    assert [it.id for it in test_items] == list(ids)
    assert Counter(it.gold for it in test_items) == Counter(ids.values())


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
    with pytest.raises(RunCancelled):
        run_benchmark("pubmedqa", items, scorer, tmp_path, should_stop=lambda: scorer.calls >= 12)
    assert scorer.calls == 12
    assert load_history(tmp_path) == []
    # A crash mid-write leaves a cut line: it is ignored and that question rescored.
    cache = cache_path(tmp_path, "pubmedqa", scorer)
    cache.write_text(cache.read_text() + '{"id": "cut sh')
    again = FakeScorer()
    report = run_benchmark("pubmedqa", items, again, tmp_path)
    assert again.calls == 18
    assert report.from_cache == 12
    assert report.metrics["n"] == 30


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


def test_format_follows_the_models_template():
    assert infer_format(None) is None
    assert infer_format(GEMMA.chat_template) is GEMMA
    assert infer_format(CHATML.ollama_template) is CHATML
    assert choose_format("raw", GEMMA.chat_template) is None
    assert choose_format("gemma", None) is GEMMA
    with pytest.raises(ScorerError, match="--format"):
        infer_format("{{ messages }}")


def _cli(capsys, *argv: str) -> tuple[int, str]:
    code = hera_cli.main(list(argv))
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
        "import sys, hera_cli; hera_cli.build_parser(); "
        "import hera_tui.benchmark.runner, hera_tui.benchmark.llamacpp_scorer, "
        "hera_tui.benchmark.ollama_scorer, hera_tui.benchmark.hf_scorer; "
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
