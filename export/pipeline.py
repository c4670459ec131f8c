"""``hera export``: the whole path from a training run to a checked GGUF and a Modelfile.

Everything is built in a staging directory next to the output and moved into place only
after every parity gate has passed, so a failed or interrupted export never leaves a
GGUF behind that looks finished.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from export.errors import ExportError, ParityError
from hera_train.formats import HERA_SYSTEM_PROMPT, get_format

DEFAULT_OUT_DIR = Path("exports") / "hera"
DIRECT_TYPES = ("f32", "f16", "bf16", "q8_0")


@dataclass
class ExportOptions:
    source: str
    base: str | None = None
    adapter: Path | None = None
    out_dir: Path = DEFAULT_OUT_DIR
    name: str = "hera"
    quants: tuple[str, ...] = ("q4_k_m",)
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


@dataclass
class ExportReport:
    out_dir: str
    merged: str
    ggufs: list[GgufResult] = field(default_factory=list)
    tokenization_conversations: int = 0
    reply: str = ""
    reply_stopped: bool = False
    modelfile: str = ""
    registered: bool = False
    commands: list[str] = field(default_factory=list)


def _validate_types(quants: tuple[str, ...]) -> list[str]:
    from export.quantize import K_QUANTS

    unknown = [q for q in quants if q not in DIRECT_TYPES and q not in K_QUANTS]
    if unknown or not quants:
        raise ExportError(
            f"unknown --quant {', '.join(unknown) or '(none)'}; choose from "
            f"{', '.join((*DIRECT_TYPES, *K_QUANTS))}"
        )
    # F16 is always written: the K-quants are made from it and it is the parity baseline.
    return ["f16", *[q for q in dict.fromkeys(quants) if q != "f16"]]


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


def _atomic_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def _hera_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hera")
    except PackageNotFoundError:
        return "unknown"


def run_export(opts: ExportOptions, log: Callable[[str], None] = print) -> ExportReport:
    from export.gguf_convert import ModelInfo, convert_to_gguf
    from export.merge import local_model_dir, merge_adapter, resolve_source
    from export.modelfile import build_modelfile
    from export.parity import (
        generate_reply,
        hf_reference,
        load_llama,
        logit_parity,
        tokenization_parity,
    )
    from export.quantize import quantize

    types = _validate_types(opts.quants)
    src = resolve_source(opts.source, opts.base, opts.adapter)
    fmt = get_format(src.prompt_format)
    model_dir = local_model_dir(src.model)
    _preflight(model_dir)

    out_dir = opts.out_dir
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-staging-", dir=out_dir.parent))
    try:
        if src.adapter is not None:
            log(f"merging {src.adapter} onto {model_dir} (float32)")
            model_dir = merge_adapter(model_dir, src.adapter, staging / "merged")
        info = ModelInfo(opts.name, src.base_name, "gemma", _hera_version())
        files: dict[str, Path] = {}
        for kind in types:
            target = staging / f"{opts.name}-{kind}.gguf"
            if kind in DIRECT_TYPES:
                log(f"writing {target.name}")
                files[kind] = convert_to_gguf(model_dir, target, kind, fmt, info)
            else:
                log(f"quantizing {target.name} with llama.cpp")
                files[kind] = quantize(files["f16"], target, kind)

        log("parity: HF model vs llama.cpp on fixed medical prompts")
        tokenizer, prompts, reference = hf_reference(model_dir, fmt)
        report = ExportReport(out_dir=str(out_dir), merged=str(model_dir))
        for kind, path in files.items():
            p = logit_parity(path, kind, prompts, reference)
            log(f"  {kind:7s} {path.stat().st_size / 1e6:9.1f} MB  top-1 {p.top1_agreement:6.1%}  "
                f"mean KL {p.mean_kl:.4f}  max|diff|/range {p.rel_max_diff:.2e}")
            report.ggufs.append(GgufResult(kind, path.name, path.stat().st_size,
                                           p.top1_agreement, p.mean_kl, p.rel_max_diff))

        default = files[types[1] if len(types) > 1 else "f16"]
        llm = load_llama(default, n_ctx=1024)
        try:
            report.tokenization_conversations = tokenization_parity(llm, tokenizer, fmt)
            reply = generate_reply(llm, fmt)
        finally:
            llm.close()
        report.reply, report.reply_stopped = reply.text, reply.stopped
        ending = f"stopped at {fmt.turn_end}" if reply.stopped else "did not stop"
        log(f"parity: tokenization identical on {report.tokenization_conversations} "
            f"conversations; sample reply {ending}")
        if opts.require_stop and not reply.stopped:
            raise ParityError(
                f"the exported model did not end its reply with {fmt.turn_end}; it would "
                "ramble in chat (pass --allow-no-stop for a base model without chat training)"
            )

        modelfile = build_modelfile(fmt, f"./{default.name}", opts.system)
        (staging / "Modelfile").write_text(modelfile.render())
        (staging / "export_report.json").write_text(json.dumps(asdict(report), indent=2))

        # All gates passed: move the results into place.
        out_dir.mkdir(parents=True, exist_ok=True)
        for item in staging.iterdir():
            dest = out_dir / item.name
            if dest.is_dir():
                shutil.rmtree(dest)
            os.replace(item, dest)
        report.modelfile = str(out_dir / "Modelfile")
        if src.adapter is not None:
            report.merged = str(out_dir / "merged")
        if opts.top_modelfile is not None:
            rel = os.path.relpath(out_dir / default.name, opts.top_modelfile.parent)
            top = build_modelfile(fmt, f"./{Path(rel).as_posix()}", opts.system)
            _atomic_text(opts.top_modelfile, top.render())
        _atomic_text(out_dir / "export_report.json", json.dumps(asdict(report), indent=2))
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    _register(opts, report, out_dir / default.name, modelfile, log)
    return report


def _register(opts: ExportOptions, report: ExportReport, gguf: Path, modelfile: Any,
              log: Callable[[str], None]) -> None:
    from export.ollama import manual_commands, ollama_host, reachable, register

    host = ollama_host(opts.ollama_host)
    if opts.ollama and reachable(host):
        register(host, opts.name, gguf, modelfile, log)
        report.registered = True
        log(f"ollama: created {opts.name}; run it with: ollama run {opts.name}")
        return
    if opts.ollama:
        log(f"ollama: no server at {host[0]}:{host[1]}; register by hand:")
    else:
        log("to use it with Ollama:")
    report.commands = manual_commands(opts.name, Path(report.modelfile))
    for cmd in report.commands:
        log(f"  {cmd}")
