"""The ``hera`` command: one entry point, a subcommand per capability.

Subcommands import their implementation only when run, so ``hera --help`` is instant and
chat-only installs never need torch.
"""

from __future__ import annotations

import argparse
import sys

from export.cli import add_export_parser
from hera_core.errors import HeraError
from hera_core.sources.cli import add_sources_parser
from hera_train.cli import add_doctor_parser, add_train_parser
from hera_tui.ask import add_ask_parser
from hera_tui.benchmark.cli import add_bench_parser
from hera_tui.build import add_build_parser
from hera_tui.cli import add_chat_parser, run_chat
from hera_tui.safety.cli import add_safety_parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hera",
        description="HERA: an offline medical assistant. Train it, export it, chat with it.",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show full tracebacks instead of one-line errors"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_train_parser(sub)
    add_doctor_parser(sub)
    add_bench_parser(sub)
    add_chat_parser(sub)
    add_ask_parser(sub)
    add_export_parser(sub)
    add_build_parser(sub)
    add_safety_parser(sub)
    add_sources_parser(sub)
    return parser


def _out_of_memory(exc: BaseException) -> bool:
    torch = sys.modules.get("torch")
    return (bool(torch) and isinstance(exc, torch.OutOfMemoryError)) or (
        isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        args.handler = run_chat  # `hera` alone opens the chat app
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("hera: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        if _out_of_memory(exc):
            print(
                "hera: error: out of memory; lower stages.N.train.batch_size or "
                "model.max_seq_len, enable quantization.load_in_4bit or "
                "model.gradient_checkpointing (rerun resumes from the last checkpoint)",
                file=sys.stderr,
            )
            return 3
        if isinstance(exc, HeraError):  # its message names the problem and the fix
            print(f"hera: error: {exc}", file=sys.stderr)
            return 2
        print(
            f"hera: error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
