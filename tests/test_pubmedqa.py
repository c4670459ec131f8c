"""The standard PubMedQA split and the guard that keeps test questions out of training."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter

import pytest

from hera_core.pubmedqa import (
    LABELS,
    LeakedTestQuestionError,
    PubMedQAError,
    accuracy,
    answer_text,
    macro_f1,
    stratified_sample,
)
from hera_core.pubmedqa_split import load_split


@pytest.fixture(scope="module")
def split(data_dir):
    return load_split(data_dir / "pubmedqa/ori_pqal.json",
                      data_dir / "pubmedqa/test_ground_truth.json")


def test_test_set_is_selected_by_id(split, data_dir):
    ids = json.loads((data_dir / "pubmedqa/test_ground_truth.json").read_text())
    assert [q.id for q in split.test] == list(ids)
    assert Counter(q.label for q in split.test) == Counter(ids.values())
    assert len(split.pool) == 500
    assert not {q.id for q in split.pool} & split.test_ids


def test_majority_baseline_is_552(split):
    gold = [q.label for q in split.test]
    assert accuracy(gold, ["yes"] * len(gold)) == pytest.approx(0.552)


def test_dev_is_stratified_reproducible_and_from_the_pool(split):
    dev = split.dev(50, seed=3)
    assert dev == split.dev(50, seed=3)
    assert dev != split.dev(50, seed=4)
    assert not {q.id for q in dev} & split.test_ids
    pool_share = Counter(q.label for q in split.pool)
    got = Counter(q.label for q in dev)
    for label in LABELS:
        assert abs(got[label] - 50 * pool_share[label] / 500) < 1


def test_guard_rejects_test_ids(split):
    split.guard(q.id for q in split.pool)
    with pytest.raises(LeakedTestQuestionError, match="1 PubMedQA test question"):
        split.guard([split.pool[0].id, split.test[7].id])


def test_unknown_test_ids_are_an_error(split, tmp_path, data_dir):
    ids = json.loads((data_dir / "pubmedqa/test_ground_truth.json").read_text())
    ids["99999999"] = "yes"
    bad = tmp_path / "ids.json"
    bad.write_text(json.dumps(ids))
    with pytest.raises(PubMedQAError, match="not in PQA-L"):
        load_split(data_dir / "pubmedqa/ori_pqal.json", bad)


def test_metrics_on_known_cases():
    gold = ["yes", "no", "maybe", "yes"]
    assert accuracy(gold, gold) == 1.0
    assert macro_f1(gold, gold) == 1.0
    assert macro_f1(gold, ["yes"] * 4) == pytest.approx((2 * 2 / (2 * 2 + 2)) / 3)


def test_stratified_sample_sizes(split):
    assert len(stratified_sample(split.test, 37, seed=1)) == 37
    assert len(stratified_sample(split.test, 0)) == 500


def test_answer_puts_the_decision_first():
    assert answer_text("maybe", "Because.").startswith("Answer: maybe\n")


def test_shorten_contexts_removes_the_fewest_leading_sentences():
    from hera_core.pubmedqa import shorten_contexts

    contexts = ("One. Two. Three.", "Four. Five.")
    assert shorten_contexts(contexts, lambda c: True) == (contexts, 0)
    short, removed = shorten_contexts(contexts, lambda c: len(" ".join(c)) <= 18)
    assert (short, removed) == (("Three.", "Four. Five."), 2)
    assert shorten_contexts(contexts, lambda c: len(c) == 1) == (("Four. Five.",), 3)
    with pytest.raises(PubMedQAError, match="raise max_seq_len"):
        shorten_contexts(contexts, lambda c: False)


def test_content_guard_finds_test_questions_under_any_id_and_nowhere_else(split):
    from hera_train.examples import example_text, pubmedqa_example

    guard = split.content_guard
    # every pool question, as stage 1 trains it, is clean (no false alarm from boilerplate)
    guard.check(((q.id, example_text(pubmedqa_example(q))) for q in split.pool), "pool")
    planted = split.test[123]
    renamed = dataclasses.replace(planted, id="renamed-1")
    with pytest.raises(LeakedTestQuestionError, match=f"test question {planted.id}"):
        guard.check([("renamed-1", example_text(pubmedqa_example(renamed)))], "stage 1 example")
    abstract = " ".join(planted.contexts)
    inside = f"Doctor, I read this and got worried: {abstract} What does it mean for me?"
    assert guard.find(inside) == (planted.id, "abstract")
    asked = f"hi doc. {planted.question.upper()} thanks"
    assert guard.find(asked) == (planted.id, "question")
    # half of a sentence of the abstract is not enough to call it a copy
    assert guard.find(" ".join(abstract.split()[:8])) is None
