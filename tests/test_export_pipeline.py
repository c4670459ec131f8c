"""Train the tiny Gemma-2 -> hera export -> Q4_K_M -> chat in llama.cpp (and Ollama's API).

The run is trained on short replies so the tiny model learns to end its turn; that makes
"a generated reply stops at <end_of_turn>" a real property of the exported file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import gguf
import pytest
from support.chat_env import chat_env  # noqa: F401 - a fixture

from export.modelfile import parse_modelfile
from export.parity import load_llama
from export.pipeline import ExportOptions, run_export
from hera_tui.command import main as hera_main

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
    args = [sys.executable, "-m", "hera_tui.command", "train",
            str(REPO / "configs" / "tiny-cpu.toml"), "--output-dir", str(work / "runs")]
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
    from export.ollama import register
    from hera_core.ollama_client import OllamaClient

    out, _, _ = exported
    modelfile = parse_modelfile((out / "Modelfile").read_text())
    progress: list[str] = []
    with stand_in.OllamaStandIn() as server:
        register(OllamaClient(server.url), "hera-test", out / "hera-q4_k_m.gguf", modelfile,
                 progress.append)
        assert progress[-1] == "ollama: success"
        body = json.dumps({"model": "hera-test", "stream": False,
                           "messages": [{"role": "user", "content": "My knee hurts."}]})
        request = urllib.request.Request(f"{server.url}/api/chat", body.encode(),
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            answer = json.loads(response.read())
        # Registering the same file again skips the upload (HEAD says it is there).
        register(OllamaClient(server.url), "hera-test", out / "hera-q4_k_m.gguf", modelfile,
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
    assert "no server at http://127.0.0.1:9" in logs[0]


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
    out = capsys.readouterr().out
    assert "done: exports/hera" in out
    # a model under 1B parameters gets Q8_0 by default, and the log says why
    assert "quantization: q8_0, the default for a " in out and "models under 1B" in out
    assert (tmp_path / "exports" / "hera" / "hera-q8_0.gguf").exists()
    assert (tmp_path / "Modelfile").read_text() == (REPO / "Modelfile").read_text()


def test_the_model_card_is_written_from_the_run_and_the_export(exported, trained_run):
    from export.model_card import ANSWERS_FILE, BENCHMARK_FILE, SAMPLES_FILE, record

    out, report, _ = exported
    card = (out / "README.md").read_text()
    assert card.startswith("---\nlicense: gemma\nbase_model: tiny-gemma2\n")
    assert "- qiaojin/PubMedQA" in card  # the hub id of stage 1's data
    for section in ("## Files", "## Training", "## Evaluation", "## Intended use and "
                    "limitations", "## Medical disclaimer", "## Licences"):
        assert section in card, section
    assert "**not a doctor**" in card
    assert "PubMedQA (Jin et al., 2019): MIT" in card
    assert "ChatDoctor GenMedGPT-5k" not in card  # stage 2 here read a local short.json
    f16 = next(g for g in report.ggufs if g.type == "f16")
    assert f"| `{f16.file}` | f16 |" in card and "Not benchmarked yet" in card
    manifest = json.loads((trained_run / "manifest.json").read_text())
    steps = manifest["stages"]["2"]["optimizer_steps"]
    assert "| 2 conversations | " in card and f" | {steps} | " in card
    record(out, BENCHMARK_FILE, {"questions": 500, "accuracy": 0.61, "ci95": [0.567, 0.652],
                           "macro_f1": 0.47, "majority_baseline": 0.552,
                           "predicted": {"yes": 300, "no": 150, "maybe": 50},
                           "model_file": "hera-q4_k_m.gguf", "format": "gemma"})
    card = (out / "README.md").read_text()
    assert "| **61.0%** (56.7%–65.2%) | 0.470 | 55.2% | yes 300, no 150, maybe 50 |" in card
    assert "Not benchmarked yet" not in card
    record(out, SAMPLES_FILE, [
        {"question": "Sore throat?", "reply": "Rest and fluids [1].", "tokens": 5,
         "stopped": True, "template_tokens": False, "claims_doctor": False, "ok": True,
         "sources": ["[1] MedlinePlus Health Topics: Sore Throat (information). https://x"],
         "note": ""},
        {"question": "Cough?", "reply": "As your doctor I say rest", "tokens": 512,
         "stopped": False, "template_tokens": False, "claims_doctor": True, "ok": False,
         "sources": [], "note": "No NIH source found for this question: nothing is cited."},
    ])
    card = (out / "README.md").read_text()
    assert "1 of 2 end their turn" in card
    assert "> As your doctor I say rest *(did not end its turn, speaks as a doctor)*" in card
    assert "- [1] MedlinePlus Health Topics: Sore Throat (information). https://x" in card
    assert "*No NIH source found for this question: nothing is cited.*" in card
    record(out, ANSWERS_FILE, {
        "questions": 50, "file": "liveqa-answers-dev.jsonl", "model_file": "hera-q4_k_m.gguf",
        "with_sources": {"rouge_l": 0.21, "rouge_l_ci95": [0.18, 0.24],
                         "supported_share": 0.83, "supported_ci95": [0.78, 0.87],
                         "ends_turn": 0.96, "ends_turn_ci95": [0.87, 0.99],
                         "doctor_voice": 0.0, "doctor_voice_ci95": [0.0, 0.07],
                         "cites_nothing": 0.1, "cites_nothing_ci95": [0.04, 0.21]}})
    card = (out / "README.md").read_text()
    assert ("| 0.210 (0.180–0.240) | 83.0% (78.0%–87.0%) | 96.0% (87.0%–99.0%) | 0.0% "
            "(0.0%–7.0%) | 10.0% (4.0%–21.0%) |") in card


# --- the output folder: checked first, staged beside it, replaced in one step -------------

def _no_merge(monkeypatch):
    import export.merge

    def fail(*args):
        raise AssertionError("the export started work before checking its output folder")

    monkeypatch.setattr(export.merge, "merge_adapter", fail)


def test_an_unwritable_out_fails_before_any_work(trained_run, tmp_path, monkeypatch, capsys):
    _no_merge(monkeypatch)
    err = _cli_error(["export", str(trained_run), "--out", "/proc/hera-export"], capsys)
    assert "cannot write beside --out /proc/hera-export" in err


def test_a_mount_point_or_a_foreign_folder_is_refused_up_front(trained_run, tmp_path,
                                                               monkeypatch, capsys):
    _no_merge(monkeypatch)
    err = _cli_error(["export", str(trained_run), "--out", "/proc"], capsys)
    assert "is a mount point" in err
    foreign = tmp_path / "my-models"
    foreign.mkdir()
    (foreign / "llama.gguf").write_text("someone else's model")
    err = _cli_error(["export", str(trained_run), "--out", str(foreign)], capsys)
    assert "holds files that are not a HERA export" in err
    assert (foreign / "llama.gguf").read_text() == "someone else's model"


def test_a_mistyped_run_folder_says_the_folder_does_not_exist(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    err = _cli_error(["export", "runs/tiny-cpX"], capsys)
    assert "runs/tiny-cpX: no such folder" in err and "hub" not in err.split(";")[0]


def test_abandoned_staging_is_removed_and_a_reexport_leaves_no_stale_types(
    exported, trained_run, tmp_path
):
    from export import destination

    out = tmp_path / "hera"
    # what a `kill -9` during an export leaves: a staging folder whose owner is gone
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    abandoned = tmp_path / ".hera-staging-abc123"
    (abandoned / "merged").mkdir(parents=True)
    (abandoned / destination.OWNER_FILE).write_text(dead)
    (abandoned / "merged" / "model.safetensors").write_bytes(b"x" * 4096)
    logs: list[str] = []
    run_export(ExportOptions(source=str(trained_run), out_dir=out, quants=("q4_k_m",)),
               log=logs.append)
    assert not abandoned.exists()
    assert {p.name for p in out.glob("*.gguf")} == {"hera-f16.gguf", "hera-q4_k_m.gguf"}
    run_export(ExportOptions(source=str(trained_run), out_dir=out, quants=("q8_0",)),
               log=logs.append)
    # the second export replaced the folder whole: no Q4_K_M from the first one lingers
    assert {p.name for p in out.glob("*.gguf")} == {"hera-f16.gguf", "hera-q8_0.gguf"}
    assert parse_modelfile((out / "Modelfile").read_text()).source == "./hera-q8_0.gguf"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_running_exports_staging_is_left_alone(tmp_path):
    from export import destination

    live = tmp_path / ".hera-staging-live"
    live.mkdir()
    (live / destination.OWNER_FILE).write_text(str(os.getppid()))
    assert destination.remove_abandoned_staging(tmp_path / "hera") == 0
    assert live.exists()


def test_a_failed_gate_keeps_the_previous_export(exported, trained_run, tmp_path, monkeypatch):
    import export.parity
    from export.errors import ParityError

    out = tmp_path / "hera"
    run_export(ExportOptions(source=str(trained_run), out_dir=out, quants=("q8_0",)),
               log=lambda _: None)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}

    def failing(result):
        raise ParityError("gate")

    monkeypatch.setattr(export.parity, "check_gate", failing)
    with pytest.raises(ParityError):
        run_export(ExportOptions(source=str(trained_run), out_dir=out, quants=("q4_k_m",)),
                   log=lambda _: None)
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_sample_replies_to_the_fixed_patient_questions_are_checked(exported, chat_env):
    """The build's sample replies, answered as the chat answers (here with no library, so
    each says it is not grounded), each checked."""
    from export.sample_replies import SAMPLE_QUESTIONS
    from hera_tui.answers import sample_replies

    out, _, _ = exported
    replies = sample_replies(out / "hera-q4_k_m.gguf")
    assert [r.question for r in replies] == list(SAMPLE_QUESTIONS) and len(replies) == 11
    # The tiny model learned three short replies; greedy decoding may blend them ("Rest,
    # drink fluids and see your doctor soon."), so the words, not the sentences, are checked.
    learned = {word for reply in REPLIES for word in reply.split()}
    for r in replies:
        assert r.ok and r.stopped and not r.template_tokens and not r.claims_doctor
        assert 0 < r.tokens <= 24 and set(r.reply.split()) <= learned, r.reply
        assert r.sources == () and r.note.startswith("Not grounded in a source (")


