"""Find what to export and merge LoRA adapters onto full-precision base weights.

Inputs: a ``hera train`` run directory (its manifest names the final adapter, which
already holds every stage: stages continue one adapter), a base model plus an adapter, an
adapter directory (its config names the base), or an already merged HF model (a local
directory or a hub id).

The merge always happens on full-precision weights, computed in float32 and saved in the
base checkpoint's own dtype: merging onto dequantized 4-bit weights bakes quantization
error into the model. Adapters that would change the vocabulary or that train the
embedding / output head are refused: llama.cpp's GGUF ties the tokenizer to those
matrices, and a mismatch is the ``token_embd`` shape error users hit after export.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from export.checkpoint import read_json
from export.errors import ExportError

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
    from safetensors import safe_open

    try:
        with safe_open(weights, framework="pt") as f:
            names = list(f.keys())
    except Exception as exc:
        raise ExportError(f"{weights}: corrupt safetensors ({exc})") from None
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


def merge_adapter(base_dir: Path, adapter: Path, out_dir: Path) -> Path:
    """Merge ``adapter`` into the full-precision base and save safetensors + tokenizer."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # export prints its own progress lines
    config = read_json(base_dir / "config.json")
    if config.get("quantization_config"):
        raise ExportError(
            f"{base_dir}: the base checkpoint is quantized; merge onto the full-precision "
            "base model (bf16/fp32), never onto dequantized 4-bit weights"
        )
    check_adapter(adapter, int(config.get("vocab_size", 0)))
    saved_dtype = getattr(torch, str(config.get("dtype") or config.get("torch_dtype") or "float32"))
    try:
        tokenizer = AutoTokenizer.from_pretrained(base_dir)
    except (OSError, ValueError):
        raise ExportError(f"{base_dir}: no loadable tokenizer next to the base weights") from None
    try:
        model = AutoModelForCausalLM.from_pretrained(
            base_dir, dtype=torch.float32, use_safetensors=True
        )
    except (OSError, ValueError) as exc:
        raise ExportError(f"{base_dir}: cannot load the base model ({exc})") from None
    try:
        model = PeftModel.from_pretrained(model, adapter).merge_and_unload()
    except (RuntimeError, ValueError, KeyError) as exc:
        lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
        first = next((ln for ln in lines if "size mismatch" in ln), lines[0] if lines else "")
        first = first[:200]
        raise ExportError(
            f"{adapter}: does not fit the base model {base_dir} ({first}); "
            "was it trained on another base?"
        ) from None
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        model.to(saved_dtype).save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        for extra in ("tokenizer.model", "generation_config.json"):
            if (base_dir / extra).exists() and not (tmp / extra).exists():
                shutil.copy2(base_dir / extra, tmp / extra)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir
