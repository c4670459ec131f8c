"""The one table of GGUF types (``export/gguf_types.py``) is what every part reads: the
CLI lists exactly its types, the pipeline accepts exactly them, and each type's maker and
gate resolve, so no type can be written that the gates do not judge."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import gguf
import numpy as np
import pytest

from export.cli import add_export_parser
from export.errors import ExportError, ParityError
from export.gguf_convert import written_type
from export.gguf_types import GGUF_TYPES, Quantized, Written, types_made_by
from export.parity import check_gate, compare_logits
from export.pipeline import _validate_types
from export.quantize import SMALL_MODEL_PARAMS, default_quant, llama_ftype_name, quantize


def _export_help(capsys: pytest.CaptureFixture[str]) -> str:
    parser = argparse.ArgumentParser(prog="hera")
    add_export_parser(parser.add_subparsers())
    with pytest.raises(SystemExit):
        parser.parse_args(["export", "--help"])
    return capsys.readouterr().out


def test_help_lists_exactly_the_tables_types_in_its_order(capsys):
    text = _export_help(capsys)
    flat = " ".join(text.split())
    listed = re.search(r"only one\): (.*?) \(an F16", flat)
    assert listed is not None, flat
    assert listed.group(1).split(", ") == list(GGUF_TYPES)
    section = text.split("GGUF types for --quant")[1]
    described = re.findall(r"^  (\S+)  +(.+)$", section, re.M)
    assert [name for name, _ in described] == list(GGUF_TYPES)
    assert [line for _, line in described] == [t.help for t in GGUF_TYPES.values()]
    for t in GGUF_TYPES.values():  # each type's maker and gate follow its help line
        assert f"{t.maker.describe()}; gate {t.gate.describe()}" in section


def test_the_pipeline_accepts_exactly_the_tables_types():
    for name in GGUF_TYPES:
        assert _validate_types((name,)) == ["f16", *([name] if name != "f16" else [])]
    with pytest.raises(ExportError) as unknown:
        _validate_types(("q3_xs",))
    assert str(unknown.value) == f"unknown --quant q3_xs; choose from {', '.join(GGUF_TYPES)}"
    assert {default_quant(SMALL_MODEL_PARAMS - 1)[0], default_quant(SMALL_MODEL_PARAMS)[0]} <= (
        set(GGUF_TYPES))


def test_every_type_has_exactly_one_maker():
    assert set(types_made_by(Written)) | set(types_made_by(Quantized)) == set(GGUF_TYPES)
    assert not set(types_made_by(Written)) & set(types_made_by(Quantized))
    # the quantizer's source and every gate's second reference is written by the converter
    assert "f16" in types_made_by(Written)


@pytest.mark.parametrize("name", types_made_by(Written))
def test_written_types_resolve_in_gguf_and_encode(name):
    qtype, ftype = written_type(name)
    maker = GGUF_TYPES[name].maker
    assert isinstance(maker, Written)
    assert (qtype.name, ftype.name) == (maker.tensor_type, maker.file_type)
    rows = np.random.default_rng(0).standard_normal((2, 256)).astype(np.float32)
    if qtype not in (gguf.GGMLQuantizationType.F32, gguf.GGMLQuantizationType.F16):
        # what the converter does with every 2-D tensor of this type
        encoded = gguf.quants.quantize(rows, qtype)
        assert encoded.nbytes == rows.size // gguf.GGML_QUANT_SIZES[qtype][0] * (
            gguf.GGML_QUANT_SIZES[qtype][1])


@pytest.mark.parametrize("name", types_made_by(Quantized))
def test_quantized_types_resolve_in_llama_cpp(name):
    llama_cpp = pytest.importorskip("llama_cpp")
    maker = GGUF_TYPES[name].maker
    assert isinstance(maker, Quantized)
    assert llama_ftype_name(name) == maker.llama_ftype
    assert isinstance(getattr(llama_cpp, maker.llama_ftype), int)


def test_each_maker_refuses_the_others_types(tmp_path):
    with pytest.raises(ExportError, match=r"unknown GGUF type 'q4_k_m'; choose one of "
                                          + re.escape(", ".join(types_made_by(Written))) + "$"):
        written_type("q4_k_m")
    with pytest.raises(ExportError, match=r"unknown K-quant 'q8_0'; choose one of "
                                          + re.escape(", ".join(types_made_by(Quantized))) + "$"):
        quantize(tmp_path / "in.gguf", tmp_path / "out.gguf", "q8_0")


REF = [np.array([[5.0, 0.0, 0.0], [0.0, 5.0, 0.0]])]
FLIPPED = [np.array([[0.0, 5.0, 0.0], [5.0, 0.0, 0.0]])]


@pytest.mark.parametrize("name", list(GGUF_TYPES))
def test_every_type_is_gated_against_the_right_reference(name):
    gate = GGUF_TYPES[name].gate
    # what llama.cpp's quantizer made is judged against its source, the F16 GGUF, which
    # itself (like every written type) can be judged against the HF model
    if isinstance(GGUF_TYPES[name].maker, Quantized) or name == "f16":
        assert gate.against == ("hf" if name == "f16" else "f16")
    assert gate.against in ("hf", "f16")
    check_gate(compare_logits(name, REF, REF))  # identical logits pass every gate
    with pytest.raises(ParityError) as failed:
        check_gate(compare_logits(name, REF, FLIPPED))
    expected = ("does not compute what the HF model computes" if gate.against == "hf"
                else f"strays from the F16 GGUF far more than {name} quantization does")
    assert expected in str(failed.value)
    assert f"top-1 agreement 0.0% (gate >= {gate.min_top1:.0%})" in str(failed.value)


def test_a_name_outside_the_table_has_no_gate_and_is_not_passed():
    with pytest.raises(ExportError, match="unknown GGUF type 'q3_xs'"):
        check_gate(compare_logits("q3_xs", REF, REF))


def test_the_cli_reads_the_table_without_importing_gguf_or_llama_cpp():
    """``hera --help`` stays fast: the table names types, it does not import them."""
    code = ("import sys, export.cli; "
            "print(sorted(m for m in ('gguf', 'llama_cpp', 'torch') if m in sys.modules))")
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    assert out.stdout.strip() == "[]"
