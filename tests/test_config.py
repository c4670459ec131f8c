"""Configs are validated on load; overrides reach every field."""

from __future__ import annotations

from pathlib import Path

import pytest

from hera_train.config import ConfigError, load_config

CONFIGS = Path(__file__).resolve().parent.parent / "configs"


@pytest.mark.parametrize("name", sorted(p.name for p in CONFIGS.glob("*.toml")))
def test_shipped_configs_load(name):
    config = load_config(CONFIGS / name)
    assert config.stages


def test_recipe_matches_the_original_project_but_grounds_stage_2():
    """The original recipe's model, QLoRA, LoRA and schedules; stage 2 now answers consumer
    questions from NIH passages instead of HealthCareMagic's doctor replies."""
    c = load_config(CONFIGS / "hera-gemma2-2b.toml")
    assert c.model.name == "google/gemma-2-2b-it"
    assert c.model.attn_implementation == "eager"
    q = c.quantization
    assert (q.load_in_4bit, q.quant_type, q.double_quant, q.compute_dtype) == (
        True, "nf4", True, "bfloat16")
    assert (c.lora.r, c.lora.alpha, c.lora.dropout) == (16, 32, 0.05)
    assert set(c.lora.target_modules) == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                                          "up_proj", "down_proj"}
    s1, s2 = c.stages
    assert (s1.data.hub_id, s1.data.hub_config, s1.data.max_samples) == (
        "qiaojin/PubMedQA", "pqa_artificial", 3000)
    assert (s1.train.learning_rate, s1.train.batch_size, s1.train.grad_accum, s1.train.epochs,
            s1.train.eval_every) == (2e-4, 1, 2, 1, 200)
    assert (s2.data.kind, s2.data.path, s2.data.holdout, s2.data.max_samples) == (
        "grounded", "medquad", "liveqa-train", 3000)
    assert (s2.train.learning_rate, s2.train.grad_accum, s2.train.epochs,
            s2.train.warmup_steps) == (8e-5, 4, 2, 50)


def _write(tmp_path, text):
    path = tmp_path / "c.toml"
    path.write_text(text)
    return path


STAGES = """
[[stages]]
[stages.data]
path = "x.json"
"""
BASE = 'name = "t"\n' + STAGES


def test_unknown_field_names_the_field(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown field 'stages\.1\.train\.lr'"):
        load_config(_write(tmp_path, BASE + "[stages.train]\nlr = 1e-4\n"))


def test_wrong_type_names_the_field(tmp_path):
    with pytest.raises(ConfigError, match=r"lora\.r: expected int, got str"):
        load_config(_write(tmp_path, "[lora]\nr = 'sixteen'\n" + STAGES))


def test_bad_choice_lists_the_choices(tmp_path):
    with pytest.raises(ConfigError, match=r"model\.attn_implementation.*'eager'"):
        load_config(_write(tmp_path, "[model]\nattn_implementation = 'fast'\n" + STAGES))


def test_overrides_reach_nested_and_stage_fields(tmp_path):
    c = load_config(
        _write(tmp_path, BASE),
        ["seed=7", "stages.1.train.learning_rate=1e-3", "lora.target_modules=['q_proj']",
         "model.name=some/dir"],
    )
    assert c.seed == 7
    assert c.stages[0].train.learning_rate == 1e-3
    assert c.lora.target_modules == ["q_proj"]
    assert c.model.name == "some/dir"


@pytest.mark.parametrize(
    ("override", "message"),
    [("stages.3.train.epochs=1", "stage numbers run 1..1"), ("bogus.x=1", "unknown field"),
     ("seed", "expected field=value"), ("lora.alpha=0", "lora.alpha must be > 0")],
)
def test_bad_overrides(tmp_path, override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, BASE), [override])


def test_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(_write(tmp_path, "name = \n"))
