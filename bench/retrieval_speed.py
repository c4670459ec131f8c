"""Milliseconds per query of the NIH library's hybrid retrieval, against BM25 alone, in one
run.

Every grounded reply waits for retrieval before its prompt is read, so it must be quick on
a laptop: the target is under 200 ms a query on 2 cores once the library is loaded. The
queries are the frozen LiveQA dev questions (real consumer messages, 47 words on average,
up to 195), which ``hera sources devset`` writes; BM25 alone (SQLite FTS5) is the baseline,
dense alone is timed beside them. Rounds alternate between the retrievers so machine noise
hits them alike; the median round is reported.

    python bench/retrieval_speed.py [--rounds 5] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2,
                        help="BLAS and onnxruntime threads (set before they load; default 2)")
    args = parser.parse_args()
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "HERA_ENCODER_THREADS"):
        os.environ[name] = str(args.threads)

    from hera_core.sources.cli import build_devsets
    from hera_core.sources.metrics import read_queries
    from hera_core.sources.retrieve import open_retriever

    with tempfile.TemporaryDirectory() as tmp:
        devsets = build_devsets(Path(tmp))
        queries = [q.question for q in read_queries(devsets["liveqa-sources-dev.jsonl"][0])]
    started = time.perf_counter()
    retriever = open_retriever()
    print(f"library loaded in {time.perf_counter() - started:.2f} s "
          f"({retriever.library.size:,} passages; encoder "
          f"{retriever.encoder.runtime if retriever.encoder else 'missing'}); "
          f"{len(queries)} queries, {args.threads} threads")
    modes = ("bm25", "dense", "hybrid")
    rounds: dict[str, list[float]] = {m: [] for m in modes}
    for _ in range(args.rounds):
        for mode in modes:
            start = time.perf_counter()
            for q in queries:
                retriever.search(q, 5, mode)
            rounds[mode].append((time.perf_counter() - start) * 1000 / len(queries))
    base = statistics.median(rounds["bm25"])
    for mode in modes:
        ms = statistics.median(rounds[mode])
        print(f"  {mode:<7} {ms:7.1f} ms / query  ({ms / base:.2f}x BM25 alone)")
    hybrid = statistics.median(rounds["hybrid"])
    print(f"hybrid: {hybrid:.1f} ms a query, target < 200 ms: "
          f"{'met' if hybrid < 200 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
