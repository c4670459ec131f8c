"""The model card (``README.md``) written beside an export's GGUFs.

It follows the Hugging Face model card conventions (YAML metadata, then sections) so the
folder can be published as it is, and it is written from what the export and the run
recorded, never from hand-typed figures: the training manifest (base model, data, config,
per-stage metrics), ``export_report.json`` (files, parity) and, once ``hera build`` or the
user has benchmarked the export, ``benchmark.json``. Rewriting it is cheap, so it is
rewritten whenever one of those changes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hera_core.atomic_files import atomic_write_text

CARD_FILE = "README.md"
MANIFEST_COPY = "training_manifest.json"
BENCHMARK_FILE = "benchmark.json"
SAMPLES_FILE = "sample_replies.json"
ANSWERS_FILE = "grounded_answers.json"

DISCLAIMER = (
    "HERA is **not a doctor** and this model is not a medical device. It gives general "
    "medical information that can be wrong or out of date; it cannot examine, diagnose or "
    "prescribe. Do not use it to make decisions about your health without a clinician. "
    "**In an emergency, call your local emergency number (911, 112, 999) now.**"
)

#: Known data sources and their licences (hub ids and the local files HERA's configs use).
_DATA_LICENCES = {
    "pubmedqa": ("PubMedQA (Jin et al., 2019)", "MIT", "qiaojin/PubMedQA"),
    "genmedgpt": ("ChatDoctor GenMedGPT-5k (Li et al., 2023)", "Apache-2.0", None),
    "medquad": ("MedQuAD (Ben Abacha & Demner-Fushman, 2019), NIH question-answer pairs",
                "CC BY 4.0", None),
    "healthcaremagic": ("ChatDoctor HealthCareMagic-100k (Li et al., 2023)", "Apache-2.0",
                        "lavita/ChatDoctor-HealthCareMagic-100k"),
}


def _dataset(source: str) -> tuple[str, str, str | None]:
    low = source.lower().replace("_", "").replace("-", "")
    for key, value in _DATA_LICENCES.items():
        if key in low:
            return value
    return source, "see the dataset's own card", None


def _read(path: Path) -> Any:
    return json.loads(path.read_text()) if path.exists() else None


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


#: what each kind of stage taught, for the card's first paragraph
_STAGE_TEXT = {
    "pubmedqa": "PubMedQA (reading an abstract and answering yes / no / maybe)",
    "grounded": "consumer questions answered from NIH passages (MedQuAD), citing them by "
                "number",
    "conversation": "patient–doctor conversations",
}


def _stages_text(manifest: dict[str, Any] | None) -> str:
    if not manifest:
        return ""
    kinds = [st["data"]["kind"] for st in manifest["config"]["stages"]]
    parts = [_STAGE_TEXT.get(k, k) for k in kinds]
    if len(parts) == 1:
        return f", on {parts[0]}"
    return ", first on " + ", then on ".join(parts)


def _front_matter(base: str, datasets: list[str]) -> list[str]:
    lines = ["---", "license: gemma", f"base_model: {base}", "language:", "- en",
             "pipeline_tag: text-generation", "tags:", "- medical", "- gguf", "- hera",
             "- llama.cpp", "- ollama"]
    if datasets:
        lines += ["datasets:", *[f"- {d}" for d in datasets]]
    return [*lines, "---", ""]


def _files_section(report: dict[str, Any]) -> list[str]:
    lines = ["## Files", "",
             "| file | type | size | top-1 agreement | mean KL | measured against |",
             "|---|---|---|---|---|---|"]
    for g in report["ggufs"]:
        against = "the F16 GGUF" if g.get("against") == "f16" else "the merged HF model"
        lines.append(f"| `{g['file']}` | {g['type']} | {g['size_bytes'] / 1e6:,.1f} MB | "
                     f"{_pct(g['top1_agreement'])} | {g['mean_kl']:.4f} | {against} |")
    default = report.get("default_file", "")
    lines += ["", f"`Modelfile` runs `{default}`"
              + (f" ({report['quant_reason']})." if report.get("quant_reason") else ".")
              + " Parity is measured by `hera export` on fixed medical conversations, "
              "position by position, in llama.cpp; the export fails when a file misses its "
              "gate.", ""]
    return lines


def _training_section(manifest: dict[str, Any]) -> list[str]:
    cfg = manifest["config"]
    lora = cfg["lora"]
    quant = cfg.get("quantization", {})
    method = "QLoRA (4-bit NF4 base)" if quant.get("load_in_4bit") else "LoRA"
    lines = [
        "## Training", "",
        f"{method}, r={lora['r']}, alpha={lora['alpha']}, dropout={lora['dropout']}, on "
        f"{', '.join(lora['target_modules'])}; one adapter continued across the stages and "
        "merged once onto the full-precision base. Config "
        f"`{cfg['name']}`, seed {manifest.get('seed')}, code commit "
        f"`{(manifest.get('git_commit') or 'unknown')[:12]}`.", "",
        "| stage | data | train examples | steps | learning rate | eval loss | PubMedQA dev |",
        "|---|---|---|---|---|---|---|",
    ]
    for k, stage_cfg in enumerate(cfg["stages"], 1):
        metrics = manifest.get("stages", {}).get(str(k))
        if metrics is None:
            continue
        data = metrics["data"]
        start, final = metrics["history"][0], metrics["final"]
        dev = ""
        if "pubmedqa_dev_accuracy" in final:
            dev = (f"{_pct(start['pubmedqa_dev_accuracy'])} → "
                   f"{_pct(final['pubmedqa_dev_accuracy'])}")
        lines.append(
            f"| {k} {stage_cfg['name']} | {_dataset(data['source'])[0]} | "
            f"{data['train_examples']} | {metrics['optimizer_steps']} | "
            f"{stage_cfg['train']['learning_rate']:g} | "
            f"{start['eval_loss']:.3f} → {final['eval_loss']:.3f} | {dev} |"
        )
    shortened = [m["data"].get("shortened_to_fit", 0) for m in manifest.get("stages", {}).values()]
    lines += ["", "PubMedQA dev: accuracy on questions held out of the non-test pool (never "
              "the test set), before and after each stage. Eval loss: held-out examples of "
              "the stage's own data."]
    if any(shortened):
        lines.append(f"{sum(shortened)} long PubMedQA abstracts lost their leading sentences "
                     "to fit the context (none was dropped).")
    check = manifest.get("forgetting")
    if check and check.get("warning"):
        lines.append(f"**Warning:** stage {check['stage']} lost {check['lost_points']:.1f} "
                     "points of PubMedQA dev accuracy against an earlier stage.")
    return [*lines, ""]


def _evaluation_section(bench: dict[str, Any] | None, default_file: str) -> list[str]:
    lines = ["## Evaluation", ""]
    if not bench:
        return [*lines, "Not benchmarked yet: `hera bench pubmedqa --model "
                f"{default_file}` scores the 500 standard PubMedQA test questions.", ""]
    lo, hi = bench["ci95"]
    predicted = ", ".join(f"{k} {v}" for k, v in bench["predicted"].items())
    return [
        *lines,
        f"PubMedQA, the {bench['questions']} standard test questions (reasoning-required: "
        "abstract and question), scored by the log-likelihood of yes / no / maybe in "
        f"llama.cpp on `{bench['model_file']}` ({bench['format']} prompt format):", "",
        "| accuracy (95% CI) | macro-F1 | majority baseline | answers given |",
        "|---|---|---|---|",
        f"| **{_pct(bench['accuracy'])}** ({_pct(lo)}–{_pct(hi)}) | {bench['macro_f1']:.3f} | "
        f"{_pct(bench['majority_baseline'])} | {predicted} |", "",
    ]


def _answers_section(answers: dict[str, Any] | None) -> list[str]:
    if not answers:
        return []
    m = answers["with_sources"]

    def share(key: str) -> str:
        lo, hi = m[f"{key}_ci95"]
        return f"{_pct(m[key])} ({_pct(lo)}–{_pct(hi)})"

    lo, hi = m["rouge_l_ci95"]
    slo, shi = m["supported_ci95"]
    return [
        "### Grounded answers", "",
        f"The {answers['questions']} questions of the frozen LiveQA dev set "
        f"(`{answers['file']}`: real consumer messages to the U.S. National Library of "
        "Medicine, about conditions the model was not trained on), answered greedily with "
        f"sources from HERA's NIH library, in llama.cpp on `{answers['model_file']}`:", "",
        "| ROUGE-L | supported sentences | ends its turn | doctor voice | cites nothing |",
        "|---|---|---|---|---|",
        f"| {m['rouge_l']:.3f} ({lo:.3f}–{hi:.3f}) | {_pct(m['supported_share'])} "
        f"({_pct(slo)}–{_pct(shi)}) | {share('ends_turn')} | {share('doctor_voice')} | "
        f"{share('cites_nothing')} |", "",
    ]


def _samples_section(samples: list[dict[str, Any]] | None) -> list[str]:
    if not samples:
        return []
    passed = sum(s["ok"] for s in samples)
    lines = ["## Sample replies", "",
             f"Greedy replies to {len(samples)} fixed patient questions, answered as the chat "
             "app answers them (HERA's system prompt, sources from the NIH library). "
             f"{passed} of {len(samples)} end their turn, contain no template tokens and do "
             "not speak as a doctor (claiming to be one, examining, diagnosing the person or "
             "prescribing).", ""]
    for s in samples:
        flags = [name for name, bad in (("did not end its turn", not s["stopped"]),
                                        ("template tokens", s["template_tokens"]),
                                        ("speaks as a doctor", s["claims_doctor"])) if bad]
        reply = " ".join(s["reply"].split())
        lines += [f"**Q:** {s['question']}", "",
                  f"> {reply}" + (f" *({', '.join(flags)})*" if flags else ""), ""]
        cited = s.get("sources") or []
        if cited:
            lines += ["Sources:", "", *[f"- {c}" for c in cited], ""]
        elif s.get("note"):
            lines += [f"*{s['note'].splitlines()[0]}*", ""]
    return lines


def _licences_section(datasets: list[tuple[str, str, str | None]]) -> list[str]:
    lines = ["## Licences", "",
             "The weights derive from Google's Gemma and are distributed under the Gemma Terms "
             "of Use (https://ai.google.dev/gemma/terms) and the Gemma Prohibited Use Policy.",
             ""]
    lines += [f"- {name}: {licence}" for name, licence, _ in datasets]
    return [*lines, ""]


def render_card(out_dir: Path) -> str:
    """The model card for the export in ``out_dir``, from the files recorded there."""
    report = json.loads((out_dir / "export_report.json").read_text())
    manifest = _read(out_dir / MANIFEST_COPY)
    bench = _read(out_dir / BENCHMARK_FILE)
    samples = _read(out_dir / SAMPLES_FILE)
    answers = _read(out_dir / ANSWERS_FILE)
    name = report.get("name") or out_dir.name
    base = report.get("base_model", "unknown")
    sources = []
    if manifest:
        sources = [m["data"]["source"] for _, m in sorted(manifest.get("stages", {}).items())]
    datasets = list(dict.fromkeys(_dataset(s) for s in sources))
    lines = [
        *_front_matter(base, [hub for _, _, hub in datasets if hub]),
        f"# {name}", "",
        f"{name} is a HERA model: `{base}` fine-tuned to give general medical information"
        f"{_stages_text(manifest)}. It runs offline on a CPU through llama.cpp or Ollama; "
        "HERA's chat app and `hera ask` give it passages from HERA's NIH library (through "
        "Ollama alone it answers without them).",
        "", f"> {DISCLAIMER}", "",
        "## Use", "", "```",
        f"ollama create {name} -f Modelfile && ollama run {name}",
        f"hera chat --model {report.get('default_file', '')}",
        "```", "",
        *_files_section(report),
    ]
    if manifest:
        lines += _training_section(manifest)
    lines += _evaluation_section(bench, report.get("default_file", ""))
    lines += _answers_section(answers)
    lines += _samples_section(samples)
    lines += [
        "## Intended use and limitations", "",
        "- For: general, educational medical information in a chat; reading medical "
        "abstracts; offline use where conversations must stay on the machine.",
        "- Not for: diagnosis, treatment or dosing decisions, emergencies, or anyone who "
        "cannot check its answers with a clinician. A small model makes confident mistakes "
        "and can invent facts and references.",
        "- HERA's chat app checks every message for emergency red flags with rules that do "
        "not depend on this model; Ollama and llama.cpp used directly do not.", "",
        "## Medical disclaimer", "", DISCLAIMER, "",
        *_licences_section(datasets),
    ]
    return "\n".join(lines)


def write_card(out_dir: Path) -> Path:
    """(Re)write ``README.md`` in ``out_dir``; returns its path."""
    path = out_dir / CARD_FILE
    atomic_write_text(path, render_card(out_dir))
    return path


def record(out_dir: Path, name: str, data: Any) -> Path:
    """Store a result (:data:`BENCHMARK_FILE`, :data:`SAMPLES_FILE`) beside the export and
    rewrite the card with it."""
    atomic_write_text(out_dir / name, json.dumps(data, indent=2))
    return write_card(out_dir)
