"""GPU check for the training path: QLoRA 4-bit on CUDA, bf16 compute, eager attention.

Trains the tiny Gemma-2 for 20 optimizer steps three ways on the GPU — QLoRA NF4 with bf16
compute, bf16 LoRA without quantization, and fp32 LoRA (the baseline) — and prints
tokens/s for each and the ratios against the fp32 run. Results go to docs/gpu.md by hand.

    HERA_DATA_DIR=... python bench/gpu_qlora.py [--steps 20] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

VARIANTS = {
    "qlora-nf4-bf16": ["quantization.load_in_4bit=true", "quantization.compute_dtype='bfloat16'",
                       "model.dtype='bfloat16'"],
    "lora-bf16": ["model.dtype='bfloat16'"],
    "lora-fp32": ["model.dtype='float32'"],
}


def main() -> int:
    import torch

    from hera_train.config import load_config
    from hera_train.runner import run_training

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path(tempfile.mkdtemp(prefix="gpu-")))
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA GPU visible: this check needs one", file=sys.stderr)
        return 2
    print(f"GPU: {torch.cuda.get_device_name(0)}, bf16 {torch.cuda.is_bf16_supported()}, "
          f"torch {torch.__version__}")
    results = {}
    for name, overrides in VARIANTS.items():
        config = load_config(REPO / "configs" / "tiny-cpu.toml", [
            *overrides, f"name='{name}'", "model.device='cuda'",
            "model.attn_implementation='eager'", f"stages.1.train.max_steps={args.steps}",
            "stages.1.train.pubmedqa_dev_samples=0",
        ])
        config.stages = config.stages[:1]
        torch.cuda.reset_peak_memory_stats()
        run = run_training(config, args.out)
        metrics = json.loads((run / "stage1" / "metrics.json").read_text())
        results[name] = {
            "steps": metrics["optimizer_steps"],
            "tokens_per_s": metrics["throughput"]["tokens_per_s"],
            "final_eval_loss": metrics["final"]["eval_loss"],
            "start_eval_loss": metrics["history"][0]["eval_loss"],
            "peak_gpu_mib": round(torch.cuda.max_memory_allocated() / 2**20, 1),
        }
    base = results["lora-fp32"]["tokens_per_s"]
    for name, r in results.items():
        print(f"{name:16s} steps {r['steps']:3d} | {r['tokens_per_s']:10.1f} tok/s "
              f"({r['tokens_per_s'] / base:.2f}x fp32) | eval loss {r['start_eval_loss']:.3f} -> "
              f"{r['final_eval_loss']:.3f} | peak {r['peak_gpu_mib']} MiB")
    (args.out / "gpu_results.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
