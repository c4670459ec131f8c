"""``hera bench answers``: grounded answers to consumer questions, measured.

Input: one JSON object a line with ``question`` and ``references`` (reference answers, a
list of strings or one string); ``id`` names it (``hera sources devset`` writes the frozen
LiveQA set). Each question is answered greedily, as ``hera ask`` answers it (same
retrieval, prompt and citation rules), and scored:

- **ROUGE-L**: the F-measure of the longest common subsequence with the closest reference
  (``rouge-score``, Porter stemming), the usual measure of overlap with reference answers;
- **supported sentences**: of all the replies' claims (sentences, HERA's fixed safety lines
  aside), the share whose content words the cited sources hold (``grounding.supports``):
  without sources nothing is cited, so nothing is supported;
- **ends its turn**: the reply stopped at the end-of-turn token, not at the token limit;
- **doctor voice**: the reply speaks as the person's clinician (``sources.voice``);
- **cites nothing**: no source is cited.

Shares get 95% Wilson intervals, ROUGE-L a bootstrap interval. Every reply is cached per
model, file and setting, so an interrupted run resumes; a run is saved under the results
folder with every reply.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hera_core.atomic_files import atomic_write_json
from hera_core.errors import HeraError
from hera_core.intervals import bootstrap_mean_ci, wilson
from hera_core.jsonl import read_objects
from hera_core.sources.grounding import claim_sentences, supported_share
from hera_core.sources.voice import doctor_voice

from .runner import read_cache


class AnswersFileError(HeraError, ValueError):
    """A questions file for ``hera bench answers`` cannot be used; names the line."""


@dataclass(frozen=True)
class AnswerItem:
    id: str
    question: str
    references: tuple[str, ...]


def read_items(path: Path) -> list[AnswerItem]:
    items = []
    for n, where, row in read_objects(path, AnswersFileError):
        refs = row.get("references")
        refs = [refs] if isinstance(refs, str) else refs
        if not isinstance(row.get("question"), str) or not row["question"].strip() or not (
                isinstance(refs, list) and refs and all(isinstance(r, str) and r.strip()
                                                        for r in refs)):
            raise AnswersFileError(f'{where}: expected {{"question": "...", "references": '
                                   '["..."]}} with non-empty text')
        items.append(AnswerItem(str(row.get("id", n)), row["question"], tuple(refs)))
    if not items:
        raise AnswersFileError(f"{path}: no questions")
    return items


def rouge_l(reply: str, references: Sequence[str]) -> float:
    """ROUGE-L F-measure against the closest reference."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    return max(scorer.score(ref, reply)["rougeL"].fmeasure for ref in references)


def score_reply(item: AnswerItem, answer: Any) -> dict[str, Any]:
    """One question's record: the reply, its sources and its measures."""
    reply = answer.reply
    supported, claims = supported_share(reply.text, reply.plan.sources) if (
        reply.plan.grounded) else (0, len(claim_sentences(reply.text)))
    return {
        "id": item.id, "question": item.question, "reply": reply.text,
        "finish": answer.stats.finish, "tokens": answer.stats.tokens,
        "ttft_s": answer.stats.ttft_s, "rouge_l": rouge_l(reply.text, item.references),
        "supported": supported, "claims": claims, "ends_turn": answer.stats.finish == "stop",
        "doctor_voice": doctor_voice(reply.text), "cites_nothing": not reply.cited,
        **reply.to_json(),
    }


def summarise_answers(records: Sequence[dict[str, Any]], seed: int = 0) -> dict[str, Any]:
    n = len(records)
    rouge = [r["rouge_l"] for r in records]
    supported = sum(r["supported"] for r in records)
    claims = sum(r["claims"] for r in records)
    out: dict[str, Any] = {
        "n": n, "rouge_l": sum(rouge) / n, "rouge_l_ci95": bootstrap_mean_ci(rouge, seed=seed),
        "supported_share": supported / claims if claims else 0.0,
        "supported_ci95": wilson(supported, claims), "claims": claims,
        "mean_tokens": sum(r["tokens"] for r in records) / n,
    }
    for key in ("ends_turn", "doctor_voice", "cites_nothing"):
        hits = sum(1 for r in records if r[key])
        out[key] = hits / n
        out[f"{key}_ci95"] = wilson(hits, n)
    return out


#: raised when the way a reply is produced or scored changes, so replies cached before are
#: not reused (2: the reply guard and the closing line, ``hera_tui.answers.generate_guarded``;
#: 3: HERA's emergency opening, the support check's 75% and negations). A change of the
#: prompt itself (excerpt length, sources, formats) needs no raise: see :func:`prompt_key`.
ANSWERING = 3


def cache_file(out_dir: Path, model_identity: str, file: Path, sources: bool) -> Path:
    key = hashlib.sha256(
        json.dumps([model_identity, file.name, sources, ANSWERING]).encode()).hexdigest()
    return out_dir / "cache" / f"answers-{key[:16]}.jsonl"


def prompt_key(plan: Any) -> str:
    """A fingerprint of exactly what the model is asked: a cached reply is reused only for
    the same prompt. Why: the cache is keyed by model and file, and replies cached with
    70-word excerpts were once about to be reused after the excerpts grew to 100 words."""
    return hashlib.sha256(json.dumps([[m.role, m.content] for m in plan.messages],
                                     ensure_ascii=False).encode()).hexdigest()[:16]


def run_answers(
    items: Sequence[AnswerItem], answerer: Any, model_identity: str, file: Path,
    sources: bool, out_dir: Path, progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Answer and score every item (resuming from the cache); the saved run."""
    from hera_tui.safety import triage

    cache = cache_file(out_dir, model_identity, file, sources)
    cache.parent.mkdir(parents=True, exist_ok=True)
    done = read_cache(cache)
    records = []
    with cache.open("a", encoding="utf-8") as log:
        for i, item in enumerate(items, 1):
            # as `hera ask` answers: the emergency check first, its alert to the guard
            alert = triage(item.question)
            plan = answerer.plan(item.question, sources, alert=alert)
            record = done.get(item.id)
            if record is None or record.get("prompt") != prompt_key(plan):
                record = {**score_reply(item, answerer.answer(item.question, sources,
                                                              alert=alert, plan=plan)),
                          "prompt": prompt_key(plan)}
                log.write(json.dumps(record, ensure_ascii=False) + "\n")
                log.flush()
            records.append(record)
            if progress:
                progress(i, len(items))
    run = {"file": str(file), "model": model_identity, "sources": sources,
           "metrics": summarise_answers(records), "replies": records}
    name = f"answers-{Path(file).stem}-{hashlib.sha256(model_identity.encode()).hexdigest()[:8]}"
    atomic_write_json(out_dir / "runs" / f"{name}-{'sources' if sources else 'none'}.json",
                      run)
    return run


def format_answers(label: str, metrics: dict[str, Any]) -> str:
    m = metrics
    lo, hi = m["rouge_l_ci95"]

    def share(key: str) -> str:
        a, b = m[f"{key}_ci95"]
        return f"{m[key]:.1%} ({a:.1%}-{b:.1%})"

    slo, shi = m["supported_ci95"]
    return "\n".join([
        f"{label} | {m['n']} questions | {m['mean_tokens']:.0f} tokens a reply on average",
        f"  ROUGE-L              {m['rouge_l']:.3f} (95% CI {lo:.3f}-{hi:.3f})",
        f"  supported sentences  {m['supported_share']:.1%} ({slo:.1%}-{shi:.1%}) of "
        f"{m['claims']} claims",
        f"  ends its turn        {share('ends_turn')}",
        f"  doctor voice         {share('doctor_voice')}",
        f"  cites nothing        {share('cites_nothing')}",
    ])
