"""The benchmark's Hugging Face backend scores exactly as training's eval does (tiny Gemma-2),
and both equal an independent computation: the model's own chat template, the tokenizer
called directly and one full forward pass per choice, with no HERA scoring code."""

from __future__ import annotations

import pytest
import torch

from hera_core.formats import GEMMA
from hera_train.hf_scoring import predict_pubmedqa
from hera_tui.benchmark.hf_scorer import HFScorer
from hera_tui.benchmark.items import pubmedqa_item, pubmedqa_test_questions
from hera_tui.benchmark.runner import predict


def _independent_scores(model, tokenizer, chat: bool, prompt: str, prefix: str, choices):
    """log P(choice | prompt, prefix), summed over the choice's tokens, from scratch."""
    if chat:  # the tokenizer's own chat template; the reply starts with the prefix
        head = tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], add_generation_prompt=True,
            tokenize=True, return_dict=False)
        text = prefix
    else:  # a base model reads <bos>, the prompt, then the prefix on its own line
        head, text = [tokenizer.bos_token_id], f"{prompt}\n{prefix}"
    before = tokenizer(text, add_special_tokens=False)["input_ids"]
    scores = []
    for choice in choices:
        ids = tokenizer(text + choice, add_special_tokens=False)["input_ids"]
        split = next(i for i, (a, b) in enumerate(zip([*before, None], ids, strict=False))
                     if a != b)
        full = torch.tensor([list(head) + ids])
        with torch.no_grad():
            logprobs = torch.log_softmax(model(full).logits[0].double(), dim=-1)
        start = len(head) + split
        scores.append(sum(float(logprobs[p - 1, full[0, p]]) for p in range(start, full.shape[1])))
    return scores


@pytest.mark.parametrize("fmt", ["auto", "raw"])
def test_hf_backend_matches_training_eval_and_an_independent_computation(tiny_model_dir, fmt):
    scorer = HFScorer(f"hf:{tiny_model_dir}", str(tiny_model_dir), fmt)
    expected_fmt = GEMMA if fmt == "auto" else None  # auto: the model's Gemma template
    assert scorer.fmt is expected_fmt
    for question in pubmedqa_test_questions()[:3]:
        item = pubmedqa_item(question)
        label, scores = predict_pubmedqa(scorer.lm, scorer.tokenizer, expected_fmt, question)
        mine = scorer.score(item.prompt, item.prefix, item.choices)
        assert mine == pytest.approx(scores, abs=1e-5)
        assert predict(item.labels, mine) == label
        independent = _independent_scores(scorer.lm, scorer.tokenizer, fmt == "auto",
                                          item.prompt, item.prefix, item.choices)
        assert mine == pytest.approx(independent, abs=1e-4)
    scorer.close()


def test_unloadable_hf_model_is_a_one_line_error(tmp_path):
    from hera_tui.benchmark.scorer_base import ScorerError

    with pytest.raises(ScorerError, match="cannot load hf:"):
        HFScorer("hf:x", str(tmp_path / "nothing"), "auto")
