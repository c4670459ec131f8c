"""The HERA training run, top to bottom: stages in order, one LoRA adapter continued
across them.

Chaining: stage k+1 continues stage k's adapter (same LoRA weights, fresh optimizer and
schedule). The base model stays frozen and untouched, which is what QLoRA needs: merging
stage 1 into a 4-bit base before stage 2 would bake quantization error into the weights
(the "merge onto dequantized 4-bit" defect). Every ``stage<k>/adapter`` is therefore the
whole fine-tune up to stage k, and export merges the last one onto full-precision weights.

Distribution is Accelerate's: under ``accelerate launch`` or ``torchrun`` the same code
runs DDP (batches sharded by Accelerate, gradients synchronised by DDP). Resume: a
checkpoint (adapter, optimizer, schedule, position in the epoch) is written atomically
every ``save_every`` optimizer steps; rerunning the same command continues from the
newest one and replays exactly the batches that were missed, because batch order depends
only on (seed, epoch). Finished stages are skipped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from hera_core.formats import get_format
from hera_core.paths import DataNotFoundError, data_file
from hera_core.pubmedqa import Question, accuracy, question_text
from hera_core.pubmedqa_split import Split, load_split
from hera_train.batching import (
    Collator,
    LengthGroupedBatchSampler,
    TokenizedExample,
    check_chat_template,
    fit_to_length,
    masked_lm_loss,
    tokenize_examples,
)
from hera_train.config import RunConfig, StageConfig
from hera_train.examples import DataError, example_text, load_examples
from hera_train.hf_scoring import predict_pubmedqa
from hera_train.manifest import RunManifest, atomic_write_json, file_sha256
from hera_train.model_loading import (
    ModelLoadError,
    attach_lora,
    load_base_model,
    load_tokenizer,
    resolve_model_path,
)
from hera_train.progress import ProgressLog
from hera_train.run_summary import forgetting, summary_lines

ADAPTER_DIR = "adapter"
METRICS_FILE = "metrics.json"
CHECKPOINTS_DIR = "checkpoints"
KEEP_CHECKPOINTS = 2


@dataclass
class StageState:
    """Where a stage is: restored from a checkpoint, saved into the next one."""

    step: int = 0
    epoch: int = 0
    batches_done_in_epoch: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    #: hash of the tokenized training set: a checkpoint only resumes the data it was made on
    data_sha256: str = ""


def _data_sha256(examples: list[TokenizedExample]) -> str:
    digest = hashlib.sha256()
    for ex in examples:
        digest.update(json.dumps([ex.id, ex.input_ids, ex.labels]).encode())
    return digest.hexdigest()


def _source_sha256(path: str) -> str:
    """A data file's sha256, or a MedQuAD folder's corpus digest (grounded stages)."""
    local = data_file(path)
    if local.is_dir():
        from hera_core.sources.medquad import corpus_sha256

        return corpus_sha256(local)
    return file_sha256(local)


def _rng_state() -> dict[str, Any]:
    """The random state dropout draws from, so a resumed run draws what the uninterrupted
    run would have drawn."""
    return {
        "python": random.getstate(),
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def _set_rng_state(state: dict[str, Any]) -> None:
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    torch.set_rng_state(state["torch"])
    if state["cuda"]:
        torch.cuda.set_rng_state_all(state["cuda"])


def _schedule(cfg: StageConfig, total_steps: int) -> Any:
    warmup = cfg.train.warmup_steps
    kind = cfg.train.lr_scheduler

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        if kind == "constant":
            return 1.0
        progress = (step - warmup) / max(1, total_steps - warmup)
        if kind == "cosine":
            return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
        return max(0.0, 1.0 - progress)

    return factor


def _pick_device(config: RunConfig, accelerator: Any) -> torch.device:
    if config.model.device == "cuda" and not torch.cuda.is_available():
        raise ModelLoadError(
            "this config trains on a GPU (model.device = \"cuda\") but no CUDA GPU is visible; "
            "use a CPU config such as configs/tiny-cpu.toml or --set model.device=cpu"
        )
    if config.model.device == "cpu":
        return torch.device("cpu")
    return accelerator.device


class StageTrainer:
    """Trains one stage; small named steps so the loop below reads as the recipe."""

    def __init__(
        self,
        config: RunConfig,
        stage: StageConfig,
        index: int,
        stage_dir: Path,
        previous_adapter: Path | None,
        split: Split | None,
        accelerator: Any,
    ) -> None:
        self.config = config
        self.stage = stage
        self.index = index
        self.stage_dir = stage_dir
        self.previous_adapter = previous_adapter
        self.split = split
        self.accelerator = accelerator
        self.fmt = get_format(config.model.prompt_format)
        self.dev_questions: list[Question] = []
        self.data_report: dict[str, Any] = {}

    # -- setup -----------------------------------------------------------------------------
    def prepare_data(self, tokenizer: Any) -> tuple[list[TokenizedExample], list[TokenizedExample]]:
        cfg = self.stage.data
        dev_ids: frozenset[str] = frozenset()
        test_ids: frozenset[str] = frozenset()
        if self.split is not None:
            test_ids = self.split.test_ids
            n_dev = self.stage.train.pubmedqa_dev_samples
            self.dev_questions = self.split.dev(n_dev, seed=self.config.seed) if n_dev else []
            self.split.guard(q.id for q in self.dev_questions)
            dev_ids = frozenset(q.id for q in self.dev_questions)
        examples, report = load_examples(cfg, test_ids, dev_ids, seed=self.config.seed)
        if self.split is not None:
            # By content, not only by id: a test question under another id or quoted inside
            # a conversation is caught too.
            guard = self.split.content_guard
            guard.check(((ex.id, example_text(ex)) for ex in examples),
                        f"stage {self.index} example")
            guard.check(((q.id, question_text(q.question, q.contexts))
                         for q in self.dev_questions), "PubMedQA dev question")
        eval_n = min(cfg.eval_samples, len(examples) // 5)
        max_len = self.config.model.max_seq_len
        examples, shortened = fit_to_length(examples, tokenizer, self.fmt, max_len)
        tokenized, too_long = tokenize_examples(examples, tokenizer, self.fmt, max_len)
        if len(tokenized) < 2:
            raise DataError(
                f"stage {self.index}: only {len(tokenized)} examples fit model.max_seq_len="
                f"{self.config.model.max_seq_len}; raise it or use shorter data"
            )
        eval_set, train_set = tokenized[:eval_n], tokenized[eval_n:]
        replayed = self._replay(tokenizer, test_ids, dev_ids)
        train_set += replayed
        self.data_report = {
            "source": cfg.path or f"{cfg.hub_id}:{cfg.hub_config}:{cfg.split}",
            "sha256": _source_sha256(cfg.path) if cfg.path else None,
            "rows_read": report.rows,
            "skipped_bad_rows": report.skipped,
            "excluded_pubmedqa_test": report.excluded_test,
            "excluded_pubmedqa_dev": report.excluded_dev,
            "held_out_for_evaluation": report.held_out_for_evaluation,
            "shortened_to_fit": shortened,
            "dropped_too_long": too_long,
            "train_examples": len(train_set),
            "replayed_from_previous_stage": len(replayed),
            "eval_examples": len(eval_set),
            "pubmedqa_dev_questions": len(self.dev_questions),
        }
        return train_set, eval_set

    def _replay(self, tokenizer: Any, test_ids: frozenset[str],
                dev_ids: frozenset[str]) -> list[TokenizedExample]:
        """``data.replay`` training examples of the previous stage (never its eval ones),
        checked by the same guards, to mix into this stage."""
        wanted = self.stage.data.replay
        if not wanted:
            return []
        if self.index == 1:
            raise DataError("stage 1: data.replay needs a previous stage to replay; set it "
                            "to 0")
        previous = self.config.stages[self.index - 2].data
        examples, _ = load_examples(previous, test_ids, dev_ids, seed=self.config.seed)
        held = min(previous.eval_samples, len(examples) // 5)
        chosen = examples[held : held + wanted]
        if self.split is not None:
            self.split.content_guard.check(((ex.id, example_text(ex)) for ex in chosen),
                                           f"stage {self.index} replayed example")
        max_len = self.config.model.max_seq_len
        chosen, _ = fit_to_length(chosen, tokenizer, self.fmt, max_len)
        return tokenize_examples(chosen, tokenizer, self.fmt, max_len)[0]

    # -- evaluation ------------------------------------------------------------------------
    @torch.no_grad()
    def evaluate(self, model: Any, tokenizer: Any, eval_set: list[TokenizedExample]) -> dict:
        inner = self.accelerator.unwrap_model(model)
        was_training = inner.training
        inner.eval()
        collate = Collator(tokenizer.pad_token_id)
        device = next(inner.parameters()).device
        total, count = 0.0, 0
        for start in range(0, len(eval_set), self.stage.train.batch_size):
            batch = collate(eval_set[start : start + self.stage.train.batch_size])
            loss, n = masked_lm_loss(inner, {k: v.to(device) for k, v in batch.items()})
            total, count = total + float(loss), count + n
        metrics: dict[str, Any] = {"eval_loss": total / max(1, count)}
        if self.dev_questions:
            gold = [q.label for q in self.dev_questions]
            pred = [predict_pubmedqa(inner, tokenizer, self.fmt, q)[0] for q in self.dev_questions]
            metrics["pubmedqa_dev_accuracy"] = accuracy(gold, pred)
        if was_training:
            inner.train()
        return metrics

    # -- checkpoints -----------------------------------------------------------------------
    def latest_checkpoint(self) -> Path | None:
        root = self.stage_dir / CHECKPOINTS_DIR
        done = sorted(
            (p for p in root.glob("step-*") if (p / "state.json").exists()),
            key=lambda p: int(p.name.split("-")[1]),
        )
        return done[-1] if done else None

    def save_checkpoint(self, model: Any, optimizer: Any, state: StageState) -> None:
        """Adapter, optimizer, position and every process's RNG state, renamed into place
        only when all are written."""
        acc = self.accelerator
        root = self.stage_dir / CHECKPOINTS_DIR
        final = root / f"step-{state.step:07d}"
        tmp = root / f".tmp-step-{state.step:07d}"
        acc.wait_for_everyone()
        if acc.is_main_process:
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            acc.unwrap_model(model).save_pretrained(tmp / ADAPTER_DIR)
            torch.save(optimizer.state_dict(), tmp / "optimizer.pt")
            atomic_write_json(tmp / "state.json", state.__dict__)
        acc.wait_for_everyone()
        torch.save(_rng_state(), tmp / f"rng-{acc.process_index}.pt")
        acc.wait_for_everyone()
        if acc.is_main_process:
            shutil.rmtree(final, ignore_errors=True)
            tmp.rename(final)
            older = sorted(root.glob("step-*"))[:-KEEP_CHECKPOINTS]
            for path in older:
                shutil.rmtree(path, ignore_errors=True)
        acc.wait_for_everyone()

    def restore(
        self, model: Any, optimizer: Any, checkpoint: Path, data_sha256: str
    ) -> StageState:
        from peft import set_peft_model_state_dict
        from safetensors.torch import load_file

        state = StageState(**json.loads((checkpoint / "state.json").read_text()))
        if state.data_sha256 != data_sha256:
            raise DataError(
                f"stage {self.index}: the checkpoint {checkpoint} was made on other training "
                "data (the data file or the config changed); restore the data, or delete "
                f"{checkpoint.parent} to start the stage over"
            )
        inner = self.accelerator.unwrap_model(model)
        weights = load_file(checkpoint / ADAPTER_DIR / "adapter_model.safetensors")
        set_peft_model_state_dict(inner, weights)
        optimizer.load_state_dict(torch.load(checkpoint / "optimizer.pt", weights_only=True))
        _set_rng_state(torch.load(checkpoint / f"rng-{self.accelerator.process_index}.pt",
                                  weights_only=True))
        return state

    # -- the recipe ------------------------------------------------------------------------
    def run(self, log: ProgressLog) -> dict[str, Any]:
        acc, cfg, tcfg = self.accelerator, self.config, self.stage.train
        torch.manual_seed(cfg.seed + self.index)
        device = _pick_device(cfg, acc)
        model_path = resolve_model_path(cfg.model)
        tokenizer = load_tokenizer(model_path, cfg.model)
        check_chat_template(tokenizer, self.fmt)
        train_set, eval_set = self.prepare_data(tokenizer)
        base = load_base_model(model_path, cfg.model, cfg.quantization, device)
        model = attach_lora(
            base, cfg.lora, cfg.model, cfg.quantization.load_in_4bit, self.previous_adapter
        )

        sampler = LengthGroupedBatchSampler(
            [len(ex.input_ids) for ex in train_set], tcfg.batch_size, cfg.seed,
            tcfg.group_by_length,
        )
        # The loader draws its worker seed from its own generator, not from the global RNG
        # that dropout uses, so resuming mid-epoch draws the same dropout masks.
        loader = torch.utils.data.DataLoader(
            train_set, batch_sampler=sampler, collate_fn=Collator(tokenizer.pad_token_id),
            generator=torch.Generator().manual_seed(cfg.seed),
        )
        trainable = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(
            trainable, lr=tcfg.learning_rate, weight_decay=tcfg.weight_decay
        )
        model, optimizer, loader = acc.prepare(model, optimizer, loader)
        steps_per_epoch = math.ceil(len(loader) / tcfg.grad_accum)
        total_steps = steps_per_epoch * tcfg.epochs
        if tcfg.max_steps:
            total_steps = min(total_steps, tcfg.max_steps)
        lr_factor = _schedule(self.stage, total_steps)

        state = StageState(data_sha256=_data_sha256(train_set))
        checkpoint = self.latest_checkpoint()
        if checkpoint is not None:
            state = self.restore(model, optimizer, checkpoint, state.data_sha256)
            log.message(f"stage {self.index}: resuming at step {state.step}/{total_steps} "
                        f"from {checkpoint}")
        log.start_stage(self.index, self.stage.name, total_steps, state.step, self.data_report)

        if not state.history:
            # The starting point, so the manifest shows what each stage changed.
            start = self.evaluate(model, tokenizer, eval_set)
            state.history.append({"step": 0, **start})
            log.eval(0, start)
        model.train()
        while state.step < total_steps and state.epoch < tcfg.epochs:
            sampler.epoch = state.epoch
            batches = acc.skip_first_batches(loader, state.batches_done_in_epoch)
            window: list[dict[str, torch.Tensor]] = []
            for batch in batches:
                window.append(batch)
                state.batches_done_in_epoch += 1
                end_of_epoch = state.batches_done_in_epoch == len(loader)
                if len(window) < tcfg.grad_accum and not end_of_epoch:
                    continue
                loss = self.optimizer_step(model, optimizer, window, trainable, lr_factor, state)
                log.step(state.step, loss, optimizer.param_groups[0]["lr"], window)
                window = []
                if state.step % tcfg.eval_every == 0 and state.step < total_steps:
                    metrics = self.evaluate(model, tokenizer, eval_set)
                    state.history.append({"step": state.step, **metrics})
                    log.eval(state.step, metrics)
                if state.step % tcfg.save_every == 0 or state.step == total_steps:
                    self.save_checkpoint(model, optimizer, state)
                if state.step >= total_steps:
                    break
            else:
                state.epoch += 1
                state.batches_done_in_epoch = 0

        final = self.evaluate(model, tokenizer, eval_set)
        state.history.append({"step": state.step, **final})
        log.eval(state.step, final, final=True)
        metrics = {
            "stage": self.index,
            "name": self.stage.name,
            "optimizer_steps": state.step,
            "final": final,
            "history": state.history,
            "data": self.data_report,
            "throughput": log.stage_summary(),
        }
        acc.wait_for_everyone()
        if acc.is_main_process:
            adapter_tmp = self.stage_dir / f".tmp-{ADAPTER_DIR}"
            shutil.rmtree(adapter_tmp, ignore_errors=True)
            acc.unwrap_model(model).save_pretrained(adapter_tmp)
            shutil.rmtree(self.stage_dir / ADAPTER_DIR, ignore_errors=True)
            adapter_tmp.rename(self.stage_dir / ADAPTER_DIR)
            atomic_write_json(self.stage_dir / METRICS_FILE, metrics)
            shutil.rmtree(self.stage_dir / CHECKPOINTS_DIR, ignore_errors=True)
        acc.wait_for_everyone()
        return metrics

    def optimizer_step(
        self,
        model: Any,
        optimizer: Any,
        window: list[dict[str, torch.Tensor]],
        trainable: list[torch.nn.Parameter],
        lr_factor: Any,
        state: StageState,
    ) -> float:
        """One optimizer step over a gradient-accumulation window; returns the mean loss.

        Each micro-batch's summed loss is divided by the window's trained-token count, so
        the step's gradient is the token-level mean whatever the batch composition.
        """
        tokens = sum(int((b["labels"][:, 1:] != -100).sum()) for b in window)
        total = 0.0
        for i, batch in enumerate(window):
            sync = i == len(window) - 1
            ctx = contextlib.nullcontext() if sync else self.accelerator.no_sync(model)
            with ctx:
                loss, _ = masked_lm_loss(model, batch)
                self.accelerator.backward(loss / max(1, tokens))
            total += loss.item()
        if self.stage.train.max_grad_norm > 0:
            self.accelerator.clip_grad_norm_(trainable, self.stage.train.max_grad_norm)
        for group in optimizer.param_groups:
            group["lr"] = self.stage.train.learning_rate * lr_factor(state.step)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        state.step += 1
        return total / max(1, tokens)


def _quiet_libraries() -> None:
    """HERA prints its own progress; silence library progress bars and notices."""
    import logging

    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    logging.getLogger("bitsandbytes").setLevel(logging.ERROR)


def _pubmedqa_split(config: RunConfig) -> Split | None:
    """PQA-L's test/pool split: required by PubMedQA stages and dev evals, and loaded for
    the test-set guard whenever its files are there (a conversation dataset can quote a
    test abstract too)."""
    needed = any(s.data.kind == "pubmedqa" or s.train.pubmedqa_dev_samples
                 for s in config.stages)
    try:
        return load_split(data_file(config.pubmedqa_path), data_file(config.pubmedqa_test_ids))
    except DataNotFoundError:
        if needed:
            raise
        return None


def run_training(config: RunConfig, output_dir: Path | None = None) -> Path:
    """Run (or resume) every stage of ``config``; returns the run directory."""
    from accelerate import Accelerator
    from accelerate.utils import set_seed

    _quiet_libraries()
    accelerator = Accelerator(cpu=config.model.device == "cpu")
    set_seed(config.seed)
    run_dir = Path(output_dir or config.output_dir) / config.name
    manifest = RunManifest.open(run_dir, config) if accelerator.is_main_process else None
    split = _pubmedqa_split(config)
    log = ProgressLog(config, run_dir, accelerator)
    previous: Path | None = None
    by_stage: dict[int, dict[str, Any]] = {}
    try:
        for index, stage in enumerate(config.stages, 1):
            stage_dir = run_dir / f"stage{index}"
            if (stage_dir / METRICS_FILE).exists() and (stage_dir / ADAPTER_DIR).exists():
                log.message(f"stage {index} ({stage.name}): already finished, skipped")
                metrics = json.loads((stage_dir / METRICS_FILE).read_text())
            else:
                trainer = StageTrainer(
                    config, stage, index, stage_dir, previous, split, accelerator
                )
                metrics = trainer.run(log)
            by_stage[index] = metrics
            if manifest is not None:
                manifest.record_stage(index, metrics)
            previous = stage_dir / ADAPTER_DIR
    finally:
        log.close()
    check = forgetting(by_stage)
    if manifest is not None:
        manifest.record_forgetting(check)
    for line in summary_lines(by_stage, check):
        log.message(line)
    log.message(f"done: adapters and manifest in {run_dir}")
    accelerator.end_training()
    return run_dir
