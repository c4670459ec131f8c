"""Train the tiny Gemma-2 -> hera export -> Q4_K_M -> chat in llama.cpp (and Ollama's API).

The run is trained on short replies so the tiny model learns to end its turn; that makes
"a generated reply stops at <end_of_turn>" a real property of the exported file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import gguf
import pytest

from export.modelfile import parse_modelfile
from export.parity import load_llama
from export.pipeline import ExportOptions, run_export
from hera_cli import main as hera_main

REPO = Path(__file__).resolve().parent.parent
REPLIES = ["Please see a doctor soon.", "A clinician should examine you.",
           "Rest, drink fluids and see your doctor."]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory, tiny_model_dir, data_dir) -> Path:
    work = tmp_path_factory.mktemp("export-run")
    rows = json.loads((data_dir / "genmedgpt-5k" / "genmedgpt_5k.json").read_text())[:64]
    short = [{"instruction": "", "input": r["input"][:300], "output": REPLIES[i % 3]}
             for i, r in enumerate(rows)]
    (work / "short.json").write_text(json.dumps(short))
    overrides = {
        "stages.1.data.max_samples": 8, "stages.1.data.eval_samples": 4,
        "stages.1.train.pubmedqa_dev_samples": 3,
        "stages.1.train.eval_every": 1000,
        "stages.2.data.path": f"'{work / 'short.json'}'", "stages.2.data.max_samples": 64,
        "stages.2.data.eval_samples": 4, "stages.2.train.pubmedqa_dev_samples": 3,
        "stages.2.train.eval_every": 1000, "stages.2.train.epochs": 3,
    }
    args = [sys.executable, "-m", "hera_cli", "train", str(REPO / "configs" / "tiny-cpu.toml"),
            "--output-dir", str(work / "runs")]
    for key, value in overrides.items():
        args += ["--set", f"{key}={value}"]
    subprocess.run(args, check=True, capture_output=True, text=True, cwd=REPO)
    return work / "runs" / "tiny-cpu"


@pytest.fixture(scope="module")
def exported(trained_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "hera"
    logs: list[str] = []
    report = run_export(
        ExportOptions(source=str(trained_run), out_dir=out, quants=("q4_k_m", "q8_0", "f32")),
        log=logs.append,
    )
    return out, report, logs


def test_export_writes_checked_ggufs_and_a_modelfile(exported):
    out, report, logs = exported
    kinds = {g.type: g for g in report.ggufs}
    assert set(kinds) == {"f16", "q4_k_m", "q8_0", "f32"}
    for g in report.ggufs:
        assert (out / g.file).exists()
    assert kinds["f32"].rel_max_diff < 1e-3 and kinds["f32"].top1_agreement == 1.0
    assert kinds["f16"].top1_agreement >= 0.99
    assert kinds["q4_k_m"].size_bytes < kinds["f16"].size_bytes < kinds["f32"].size_bytes
    assert report.tokenization_conversations == 3
    assert report.reply_stopped and report.reply.strip() in REPLIES
    modelfile = parse_modelfile((out / "Modelfile").read_text())
    assert modelfile.source == "./hera-q4_k_m.gguf"
    assert json.loads((out / "export_report.json").read_text())["ggufs"]
    assert any(line.startswith("parity: tokenization identical") for line in logs)
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no staging left
    # The merge really applied the fine-tune (stage 2's cumulative adapter).
    reader = gguf.GGUFReader(out / "hera-q4_k_m.gguf")
    assert reader.get_field("general.base_model.0.name").contents() == "tiny-gemma2"
    assert (out / "merged" / "model.safetensors").exists()
    assert (out / "merged" / "tokenizer.model").exists()


def test_chat_with_the_q4_k_m_in_llama_cpp(exported):
    out, _, _ = exported
    llm = load_llama(out / "hera-q4_k_m.gguf", n_ctx=512)
    try:
        reply = llm.create_chat_completion(
            messages=[{"role": "user", "content": "I have a sore throat and a mild fever."}],
            max_tokens=64, temperature=0.0,
        )["choices"][0]
    finally:
        llm.close()
    assert reply["finish_reason"] == "stop"
    text = reply["message"]["content"]
    assert text.strip() in REPLIES
    assert "<end_of_turn>" not in text and "<start_of_turn>" not in text


def test_register_through_the_ollama_api(exported):
    stand_in = pytest.importorskip("tests.support.ollama_standin")
    from export.modelfile import parse_modelfile
    from export.ollama import ollama_host, register

    out, _, _ = exported
    modelfile = parse_modelfile((out / "Modelfile").read_text())
    progress: list[str] = []
    with stand_in.OllamaStandIn() as server:
        register(ollama_host(server.url), "hera-test", out / "hera-q4_k_m.gguf", modelfile,
                 progress.append)
        assert progress[-1] == "ollama: success"
        body = json.dumps({"model": "hera-test", "stream": False,
                           "messages": [{"role": "user", "content": "My knee hurts."}]})
        request = urllib.request.Request(f"{server.url}/api/chat", body.encode(),
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            answer = json.loads(response.read())
        # Registering the same file again skips the upload (HEAD says it is there).
        register(ollama_host(server.url), "hera-test", out / "hera-q4_k_m.gguf", modelfile,
                 progress.append)
    assert answer["message"]["content"].strip() in REPLIES
    assert answer["done_reason"] == "stop"
    assert "ollama: the server already has this file" in progress


def test_without_a_server_the_exact_commands_are_printed(exported):
    from export.pipeline import _register

    out, report, _ = exported
    logs: list[str] = []
    opts = ExportOptions(source="", ollama=True, ollama_host="127.0.0.1:9")
    _register(opts, report, out / "hera-q4_k_m.gguf", None, logs.append)
    assert not report.registered
    assert report.commands == [f"cd {out}", "ollama create hera -f Modelfile", "ollama run hera"]
    assert "no server at 127.0.0.1:9" in logs[0]


def _cli_error(args: list[str], capsys) -> str:
    assert hera_main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("hera: error: ")
    return last


def test_adapter_for_another_base_is_refused(trained_run, tiny_model_dir, tmp_path, capsys):
    from transformers import Gemma2Config, Gemma2ForCausalLM

    other = tmp_path / "other-base"
    shutil.copytree(tiny_model_dir, other)
    config = Gemma2Config.from_pretrained(other)
    config.hidden_size, config.head_dim, config.query_pre_attn_scalar = 32, 8, 8
    Gemma2ForCausalLM(config).save_pretrained(other)
    capsys.readouterr()
    out = tmp_path / "out"
    err = _cli_error(["export", "--base", str(other), "--adapter",
                      str(trained_run / "stage2" / "adapter"), "--out", str(out)], capsys)
    assert "does not fit the base model" in err and "size mismatch" in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["other-base"]


def test_adapter_that_trains_the_embedding_is_refused(trained_run, tmp_path, capsys):
    adapter = tmp_path / "adapter"
    shutil.copytree(trained_run / "stage2" / "adapter", adapter)
    config = json.loads((adapter / "adapter_config.json").read_text())
    config["modules_to_save"] = ["embed_tokens", "lm_head"]
    (adapter / "adapter_config.json").write_text(json.dumps(config))
    base = json.loads((trained_run / "manifest.json").read_text())["config"]["model"]["name"]
    assert base == "tiny-gemma2"
    from hera_train.tiny_model import tiny_gemma2_path

    err = _cli_error(["export", "--base", str(tiny_gemma2_path()), "--adapter", str(adapter),
                      "--out", str(tmp_path / "out")], capsys)
    assert "trains embed_tokens, lm_head" in err
    assert not (tmp_path / "out").exists()


def test_unknown_quant_type_is_a_one_line_error(trained_run, tmp_path, capsys):
    err = _cli_error(["export", str(trained_run), "--quant", "q3_xs", "--out",
                      str(tmp_path / "out")], capsys)
    assert "unknown --quant q3_xs" in err


def test_adapter_with_a_grown_tokenizer_is_refused(trained_run, tiny_model_dir, tmp_path):
    from export.errors import ExportError
    from export.merge import check_adapter

    adapter = tmp_path / "adapter"
    shutil.copytree(trained_run / "stage2" / "adapter", adapter)
    check_adapter(adapter, 1024)  # the run's own adapter is fine
    tokenizer = json.loads((tiny_model_dir / "tokenizer.json").read_text())
    tokenizer["added_tokens"].append({"id": 1024, "content": "<|im_start|>", "special": True})
    (adapter / "tokenizer.json").write_text(json.dumps(tokenizer))
    with pytest.raises(ExportError, match="tokens were added during training"):
        check_adapter(adapter, 1024)


def test_unreachable_hub_id_is_a_one_line_error(tmp_path, capsys):
    err = _cli_error(["export", "Cshavi/Gemma-2-2b-it-ChatDoctor-MedQA", "--out",
                      str(tmp_path / "out")], capsys)
    assert "cannot fetch 'Cshavi/Gemma-2-2b-it-ChatDoctor-MedQA'" in err
    assert not (tmp_path / "out").exists()


def test_default_cli_export_writes_the_committed_modelfile(trained_run, tmp_path, monkeypatch,
                                                           capsys):
    monkeypatch.chdir(tmp_path)
    assert hera_main(["export", str(trained_run)]) == 0
    assert "done: exports/hera" in capsys.readouterr().out
    assert (tmp_path / "exports" / "hera" / "hera-q4_k_m.gguf").exists()
    assert (tmp_path / "Modelfile").read_text() == (REPO / "Modelfile").read_text()
