"""The library's evaluation: the frozen LiveQA dev sets, the retrieval metrics and
``hera bench sources``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hera_core.sources.cli import FROZEN_DEVSETS
from hera_core.sources.library import build_library
from hera_core.sources.metrics import LabelledQueriesError, read_queries, summarise
from hera_tui.command import main

SOURCES_DOC = Path(__file__).parent.parent / "docs" / "sources.md"
MINI = Path(__file__).parent / "support" / "medquad_mini"


def test_the_dev_sets_rebuild_to_the_frozen_files_the_docs_cite(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Built from the data, never edited: the same bytes as when they were frozen (before
    any retrieval was measured), and docs/sources.md cites exactly those sha256."""
    assert main(["sources", "devset", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    cited = SOURCES_DOC.read_text(encoding="utf-8")
    for digest in FROZEN_DEVSETS.values():
        assert f"sha256 {digest} (the frozen set)" in printed
        assert f"`{digest}`" in cited
    rows = [json.loads(line) for line in (tmp_path / "liveqa-sources-dev.jsonl").open()]
    assert len(rows) == 138 and all(r["relevant"] for r in rows)
    answers = [json.loads(line) for line in (tmp_path / "liveqa-answers-dev.jsonl").open()]
    assert len(answers) == 50 and all(a["references"] for a in answers)
    assert {a["id"] for a in answers} <= {r["id"] for r in rows}


def test_labelled_files_lists_grades_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"id": "a", "question": "x?", "relevant": ["S:1", "S:2"]}\n\n'
        '{"question": "y?", "relevant": {"S:3": 4, "S:4": 2}}\n'
        '{"question": "z?", "relevant": {"S:5": 1}}\n', encoding="utf-8")
    queries = read_queries(path, min_grade=3)
    assert [(q.id, sorted(q.relevant)) for q in queries] == [("a", ["S:1", "S:2"]),
                                                             ("3", ["S:3"])]
    assert len(read_queries(path)) == 3
    path.write_text('{"question": "x?", "relevant": ["S:1"]}\n{"question": "y?"}\n',
                    encoding="utf-8")
    with pytest.raises(LabelledQueriesError, match=r"q\.jsonl:2: .*relevant"):
        read_queries(path)
    path.write_text("not json\n", encoding="utf-8")
    with pytest.raises(LabelledQueriesError, match=r"q\.jsonl:1: not valid JSON"):
        read_queries(path)


def test_summary_of_ranks() -> None:
    s = summarise([1, 3, None, 2, 11])
    assert s["n"] == 5
    assert s["success@1"]["hits"] == 1 and s["p@1"]["value"] == pytest.approx(0.2)
    assert s["success@3"]["value"] == pytest.approx(0.6)
    assert s["success@10"]["value"] == pytest.approx(0.6)
    assert s["mrr"]["value"] == pytest.approx((1 + 1 / 3 + 0 + 1 / 2 + 1 / 11) / 5)
    lo, hi = s["success@3"]["ci95"]
    assert lo < 0.6 < hi


def test_bench_sources_measures_each_retriever(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HERA_HOME", str(tmp_path / "home"))
    build_library(Path(shutil.copytree(MINI, tmp_path / "medquad")), say=lambda _: None)
    labelled = tmp_path / "dev.jsonl"
    labelled.write_text(
        json.dumps({"id": "q1", "question": "what can be done about gall stones, the pain is "
                    "awful", "relevant": ["NIDDK:0000001-2"]}) + "\n"
        + json.dumps({"id": "q2", "question": "we found lice in my daughters hair, how do we "
                      "treat it", "relevant": ["CDC:0000004-1"]}) + "\n", encoding="utf-8")
    assert main(["bench", "sources", str(labelled), "--mode", "all", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert set(results) == {"bm25", "dense", "hybrid"}
    assert results["hybrid"]["success@1"]["value"] == 1.0
    assert results["hybrid"]["ranks"] == {"q1": 1, "q2": 1}
    assert main(["bench", "sources", str(labelled)]) == 0
    table = capsys.readouterr().out
    assert "2 questions with a relevant passage" in table and "hybrid    1.000" in table


class _CountingBackend:
    """Answers every prompt with one fixed sentence, and counts the prompts it was sent."""

    label = "counting"

    def __init__(self) -> None:
        self.calls = 0

    def generate(self, messages, params, stop, emit):
        from hera_tui.backends.base import DecodeRate

        self.calls += 1
        rate = DecodeRate(0.0)
        emit("Acne is a common skin disease.")
        rate.token(0.1)
        return rate.stats("stop")


def test_bench_answers_reuses_a_cached_reply_only_for_the_same_prompt(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cached reply is reused when the model, file and prompt are the same, and asked
    again when the prompt changes (as when excerpts grow from 70 to 100 words)."""
    import hera_tui.answers as answers
    from hera_tui.answers import Answerer
    from hera_tui.benchmark.answers import AnswerItem, run_answers

    items = [AnswerItem("q1", "what is acne?", ("Acne is a common skin disease.",)),
             AnswerItem("q2", "how is acne treated?", ("Creams and pills.",))]
    file = tmp_path / "questions.jsonl"
    backend = _CountingBackend()
    first = run_answers(items, Answerer(backend, None), "model-a", file, True, tmp_path)
    assert backend.calls == 2 and first["metrics"]["rouge_l"] > 0
    again = run_answers(items, Answerer(backend, None), "model-a", file, True, tmp_path)
    assert backend.calls == 2 and again["replies"] == first["replies"]
    plan_reply = answers.plan_reply

    def longer(messages, *args, **kwargs):  # the same questions, a different prompt
        plan = plan_reply(messages, *args, **kwargs)
        return plan.__class__((*plan.messages[:-1], plan.messages[-1].__class__(
            "user", plan.messages[-1].content + " (more context)")), plan.grounded)

    monkeypatch.setattr(answers, "plan_reply", longer)
    run_answers(items, Answerer(backend, None), "model-a", file, True, tmp_path)
    assert backend.calls == 4
