"""What each supported architecture needs in a GGUF, and the checks that it will load right.

llama.cpp hard-codes parts of Gemma's shape (which layers use the sliding window, the
local RoPE base, the attention scale); a checkpoint that differs would load and then
produce wrong logits. Those facts are checked here, up front, with a one-line error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gguf

from export.errors import ExportError


@dataclass(frozen=True)
class Architecture:
    """A supported HF architecture and its llama.cpp counterpart."""

    hf_class: str
    gguf_arch: gguf.MODEL_ARCH
    #: layer i uses the sliding window in llama.cpp's implementation
    is_sliding: Callable[[int], bool]
    softcapping: bool

    @property
    def name(self) -> str:
        return gguf.MODEL_ARCH_NAMES[self.gguf_arch]


ARCHITECTURES = {
    a.hf_class: a
    for a in (
        Architecture("Gemma2ForCausalLM", gguf.MODEL_ARCH.GEMMA2, lambda i: i % 2 == 0, True),
        Architecture(
            "Gemma3ForCausalLM", gguf.MODEL_ARCH.GEMMA3, lambda i: (i + 1) % 6 != 0, False
        ),
    )
}


def architecture_of(config: dict[str, Any]) -> Architecture:
    names = config.get("architectures") or []
    for name in names:
        if name in ARCHITECTURES:
            return ARCHITECTURES[name]
    raise ExportError(
        f"unsupported architecture {', '.join(names) or config.get('model_type', '?')}; HERA "
        f"exports {', '.join(sorted(ARCHITECTURES))} (text) models"
    )


def _rope_thetas(config: dict[str, Any]) -> tuple[float, float]:
    """(global, local) RoPE bases from either transformers 4 or 5 config layouts."""
    params = config.get("rope_parameters")
    if isinstance(params, dict) and "full_attention" in params:
        full = params["full_attention"].get("rope_theta", 10000.0)
        local = params.get("sliding_attention", {}).get("rope_theta", 10000.0)
        scaling = [p.get("rope_type", "default") for p in params.values()]
    else:
        params = params or {}
        full = params.get("rope_theta", config.get("rope_theta", 10000.0))
        local = config.get("rope_local_base_freq", 10000.0)
        scaling = [params.get("rope_type", "default")]
        if config.get("rope_scaling"):
            scaling.append(config["rope_scaling"].get("rope_type", "scaled"))
    if any(kind != "default" for kind in scaling):
        raise ExportError(
            f"RoPE scaling {scaling} is not supported by HERA's export; use an unscaled model"
        )
    return float(full), float(local)


def _check_llamacpp_assumptions(arch: Architecture, config: dict[str, Any]) -> None:
    n_layer, head_dim = config["num_hidden_layers"], config["head_dim"]
    layer_types = config.get("layer_types")
    if layer_types:
        expected = ["sliding_attention" if arch.is_sliding(i) else "full_attention"
                    for i in range(n_layer)]
        if list(layer_types) != expected:
            raise ExportError(
                f"layer_types differ from llama.cpp's fixed {arch.name} sliding-window pattern; "
                "this checkpoint cannot run correctly in llama.cpp"
            )
    scalar = config.get("query_pre_attn_scalar", head_dim)
    per_head = config["hidden_size"] // config["num_attention_heads"]
    # llama.cpp scales by 1/sqrt(head_dim), except for the 27B sizes (hidden/heads).
    if scalar != head_dim and scalar != per_head:
        raise ExportError(
            f"query_pre_attn_scalar={scalar} matches neither head_dim ({head_dim}) nor "
            f"hidden_size/heads ({per_head}); llama.cpp would scale attention differently"
        )
    caps = (config.get("attn_logit_softcapping"), config.get("final_logit_softcapping"))
    if arch.softcapping and None in caps:
        raise ExportError(f"{arch.name} in llama.cpp always soft-caps logits; the config sets none")
    if not arch.softcapping and any(caps):
        raise ExportError(
            f"{arch.name} in llama.cpp has no logit soft-capping, but the config sets it"
        )
    _, local = _rope_thetas(config)
    if arch.gguf_arch == gguf.MODEL_ARCH.GEMMA3 and local != 10000.0:
        raise ExportError(f"local RoPE base {local} differs from llama.cpp's gemma3 (10000)")


def write_hparams(writer: gguf.GGUFWriter, arch: Architecture, config: dict[str, Any]) -> None:
    """The ``<arch>.*`` keys llama.cpp reads for Gemma 2 / Gemma 3."""
    _check_llamacpp_assumptions(arch, config)
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(config["num_attention_heads"])
    writer.add_head_count_kv(config.get("num_key_value_heads", config["num_attention_heads"]))
    writer.add_layer_norm_rms_eps(config["rms_norm_eps"])
    writer.add_key_length(config["head_dim"])
    writer.add_value_length(config["head_dim"])
    full, local = _rope_thetas(config)
    writer.add_rope_freq_base(full)
    if config.get("sliding_window"):
        writer.add_sliding_window(config["sliding_window"])
    if arch.softcapping:
        writer.add_attn_logit_softcapping(config["attn_logit_softcapping"])
        writer.add_final_logit_softcapping(config["final_logit_softcapping"])
    else:
        writer.add_rope_freq_base_swa(local)
