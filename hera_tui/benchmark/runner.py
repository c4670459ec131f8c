"""Run a benchmark: score every item, cache as you go, summarize, save, append to history.

Results folder layout (default ``$HERA_HOME/results``)::

    cache/<benchmark>-<model>-<format>-<key>.jsonl   one line per scored question (resume)
    runs/<time>-<benchmark>-<model>-<format>.json    settings, metrics, every prediction
    history.jsonl                                    one summary line per run

The cache key covers the model's identity (file size and time, prefix reuse and context
length for llama.cpp, the digest for Ollama...), the prompt format and the scoring method;
each cached line also carries a hash of its question's prompt and choices, so an edited
question is rescored. An interrupted run (Ctrl-C, a crash, the TUI's cancel) resumes
where it stopped when started again with the same settings, and ``--limit`` runs reuse
the questions a larger run already scored.

A run stopped before its last question (cancelled, Ctrl-C, an error) is still saved when
it scored anything, marked partial: its run file and history line say ``partial``, how
many of how many questions it scored and their gold-label mix, because its figures are
true only of those questions. A finished run has ``partial`` false.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hera_core.atomic_files import atomic_write_json
from hera_core.errors import HeraError
from hera_core.intervals import wilson
from hera_tui.benchmark.items import BenchItem
from hera_tui.benchmark.metrics import majority_of, summarize
from hera_tui.benchmark.scorer_base import ChoiceScorer, ScorerError, format_name

SCORING = "loglik"
HISTORY_FILE = "history.jsonl"


class RunCancelled(HeraError):
    """The run was stopped before the last question (a cancel or Ctrl-C). The cache keeps
    what was scored; ``report`` is the partial run saved from it (None when nothing was)."""

    def __init__(self, message: str, report: RunReport | None = None) -> None:
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class ProgressState:
    """Where a run stands; ``scored_now`` excludes questions answered from the cache, and
    ``gold_counts`` counts the gold labels of the ``done`` questions."""

    done: int
    total: int
    correct: int
    scored_now: int
    seconds: float
    gold_counts: Mapping[str, int]

    @property
    def eta_seconds(self) -> float | None:
        if not self.scored_now:
            return None
        return (self.total - self.done) * self.seconds / self.scored_now

    @property
    def accuracy(self) -> float:
        return self.correct / self.done if self.done else 0.0

    def running_text(self) -> str:
        """``acc 56.0% (95% CI 42.3%-68.8%) | majority 56.0% (yes)``: the running accuracy
        beside what always answering the commonest gold label so far would score, so a
        model that only says "yes" reads as the baseline, not as a success. The interval
        is Wilson's (closed form, cheap after every question); the final report's is the
        2,000-resample bootstrap, which can differ from it by a few tenths of a point."""
        lo, hi = wilson(self.correct, self.done)
        label, share = majority_of(self.gold_counts)
        return (f"acc {self.accuracy:.1%} (95% CI {lo:.1%}-{hi:.1%}) | "
                f"majority {share:.1%} ({label})")


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


@dataclass
class _Tally:
    """What a run has answered so far (from the cache or scored now)."""

    labels: tuple[str, ...]
    predictions: list[dict[str, Any]] = field(default_factory=list)
    correct: int = 0
    scored_now: int = 0
    from_cache: int = 0
    gold_counts: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.gold_counts = dict.fromkeys(self.labels, 0)

    def add(self, record: dict[str, Any]) -> None:
        self.correct += record["pred"] == record["gold"]
        self.gold_counts[record["gold"]] += 1
        self.predictions.append({k: record[k] for k in ("id", "gold", "pred", "scores")})


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

    ``should_stop`` is polled between questions; when it says so, or on Ctrl-C,
    :class:`RunCancelled` is raised carrying the partial run saved from what was scored.
    Any other error saves the partial run too, then propagates.
    """
    out_dir = Path(out_dir)
    cache_file = cache_path(out_dir, benchmark, scorer)
    cached = read_cache(cache_file)
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    # Multiple-choice questions may differ in their number of options: report every letter.
    tally = _Tally(tuple(dict.fromkeys(label for item in items for label in item.labels)))

    def save(stopped: str | None) -> RunReport:
        return _report(benchmark, items, scorer, out_dir, settings or {}, tally,
                       time.perf_counter() - started, seed, stopped)

    def save_partial(stopped: str) -> RunReport | None:
        return save(stopped) if tally.predictions else None  # nothing scored, nothing shown

    try:
        with cache_file.open("a", encoding="utf-8") as cache:
            for done, item in enumerate(items, 1):
                if should_stop is not None and should_stop():
                    raise RunCancelled(f"cancelled after {done - 1} of {len(items)} questions")
                digest = item_hash(item)
                record = cached.get(item.id)
                if record is not None and record.get("item_hash") == digest:
                    tally.from_cache += 1
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
                    tally.scored_now += 1
                tally.add(record)
                if progress is not None:
                    progress(ProgressState(
                        done, len(items), tally.correct, tally.scored_now,
                        time.perf_counter() - started, dict(tally.gold_counts),
                    ))
    except RunCancelled as exc:
        exc.report = save_partial("cancelled")
        raise
    except KeyboardInterrupt as exc:
        done = len(tally.predictions)
        raise RunCancelled(
            f"interrupted after {done} of {len(items)} questions", save_partial("interrupted")
        ) from exc
    except Exception as exc:
        save_partial(f"error: {str(exc) or type(exc).__name__}")
        raise
    return save(None)


def _report(
    benchmark: str,
    items: Sequence[BenchItem],
    scorer: ChoiceScorer,
    out_dir: Path,
    settings: dict[str, Any],
    tally: _Tally,
    seconds: float,
    seed: int,
    stopped: str | None,
) -> RunReport:
    """Summarize and save what ``tally`` holds; ``stopped`` says why a partial run ended."""
    predictions = tally.predictions
    metrics = summarize(
        [p["gold"] for p in predictions], [p["pred"] for p in predictions], tally.labels, seed
    )
    full_settings = {
        "benchmark": benchmark,
        "model": scorer.model,
        "model_identity": scorer.identity(),
        "format": format_name(scorer.fmt),
        "scoring": SCORING,
        "questions": len(items),
        **settings,
        "partial": stopped is not None,
    }
    if stopped is not None:
        full_settings["stopped"] = stopped
    return _save_run(out_dir, full_settings, metrics, predictions, seconds, tally.from_cache)


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
    if settings["partial"]:
        name += "-partial"
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
        "of": settings["questions"],
        "partial": settings["partial"],
        "label_mix": metrics["gold_counts"],
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
    """Every saved run's summary, oldest first (unreadable lines are skipped).

    Lines written before partial runs were saved lack ``partial``/``of``: they were all
    finished runs, so they read as finished runs of ``n`` questions.
    """
    path = Path(out_dir) / HISTORY_FILE
    if not path.exists():
        return []
    entries = []
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict):
            entry.setdefault("partial", False)
            entry.setdefault("of", entry.get("n"))
            entries.append(entry)
    return entries


def count_text(entry: Mapping[str, Any]) -> str:
    """How many questions a history entry covers: ``500``, or ``139/500 partial``."""
    return f"{entry['n']}/{entry['of']} partial" if entry["partial"] else str(entry["n"])


def load_run(out_dir: Path, entry: dict[str, Any]) -> dict[str, Any]:
    """The full run file behind a history entry."""
    return json.loads((Path(out_dir) / entry["run_file"]).read_text())
