"""The benchmark's Hugging Face backend scores exactly as training's eval does (tiny Gemma-2)."""

from __future__ import annotations

import pytest

from hera_train.formats import GEMMA
from hera_train.hf_scoring import predict_pubmedqa
from hera_tui.benchmark.hf_scorer import HFScorer
from hera_tui.benchmark.items import pubmedqa_item, pubmedqa_test_questions
from hera_tui.benchmark.runner import predict


@pytest.mark.parametrize("fmt", ["auto", "raw"])
def test_hf_backend_matches_training_eval(tiny_model_dir, fmt):
    scorer = HFScorer(f"hf:{tiny_model_dir}", str(tiny_model_dir), fmt)
    expected_fmt = GEMMA if fmt == "auto" else None  # auto: the model's Gemma template
    assert scorer.fmt is expected_fmt
    for question in pubmedqa_test_questions()[:3]:
        item = pubmedqa_item(question)
        label, scores = predict_pubmedqa(scorer.lm, scorer.tokenizer, expected_fmt, question)
        mine = scorer.score(item.prompt, item.prefix, item.choices)
        assert mine == pytest.approx(scores, abs=1e-5)
        assert predict(item.labels, mine) == label
    scorer.close()


def test_unloadable_hf_model_is_a_one_line_error(tmp_path):
    from hera_tui.benchmark.scorers import ScorerError

    with pytest.raises(ScorerError, match="cannot load hf:"):
        HFScorer("hf:x", str(tmp_path / "nothing"), "auto")
