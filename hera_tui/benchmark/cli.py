"""``hera bench``: PubMedQA and generic multiple-choice benchmarks from the command line.

Argument parsing only at import; models and data are loaded by the handlers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hera_core.terminal_progress import ProgressLine
from hera_tui.benchmark.scorer_base import AUTO, FORMAT_CHOICES

_MODEL_HELP = (
    "a .gguf file (llama.cpp), ollama:NAME (an Ollama server) or hf:PATH_OR_ID "
    "(transformers, needs the train extra); repeat to compare models"
)
_FORMAT_HELP = (
    "prompt format: auto (the model's own chat template; raw when it has none, as base "
    "models), gemma, chatml, or raw (plain text, for base models)"
)


def _common_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", action="append", required=True, metavar="M", help=_MODEL_HELP)
    p.add_argument("--format", choices=FORMAT_CHOICES, default=AUTO, help=_FORMAT_HELP)
    p.add_argument("--limit", type=int, default=0, metavar="N", help="score only N questions")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the PubMedQA scoring order (so of --limit's sample) and of "
                   "the bootstrap")
    p.add_argument(
        "--out", type=Path, metavar="DIR",
        help="results folder: runs, per-question cache, history (default: "
        "$HERA_HOME/results, shared with the chat app's benchmark screen)",
    )
    p.add_argument("--ollama-host", help="Ollama server (default: $OLLAMA_HOST or local)")
    p.add_argument(
        "--threads", type=int, metavar="N", help="llama.cpp CPU threads (default: all cores)"
    )
    p.add_argument(
        "--no-prefix-reuse", action="store_true",
        help="llama.cpp: evaluate every prompt from an empty KV cache (slower; for comparison)",
    )


def add_bench_parser(subparsers: argparse._SubParsersAction) -> None:
    bench = subparsers.add_parser(
        "bench",
        help="benchmark models: PubMedQA or any lettered multiple-choice JSONL",
        description=(
            "Score models by the log-likelihood of each answer (the standard method), "
            "through llama.cpp, Ollama or transformers. Prints accuracy with a 95% bootstrap "
            "interval, macro-F1, the majority baseline and the confusion matrix; saves every "
            "prediction under the results folder and appends the run to its history. An "
            "interrupted run resumes when started again."
        ),
    )
    sub = bench.add_subparsers(dest="benchmark", metavar="BENCHMARK", required=True)
    pqa = sub.add_parser(
        "pubmedqa",
        help="PubMedQA: the standard 500-question PQA-L test set",
        description=(
            "PubMedQA test set (the 500 ids of test_ground_truth.json), reasoning-required "
            "setting, the prompt of training stage 1; scores ' yes', ' no', ' maybe' after "
            "'Answer:', in a seeded order that mixes the labels in every prefix (the file "
            "lists them grouped), so the running accuracy, shown beside the majority baseline "
            "of the questions so far, is never a one-label figure. --limit N scores the first "
            "N of that order: a label-stratified sample. Ctrl-C saves what was scored as a "
            "partial run; the same command resumes."
        ),
        epilog=(
            "examples:\n"
            "  hera bench pubmedqa --model gemma-3-270m-q4_k_m.gguf\n"
            "  hera bench pubmedqa --model ollama:hera --limit 100\n"
            "  hera bench pubmedqa --model hf:google/gemma-2-2b-it --model hera-q4_k_m.gguf"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common_options(pqa)
    pqa.add_argument("--pqal", type=Path, help="ori_pqal.json (default: $HERA_DATA_DIR/pubmedqa)")
    pqa.add_argument(
        "--test-ids", type=Path,
        help="test_ground_truth.json (default: $HERA_DATA_DIR/pubmedqa)",
    )
    pqa.set_defaults(handler=_bench_pubmedqa)

    mcq = sub.add_parser(
        "mcq",
        help="multiple choice from a JSONL file (MedQA / MedMCQA / MMLU style)",
        description=(
            'One JSON object per line: {"id": "q1", "question": "...", "options": '
            '{"A": "...", "B": "...", ...}, "answer": "B"}. The options are listed under the '
            "question and the letters are scored after 'Answer:'. --limit N takes the first "
            "N questions."
        ),
    )
    mcq.add_argument("file", type=Path, help="questions, JSONL")
    _common_options(mcq)
    mcq.set_defaults(handler=_bench_mcq)

    src = sub.add_parser(
        "sources",
        help="retrieval from the NIH library: success@k, P@1, MRR over a labelled file",
        description=(
            'One JSON object per line: {"question": "...", "relevant": ["NIDDK:0000001-2", '
            '...]} (or "relevant": {"id": grade, ...} with --min-grade). Prints success@1/3/'
            "5/10 and MRR with 95% intervals (Wilson; bootstrap for MRR) for the shipped "
            "hybrid retriever, or for BM25 and dense alone. `hera sources devset` writes "
            "the frozen LiveQA dev set."
        ),
        epilog=("examples:\n"
                "  hera bench sources liveqa-sources-dev.jsonl --mode all\n"
                "  hera bench sources judged.jsonl --min-grade 3 --json"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    src.add_argument("file", type=Path, help="labelled questions, JSONL")
    src.add_argument("--mode", choices=("hybrid", "bm25", "dense", "all"), default="hybrid",
                     help="the retriever to measure; all compares the three in one run")
    src.add_argument("--min-grade", type=float, default=1.0, metavar="G",
                     help="with graded labels, the grade a relevant passage needs (1)")
    src.add_argument("--json", action="store_true", help="print the metrics as JSON")
    src.set_defaults(handler=_bench_sources)

    ans = sub.add_parser(
        "answers",
        help="grounded answers: ROUGE-L, supported sentences, ends-turn, doctor voice",
        description=(
            'One JSON object per line: {"id": "...", "question": "...", "references": '
            '["...", ...]}. Each question is answered greedily as `hera ask` answers it '
            "(retrieval, the grounded prompt, citations), then scored: ROUGE-L against the "
            "closest reference, the share of the replies' sentences the cited sources "
            "support, and the shares of replies that end their turn, speak as a doctor, or "
            "cite nothing, with 95% intervals. Resumes from its cache."
        ),
        epilog=("examples:\n"
                "  hera bench answers liveqa-answers-dev.jsonl --model hera-q8_0.gguf\n"
                "  hera bench answers liveqa-answers-dev.jsonl --model M --no-sources"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ans.add_argument("file", type=Path, help="questions with reference answers, JSONL")
    ans.add_argument("--model", action="append", required=True, metavar="M",
                     help="a .gguf file or ollama:NAME; repeat to compare models")
    ans.add_argument("--no-sources", action="store_true",
                     help="answer without the NIH library (the comparison row)")
    ans.add_argument("--limit", type=int, default=0, metavar="N", help="the first N only")
    ans.add_argument("--out", type=Path, metavar="DIR",
                     help="results folder (default: $HERA_HOME/results)")
    ans.add_argument("--ollama-host", help="Ollama server (default: $OLLAMA_HOST or local)")
    ans.add_argument("--json", action="store_true", help="print the metrics as JSON")
    ans.set_defaults(handler=_bench_answers)


class TerminalProgress(ProgressLine):
    """The benchmark's progress line: the bar, the running accuracy with its interval and
    the majority baseline of the questions scored so far, and the rate."""

    def __call__(self, state: Any) -> None:
        rate = state.scored_now / state.seconds if state.seconds else 0.0
        detail = f"{state.running_text()} | {rate:.2f} q/s"
        self.show(state.done, state.total, detail, state.eta_seconds)


def partial_text(metrics: dict[str, Any], settings: dict[str, Any]) -> str:
    """The line that marks a partial run's report: how many of how many questions, their
    gold labels and why it stopped (its figures hold for those questions only)."""
    from hera_tui.benchmark.metrics import label_mix_text

    return (f"  PARTIAL   {metrics['n']} of {settings['questions']} questions "
            f"({label_mix_text(metrics['gold_counts'])}), {settings['stopped']}: "
            "these figures hold for those questions only")


def format_report(report: Any) -> str:
    """The printed summary of a run."""
    s, m = report.settings, report.metrics
    lo, hi = m["accuracy_ci95"]
    labels = list(m["confusion"])
    width = max(6, *(len(lab) for lab in labels)) + 1
    lines = [
        f"{s['benchmark']} | {s['model']} | format {s['format']} | {m['n']} questions | "
        f"{report.seconds:.0f} s ({report.from_cache} from cache)",
        *([partial_text(m, s)] if s.get("partial") else []),
        f"  accuracy  {m['accuracy']:.1%}  (95% CI {lo:.1%}-{hi:.1%})",
        f"  majority  {m['majority_accuracy']:.1%}  (always {m['majority_label']!r})",
        f"  macro-F1  {m['macro_f1']:.3f}",
        "  confusion (rows: gold, columns: predicted)",
        "    " + " " * width + "".join(f"{lab:>{width}}" for lab in labels),
    ]
    for gold in labels:
        row = "".join(f"{m['confusion'][gold][p]:>{width}}" for p in labels)
        lines.append(f"    {gold:<{width}}{row}")
    lines.append(f"  saved {report.run_file}")
    return "\n".join(lines)


def report_cancelled(exc: Any) -> None:
    """A run stopped by Ctrl-C: its partial report (when it scored anything) and how to
    go on, so the figures on screen are never mistaken for a finished run's."""
    if exc.report is not None:
        print(format_report(exc.report))
    print(f"hera: {exc}; the same command resumes where it stopped", file=sys.stderr)


def _run_models(args: argparse.Namespace, benchmark: str, items: list, extra: dict) -> int:
    from hera_core.paths import results_dir
    from hera_tui.benchmark.runner import RunCancelled, run_benchmark
    from hera_tui.benchmark.scorers import open_scorer

    for spec in args.model:
        scorer = open_scorer(
            spec, args.format, args.ollama_host,
            reuse_prefix=not args.no_prefix_reuse, threads=args.threads,
        )
        try:
            report = run_benchmark(
                benchmark, items, scorer, args.out or results_dir(),
                settings={"limit": args.limit, "seed": args.seed, **extra},
                progress=TerminalProgress(f"{benchmark} {Path(spec).name}"),
                seed=args.seed,
            )
        except RunCancelled as exc:
            report_cancelled(exc)
            return 130
        finally:
            scorer.close()
        print(format_report(report))
    return 0


def _check_limit(limit: int) -> None:
    from hera_tui.benchmark.items import BenchmarkInputError

    if limit < 0:
        raise BenchmarkInputError("--limit must be 0 (all questions) or a positive number")


def _bench_pubmedqa(args: argparse.Namespace) -> int:
    from hera_tui.benchmark.items import pubmedqa_items

    _check_limit(args.limit)
    items = pubmedqa_items(args.limit, args.seed, args.pqal, args.test_ids)
    return _run_models(args, "pubmedqa", items, {"split": "pqal-test"})


def _bench_mcq(args: argparse.Namespace) -> int:
    from hera_tui.benchmark.items import load_mcq

    _check_limit(args.limit)
    items = load_mcq(args.file)
    if args.limit:
        items = items[: args.limit]
    return _run_models(args, f"mcq-{args.file.stem}", items, {"file": str(args.file)})


def _bench_sources(args: argparse.Namespace) -> int:
    import json

    from hera_core.sources.metrics import evaluate_retrieval, format_retrieval, read_queries
    from hera_core.sources.retrieve import open_retriever

    queries = read_queries(args.file, args.min_grade)
    retriever = open_retriever()
    modes = ("bm25", "dense", "hybrid") if args.mode == "all" else (args.mode,)
    results = {mode: evaluate_retrieval(retriever, queries, mode) for mode in modes}
    if args.json:
        print(json.dumps({"file": str(args.file), "results": results}, indent=2))
    else:
        print(format_retrieval(str(args.file), results))
    return 0


def _bench_answers(args: argparse.Namespace) -> int:
    import json

    from hera_core.paths import results_dir
    from hera_core.terminal_progress import RateProgress
    from hera_tui.answers import Answerer, open_library_retriever
    from hera_tui.benchmark.answers import format_answers, read_items, run_answers
    from hera_tui.models import parse_spec

    _check_limit(args.limit)
    items = read_items(args.file)
    if args.limit:
        items = items[: args.limit]
    retriever, missing = (None, "sources off") if args.no_sources else open_library_retriever()
    if retriever is None and not args.no_sources:
        from hera_tui.benchmark.items import BenchmarkInputError

        raise BenchmarkInputError(f"{missing}: grounded answers need the library")
    out = {}
    for spec in args.model:
        choice = parse_spec(spec, "--model")
        backend = choice.open_backend(args.ollama_host)
        backend.load()
        try:
            run = run_answers(items, Answerer(backend, retriever), model_identity(spec),
                              args.file, not args.no_sources, args.out or results_dir(),
                              RateProgress(f"answers {choice.label}", "q"))
        finally:
            backend.close()
        out[spec] = run["metrics"]
        if not args.json:
            label = f"{choice.label} | {'with' if not args.no_sources else 'without'} sources"
            print(format_answers(label, run["metrics"]))
    if args.json:
        print(json.dumps(out, indent=2))
    return 0


def model_identity(spec: str) -> str:
    """A model as the answers cache knows it: a GGUF by path, size and time, else its spec."""
    path = Path(spec)
    if path.is_file():
        st = path.stat()
        return f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}"
    return spec
