"""``hera train`` and ``hera doctor``: argument parsing only; the work is imported lazily
so that ``hera --help`` and the chat app never import torch."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_run_arguments(p: argparse.ArgumentParser) -> None:
    """CONFIG, --output-dir and --set: how `hera train` and `hera build` name a run."""
    p.add_argument("config", type=Path, help="TOML config (see configs/)")
    p.add_argument("--output-dir", type=Path, help="parent of the run directory (default: runs)")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="override a config field, e.g. seed=1 or stages.2.train.epochs=1 (repeatable)",
    )


def add_train_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "train",
        help="fine-tune the base model in stages (LoRA/QLoRA) from a TOML config",
        description=(
            "Train every stage of CONFIG in order, each continuing the previous stage's LoRA "
            "adapter. Rerunning the same command resumes an interrupted run from its last "
            "checkpoint and skips finished stages. Runs under `accelerate launch` or "
            "`torchrun` for several GPUs or machines."
        ),
        epilog=(
            "examples:\n"
            "  hera train configs/tiny-cpu.toml\n"
            "  hera train configs/hera-gemma2-2b.toml --set stages.1.train.learning_rate=1e-4\n"
            "  accelerate launch --num_processes 2 -m hera_tui.command train "
            "configs/hera-gemma2-2b.toml"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_run_arguments(p)
    p.set_defaults(handler=_train)


def _train(args: argparse.Namespace) -> int:
    from hera_train.config import load_config

    config = load_config(args.config, args.overrides)
    from hera_train.runner import run_training

    run_training(config, args.output_dir)
    return 0


def add_doctor_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "doctor",
        help="report what is installed and usable (GPU, bitsandbytes, llama.cpp, Ollama, data)",
        description="Check the installation and say what each missing piece is needed for.",
    )
    p.add_argument("--ollama-host", help="Ollama server to probe (default: $OLLAMA_HOST)")
    p.set_defaults(handler=_doctor)


def _doctor(args: argparse.Namespace) -> int:
    from hera_train.doctor import print_report, run_checks

    checks = run_checks(args.ollama_host)
    print_report(checks)
    return 0 if all(c.ok or not c.required for c in checks) else 1
