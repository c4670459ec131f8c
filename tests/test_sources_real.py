"""The shipped retrieval on the real library (all of MedQuAD) and the frozen LiveQA dev set:
the figures docs/sources.md reports stay true, and the relevance rules keep off-topic messages
from getting sources.

The library is the one `make setup` builds (``$HERA_HOME/sources``); without one it is built
here into a temporary home (seconds when the vector cache is warm, two minutes cold).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hera_core.sources.cli import build_devsets
from hera_core.sources.grounding import relevant, select_sources
from hera_core.sources.library import LibraryError, build_library, current_dir
from hera_core.sources.metrics import evaluate_retrieval, read_queries
from hera_core.sources.retrieve import Retriever, open_retriever

OFF_TOPIC = [
    "What's the capital of France?", "Can you write me a short poem about autumn?",
    "How do I fix a flat bicycle tyre?", "what is 17 times 23", "Recommend a good sci-fi novel",
    "How do I reset my wifi router password?", "hello", "thanks, that's all",
    "What time is it in Tokyo?", "how do I cook rice in a microwave",
    "Who won the world cup in 2018?", "my car makes a squeaking noise when braking",
    "best way to learn python programming", "tell me a joke", "how tall is mount everest",
]


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    if current_dir() is None:
        home = tmp_path_factory.mktemp("home")
        os.environ["HERA_HOME"] = str(home)
        build_library(None, say=lambda _: None)
    try:
        opened = open_retriever()
    except LibraryError as exc:  # pragma: no cover - only without MedQuAD data
        pytest.fail(f"no library: {exc}")
    yield opened
    opened.library.close()


@pytest.fixture(scope="module")
def dev_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_devsets(tmp_path_factory.mktemp("dev"))["liveqa-sources-dev.jsonl"][0]


def test_the_documented_retrieval_figures_hold(retriever: Retriever, dev_file: Path) -> None:
    """success@3 >= 0.55 and P@1 >= 0.35 on the frozen dev set (the issue's targets), about
    twice BM25's; the exact figures are in docs/sources.md."""
    queries = read_queries(dev_file)
    hybrid = evaluate_retrieval(retriever, queries, "hybrid")
    bm25 = evaluate_retrieval(retriever, queries, "bm25")
    assert hybrid["success@3"]["value"] >= 0.55 and hybrid["p@1"]["value"] >= 0.35
    assert hybrid["success@3"]["value"] >= 1.9 * bm25["success@3"]["value"]
    assert hybrid["p@1"]["value"] >= 2 * bm25["p@1"]["value"]
    documented = (Path(__file__).parent.parent / "docs" / "sources.md").read_text(encoding="utf-8")
    row = (f"**{hybrid['success@3']['value']:.3f} ({hybrid['success@3']['ci95'][0]:.3f}–"
           f"{hybrid['success@3']['ci95'][1]:.3f})**")
    assert row in documented, row


def test_relevant_hits_pass_the_gate_and_off_topic_messages_get_no_source(
        retriever: Retriever, dev_file: Path) -> None:
    rows = [json.loads(line) for line in dev_file.read_text(encoding="utf-8").splitlines()]
    passed = missed = 0
    for row in rows:
        for hit in retriever.search(row["question"], top=3):
            if hit.passage.id in row["relevant"]:
                if relevant(hit, row["question"]):
                    passed += 1
                else:
                    missed += 1
    assert passed >= 100 and missed == 0  # the gate keeps every relevant top-3 hit
    given = {m: select_sources(m, retriever.search(m, top=8)) for m in OFF_TOPIC}
    assert {m: [s.passage.id for s in v] for m, v in given.items() if v} == {}
