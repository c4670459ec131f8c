"""Find what to export and merge LoRA adapters onto full-precision base weights.

Inputs: a ``hera train`` run directory (its manifest names the final adapter, which
already holds every stage: stages continue one adapter), a base model plus an adapter, an
adapter directory (its config names the base), or an already merged HF model (a local
directory or a hub id).

The merge always happens on full-precision weights, computed in float32 and saved in the
base checkpoint's own dtype: merging onto dequantized 4-bit weights bakes quantization
error into the model. It streams: one block of rows of one tensor at a time, so a 2B model
re-exports on a laptop that could not hold it merged in float32. Adapters that would change
the vocabulary or that train the embedding / output head are refused: llama.cpp's GGUF ties
the tokenizer to those matrices, and a mismatch is the ``token_embd`` shape error users hit
after export.
"""

from __future__ import annotations

import dataclasses
import math
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from export.checkpoint import Checkpoint, open_checkpoint, read_header, read_json, read_tensor
from export.errors import ExportError
from export.safetensors_stream import CONFIG_DTYPES, PlannedTensor, write_checkpoint

_VOCAB_MODULES = ("embed_tokens", "lm_head", "wte", "output")


@dataclass(frozen=True)
class ExportSource:
    """A resolved export input."""

    model: str  # base model (adapter given) or merged model: local dir or hub id
    adapter: Path | None
    base_name: str  # recorded as general.base_model
    prompt_format: str
    #: the ``hera train`` run the adapter comes from (its manifest feeds the model card)
    run_dir: Path | None = None


def _from_run_dir(run_dir: Path) -> ExportSource:
    from hera_train.config import ModelConfig
    from hera_train.model_loading import resolve_model_path

    manifest = read_json(run_dir / "manifest.json")
    if not manifest.get("adapter"):
        raise ExportError(f"{run_dir}: the run has no finished stage yet; train it first")
    adapter = run_dir / manifest["adapter"]
    model = manifest.get("config", {}).get("model", {})
    known = {f.name for f in dataclasses.fields(ModelConfig)}
    cfg = ModelConfig(**{k: v for k, v in model.items() if k in known})
    return ExportSource(resolve_model_path(cfg), adapter, cfg.name, cfg.prompt_format, run_dir)


def resolve_source(
    source: str, base: str | None = None, adapter: Path | None = None
) -> ExportSource:
    """Work out base + adapter (or a merged model) from the command-line arguments."""
    path = Path(source)
    if (path / "manifest.json").exists():
        if base or adapter:
            raise ExportError(
                "a run directory names its own base and adapter; drop --base/--adapter"
            )
        return _from_run_dir(path)
    if adapter is None and (path / "adapter_config.json").exists():
        adapter = path
        source = base or ""
    if adapter is not None:
        adapter_base = read_json(adapter / "adapter_config.json").get("base_model_name_or_path")
        model = base or source or adapter_base
        if not model:
            raise ExportError(f"{adapter}: the adapter names no base model; pass --base")
        return ExportSource(model, adapter, model, "gemma")
    return ExportSource(source, None, source, "gemma")


def _looks_local(model: str) -> bool:
    """A path the user meant as a local folder: absolute, relative with ./ or ~, deeper than
    owner/name, or inside a folder that exists here (``runs/tiny-cpX``)."""
    first = model.split("/", 1)[0]
    return (model.startswith(("/", ".", "~")) or model.count("/") != 1
            or Path(first).is_dir())


def local_model_dir(model: str) -> Path:
    """A local directory for ``model`` (hub ids are fetched through the HF cache)."""
    if Path(model).is_dir():
        return Path(model)
    if Path(model).exists():
        raise ExportError(f"{model}: not a model directory (a file); give the folder")
    if _looks_local(model):
        raise ExportError(
            f"{model}: no such folder; give a `hera train` run folder, an adapter folder or a "
            "merged model folder (or a hub id, owner/name)"
        )
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(model, allow_patterns=["*.json", "*.safetensors",
                                                            "tokenizer.model"]))
    except Exception as exc:
        raise ExportError(
            f"cannot fetch {model!r} from the Hugging Face hub ({exc.__class__.__name__}); "
            "download it once with network access or pass a local directory"
        ) from None


def check_adapter(adapter: Path, base_vocab: int) -> None:
    """Refuse adapters that touch the vocabulary (see the module docstring)."""
    config = read_json(adapter / "adapter_config.json")
    trained = list(config.get("modules_to_save") or [])
    targets = config.get("target_modules") or []
    trained += [targets] if isinstance(targets, str) else list(targets)
    if config.get("trainable_token_indices"):
        trained.append("embed_tokens (trainable_token_indices)")
    touched = [m for m in trained if any(v in m for v in _VOCAB_MODULES)]
    if touched:
        raise ExportError(
            f"{adapter}: the adapter trains {', '.join(touched)}; HERA exports adapters that "
            "leave embed_tokens/lm_head frozen (retrain without them)"
        )
    weights = adapter / "adapter_model.safetensors"
    if not weights.exists():
        raise ExportError(f"{adapter}: no adapter_model.safetensors")
    names = list(read_header(weights))
    bad = [n for n in names if any(f".{v}." in n or n.endswith(f".{v}") for v in _VOCAB_MODULES)]
    if bad:
        raise ExportError(f"{adapter}: the adapter carries vocabulary weights ({bad[0]}); refusing")
    tok_json = adapter / "tokenizer.json"
    if tok_json.exists():
        data = read_json(tok_json)
        vocab = data.get("model", {}).get("vocab", {})
        ids = [*(vocab.values() if isinstance(vocab, dict) else range(len(vocab))),
               *(entry["id"] for entry in data.get("added_tokens", []))]
        if ids and max(ids) + 1 > base_vocab:
            raise ExportError(
                f"{adapter}: its tokenizer has more tokens than the base's {base_vocab}; "
                "tokens were added during training, which HERA's export refuses"
            )


#: adapter_config.json settings whose merge is not ``W + scale * B @ A`` on the module's weight
_UNSUPPORTED = {
    "use_dora": "DoRA (use_dora)",
    "lora_bias": "a trained bias (lora_bias)",
    "fan_in_fan_out": "transposed Conv1D weights (fan_in_fan_out)",
    "alpha_pattern": "per-module alphas (alpha_pattern)",
    "modules_to_save": "fully trained modules (modules_to_save)",
}
_LORA_KEY = re.compile(
    r"^(?:base_model\.model\.)?(?P<module>.+)\.lora_(?P<ab>[AB])(?:\.[^.]+)?\.weight$")
#: the base's non-weight files a merged folder needs (tokenizer, configs, chat template)
_SIDE_FILES = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer.model",
               "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
               "chat_template.jinja", "chat_template.json")


@dataclass(frozen=True)
class LoraFactor:
    """One module's trained update: ``delta = (B @ A) * scale``, with B (out, r), A (r, in)."""

    a: np.ndarray
    b: np.ndarray
    scale: np.float32


def _mismatch(adapter: Path, base_dir: Path, why: str) -> ExportError:
    return ExportError(f"{adapter}: does not fit the base model {base_dir} ({why}); "
                       "was it trained on another base?")


def read_lora(adapter: Path) -> dict[str, LoraFactor]:
    """The adapter's factors keyed by the base tensor they update (``...q_proj.weight``).

    The scale is PEFT's: ``lora_alpha / r``, or ``/ sqrt(r)`` with rsLoRA, with r read from
    each factor's shape so that a ``rank_pattern`` is honoured. Anything whose merge is not
    that sum is refused rather than merged wrongly."""
    config = read_json(adapter / "adapter_config.json")
    if config.get("peft_type", "LORA") != "LORA":
        raise ExportError(f"{adapter}: a {config['peft_type']} adapter; HERA exports LoRA adapters")
    used = [label for key, label in _UNSUPPORTED.items() if config.get(key)]
    if used:
        raise ExportError(f"{adapter}: the adapter uses {', '.join(used)}, which HERA's merge "
                          "does not apply; retrain with plain LoRA (HERA's configs do)")
    alpha = float(config.get("lora_alpha", 8))
    pairs: dict[str, dict[str, np.ndarray]] = {}
    for name, meta in read_header(adapter / "adapter_model.safetensors").items():
        match = _LORA_KEY.match(name)
        if match is None:
            raise ExportError(f"{adapter}: the adapter carries {name}, which is not a LoRA "
                              "factor; HERA's merge does not apply it")
        pairs.setdefault(f"{match['module']}.weight", {})[match["ab"]] = read_tensor(meta)
    factors = {}
    for target, pair in pairs.items():
        if set(pair) != {"A", "B"} or pair["A"].ndim != 2 or pair["B"].ndim != 2 \
                or pair["B"].shape[1] != pair["A"].shape[0]:
            raise ExportError(f"{adapter}: {target} has no matching lora_A/lora_B pair")
        r = pair["A"].shape[0]
        scale = alpha / math.sqrt(r) if config.get("use_rslora") else alpha / r
        factors[target] = LoraFactor(pair["A"], pair["B"], np.float32(scale))
    return factors


def _merged_blocks(ckpt: Checkpoint, name: str, factor: LoraFactor | None,
                   ) -> Callable[[], Iterator[np.ndarray]]:
    """A base tensor's row blocks with the adapter's update added, as PEFT's merge computes
    it in float32 (``W += (B @ A) * scale``), one block of rows at a time."""
    def blocks() -> Iterator[np.ndarray]:
        start = 0
        for block in ckpt.row_chunks(name):
            if factor is not None:
                stop = start + block.shape[0]
                block = block + (factor.b[start:stop] @ factor.a) * factor.scale
                start = stop
            yield block
    return blocks


def plan_merge(base_dir: Path, adapter: Path) -> tuple[list[PlannedTensor], str]:
    """Every tensor of the merged model, in the base's order, with its blocks still to be
    computed, and the safetensors dtype to store them in (the base config's); every check
    (quantized base, vocabulary, shapes) is done here, before anything is written."""
    config = read_json(base_dir / "config.json")
    if config.get("quantization_config"):
        raise ExportError(
            f"{base_dir}: the base checkpoint is quantized; merge onto the full-precision "
            "base model (bf16/fp32), never onto dequantized 4-bit weights"
        )
    check_adapter(adapter, int(config.get("vocab_size", 0)))
    dtype_name = str(config.get("dtype") or config.get("torch_dtype") or "float32")
    if dtype_name not in CONFIG_DTYPES:
        raise ExportError(f"{base_dir}: config.json's dtype {dtype_name!r} is not one of "
                          f"{', '.join(CONFIG_DTYPES)}; fix config.json")
    ckpt = open_checkpoint(base_dir)
    factors = read_lora(adapter)
    for target, factor in factors.items():
        meta = ckpt.tensors.get(target)
        if meta is None:
            raise _mismatch(adapter, base_dir, f"the base has no tensor {target}")
        delta = (factor.b.shape[0], factor.a.shape[1])
        if meta.shape != delta:
            raise _mismatch(adapter, base_dir, f"size mismatch for {target}: the adapter's "
                            f"update is {list(delta)}, the base tensor {list(meta.shape)}")
    planned = [PlannedTensor(name, meta.shape, _merged_blocks(ckpt, name, factors.get(name)))
               for name, meta in ckpt.tensors.items()]
    return planned, CONFIG_DTYPES[dtype_name]


def merge_adapter(base_dir: Path, adapter: Path, out_dir: Path) -> Path:
    """Merge ``adapter`` into the full-precision base, streamed tensor by tensor, and save
    safetensors (in the base's dtype) with the base's tokenizer and config files.

    Memory stays at a block of rows plus the adapter, whatever the model's size: each base
    tensor is read, updated and written in blocks (:mod:`export.safetensors_stream`); no
    torch, no whole model. The result equals PEFT's ``merge_and_unload`` on a float32 model
    to float32 rounding (tested on the tiny model and Gemma 3 270M)."""
    planned, dtype = plan_merge(base_dir, adapter)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        write_checkpoint(tmp, planned, dtype)
        for extra in _SIDE_FILES:
            if (base_dir / extra).is_file():
                shutil.copy2(base_dir / extra, tmp / extra)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir
