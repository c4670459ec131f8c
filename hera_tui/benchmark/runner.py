"""Run a benchmark: score every item, cache as you go, summarize, save, append to history.

Results folder layout (default ``$HERA_HOME/results``)::

    cache/<benchmark>-<model>-<format>-<key>.jsonl   one line per scored question (resume)
    runs/<time>-<benchmark>-<model>-<format>.json    settings, metrics, every prediction
    history.jsonl                                    one summary line per finished run

The cache key covers the model's identity (file size and time, prefix reuse and context
length for llama.cpp, the digest for Ollama...), the prompt format and the scoring method;
each cached line also carries a hash of its question's prompt and choices, so an edited
question is rescored. An interrupted run (Ctrl-C, a crash, the TUI's cancel) resumes
where it stopped when started again with the same settings, and ``--limit`` runs reuse
the questions a larger run already scored.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hera_train.atomic_files import atomic_write_json
from hera_tui.benchmark.items import BenchItem
from hera_tui.benchmark.metrics import summarize
from hera_tui.benchmark.scorers import ChoiceScorer, ScorerError, format_name

SCORING = "loglik"
HISTORY_FILE = "history.jsonl"


class RunCancelled(Exception):
    """The run was stopped before the last question; the cache keeps what was scored."""


@dataclass(frozen=True)
class ProgressState:
    """Where a run stands; ``scored_now`` excludes questions answered from the cache."""

    done: int
    total: int
    correct: int
    scored_now: int
    seconds: float

    @property
    def eta_seconds(self) -> float | None:
        if not self.scored_now:
            return None
        return (self.total - self.done) * self.seconds / self.scored_now


@dataclass
class RunReport:
    """A finished run."""

    settings: dict[str, Any]
    metrics: dict[str, Any]
    predictions: list[dict[str, Any]]
    run_file: Path
    seconds: float
    from_cache: int = 0
    history_entry: dict[str, Any] = field(default_factory=dict)


def _slug(model: str) -> str:
    """A file-name-safe short name for a ``--model`` spec."""
    for backend in ("ollama:", "hf:"):
        model = model.removeprefix(backend)
    name = Path(model).name or model
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")[:60] or "model"


def item_hash(item: BenchItem) -> str:
    """What the model is asked: a cached answer is reused only for the same question."""
    blob = json.dumps([item.prompt, item.prefix, item.choices, item.labels, item.gold])
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def predict(labels: Sequence[str], scores: Sequence[float]) -> str:
    """The label with the highest log-likelihood (the first one on ties)."""
    return labels[max(range(len(labels)), key=lambda i: scores[i])]


def checked_scores(scorer: ChoiceScorer, item: BenchItem) -> list[float]:
    """The item's scores; an error when no choice has a finite log-likelihood, because
    then "the most likely answer" would silently be the first label."""
    scores = scorer.score(item.prompt, item.prefix, item.choices)
    if not any(-math.inf < s < math.inf for s in scores):
        raise ScorerError(
            f"{scorer.model}: no choice of question {item.id!r} has a finite log-likelihood "
            f"({', '.join(map(str, scores))}): the model gives none of the answers any "
            "probability, which usually means a wrong prompt format (try --format)"
        )
    return scores


def cache_path(out_dir: Path, benchmark: str, scorer: ChoiceScorer) -> Path:
    key_data = {
        "benchmark": benchmark,
        "model": scorer.identity(),
        "format": format_name(scorer.fmt),
        "scoring": SCORING,
    }
    key = hashlib.sha256(json.dumps(key_data, sort_keys=True).encode()).hexdigest()[:12]
    name = f"{benchmark}-{_slug(scorer.model)}-{format_name(scorer.fmt)}-{key}.jsonl"
    return Path(out_dir) / "cache" / name


def read_cache(path: Path) -> dict[str, dict[str, Any]]:
    """Cached answers by question id; a line cut short by a crash is ignored."""
    cached: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return cached
    for line in path.read_text().splitlines():
        try:
            record = json.loads(line)
            cached[record["id"]] = record
        except (json.JSONDecodeError, KeyError, TypeError):
            continue
    return cached


def run_benchmark(
    benchmark: str,
    items: Sequence[BenchItem],
    scorer: ChoiceScorer,
    out_dir: Path,
    settings: dict[str, Any] | None = None,
    progress: Callable[[ProgressState], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    seed: int = 0,
) -> RunReport:
    """Score ``items`` with ``scorer`` (resuming from the cache) and save the run.

    ``should_stop`` is polled between questions; when it says so :class:`RunCancelled`
    is raised and nothing but the cache is written.
    """
    out_dir = Path(out_dir)
    cache_file = cache_path(out_dir, benchmark, scorer)
    cached = read_cache(cache_file)
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    predictions: list[dict[str, Any]] = []
    correct = scored_now = from_cache = 0
    with cache_file.open("a", encoding="utf-8") as cache:
        for done, item in enumerate(items, 1):
            if should_stop is not None and should_stop():
                raise RunCancelled(f"stopped after {done - 1} of {len(items)} questions")
            digest = item_hash(item)
            record = cached.get(item.id)
            if record is not None and record.get("item_hash") == digest:
                from_cache += 1
            else:
                scores = checked_scores(scorer, item)
                record = {
                    "id": item.id,
                    "item_hash": digest,
                    "gold": item.gold,
                    "pred": predict(item.labels, scores),
                    "scores": dict(zip(item.labels, scores, strict=True)),
                }
                cache.write(json.dumps(record) + "\n")
                cache.flush()
                scored_now += 1
            correct += record["pred"] == item.gold
            predictions.append(
                {k: record[k] for k in ("id", "gold", "pred", "scores")}
            )
            if progress is not None:
                progress(
                    ProgressState(
                        done, len(items), correct, scored_now, time.perf_counter() - started
                    )
                )
    seconds = time.perf_counter() - started
    # Multiple-choice questions may differ in their number of options: report every letter.
    labels = tuple(dict.fromkeys(label for item in items for label in item.labels))
    metrics = summarize(
        [p["gold"] for p in predictions], [p["pred"] for p in predictions], labels, seed
    )
    full_settings = {
        "benchmark": benchmark,
        "model": scorer.model,
        "model_identity": scorer.identity(),
        "format": format_name(scorer.fmt),
        "scoring": SCORING,
        "questions": len(items),
        **(settings or {}),
    }
    return _save_run(out_dir, full_settings, metrics, predictions, seconds, from_cache)


def _save_run(
    out_dir: Path,
    settings: dict[str, Any],
    metrics: dict[str, Any],
    predictions: list[dict[str, Any]],
    seconds: float,
    from_cache: int,
) -> RunReport:
    now = datetime.now(UTC)
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
    name = f"{stamp}-{settings['benchmark']}-{_slug(settings['model'])}-{settings['format']}"
    run_file = out_dir / "runs" / f"{name}.json"
    created = now.isoformat(timespec="seconds")
    atomic_write_json(
        run_file,
        {
            "created": created,
            "settings": settings,
            "metrics": metrics,
            "seconds": round(seconds, 2),
            "questions_from_cache": from_cache,
            "predictions": predictions,
        },
    )
    entry = {
        "created": created,
        "benchmark": settings["benchmark"],
        "model": settings["model"],
        "format": settings["format"],
        "n": metrics["n"],
        "accuracy": metrics["accuracy"],
        "accuracy_ci95": metrics["accuracy_ci95"],
        "macro_f1": metrics["macro_f1"],
        "majority_accuracy": metrics["majority_accuracy"],
        "run_file": str(run_file.relative_to(out_dir)),
    }
    with (out_dir / HISTORY_FILE).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")
    return RunReport(settings, metrics, predictions, run_file, seconds, from_cache, entry)


def load_history(out_dir: Path) -> list[dict[str, Any]]:
    """Every finished run's summary, oldest first (unreadable lines are skipped)."""
    path = Path(out_dir) / HISTORY_FILE
    if not path.exists():
        return []
    entries = []
    for line in path.read_text().splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return entries


def load_run(out_dir: Path, entry: dict[str, Any]) -> dict[str, Any]:
    """The full run file behind a history entry."""
    return json.loads((Path(out_dir) / entry["run_file"]).read_text())
