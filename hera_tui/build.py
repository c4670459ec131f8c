"""``hera build``: one command from a training config to a checked, benchmarked HERA model.

train (every stage) -> export (merge, GGUF of the default type for the model's size,
parity gates, Modelfile, model card) -> PubMedQA on the exported GGUF that the Modelfile
runs (all 500 test questions by default) -> grounded answers to the frozen LiveQA dev
questions, with sources from the NIH library -> greedy, grounded replies to eleven fixed
patient questions -> all recorded in the model card.

Each step resumes: training from its last checkpoint (finished stages are skipped), the
export is redone only when the run's final adapter changed since the last one (an export
is all or nothing), and the benchmark continues from its per-question cache. So rerunning
the same command after an interruption, at any point, finishes the build without
repeating finished work. This module sits beside ``hera_tui.command``, in the package users
run, because it is the one place that drives all three packages (training, export and the
benchmark); the heavy ones are imported inside the step that runs them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from export.pipeline import DEFAULT_OUT_DIR
from hera_train.cli import add_run_arguments

BUILD_FILE = "build.json"


def add_build_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "build",
        help="train, export and benchmark in one command: a config to a HERA model",
        description=(
            "Build a HERA model from CONFIG: train every stage, export the final adapter "
            "(GGUF of the default type for the model's size, parity-checked, with a Modelfile "
            "and a model card), then score the exported GGUF on the PubMedQA test set and "
            "record the result in the card. Rerun the same command after an interruption: "
            "every step resumes where it stopped. `hera chat` then opens the new model."
        ),
        epilog=(
            "examples:\n"
            "  hera build configs/hera-mini.toml       # Gemma 3 270M on a CPU (make hera-mini)\n"
            "  hera build configs/hera-gemma2-2b.toml  # the GPU recipe (needs a CUDA GPU)\n"
            "  hera build configs/hera-mini.toml --set stages.1.train.max_steps=2 "
            "--bench-limit 20"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_run_arguments(p)
    p.add_argument(
        "--out", type=Path,
        help=f"export folder (default: {DEFAULT_OUT_DIR}, and ./Modelfile is rewritten)",
    )
    p.add_argument("--quant", help="GGUF types as in hera export (default: by model size)")
    p.add_argument(
        "--allow-no-stop", action="store_true",
        help="export even if greedy replies never end their turn (smoke runs of a few steps)",
    )
    p.add_argument(
        "--bench-limit", type=int, default=0, metavar="N",
        help="score a label-stratified sample of N PubMedQA test questions (default: all 500)",
    )
    p.add_argument(
        "--answers-limit", type=int, default=0, metavar="N",
        help="answer only the first N of the 50 LiveQA dev questions (default: all)",
    )
    p.set_defaults(handler=_build)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _read_state(run_dir: Path) -> dict[str, Any]:
    path = run_dir / BUILD_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def _adapter_sha256(run_dir: Path) -> str:
    from hera_train.manifest import file_sha256

    manifest = json.loads((run_dir / "manifest.json").read_text())
    return file_sha256(run_dir / manifest["adapter"] / "adapter_model.safetensors")


def _export(run_dir: Path, args: argparse.Namespace, state: dict[str, Any]) -> Path:
    """The run's export, made now unless an export of this exact adapter exists."""
    from export.pipeline import ExportOptions, run_export
    from hera_core.atomic_files import atomic_write_json

    out_dir = args.out or DEFAULT_OUT_DIR
    adapter = _adapter_sha256(run_dir)
    done = state.get("export", {})
    report_file = out_dir / "export_report.json"
    if done.get("adapter_sha256") == adapter and done.get("out_dir") == str(out_dir) \
            and report_file.exists():
        _say(f"export: {out_dir} already holds this run's export, kept")
        return out_dir / json.loads(report_file.read_text())["default_file"]
    quants = tuple(q.strip().lower() for q in (args.quant or "").split(",") if q.strip())
    report = run_export(
        ExportOptions(source=str(run_dir), out_dir=out_dir, quants=quants,
                      require_stop=not args.allow_no_stop,
                      top_modelfile=None if args.out else Path("Modelfile")),
        log=lambda line: _say(f"export: {line}"),
    )
    state["export"] = {"adapter_sha256": adapter, "out_dir": str(out_dir)}
    state.pop("benchmark", None)
    atomic_write_json(run_dir / BUILD_FILE, state)
    return out_dir / report.default_file


def _benchmark_summary(report: Any, gguf: Path) -> dict[str, Any]:
    """What the model card shows of a PubMedQA run."""
    m = report.metrics
    confusion = m["confusion"]
    predicted = {label: sum(row[label] for row in confusion.values()) for label in confusion}
    return {
        "questions": m["n"], "accuracy": m["accuracy"], "ci95": list(m["accuracy_ci95"]),
        "macro_f1": m["macro_f1"], "majority_baseline": m["majority_accuracy"],
        "predicted": predicted, "model_file": gguf.name, "format": report.settings["format"],
        "run_file": str(report.run_file),
    }


def _benchmark(gguf: Path, limit: int) -> dict[str, Any]:
    """Score the export on PubMedQA (resuming from the cache). On Ctrl-C the partial run is
    shown as partial and the build stops: only a finished run goes into the model card."""
    from hera_core.paths import results_dir
    from hera_tui.benchmark.cli import TerminalProgress, format_report, report_cancelled
    from hera_tui.benchmark.items import pubmedqa_items
    from hera_tui.benchmark.runner import RunCancelled, run_benchmark
    from hera_tui.benchmark.scorer_base import AUTO
    from hera_tui.benchmark.scorers import open_scorer

    items = pubmedqa_items(limit, 0, None, None)
    scorer = open_scorer(str(gguf), AUTO, None)
    try:
        report = run_benchmark(
            "pubmedqa", items, scorer, results_dir(),
            settings={"limit": limit, "seed": 0, "split": "pqal-test"},
            progress=TerminalProgress(f"benchmark: pubmedqa {gguf.name}"),
        )
    except RunCancelled as exc:
        report_cancelled(exc)
        raise KeyboardInterrupt from exc
    finally:
        scorer.close()
    print(format_report(report))
    return _benchmark_summary(report, gguf)


def _grounded_answers(gguf: Path, run_dir: Path, limit: int) -> dict[str, Any] | None:
    """The export's grounded answers to the frozen LiveQA dev questions (with sources), or
    None with a note when the data or the library is missing."""
    from hera_core.errors import HeraError
    from hera_core.paths import results_dir
    from hera_core.terminal_progress import RateProgress
    from hera_tui.answers import Answerer, open_library_retriever
    from hera_tui.backends.llama_cpp_backend import LlamaCppBackend
    from hera_tui.benchmark.answers import format_answers, read_items, run_answers
    from hera_tui.benchmark.cli import model_identity

    retriever, missing = open_library_retriever()
    if retriever is None:
        _say(f"grounded answers: skipped ({missing})")
        return None
    try:
        from hera_core.sources.cli import write_frozen_devsets

        devsets = write_frozen_devsets(run_dir / "devsets")
    except HeraError as exc:
        _say(f"grounded answers: skipped ({exc})")
        return None
    file = devsets["liveqa-answers-dev.jsonl"]
    items = read_items(file)[: limit or None]
    backend = LlamaCppBackend(gguf)
    backend.load()
    try:
        run = run_answers(items, Answerer(backend, retriever), model_identity(str(gguf)), file,
                          True, results_dir(), RateProgress("grounded answers", "q"))
    finally:
        backend.close()
        retriever.library.close()
    print(format_answers(f"{gguf.name} | with sources", run["metrics"]))
    return {"with_sources": run["metrics"], "file": file.name, "questions": len(items),
            "model_file": gguf.name}


def _build(args: argparse.Namespace) -> int:
    from hera_train.config import load_config

    config = load_config(args.config, args.overrides)
    if args.bench_limit < 0:
        from hera_tui.benchmark.items import BenchmarkInputError

        raise BenchmarkInputError("--bench-limit must be 0 (all questions) or a positive number")
    started = time.monotonic()

    _say(f"[1/4] train {config.name}: {len(config.stages)} stages (resumes where it stopped)")
    from hera_train.runner import run_training

    run_dir = run_training(config, args.output_dir)
    state = _read_state(run_dir)

    _say("[2/4] export the final adapter")
    gguf = _export(run_dir, args, state)

    _say(f"[3/4] benchmark {gguf.name} on PubMedQA "
         f"({args.bench_limit or 'all 500'} test questions; resumes from its cache)")
    summary = _benchmark(gguf, args.bench_limit)
    from export.model_card import ANSWERS_FILE, BENCHMARK_FILE, SAMPLES_FILE, record
    from export.sample_replies import as_records
    from hera_core.atomic_files import atomic_write_json
    from hera_tui.answers import sample_replies

    record(gguf.parent, BENCHMARK_FILE, summary)
    state["benchmark"] = summary
    atomic_write_json(run_dir / BUILD_FILE, state)

    _say("[4/4] grounded answers: the frozen LiveQA dev questions, greedy, with sources "
         "(resumes from its cache), then the sample replies")
    answers = _grounded_answers(gguf, run_dir, args.answers_limit)
    if answers is not None:
        record(gguf.parent, ANSWERS_FILE, answers)

    export_key = state.get("export", {}).get("adapter_sha256")
    if state.get("samples", {}).get("adapter_sha256") == export_key and (
            gguf.parent / SAMPLES_FILE).exists():
        _say("sample replies: this export's replies are recorded already, kept")
        samples = json.loads((gguf.parent / SAMPLES_FILE).read_text())
        card = gguf.parent / "README.md"
    else:
        _say("sample replies: eleven fixed patient questions, greedy, from NIH sources")
        samples = as_records(sample_replies(gguf))
        card = record(gguf.parent, SAMPLES_FILE, samples)
        state["samples"] = {"adapter_sha256": export_key}
        atomic_write_json(run_dir / BUILD_FILE, state)
    for s in samples:
        _say(f"  {'ok ' if s['ok'] else 'BAD'} {s['tokens']:4d} tokens  {s['question'][:60]}")

    elapsed = timedelta(seconds=round(time.monotonic() - started))
    lo, hi = summary["ci95"]
    _say(f"built {gguf} in {elapsed}: PubMedQA {summary['accuracy']:.1%} "
         f"(95% CI {lo:.1%}-{hi:.1%}), macro-F1 {summary['macro_f1']:.3f} on "
         f"{summary['questions']} questions; model card {card}")
    _say(f"chat with it: hera chat --model {gguf}   |   Ollama: ollama create hera -f "
         f"{gguf.parent / 'Modelfile'}")
    return 0
