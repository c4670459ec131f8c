"""Time to the first token of a reply with NIH sources and without, in one run.

Sources lengthen the prompt (up to three trimmed passages) and add retrieval before it:
the target is a first token within about 3 s on 2 cores with HERA-mini. The questions are
the frozen LiveQA dev questions of ``liveqa-answers-dev.jsonl``; each is answered in a new
conversation through the chat app's own llama.cpp backend and the same plan the chat
uses, three ways, in turn: with sources and nothing cached (the KV cache is reset: a
cold start), with sources after the backend's ``warm`` (HERA's system prompt evaluated
ahead, as the chat app does once a model is ready), and without sources, cold. Reports
the median and the 90th percentile of the time to first token (retrieval included), the
prompt length in tokens, and the ratio to the cold run without sources.

    python bench/grounded_latency.py MODEL.gguf [--questions 20] [--threads N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path,
                        help="the GGUF (HERA-mini: exports/hera/hera-q8_0.gguf)")
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--threads", type=int, help="llama.cpp threads (default: all cores)")
    args = parser.parse_args()

    from hera_core.formats import HERA_SYSTEM_PROMPT, Message
    from hera_core.sources.answering import plan_reply
    from hera_core.sources.cli import build_devsets
    from hera_core.sources.retrieve import open_retriever
    from hera_tui.backends.base import GenerationParams, StopSignal
    from hera_tui.backends.llama_cpp_backend import LlamaCppBackend
    from hera_tui.benchmark.answers import read_items

    with tempfile.TemporaryDirectory() as tmp:
        devsets = build_devsets(Path(tmp))
        items = read_items(devsets["liveqa-answers-dev.jsonl"][0])[: args.questions]
    retriever = open_retriever()
    backend = LlamaCppBackend(args.model, args.threads)
    backend.load()
    params = GenerationParams(temperature=0.0, max_tokens=1, context_length=4096)
    runs = (("sources, cold", True, False), ("sources, warm", True, True),
            ("without, cold", False, False))
    results: dict[str, list[tuple[float, int]]] = {label: [] for label, _, _ in runs}
    for item in items:
        for label, sources, warm in runs:
            backend._llm.reset()  # a new conversation: nothing of the last prompt is reused
            if warm:
                backend.warm(HERA_SYSTEM_PROMPT)
            started = time.perf_counter()
            plan = plan_reply([Message("system", HERA_SYSTEM_PROMPT),
                               Message("user", item.question)], retriever, sources)
            planned = time.perf_counter()
            stats = backend.generate(plan.messages, params, StopSignal(), lambda _: None)
            first = (planned - started) + (stats.ttft_s or 0.0)
            results[label].append((first, len(backend.prompt_tokens(plan.messages))))
    backend.close()
    base = statistics.median(t for t, _ in results["without, cold"])
    print(f"{args.model.name}, {len(items)} LiveQA dev questions, first token (retrieval "
          "included):")
    for label, rows in results.items():
        times = sorted(t for t, _ in rows)
        p90 = times[min(len(times) - 1, int(0.9 * len(times)))]
        tokens = statistics.median(n for _, n in rows)
        med = statistics.median(times)
        print(f"  {label:<14} median {med:5.2f} s, 90th percentile {p90:5.2f} s, prompt "
              f"{tokens:.0f} tokens (median)  ({med / base:.2f}x without, cold)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
