"""Log-likelihood scoring of answer choices with a Hugging Face model.

Used by eval-during-training (PubMedQA dev accuracy) and by the benchmark's HF backend.
The prompt is the chat-formatted question followed by the reply prefix (``Answer:``); each
choice is scored by the summed log-probability of its tokens. Context and continuation are
tokenized together and split afterwards, so a tokenizer that merges across the boundary
cannot bias the comparison.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from hera_core.choices import choice_pairs, reply_prefix
from hera_core.formats import PromptFormat
from hera_core.pubmedqa import ANSWER_PREFIX, CHOICES, LABELS, Question, question_text
from hera_train.batching import hf_encoder


def choice_token_ids(
    tokenizer: Any, fmt: PromptFormat | None, prompt: str, prefix: str, choices: Sequence[str]
) -> list[tuple[list[int], list[int]]]:
    """(context ids, continuation ids) for each choice, laid out by
    :func:`hera_core.choices.choice_pairs` (shared with the benchmark's backends)."""
    encode_text, token_id = hf_encoder(tokenizer)
    return choice_pairs(
        encode_text, token_id, tokenizer.bos_token_id, fmt, prompt, prefix, choices
    )


@torch.no_grad()
def score_choices(model: Any, pairs: Sequence[tuple[list[int], list[int]]]) -> list[float]:
    """Summed log-probability of each continuation given its context.

    Choices that share a context are scored from one forward pass when every
    continuation is a single token (the usual case for yes/no/maybe).
    """
    device = next(model.parameters()).device
    contexts = {tuple(ctx) for ctx, _ in pairs}
    if len(contexts) == 1 and all(len(cont) == 1 for _, cont in pairs):
        ids = torch.tensor([pairs[0][0]], device=device)
        logits = model(input_ids=ids, logits_to_keep=1, use_cache=False).logits[0, -1].float()
        logprobs = torch.log_softmax(logits, dim=-1)
        return [float(logprobs[cont[0]]) for _, cont in pairs]
    scores = []
    for ctx, cont in pairs:
        ids = torch.tensor([ctx + cont], device=device)
        logits = model(input_ids=ids, use_cache=False).logits[0].float()
        logprobs = torch.log_softmax(logits[len(ctx) - 1 : -1], dim=-1)
        scores.append(float(logprobs.gather(1, torch.tensor(cont, device=device)[:, None]).sum()))
    return scores


def predict_pubmedqa(
    model: Any, tokenizer: Any, fmt: PromptFormat | None, question: Question
) -> tuple[str, list[float]]:
    """The label with the highest log-likelihood, and the three scores."""
    pairs = choice_token_ids(
        tokenizer, fmt, question_text(question.question, question.contexts),
        reply_prefix(fmt, ANSWER_PREFIX), CHOICES,
    )
    scores = score_choices(model, pairs)
    return LABELS[max(range(len(LABELS)), key=scores.__getitem__)], scores
