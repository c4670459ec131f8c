"""Training throughput of `hera train` against the original notebook's way of training.

Both sides train the same LoRA on the same model and the same examples, one after the
other in this process, and count the same real (non-padding) tokens:

- baseline: the original notebook's loop — batch size 1, the whole conversation as
  labels (loss on every token, full-vocabulary logits at every position);
- hera: what `hera train` runs — length-grouped batches padded per batch, loss on the
  assistant's tokens only, logits computed only where there are labels.

Prints tokens/s for each and the ratio (target >= 1.5x on CPU with Gemma 3 270M).

    python bench/train_throughput.py [--config configs/gemma3-270m-cpu.toml] [--examples 48]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from hera_core.formats import get_format
from hera_train.batching import (
    Collator,
    LengthGroupedBatchSampler,
    masked_lm_loss,
    tokenize_examples,
)
from hera_train.config import load_config
from hera_train.examples import load_examples
from hera_train.model_loading import (
    attach_lora,
    load_base_model,
    load_tokenizer,
    resolve_model_path,
)

REPO = Path(__file__).resolve().parent.parent


def _fresh_model(config, path):
    torch.manual_seed(0)
    base = load_base_model(path, config.model, config.quantization, torch.device("cpu"))
    model = attach_lora(base, config.lora, config.model, False, None)
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    return model, optimizer


def _timed(steps, run_step) -> tuple[float, int]:
    """Seconds and real tokens over ``steps`` (the first step is a warm-up, not counted)."""
    run_step(steps[0])
    start, tokens = time.perf_counter(), 0
    for step in steps[1:]:
        tokens += run_step(step)
    return time.perf_counter() - start, tokens


def baseline(config, path, examples, accum: int) -> tuple[float, int]:
    model, optimizer = _fresh_model(config, path)
    windows = [examples[i : i + accum] for i in range(0, len(examples), accum)]

    def step(window) -> int:
        for ex in window:
            ids = torch.tensor([ex.input_ids])
            loss = model(input_ids=ids, labels=ids).loss
            (loss / len(window)).backward()
        optimizer.step()
        optimizer.zero_grad()
        return sum(len(ex.input_ids) for ex in window)

    return _timed(windows, step)


def hera(config, path, examples, batch_size: int, accum: int, pad_id: int) -> tuple[float, int]:
    model, optimizer = _fresh_model(config, path)
    sampler = LengthGroupedBatchSampler([len(e.input_ids) for e in examples], batch_size, 0)
    collate = Collator(pad_id)
    batches = [collate([examples[i] for i in b]) for b in sampler]
    windows = [batches[i : i + accum] for i in range(0, len(batches), accum)]

    def step(window) -> int:
        tokens = sum(int((b["labels"][:, 1:] != -100).sum()) for b in window)
        for batch in window:
            loss, _ = masked_lm_loss(model, batch)
            (loss / tokens).backward()
        optimizer.step()
        optimizer.zero_grad()
        return sum(int(b["attention_mask"].sum()) for b in window)

    return _timed(windows, step)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=REPO / "configs" / "gemma3-270m-cpu.toml")
    parser.add_argument("--examples", type=int, default=48, help="per stage's data")
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    config = load_config(args.config)
    path = resolve_model_path(config.model)
    tokenizer = load_tokenizer(path, config.model)
    fmt = get_format(config.model.prompt_format)
    examples = []
    for stage in config.stages:
        stage.data.max_samples, stage.data.eval_samples = args.examples, 0
        rows, _ = load_examples(stage.data, frozenset(), seed=config.seed)
        tokenized, _ = tokenize_examples(rows, tokenizer, fmt, config.model.max_seq_len)
        examples.extend(tokenized)
    train = config.stages[0].train
    print(f"model {config.model.name} ({path}), {len(examples)} examples, "
          f"{sum(len(e.input_ids) for e in examples)} tokens, "
          f"{torch.get_num_threads()} threads")
    b_sec, b_tok = baseline(config, path, examples, train.grad_accum * train.batch_size)
    print(f"baseline (batch 1, loss on all tokens): {b_tok / b_sec:8.1f} tok/s ({b_sec:.1f} s)")
    h_sec, h_tok = hera(config, path, examples, train.batch_size, train.grad_accum,
                        tokenizer.pad_token_id)
    print(f"hera train (batch {train.batch_size}, grouped, masked logits): "
          f"{h_tok / h_sec:8.1f} tok/s ({h_sec:.1f} s)")
    print(f"ratio hera/baseline: {(h_tok / h_sec) / (b_tok / b_sec):.2f}x")


if __name__ == "__main__":
    main()
