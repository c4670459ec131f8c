"""``hera doctor``: what is installed and usable, and what each missing piece is for.

Every check is cheap and local except the Ollama probe, which asks one HTTP question of
the configured host (loopback by default) with a short timeout, through the official
``ollama`` client and HERA's layer on it (``hera_core.ollama_client``).
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from importlib import metadata

from hera_core.ollama_client import OllamaClient, OllamaError
from hera_core.paths import data_dir, data_dir_source

DATA_FILES = (
    "pubmedqa/ori_pqal.json",
    "pubmedqa/test_ground_truth.json",
    "genmedgpt-5k/genmedgpt_5k.json",
)


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    name: str
    ok: bool
    detail: str
    needed_for: str
    required: bool = False


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _packages() -> list[Check]:
    wanted = [
        ("torch", "training and export"),
        ("transformers", "training and export"),
        ("peft", "LoRA training and merging"),
        ("accelerate", "training (one or many GPUs)"),
        ("datasets", "hub datasets"),
        ("gguf", "GGUF export"),
        ("textual", "the chat app"),
    ]
    out = []
    for dist, purpose in wanted:
        version = _version(dist)
        out.append(Check(dist, version is not None, version or "not installed", purpose))
    return out


def _gpu() -> list[Check]:
    try:
        import torch
    except ImportError:
        return [Check("GPU", False, "torch not installed", "fast training")]
    if not torch.cuda.is_available():
        return [Check("GPU", False, "no CUDA GPU visible: CPU training only", "fast training")]
    name = torch.cuda.get_device_name(0)
    bf16 = torch.cuda.is_bf16_supported()
    return [
        Check("GPU", True, f"{torch.cuda.device_count()} x {name}", "fast training"),
        Check("bf16", bf16, "supported" if bf16 else "not supported (fp32)", "bf16 training"),
    ]


def _bitsandbytes() -> Check:
    try:
        import bitsandbytes as bnb
        import torch
    except Exception as exc:  # bitsandbytes raises many kinds when its library is missing
        return Check("bitsandbytes", False, f"unusable ({type(exc).__name__})", "QLoRA 4-bit")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        weight = torch.randn(64, 64, dtype=torch.float32, device=device)
        packed, state = bnb.functional.quantize_4bit(weight, quant_type="nf4")
        restored = bnb.functional.dequantize_4bit(packed, state)
        error = float((restored - weight).abs().mean())
    except Exception as exc:
        return Check("bitsandbytes", False, f"4-bit failed on {device}: {exc}", "QLoRA 4-bit")
    return Check(
        "bitsandbytes", error < 0.2, f"{bnb.__version__}, nf4 works on {device}", "QLoRA 4-bit"
    )


def _llama_cpp() -> Check:
    try:
        llama_cpp = importlib.import_module("llama_cpp")
    except Exception as exc:
        return Check("llama.cpp", False, f"not loadable ({type(exc).__name__})",
                     "chat, benchmark and export quantization")
    gpu = llama_cpp.llama_supports_gpu_offload()
    return Check("llama.cpp", True, f"llama-cpp-python {llama_cpp.__version__}"
                 f"{', GPU offload' if gpu else ', CPU'}", "chat, benchmark and export")


def _ollama(host: str | None) -> Check:
    client = OllamaClient(host)
    try:
        version = client.version(timeout=1.5)
    except OllamaError as exc:
        return Check("Ollama", False, str(exc), "`ollama:` models")
    return Check("Ollama", True, f"{version} at {client.host}", "`ollama:` models")


def _data() -> list[Check]:
    base = data_dir()
    if base is None:
        return [Check("data", False, f"no data folder ({data_dir_source()}): datasets come "
                      "from the hub", "offline training and benchmark")]
    return [
        Check(f"data {name}", (base / name).exists(),
              "found" if (base / name).exists() else f"missing under {base}",
              "offline training and benchmark")
        for name in DATA_FILES
    ]


def run_checks(ollama_host: str | None = None) -> list[Check]:
    """All checks, in the order they are reported."""
    python_ok = sys.version_info >= (3, 11)
    return [
        Check("python", python_ok, sys.version.split()[0], "everything", required=True),
        *_packages(),
        *_gpu(),
        _bitsandbytes(),
        _llama_cpp(),
        _ollama(ollama_host),
        *_data(),
    ]


def print_report(checks: list[Check]) -> None:
    """One aligned line per check."""
    width = max(len(c.name) for c in checks)
    for c in checks:
        mark = "ok " if c.ok else "-- "
        print(f"{mark} {c.name:<{width}}  {c.detail}  [{c.needed_for}]")
