"""Labels mask, length-grouped batching and the loss computed only at trained positions."""

from __future__ import annotations

import pytest
import torch

from hera_core.formats import GEMMA, Message
from hera_train.batching import (
    IGNORE_INDEX,
    Collator,
    LengthGroupedBatchSampler,
    masked_lm_loss,
    tokenize_examples,
)
from hera_train.examples import Example


def _examples(n=12):
    out = []
    for i in range(n):
        words = " ".join(["cough"] * (3 + 5 * (i % 4)))
        out.append(Example(str(i), (
            Message("system", "Be careful."),
            Message("user", f"Patient {i}: {words}"),
            Message("assistant", f"Reply {i}: rest and drink water."),
        )))
    return out


def test_labels_cover_only_the_reply(tiny_tokenizer):
    (ex,), dropped = tokenize_examples(_examples(1), tiny_tokenizer, GEMMA, 512)
    assert dropped == 0
    trained = [t for t in ex.labels if t != IGNORE_INDEX]
    end = tiny_tokenizer.convert_tokens_to_ids("<end_of_turn>")
    assert trained[-1] == end
    assert tiny_tokenizer.decode(trained[:-1]) == "Reply 0: rest and drink water."
    first = ex.labels.index(trained[0])
    assert all(t == IGNORE_INDEX for t in ex.labels[:first])
    assert ex.input_ids[first:first + len(trained)] == trained


def test_too_long_prompts_are_dropped_and_replies_cut(tiny_tokenizer):
    examples = _examples(4)
    full, _ = tokenize_examples(examples, tiny_tokenizer, GEMMA, 4096)
    prompt_len = full[3].labels.index(next(t for t in full[3].labels if t != IGNORE_INDEX))
    kept, dropped = tokenize_examples(examples, tiny_tokenizer, GEMMA, prompt_len)
    assert dropped >= 1
    assert 0 < len(kept) < 4
    assert all(len(k.input_ids) <= prompt_len for k in kept)
    assert all(any(t != IGNORE_INDEX for t in k.labels) for k in kept)


def test_masked_loss_equals_full_shifted_loss(tiny_model_dir, tiny_tokenizer):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, attn_implementation="eager")
    examples, _ = tokenize_examples(_examples(3), tiny_tokenizer, GEMMA, 512)
    batch = Collator(tiny_tokenizer.pad_token_id)(examples)
    loss_sum, count = masked_lm_loss(model, batch)
    with torch.no_grad():
        logits = model(input_ids=batch["input_ids"],
                       attention_mask=batch["attention_mask"]).logits
    reference = torch.nn.functional.cross_entropy(
        logits[:, :-1].reshape(-1, logits.size(-1)), batch["labels"][:, 1:].reshape(-1),
        ignore_index=IGNORE_INDEX, reduction="sum",
    )
    assert count == int((batch["labels"][:, 1:] != IGNORE_INDEX).sum())
    assert float(loss_sum) == pytest.approx(float(reference), rel=1e-5)


def test_length_grouping_cuts_padding_and_is_deterministic():
    lengths = [10 + (i * 37) % 400 for i in range(256)]
    grouped = LengthGroupedBatchSampler(lengths, 8, seed=1)
    plain = LengthGroupedBatchSampler(lengths, 8, seed=1, group_by_length=False)

    def padding(sampler):
        slots = sum(len(b) * max(lengths[i] for i in b) for b in sampler)
        return 1 - sum(lengths) / slots

    assert padding(grouped) < padding(plain) / 3
    assert list(grouped) == list(grouped)
    first = list(grouped)
    grouped.epoch = 1
    assert list(grouped) != first
    assert sorted(i for b in first for i in b) == list(range(256))


def test_chat_template_check(tiny_tokenizer):
    from hera_core.formats import CHATML
    from hera_train.batching import check_chat_template

    check_chat_template(tiny_tokenizer, GEMMA)
    with pytest.raises(ValueError, match="does not match HERA's 'chatml' format"):
        check_chat_template(tiny_tokenizer, CHATML)


def _long_question():
    from hera_core.pubmedqa import Question

    background = " ".join(f"Background sentence {i} about cohorts." for i in range(40))
    results = "Results: mortality fell from 12% to 7% (p<0.01)."
    return Question("123", "Does the drug reduce mortality?", (background, results), "yes",
                    "The drug reduced mortality.")


def test_long_abstracts_lose_their_start_and_keep_results_question_and_answer(tiny_tokenizer):
    from hera_train.batching import fit_to_length
    from hera_train.examples import pubmedqa_example

    long_ex = pubmedqa_example(_long_question())
    (full,), _ = tokenize_examples([long_ex], tiny_tokenizer, GEMMA, 8192)
    limit = len(full.input_ids) // 2
    fitted, shortened = fit_to_length([long_ex, *_examples(2)], tiny_tokenizer, GEMMA, limit)
    assert shortened == 1
    (ex,), dropped = tokenize_examples(fitted[:1], tiny_tokenizer, GEMMA, limit)
    assert dropped == 0 and len(ex.input_ids) <= limit
    # nothing cut from the reply, and the reply is still trained whole
    assert tiny_tokenizer.decode([t for t in ex.labels if t != IGNORE_INDEX][:-1]) == (
        "Answer: yes\nThe drug reduced mortality."
    )
    prompt = fitted[0].messages[0].content
    assert prompt.endswith("Results: mortality fell from 12% to 7% (p<0.01).\n"
                           "Question: Does the drug reduce mortality?")
    assert "Background sentence 0 " not in prompt and "Background sentence 39" in prompt
    # the fewest sentences are removed: one more would have fitted too
    assert fitted[1:] == _examples(2)
