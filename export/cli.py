"""``hera export``: argument parsing only; the work (torch, llama.cpp) is imported lazily.

The GGUF types in ``--help`` come from :data:`export.gguf_types.GGUF_TYPES`, which names
types without importing ``gguf`` or llama.cpp.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from export.gguf_types import GGUF_TYPES, help_lines


def add_export_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "export",
        help="merge, convert to GGUF, quantize, write the Modelfile (parity-checked)",
        description=(
            "Export a fine-tune for llama.cpp and Ollama: merge the LoRA adapter onto the "
            "full-precision base, write an F16 GGUF with HERA's own converter, quantize, check "
            "that every GGUF matches the HF model (logits, tokenization, a reply that stops at "
            "the turn marker), then write a Modelfile. Nothing lands in the output folder "
            "unless every check passes."
        ),
        epilog=(
            "examples:\n"
            "  hera export runs/hera-gemma2-2b\n"
            "  hera export runs/tiny-cpu --out /tmp/tiny --quant q4_k_m,q8_0,f32\n"
            "  hera export --base google/gemma-2-2b-it --adapter runs/x/stage2/adapter\n"
            "  hera export Cshavi/Gemma-2-2b-it-ChatDoctor-MedQA --ollama\n"
            "\nafter a default export: ollama create hera -f Modelfile && ollama run hera\n"
            "\nGGUF types for --quant (an export keeps no file unless every one passes its "
            "gate):\n"
            + "\n".join(help_lines())
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "source", nargs="?", default="",
        help="a `hera train` run directory, an adapter directory, or a merged HF model "
             "(local directory or hub id)",
    )
    p.add_argument("--base", help="base model for --adapter (default: the adapter's own base)")
    p.add_argument("--adapter", type=Path, help="a PEFT LoRA adapter directory to merge")
    p.add_argument(
        "--out", type=Path,
        help="output folder (default: exports/hera, and ./Modelfile is rewritten to point at it)",
    )
    p.add_argument("--name", default="hera", help="model name in Ollama and file names")
    p.add_argument(
        "--quant", default="",
        help=f"comma-separated GGUF types; the Modelfile runs the first one other than f16 "
             f"(f16 when it is the only one): "
             f"{', '.join(GGUF_TYPES)} (an F16 GGUF is always written; each type is "
             "described below). Default: q8_0 for models under 1B parameters, q4_k_m from "
             "1B up",
    )
    p.add_argument("--system", help="Modelfile SYSTEM text (default: HERA's safety instruction)")
    p.add_argument("--ollama", action="store_true",
                   help="register the model with a running Ollama server through its API")
    p.add_argument("--ollama-host", help="Ollama server (default: $OLLAMA_HOST or localhost)")
    p.add_argument(
        "--allow-no-stop", action="store_true",
        help="do not fail when the model's sample reply never ends its turn (base models)",
    )
    p.set_defaults(handler=_export)


def _export(args: argparse.Namespace) -> int:
    from export.errors import ExportError
    from export.pipeline import DEFAULT_OUT_DIR, ExportOptions, run_export
    from hera_core.formats import HERA_SYSTEM_PROMPT

    if not args.source and args.adapter is None:
        raise ExportError("give a run directory, a model, or --adapter (see hera export --help)")
    opts = ExportOptions(
        source=args.source,
        base=args.base,
        adapter=args.adapter,
        out_dir=args.out or DEFAULT_OUT_DIR,
        name=args.name,
        quants=tuple(q.strip().lower() for q in args.quant.split(",") if q.strip()),
        system=HERA_SYSTEM_PROMPT if args.system is None else args.system,
        ollama=args.ollama,
        ollama_host=args.ollama_host,
        require_stop=not args.allow_no_stop,
        top_modelfile=None if args.out else Path("Modelfile"),
    )
    report = run_export(opts)
    print(f"done: {report.out_dir} ({', '.join(g.file for g in report.ggufs)})")
    return 0
