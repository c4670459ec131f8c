"""Parity gates that a broken export cannot pass and a sound one passes, for F16 and for the
quantized types (issue 8/10): a norm without its +1, two layers swapped, embedding rows out
of order, and a vocabulary whose strings are shuffled."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from export import gguf_convert
from export.errors import ParityError
from export.gguf_convert import ModelInfo, convert_to_gguf
from export.gguf_types import GGUF_TYPES, Written
from export.parity import (
    check_gate,
    compare_logits,
    file_logits,
    hf_reference,
    load_llama,
    logit_parity,
    tokenization_parity,
)
from export.quantize import quantize
from hera_core.formats import GEMMA

INFO = ModelInfo("hera-test", "tiny-gemma2", "gemma", "9.9.9")
KINDS = ("f16", "q8_0", "q4_k_m")


@pytest.fixture(scope="module")
def reference(tiny_model_dir):
    return hf_reference(tiny_model_dir, GEMMA)


def _export(model_dir: Path, out: Path, kind: str) -> Path:
    """A GGUF of ``kind`` as the pipeline makes it (K-quants from the F16)."""
    out.mkdir(parents=True, exist_ok=True)
    if isinstance(GGUF_TYPES[kind].maker, Written):
        return convert_to_gguf(model_dir, out / f"m-{kind}.gguf", kind, GEMMA, INFO)
    f16 = convert_to_gguf(model_dir, out / "m-f16.gguf", "f16", GEMMA, INFO)
    return quantize(f16, out / f"m-{kind}.gguf", kind)


@pytest.fixture(scope="module")
def sound(tiny_model_dir, reference, tmp_path_factory) -> dict[str, list[np.ndarray]]:
    out = tmp_path_factory.mktemp("sound")
    return {kind: file_logits(_export(tiny_model_dir, out, kind), reference[1]) for kind in KINDS}


def _judge(kind: str, logits, reference, sound) -> None:
    """What the pipeline does: F16 against the HF model, quantized types against the F16."""
    against = reference[2] if GGUF_TYPES[kind].gate.against == "hf" else sound["f16"]
    logit_parity(kind, against, logits)


@pytest.mark.parametrize("kind", KINDS)
def test_a_sound_export_passes_every_gate(kind, reference, sound):
    _judge(kind, sound[kind], reference, sound)


def _no_norm_offset(plan):
    return [dataclasses.replace(p, add_one=False) for p in plan]


def _swap_layers(plan):
    def swapped(name: str) -> str:
        if name.startswith("blk.0."):
            return "blk.1." + name[len("blk.0."):]
        if name.startswith("blk.1."):
            return "blk.0." + name[len("blk.1."):]
        return name

    return [dataclasses.replace(p, gguf_name=swapped(p.gguf_name)) for p in plan]


BREAKAGES = {"norm without +1": _no_norm_offset, "layers 0 and 1 swapped": _swap_layers}
# The tiny model is random: swapping its two layers moves the logits by a KL of only 0.70,
# inside Q4_K_M's bound for a trained model, so that case is checked on the real Gemma 3
# 270M (tests/test_export_gemma3.py), where it costs nats.
CASES = [(b, k) for b in sorted(BREAKAGES) for k in KINDS
         if (b, k) != ("layers 0 and 1 swapped", "q4_k_m")]


@pytest.mark.parametrize(("breakage", "kind"), CASES)
def test_broken_conversions_fail_their_gate(
    breakage, kind, tiny_model_dir, reference, sound, tmp_path, monkeypatch
):
    original = gguf_convert._plan
    monkeypatch.setattr(gguf_convert, "_plan", lambda *a: BREAKAGES[breakage](original(*a)))
    broken = file_logits(_export(tiny_model_dir, tmp_path, kind), reference[1])
    with pytest.raises(ParityError, match=r"does not compute what the HF model|strays from"):
        _judge(kind, broken, reference, sound)


@pytest.mark.parametrize("kind", KINDS)
def test_embedding_rows_out_of_order_fail(kind, tiny_model_dir, reference, sound, tmp_path,
                                          monkeypatch):
    from export.checkpoint import Checkpoint

    original = Checkpoint.row_chunks
    rng = np.random.default_rng(0)

    def shuffled_rows(self, name, max_elements=1 << 22):
        for block in original(self, name, max_elements):
            yield rng.permutation(block) if name == "model.embed_tokens.weight" else block

    monkeypatch.setattr(Checkpoint, "row_chunks", shuffled_rows)
    broken = file_logits(_export(tiny_model_dir, tmp_path, kind), reference[1])
    with pytest.raises(ParityError):
        _judge(kind, broken, reference, sound)


def test_a_vocabulary_with_shuffled_strings_fails_tokenization_parity(
    tiny_model_dir, reference, tmp_path, monkeypatch
):
    from export import vocab as vocab_module

    original = vocab_module.load_vocab

    def shuffled(model_dir, n_rows):
        v = original(model_dir, n_rows)
        normal = [i for i, t in enumerate(v.types) if t == 1]  # ordinary pieces only
        order = np.random.default_rng(0).permutation(normal)
        tokens = list(v.tokens)
        for src, dst in zip(normal, order, strict=True):
            tokens[dst] = v.tokens[src]
        return dataclasses.replace(v, tokens=tokens)

    monkeypatch.setattr(gguf_convert, "load_vocab", shuffled)
    path = convert_to_gguf(tiny_model_dir, tmp_path / "v.gguf", "f16", GEMMA, INFO)
    llm = load_llama(path)
    try:
        with pytest.raises(ParityError, match="token ids differ"):
            tokenization_parity(llm, reference[0], GEMMA)
    finally:
        llm.close()


def test_gate_messages_say_what_was_measured_and_which_reference():
    ref = [np.array([[5.0, 0.0, 0.0], [0.0, 5.0, 0.0]])]
    flipped = [np.array([[0.0, 5.0, 0.0], [5.0, 0.0, 0.0]])]
    with pytest.raises(ParityError) as conv:
        check_gate(compare_logits("f16", ref, flipped))
    assert "does not compute what the HF model computes" in str(conv.value)
    assert "top-1 agreement 0.0% (gate >= 99%)" in str(conv.value)
    with pytest.raises(ParityError) as quant:
        check_gate(compare_logits("q4_k_m", ref, flipped))
    assert "strays from the F16 GGUF far more than q4_k_m quantization does" in str(quant.value)
    assert "broken" not in str(quant.value)
    # Q4_K_M's measured loss on a trained 270M (top-1 76%, KL 0.35) is inside its gate.
    gate = GGUF_TYPES["q4_k_m"].gate
    assert gate.min_top1 <= 0.76 and gate.max_mean_kl >= 0.35
