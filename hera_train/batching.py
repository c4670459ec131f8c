"""From conversations to padded batches, and the loss on the assistant's tokens only.

Batching without waste: examples of similar length are batched together (a seeded,
per-epoch shuffle of length-sorted "mega-batches", so order still varies), and each batch
is padded only to its own longest example. Examples never attend to each other.

The loss is computed only where there are labels: the vocabulary projection (256k entries
for Gemma, more compute than the rest of a 270M model) is applied only to the hidden
states that predict a trained token, not to the prompt or the padding.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import torch

from hera_core.formats import FormatError, PromptFormat, encode_segments
from hera_core.pubmedqa import shorten_contexts
from hera_train.examples import Example, pubmedqa_example

IGNORE_INDEX = -100


@dataclass(frozen=True)
class TokenizedExample:
    """Token ids with labels (``IGNORE_INDEX`` outside the assistant's reply)."""

    id: str
    input_ids: list[int]
    labels: list[int]


def hf_encoder(tokenizer: Any) -> tuple[Any, Any]:
    """``encode_text`` and ``token_id`` callables for :func:`encode_segments` on an HF tokenizer.

    Text is tokenized without special-token parsing, so user text can never forge a turn.
    """

    def encode_text(text: str) -> list[int]:
        return tokenizer(text, add_special_tokens=False, split_special_tokens=True)["input_ids"]

    def token_id(token: str) -> int:
        tid = tokenizer.convert_tokens_to_ids(token)
        if tid is None or tid == tokenizer.unk_token_id:
            raise ValueError(f"the tokenizer has no {token!r} token; wrong prompt_format?")
        return tid

    return encode_text, token_id


_PROBE = [
    {"role": "user", "content": "What is a normal resting heart rate?"},
    {"role": "assistant", "content": "Usually 60 to 100 beats per minute."},
    {"role": "user", "content": "And for children?"},
]


def check_chat_template(tokenizer: Any, fmt: PromptFormat) -> None:
    """Refuse a model whose own chat template disagrees with HERA's format.

    Training renders with :mod:`hera_core.formats`; if the base model ships a template,
    both must give the same tokens, or the fine-tune would learn a format the model's
    other users (and its GGUF) do not speak. Base models without a template pass.
    """
    if not getattr(tokenizer, "chat_template", None):
        return
    expected = tokenizer.apply_chat_template(_PROBE, tokenize=False, add_generation_prompt=True)
    ours = fmt.render(_PROBE, add_generation_prompt=True)
    if expected != ours:
        raise FormatError(
            f"the model's chat template does not match HERA's {fmt.name!r} format "
            f"(model renders {expected[:60]!r}...); set model.prompt_format to the right format"
        )


def fit_to_length(
    examples: Sequence[Example], tokenizer: Any, fmt: PromptFormat, max_len: int
) -> tuple[list[Example], int]:
    """Shorten PubMedQA abstracts so that every stage-1 example fits ``max_len`` whole.

    A long abstract loses its leading sentences (:func:`hera_core.pubmedqa.shorten_contexts`)
    rather than the example being dropped, so the long abstracts, often the detailed
    studies, still train. Returns the examples and how many were shortened. Other examples
    pass unchanged (:func:`tokenize_examples` drops those whose prompt does not fit).
    """
    encode_text, token_id = hf_encoder(tokenizer)

    def length(example: Example) -> int:
        return len(encode_segments(fmt.segments(example.messages), encode_text, token_id)[0])

    out, shortened = [], 0
    for ex in examples:
        question = ex.question
        if question is None or length(ex) <= max_len:
            out.append(ex)
            continue
        contexts, _ = shorten_contexts(
            question.contexts,
            lambda ctx, q=question: length(pubmedqa_example(replace(q, contexts=ctx))) <= max_len,
        )
        out.append(pubmedqa_example(replace(question, contexts=contexts)))
        shortened += 1
    return out, shortened


def tokenize_examples(
    examples: Sequence[Example], tokenizer: Any, fmt: PromptFormat, max_len: int
) -> tuple[list[TokenizedExample], int]:
    """Tokenize with labels on trainable tokens; returns the examples and how many were
    dropped because the prompt alone leaves no room for the reply within ``max_len``.

    A reply longer than the room left is cut at ``max_len`` (the prompt is never cut).
    """
    encode_text, token_id = hf_encoder(tokenizer)
    out: list[TokenizedExample] = []
    dropped = 0
    for ex in examples:
        ids, mask = encode_segments(fmt.segments(ex.messages), encode_text, token_id)
        first_trained = mask.index(True) if True in mask else len(mask)
        if first_trained >= max_len - 1:
            dropped += 1
            continue
        ids, mask = ids[:max_len], mask[:max_len]
        labels = [tid if m else IGNORE_INDEX for tid, m in zip(ids, mask, strict=True)]
        out.append(TokenizedExample(ex.id, ids, labels))
    return out, dropped


class LengthGroupedBatchSampler(torch.utils.data.Sampler[list[int]]):
    """Batches of similar-length examples; the order depends only on (seed, epoch).

    Set :attr:`epoch` before iterating. The same (seed, epoch) always gives the same
    batches, which is what makes a resumed run replay exactly the batches it missed.
    """

    def __init__(
        self, lengths: Sequence[int], batch_size: int, seed: int, group_by_length: bool = True
    ) -> None:
        self.lengths = list(lengths)
        self.batch_size = batch_size
        self.seed = seed
        self.group_by_length = group_by_length
        self.epoch = 0

    def batches(self) -> list[list[int]]:
        rng = random.Random(self.seed * 1_000_003 + self.epoch)
        order = list(range(len(self.lengths)))
        rng.shuffle(order)
        if self.group_by_length:
            mega = self.batch_size * 32
            order = [
                i
                for start in range(0, len(order), mega)
                for i in sorted(order[start : start + mega], key=lambda j: -self.lengths[j])
            ]
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        rng.shuffle(batches)
        return batches

    def __iter__(self) -> Iterator[list[int]]:
        return iter(self.batches())

    def __len__(self) -> int:
        return -(-len(self.lengths) // self.batch_size)


class Collator:
    """Right-pads a batch to its longest example."""

    def __init__(self, pad_token_id: int) -> None:
        self.pad_token_id = pad_token_id

    def __call__(self, batch: Sequence[TokenizedExample]) -> dict[str, torch.Tensor]:
        width = max(len(ex.input_ids) for ex in batch)
        input_ids = torch.full((len(batch), width), self.pad_token_id, dtype=torch.long)
        labels = torch.full((len(batch), width), IGNORE_INDEX, dtype=torch.long)
        attention = torch.zeros((len(batch), width), dtype=torch.long)
        for row, ex in enumerate(batch):
            n = len(ex.input_ids)
            input_ids[row, :n] = torch.tensor(ex.input_ids)
            labels[row, :n] = torch.tensor(ex.labels)
            attention[row, :n] = 1
        return {"input_ids": input_ids, "labels": labels, "attention_mask": attention}


def _causal_lm(model: Any) -> Any:
    """The model under DDP / PEFT wrappers (for its output layer and config)."""
    return model.module if isinstance(model, torch.nn.parallel.DistributedDataParallel) else model


def masked_lm_loss(model: Any, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
    """Summed cross-entropy over trained tokens, and their count.

    The forward pass runs through ``model`` itself (so DDP and PEFT see it) but asks for no
    logits beyond one position; the vocabulary projection is then applied only to the
    hidden states that predict a trained token, with the model's final soft-capping. The
    result equals the usual shifted loss over full logits (tested).
    """
    labels = batch["labels"]
    targets = labels[:, 1:]
    predicts = targets != IGNORE_INDEX
    count = int(predicts.sum())
    out = model(
        input_ids=batch["input_ids"],
        attention_mask=batch["attention_mask"],
        logits_to_keep=1,
        output_hidden_states=True,
        use_cache=False,
    )
    hidden = out.hidden_states[-1][:, :-1][predicts]
    inner = _causal_lm(model)
    logits = inner.get_output_embeddings()(hidden).float()
    cap = getattr(inner.config, "final_logit_softcapping", None)
    if cap:
        logits = torch.tanh(logits / cap) * cap
    loss = torch.nn.functional.cross_entropy(logits, targets[predicts], reduction="sum")
    return loss, count
