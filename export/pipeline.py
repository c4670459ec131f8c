"""``hera export``: the whole path from a training run to a checked GGUF and a Modelfile.

Everything is built in a staging folder beside the output (:mod:`export.destination`) and
replaces the output folder in one step only after every parity gate has passed, so a
failed or interrupted export never leaves a GGUF behind that looks finished. Gates judge
each file against the right reference (:mod:`export.parity`): conversions against the HF
model, quantizations against the F16 GGUF.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from export.destination import REPORT_FILE
from export.errors import ExportError, ParityError
from export.gguf_types import GGUF_TYPES, Written
from hera_core.atomic_files import atomic_write_text
from hera_core.formats import HERA_SYSTEM_PROMPT, get_format

DEFAULT_OUT_DIR = Path("exports") / "hera"


@dataclass
class ExportOptions:
    source: str
    base: str | None = None
    adapter: Path | None = None
    out_dir: Path = DEFAULT_OUT_DIR
    name: str = "hera"
    #: GGUF types; empty: the default for the model's size (:func:`export.quantize.default_quant`)
    quants: tuple[str, ...] = ()
    system: str = HERA_SYSTEM_PROMPT
    ollama: bool = False
    ollama_host: str | None = None
    #: fail when the exported model does not end its reply with the turn marker
    require_stop: bool = True
    #: the repository-level Modelfile written by a default export (None: not written)
    top_modelfile: Path | None = None


@dataclass
class GgufResult:
    type: str
    file: str
    size_bytes: int
    top1_agreement: float
    mean_kl: float
    rel_max_diff: float
    #: the reference the figures are measured against, the type's ``Gate.against`` in
    #: :data:`export.gguf_types.GGUF_TYPES`: "hf" (the merged HF model) for F32/F16/BF16,
    #: "f16" (the F16 GGUF) for quantized types
    against: str


@dataclass
class ExportReport:
    out_dir: str
    merged: str
    name: str = ""
    base_model: str = ""
    #: the GGUF the Modelfile runs, and why its type was chosen when --quant was not given
    default_file: str = ""
    quant_reason: str = ""
    ggufs: list[GgufResult] = field(default_factory=list)
    tokenization_conversations: int = 0
    reply: str = ""
    reply_stopped: bool = False
    stop_check: list[dict[str, Any]] = field(default_factory=list)
    modelfile: str = ""
    registered: bool = False
    commands: list[str] = field(default_factory=list)


def _validate_types(quants: tuple[str, ...]) -> list[str]:
    unknown = [q for q in quants if q not in GGUF_TYPES]
    if unknown or not quants:
        raise ExportError(
            f"unknown --quant {', '.join(unknown) or '(none)'}; choose from "
            f"{', '.join(GGUF_TYPES)}"
        )
    # F16 is always written: the K-quants are made from it and it is the parity baseline.
    return ["f16", *[q for q in dict.fromkeys(quants) if q != "f16"]]


def _against(reference: str) -> str:
    """The types judged against ``reference``, as the parity log line names them."""
    return "/".join(n.upper() for n, t in GGUF_TYPES.items() if t.gate.against == reference)


def _preflight(model_dir: Path) -> None:
    """Fail on unsupported or unreadable inputs before anything is written."""
    from export.architectures import architecture_of
    from export.checkpoint import open_checkpoint

    ckpt = open_checkpoint(model_dir)
    architecture_of(ckpt.config)
    if not ((model_dir / "tokenizer.model").exists() or (model_dir / "tokenizer.json").exists()):
        raise ExportError(
            f"{model_dir}: no tokenizer.model or tokenizer.json; save the tokenizer next to "
            "the weights"
        )


def _hera_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hera")
    except PackageNotFoundError:
        return "unknown"


def _log_parity(log: Callable[[str], None], path: Path, p: Any, against: str) -> None:
    log(f"  {p.gguf_type:7s} {path.stat().st_size / 1e6:9.1f} MB  vs {against:4s}  "
        f"top-1 {p.top1_agreement:6.1%}  mean KL {p.mean_kl:.4f}  "
        f"max|diff|/range {p.rel_max_diff:.2e}")


def _check_stops(llm: Any, fmt: Any, report: ExportReport, require: bool,
                 log: Callable[[str], None]) -> None:
    """Greedy replies to the parity conversations must end their turn (a chat model that
    never does rambles until the token limit)."""
    from export.parity import PARITY_CONVERSATIONS, STOP_CHECK_TOKENS, generate_reply

    replies = [generate_reply(llm, fmt, conv) for conv in PARITY_CONVERSATIONS[:2]]
    report.reply, report.reply_stopped = replies[0].text, all(r.stopped for r in replies)
    report.stop_check = [{"tokens": r.tokens, "stopped": r.stopped} for r in replies]
    lengths = ", ".join(f"{r.tokens}{'' if r.stopped else '+'}" for r in replies)
    log(f"parity: greedy replies of {lengths} tokens, "
        f"{sum(r.stopped for r in replies)} of {len(replies)} ended at {fmt.turn_end}")
    if require and not report.reply_stopped:
        raise ParityError(
            f"{len(replies) - sum(r.stopped for r in replies)} of {len(replies)} greedy replies "
            f"did not end with {fmt.turn_end} within {STOP_CHECK_TOKENS} tokens: the model has "
            "not learned to end its turn and would ramble in chat (train longer on "
            "conversations, or pass --allow-no-stop for a base model)"
        )


def run_export(opts: ExportOptions, log: Callable[[str], None] = print) -> ExportReport:
    from export.checkpoint import open_checkpoint
    from export.destination import prepare_staging, publish, remove_abandoned_staging
    from export.gguf_convert import ModelInfo, convert_to_gguf
    from export.merge import local_model_dir, merge_adapter, resolve_source
    from export.model_card import MANIFEST_COPY, write_card
    from export.modelfile import build_modelfile
    from export.parity import (
        file_logits,
        hf_reference,
        load_llama,
        logit_parity,
        tokenization_parity,
    )
    from export.quantize import default_quant, quantize

    if opts.quants:
        _validate_types(opts.quants)
    src = resolve_source(opts.source, opts.base, opts.adapter)
    fmt = get_format(src.prompt_format)
    model_dir = local_model_dir(src.model)
    _preflight(model_dir)

    out_dir = opts.out_dir
    freed = remove_abandoned_staging(out_dir)
    if freed:
        log(f"removed {freed / 1e9:.1f} GB of staging folders that interrupted exports left")
    staging = prepare_staging(out_dir)
    try:
        if src.adapter is not None:
            log(f"merging {src.adapter} onto {model_dir} (float32, streamed)")
            model_dir = merge_adapter(model_dir, src.adapter, staging / "merged")
        quants, reason = opts.quants, ""
        if not quants:
            n_params = sum(math.prod(t.shape) for t in open_checkpoint(model_dir).tensors.values())
            chosen, reason = default_quant(n_params)
            quants = (chosen,)
            log(f"quantization: {chosen}, {reason} (choose with --quant)")
        types = _validate_types(quants)
        info = ModelInfo(opts.name, src.base_name, "gemma", _hera_version())
        files: dict[str, Path] = {}
        for kind in types:
            target = staging / f"{opts.name}-{kind}.gguf"
            if isinstance(GGUF_TYPES[kind].maker, Written):
                log(f"writing {target.name}")
                files[kind] = convert_to_gguf(model_dir, target, kind, fmt, info)
            else:
                log(f"quantizing {target.name} with llama.cpp")
                files[kind] = quantize(files["f16"], target, kind)

        log(f"parity: the HF model vs the {_against('hf')} GGUFs, the F16 GGUF vs quantized "
            "ones, in llama.cpp on fixed medical conversations")
        tokenizer, prompts, reference = hf_reference(model_dir, fmt)
        default = files[types[1] if len(types) > 1 else "f16"]
        report = ExportReport(out_dir=str(out_dir), merged=str(model_dir), name=opts.name,
                              base_model=src.base_name, default_file=default.name,
                              quant_reason=reason)
        f16_logits = file_logits(files["f16"], prompts)
        for kind, path in files.items():
            logits = f16_logits if kind == "f16" else file_logits(path, prompts)
            against = GGUF_TYPES[kind].gate.against
            p = logit_parity(kind, reference if against == "hf" else f16_logits, logits)
            _log_parity(log, path, p, against)
            report.ggufs.append(GgufResult(kind, path.name, path.stat().st_size,
                                           p.top1_agreement, p.mean_kl, p.rel_max_diff, against))

        llm = load_llama(default, n_ctx=2048)
        try:
            report.tokenization_conversations = tokenization_parity(llm, tokenizer, fmt)
            log(f"parity: tokenization identical on {report.tokenization_conversations} "
                "conversations")
            _check_stops(llm, fmt, report, opts.require_stop, log)
        finally:
            llm.close()

        modelfile = build_modelfile(fmt, f"./{default.name}", opts.system)
        (staging / "Modelfile").write_text(modelfile.render())
        report.modelfile = str(out_dir / "Modelfile")
        if src.adapter is not None:
            report.merged = str(out_dir / "merged")
        if src.run_dir is not None:
            shutil.copy2(src.run_dir / "manifest.json", staging / MANIFEST_COPY)
        (staging / REPORT_FILE).write_text(json.dumps(asdict(report), indent=2))
        write_card(staging)
        # Every gate passed: the finished folder replaces any previous export at once.
        publish(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if opts.top_modelfile is not None:
        rel = os.path.relpath(out_dir / default.name, opts.top_modelfile.parent)
        top = build_modelfile(fmt, f"./{Path(rel).as_posix()}", opts.system)
        atomic_write_text(opts.top_modelfile, top.render())

    _register(opts, report, out_dir / default.name, modelfile, log)
    return report


def _register(opts: ExportOptions, report: ExportReport, gguf: Path, modelfile: Any,
              log: Callable[[str], None]) -> None:
    from export.ollama import manual_commands, register
    from hera_core.ollama_client import OllamaClient

    client = OllamaClient(opts.ollama_host)
    if opts.ollama and client.reachable():
        register(client, opts.name, gguf, modelfile, log)
        report.registered = True
        log(f"ollama: created {opts.name}; run it with: ollama run {opts.name}")
        return
    if opts.ollama:
        log(f"ollama: no server at {client.host}; register by hand:")
    else:
        log("to use it with Ollama:")
    report.commands = manual_commands(opts.name, Path(report.modelfile))
    for cmd in report.commands:
        log(f"  {cmd}")
