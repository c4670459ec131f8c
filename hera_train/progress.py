"""Progress while training: loss, learning rate, tokens/s, padding and ETA.

Lines go to the terminal (main process only). TensorBoard and W&B receive the same
numbers only when the config asks for them: nothing leaves the machine by default.
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import torch

from hera_train.config import RunConfig


class ProgressLog:
    """Counts tokens and time per stage and reports them every ``log_every`` steps."""

    def __init__(self, config: RunConfig, run_dir: Path, accelerator: Any) -> None:
        self.config = config
        self.acc = accelerator
        self.writer: Any = None
        self.wandb: Any = None
        if accelerator.is_main_process and config.logging.tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(run_dir / "tensorboard"))
        if accelerator.is_main_process and config.logging.wandb:
            try:
                import wandb
            except ImportError:
                raise RuntimeError("logging.wandb = true needs wandb: pip install wandb") from None
            self.wandb = wandb.init(project=config.logging.wandb_project, name=config.name)
        self.stage = 0
        self.log_every = 1

    def message(self, text: str) -> None:
        if self.acc.is_main_process:
            print(text, file=sys.stderr, flush=True)

    def start_stage(
        self, index: int, name: str, total_steps: int, start_step: int, data: dict[str, Any]
    ) -> None:
        self.stage, self.name = index, name
        self.total_steps, self.start_step = total_steps, start_step
        self.log_every = self.config.stages[index - 1].train.log_every
        self.started = time.perf_counter()
        self.tokens = self.slots = self.interval_tokens = 0
        self.interval_start = self.started
        skipped = sum(data["skipped_bad_rows"].values())
        self.message(
            f"stage {index} ({name}): {data['train_examples']} train / {data['eval_examples']} "
            f"eval examples, {skipped} bad rows skipped, {data['shortened_to_fit']} shortened to "
            f"fit, {data['dropped_too_long']} too long (dropped), "
            f"{data['excluded_pubmedqa_test']} PubMedQA test questions excluded; "
            f"{total_steps} optimizer steps"
        )

    def step(
        self, step: int, loss: float, lr: float, window: list[dict[str, torch.Tensor]]
    ) -> None:
        counts = torch.tensor(
            [
                sum(int(b["attention_mask"].sum()) for b in window),
                sum(b["attention_mask"].numel() for b in window),
            ],
            device=window[0]["input_ids"].device,
        )
        counts = self.acc.reduce(counts, "sum")
        self.tokens += int(counts[0])
        self.slots += int(counts[1])
        self.interval_tokens += int(counts[0])
        if step % self.log_every and step != self.total_steps:
            return
        now = time.perf_counter()
        rate = self.interval_tokens / max(1e-9, now - self.interval_start)
        done = step - self.start_step
        per_step = (now - self.started) / max(1, done)
        eta = timedelta(seconds=round(per_step * (self.total_steps - step)))
        pad = 1 - self.tokens / max(1, self.slots)
        self.message(
            f"stage {self.stage} step {step}/{self.total_steps} | loss {loss:.4f} | lr {lr:.2e} | "
            f"{rate:,.0f} tok/s | padding {pad:.1%} | ETA {eta}"
        )
        self._record(step, {"loss": loss, "lr": lr, "tokens_per_s": rate, "padding": pad})
        self.interval_tokens, self.interval_start = 0, now

    def eval(self, step: int, metrics: dict[str, Any], final: bool = False) -> None:
        shown = " | ".join(f"{k} {v:.4f}" for k, v in metrics.items())
        self.message(f"stage {self.stage} {'final' if final else 'eval'} @ {step}: {shown}")
        self._record(step, {f"eval/{k}": v for k, v in metrics.items()})

    def stage_summary(self) -> dict[str, float]:
        seconds = time.perf_counter() - self.started
        return {
            "seconds": round(seconds, 2),
            "tokens": self.tokens,
            "tokens_per_s": round(self.tokens / max(1e-9, seconds), 1),
            "padding_fraction": round(1 - self.tokens / max(1, self.slots), 4),
        }

    def _record(self, step: int, values: dict[str, float]) -> None:
        tagged = {f"stage{self.stage}/{k}": v for k, v in values.items()}
        if self.writer is not None:
            for key, value in tagged.items():
                self.writer.add_scalar(key, value, step)
        if self.wandb is not None:
            self.wandb.log(tagged)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        if self.wandb is not None:
            self.wandb.finish()
