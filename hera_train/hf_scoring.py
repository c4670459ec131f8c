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

from hera_train.batching import hf_encoder
from hera_train.formats import Message, PromptFormat, encode_segments
from hera_train.pubmedqa import ANSWER_PREFIX, CHOICES, LABELS, Question, question_text


def choice_token_ids(
    tokenizer: Any, fmt: PromptFormat | None, prompt: str, prefix: str, choices: Sequence[str]
) -> list[tuple[list[int], list[int]]]:
    """(context ids, continuation ids) for each choice.

    With a chat format the prompt is a user turn and ``prefix`` starts the model's reply;
    without one (base models) the text is ``prompt`` + ``prefix`` after ``<bos>``.
    """
    encode_text, token_id = hf_encoder(tokenizer)
    if fmt is not None:
        head, _ = encode_segments(
            fmt.segments([Message("user", prompt)], add_generation_prompt=True),
            encode_text,
            token_id,
        )
        tail_text = prefix
    else:
        head = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
        tail_text = f"{prompt}{prefix}"
    base = encode_text(tail_text)
    out = []
    for choice in choices:
        full = encode_text(tail_text + choice)
        common = 0
        while common < min(len(base), len(full)) and base[common] == full[common]:
            common += 1
        if common == len(full):
            raise ValueError(f"choice {choice!r} adds no tokens after {tail_text[-20:]!r}")
        out.append((head + full[:common], full[common:]))
    return out


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
        ANSWER_PREFIX if fmt is not None else f"\n{ANSWER_PREFIX}", CHOICES,
    )
    scores = score_choices(model, pairs)
    return LABELS[max(range(len(LABELS)), key=scores.__getitem__)], scores
