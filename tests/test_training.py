"""End-to-end training on the tiny Gemma-2: two stages, resume after kill -9, DDP, QLoRA."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "configs" / "tiny-cpu.toml"
# A shorter variant of the demo for the runs that are repeated (resume, DDP).
SHORT = ["--set", "stages.1.data.max_samples=48", "--set", "stages.2.data.max_samples=48",
         "--set", "stages.1.train.pubmedqa_dev_samples=6",
         "--set", "stages.2.train.pubmedqa_dev_samples=6"]


def _hera(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hera_tui.command", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=600, **kwargs)


def _adapter(run: Path, stage: int) -> dict[str, torch.Tensor]:
    return load_file(run / f"stage{stage}" / "adapter" / "adapter_model.safetensors")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory, tiny_model_dir) -> Path:
    out = tmp_path_factory.mktemp("runs")
    result = _hera("train", str(TINY), "--output-dir", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    return out / "tiny-cpu"


def test_two_stages_produce_adapters_and_a_manifest(demo_run):
    manifest = json.loads((demo_run / "manifest.json").read_text())
    assert manifest["adapter_chaining"] == "continue"
    assert manifest["adapter"] == "stage2/adapter"
    assert manifest["seed"] == 0
    assert manifest["versions"]["torch"] and manifest["versions"]["peft"]
    assert len(manifest["git_commit"] or "0" * 40) == 40
    assert manifest["config"]["model"]["name"] == "tiny-gemma2"
    for k in ("1", "2"):
        stage = manifest["stages"][k]
        assert len(stage["data"]["sha256"]) == 64
        assert stage["optimizer_steps"] > 10
        assert stage["throughput"]["tokens_per_s"] > 0
        assert 0 <= stage["throughput"]["padding_fraction"] < 0.2
        adapter = demo_run / f"stage{k}" / "adapter"
        config = json.loads((adapter / "adapter_config.json").read_text())
        assert config["peft_type"] == "LORA" and config["r"] == 16
        assert not (demo_run / f"stage{k}" / "checkpoints").exists()
    # Rows are visited in random order until enough are usable; test questions met on
    # the way are dropped and counted.
    assert manifest["stages"]["1"]["data"]["excluded_pubmedqa_test"] > 0
    # the forgetting check: PubMedQA dev after each stage, and whether stage 2 undid stage 1
    forgetting = manifest["forgetting"]
    assert set(forgetting["pubmedqa_dev_after_stage"]) == {"1", "2"}
    assert forgetting["warning"] == (forgetting["lost_points"] > 2.0)


def test_loss_goes_down_in_both_stages(demo_run):
    manifest = json.loads((demo_run / "manifest.json").read_text())
    for k in ("1", "2"):
        history = manifest["stages"][k]["history"]
        assert history[0]["step"] == 0
        assert history[-1]["eval_loss"] < history[0]["eval_loss"] - 0.3, history
        assert all("pubmedqa_dev_accuracy" in h for h in history)


def test_stage_two_continues_stage_one(demo_run, tiny_model_dir):
    """Stage 2 starts from stage 1's adapter: same keys, moved weights, not a fresh init."""
    one, two = _adapter(demo_run, 1), _adapter(demo_run, 2)
    assert one.keys() == two.keys()
    b_keys = [k for k in one if "lora_B" in k]
    assert all(one[k].abs().sum() > 0 for k in b_keys), "stage 1 trained lora_B"
    assert any(not torch.equal(one[k], two[k]) for k in b_keys)
    # A fresh adapter would start from lora_B == 0; stage 2's stays close to stage 1's.
    drift = sum(float((two[k] - one[k]).norm()) for k in b_keys)
    size = sum(float(one[k].norm()) for k in b_keys)
    assert drift < 2 * size


def test_rerun_skips_finished_stages(demo_run):
    before = _adapter(demo_run, 2)
    result = _hera("train", str(TINY), "--output-dir", str(demo_run.parent))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr.count("already finished, skipped") == 2
    assert all(torch.equal(before[k], v) for k, v in _adapter(demo_run, 2).items())


def test_kill_9_then_resume_gives_the_same_run(tmp_path, tiny_model_dir, data_dir):
    """SIGKILL mid-stage (dropout on, as in every shipped config); the rerun refuses changed
    data, then resumes from the checkpoint and ends like an uninterrupted run."""
    pqal = tmp_path / "ori_pqal.json"
    shutil.copy(data_dir / "pubmedqa" / "ori_pqal.json", pqal)
    args = ["train", str(TINY), *SHORT, "--set", "stages.1.train.save_every=2",
            "--set", f"stages.1.data.path='{pqal}'"]
    assert tomllib.loads(TINY.read_text())["lora"]["dropout"] > 0
    straight = _hera(*args, "--output-dir", str(tmp_path / "straight"))
    assert straight.returncode == 0, straight.stderr[-2000:]

    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "hera_tui.command", *args, "--output-dir", str(out)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoints = out / "tiny-cpu" / "stage1" / "checkpoints"
    deadline = time.monotonic() + 300
    while not list(checkpoints.glob("step-*/state.json")):
        assert proc.poll() is None and time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "tiny-cpu" / "stage1" / "metrics.json").exists(), "killed too late"

    original = pqal.read_text()
    rows = json.loads(original)
    del rows[next(iter(rows))]
    pqal.write_text(json.dumps(rows))
    changed = _hera(*args, "--output-dir", str(out))
    assert changed.returncode == 2
    assert "was made on other training data" in changed.stderr.strip().splitlines()[-1]
    pqal.write_text(original)

    resumed = _hera(*args, "--output-dir", str(out))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    step = int(resumed.stderr.split("stage 1: resuming at step ")[1].split("/")[0])
    assert step >= 2  # it resumed; it did not start the stage over
    a = json.loads((tmp_path / "straight" / "tiny-cpu" / "manifest.json").read_text())
    b = json.loads((out / "tiny-cpu" / "manifest.json").read_text())
    for k in ("1", "2"):
        assert a["stages"][k]["optimizer_steps"] == b["stages"][k]["optimizer_steps"]
    # after the restart only the remaining steps ran
    assert b["stages"]["1"]["throughput"]["tokens"] < a["stages"]["1"]["throughput"]["tokens"]
    ref, got = _adapter(tmp_path / "straight" / "tiny-cpu", 2), _adapter(out / "tiny-cpu", 2)
    for key, value in ref.items():
        torch.testing.assert_close(got[key], value, rtol=1e-4, atol=1e-5)


def _planted_data(tmp_path: Path, data_dir: Path) -> tuple[Path, Path, str]:
    """A conversation file and a PubMedQA file, each hiding one test question."""
    pqal = json.loads((data_dir / "pubmedqa" / "ori_pqal.json").read_text())
    test_ids = json.loads((data_dir / "pubmedqa" / "test_ground_truth.json").read_text())
    test_id = sorted(test_ids)[5]
    leaked = pqal[test_id]
    rows = json.loads((data_dir / "genmedgpt-5k" / "genmedgpt_5k.json").read_text())[:40]
    rows[7] = {**rows[7], "input": "I found this study: " + " ".join(leaked["CONTEXTS"])}
    conversations = tmp_path / "conversations.json"
    conversations.write_text(json.dumps(rows))
    pool = {k: v for k, v in pqal.items() if k not in test_ids}
    pool["00000001"] = leaked  # the test question under another id
    pubmedqa = tmp_path / "pqal-copy.json"
    pubmedqa.write_text(json.dumps(pool))
    return conversations, pubmedqa, test_id


def test_a_test_question_under_another_id_or_in_a_conversation_stops_training(
    tmp_path, tiny_model_dir, data_dir
):
    conversations, pubmedqa, test_id = _planted_data(tmp_path, data_dir)
    for stage, path in (("1", pubmedqa), ("2", conversations)):
        result = _hera("train", str(TINY), "--output-dir", str(tmp_path / f"runs{stage}"),
                       *SHORT, "--set", f"stages.{stage}.data.path='{path}'",
                       "--set", "stages.1.data.max_samples=0" if stage == "1" else "seed=0")
        assert result.returncode == 2, result.stderr[-2000:]
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("hera: error: stage ") and f"test question {test_id}" in last
        assert "Traceback" not in result.stderr


def test_two_process_ddp_with_gloo(tmp_path, tiny_model_dir):
    """`torchrun` with two CPU processes: Accelerate shards batches, DDP syncs grads."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = str(sock.getsockname()[1])
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
         "--master_addr", "127.0.0.1", "--master_port", port,
         "-m", "hera_tui.command", "train", str(TINY), *SHORT, "--output-dir", str(tmp_path)],
        capture_output=True, text=True, cwd=REPO, timeout=600, env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = json.loads((tmp_path / "tiny-cpu" / "manifest.json").read_text())
    for k in ("1", "2"):
        stage = manifest["stages"][k]
        batches = -(-stage["data"]["train_examples"] // 4)
        # Each of the two ranks sees half the batches; one optimizer step per batch.
        assert stage["optimizer_steps"] == -(-batches // 2)
    assert result.stderr.count("done: adapters and manifest") == 1


def test_qlora_4bit_on_cpu(tmp_path, tiny_model_dir, monkeypatch):
    """The 4-bit path (bitsandbytes NF4) trains on the CPU and saves a standard adapter:
    the model that trained really had its LoRA targets stored in 4 bits."""
    import bitsandbytes as bnb

    from hera_train import runner
    from hera_train.config import load_config

    trained = []
    real_attach = runner.attach_lora

    def attach_and_keep(*args, **kwargs):
        model = real_attach(*args, **kwargs)
        trained.append(model)
        return model

    monkeypatch.setattr(runner, "attach_lora", attach_and_keep)
    config = load_config(TINY, [
        "quantization.load_in_4bit=true", "quantization.compute_dtype='float32'",
        "stages.1.data.max_samples=16", "stages.1.data.eval_samples=4",
        "stages.1.train.pubmedqa_dev_samples=0", "stages.1.train.eval_every=100",
    ])
    config.stages = config.stages[:1]
    run = runner.run_training(config, tmp_path)
    metrics = json.loads((run / "stage1" / "metrics.json").read_text())
    assert metrics["optimizer_steps"] >= 3
    assert torch.isfinite(torch.tensor(metrics["final"]["eval_loss"]))
    weights = _adapter(run, 1)
    assert weights and all(v.dtype == torch.float32 for v in weights.values())
    [model] = trained
    four_bit = {name.rsplit(".", 2)[-2]: module.weight for name, module in model.named_modules()
                if isinstance(module, bnb.nn.Linear4bit)}
    assert set(four_bit) == set(config.lora.target_modules)
    for weight in four_bit.values():
        assert isinstance(weight, bnb.nn.Params4bit) and weight.dtype == torch.uint8
        assert weight.quant_state.quant_type == config.quantization.quant_type == "nf4"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "stages.1.train.lr=1"], "unknown field 'stages.1.train.lr'"),
        (["--set", "model.device='cuda'"], "no CUDA GPU is visible"),
        (["--set", "stages.1.data.path='missing/file.json'"], "data file not found"),
        (["--set", "model.name='/nonexistent/model'"], "cannot load model '/nonexistent/model'"),
    ],
)
def test_errors_are_one_line(tmp_path, args, message):
    if "cuda" in str(args) and torch.cuda.is_available():
        pytest.skip("a GPU is present")
    result = _hera("train", str(TINY), *args, "--output-dir", str(tmp_path))
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("hera: error:") and message in last
    assert "Traceback" not in result.stderr


def test_lora_layers_limits_the_adapters_to_those_layers(tiny_model_dir):
    from hera_train.config import LoraConfig, ModelConfig, QuantizationConfig
    from hera_train.model_loading import ModelLoadError, attach_lora, load_base_model

    cfg = ModelConfig(name=str(tiny_model_dir), device="cpu", dtype="float32")

    def adapted(layers: list[int]) -> set[str]:
        base = load_base_model(str(tiny_model_dir), cfg, QuantizationConfig(),
                               torch.device("cpu"))
        model = attach_lora(base, LoraConfig(layers=layers), cfg, False, None)
        return {n.split(".layers.")[1].split(".")[0]
                for n, p in model.named_parameters() if p.requires_grad}

    assert adapted([]) == {"0", "1"}
    assert adapted([1]) == {"1"}
    with pytest.raises(ModelLoadError, match=r"this model has 2 layers, numbered 0 to 1"):
        adapted([2])
