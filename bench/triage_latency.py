"""Milliseconds per message of the emergency check, against the rules alone, in one run.

The check runs on every message before the reply starts, so it must be fast on a laptop:
the target is at most 50 ms per message on 2 cores. Messages are the labelled development
set (``cases.jsonl``, colloquial one- and two-liners), long rambling messages built by
joining several of them (the check then also scores each pair of sentences), and messages
that state vital signs and blood results (the corpus's ``numbers.jsonl``: the check reads
them and applies NEWS2 and NICE's thresholds). Rounds alternate between the checks so
machine noise hits them alike; the median round is reported. The baseline, the rules alone
(the regular expressions and the vital-sign reading: the layer that needs no encoder), is
what the check cost before the learned layer; the vital-sign reading alone is timed too,
and the same check with the encoder's layers in numpy (the fallback where onnxruntime is not
installed) beside the shipped one.

    python bench/triage_latency.py [--rounds 5] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def _messages() -> dict[str, list[str]]:
    from hera_tui.safety.labelled import read_labelled, shipped_set
    from hera_tui.safety.train import corpus_dir

    short = [c.text for c in shipped_set("development")]
    long = [" ".join(short[i : i + 8]) for i in range(0, len(short) - 8, 8)]
    numbers = [r.text for r in read_labelled(corpus_dir() / "numbers.jsonl")]
    return {"short": short, "long": long, "numbers": numbers}


def _per_message_ms(check, messages: list[str]) -> float:
    start = time.perf_counter()
    for text in messages:
        check(text)
    return (time.perf_counter() - start) * 1000 / len(messages)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2,
                        help="BLAS and onnxruntime threads (set before they load; default 2)")
    args = parser.parse_args()
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                 "HERA_ENCODER_THREADS"):
        os.environ[name] = str(args.threads)

    from hera_core.encoder import load_encoder
    from hera_tui.safety import vitals
    from hera_tui.safety.detector import Detector, default_detector, status
    from hera_tui.safety.redflags import rule_hits

    detector = default_detector()
    print(f"check: {status()}; threads: {args.threads}")
    if detector.mode == "rules":
        print("the encoder is not installed (run `make setup`): nothing to compare")
        return 1
    checks = {"rules alone": rule_hits, f"full check ({detector.encoder.runtime})":
              detector.assess,
              "vital signs alone": lambda text: vitals.assess(vitals.read(text))}
    if detector.encoder.runtime != "numpy":
        numpy_check = Detector(load_encoder(runtime="numpy"), detector.trained)
        checks["full check (numpy layers)"] = numpy_check.assess
    sets = _messages()
    for check in checks.values():
        check(sets["short"][0])  # load the weights and warm the caches outside the timing
    target = 50.0
    failed = False
    for label, messages in sets.items():
        words = statistics.mean(len(m.split()) for m in messages)
        times: dict[str, list[float]] = {name: [] for name in checks}
        for _ in range(args.rounds):
            for name, check in checks.items():
                times[name].append(_per_message_ms(check, messages))
        ms = {name: statistics.median(t) for name, t in times.items()}
        rules_ms = ms.pop("rules alone")
        shipped, shipped_ms = next(iter(ms.items()))
        verdict = "ok" if shipped_ms <= target else "OVER TARGET"
        failed |= shipped_ms > target
        print(f"{label:>7}: {len(messages)} messages, {words:.0f} words on average: rules "
              f"{rules_ms:.2f} ms; " + "; ".join(
                  f"{name} {value:.2f} ms ({value / rules_ms:.1f}x the rules)"
                  for name, value in ms.items())
              + f"; target <= {target:.0f} ms for the {shipped}: {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
