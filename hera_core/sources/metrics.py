"""Retrieval metrics over a labelled file: success@k, P@1 and MRR, with intervals.

A labelled file holds one JSON object a line: ``{"question": ..., "relevant": ...}`` where
``relevant`` is a list of passage ids (all relevant) or an object mapping ids to grades
(``{"NIDDK:0000001-2": 3}``); with grades, an id counts as relevant when its grade reaches
``min_grade``. Other fields are kept (``id`` names the question in reports). A bad line
stops the run with its line number and what is wrong.

- success@k: the share of questions with at least one relevant passage in the top k;
- P@1: the share whose first hit is relevant (success@1);
- MRR: the mean of 1/rank of the first relevant passage (0 when none is in the ranking).

Intervals: Wilson 95% for the shares, a seeded bootstrap (2,000 resamples) for MRR.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hera_core.errors import HeraError
from hera_core.intervals import bootstrap_mean_ci, wilson
from hera_core.jsonl import read_objects


class LabelledQueriesError(HeraError, ValueError):
    """A labelled retrieval file cannot be read; the message names the line."""


@dataclass(frozen=True)
class LabelledQuery:
    id: str
    question: str
    relevant: frozenset[str]


def read_queries(path: Path, min_grade: float = 1.0) -> list[LabelledQuery]:
    """The questions of a labelled file that have at least one relevant passage."""
    out = []
    for n, where, row in read_objects(path, LabelledQueriesError):
        if not isinstance(row.get("question"), str) or not row["question"].strip():
            raise LabelledQueriesError(f'{where}: expected an object with a non-empty '
                                       f'"question" string and "relevant" ids')
        relevant = row.get("relevant")
        if isinstance(relevant, list) and all(isinstance(r, str) for r in relevant):
            ids = frozenset(relevant)
        elif isinstance(relevant, dict) and all(
                isinstance(g, int | float) and not isinstance(g, bool)
                for g in relevant.values()):
            ids = frozenset(k for k, g in relevant.items() if g >= min_grade)
        else:
            raise LabelledQueriesError(f'{where}: "relevant" must be a list of passage ids '
                                       "or an object of ids to numeric grades")
        if ids:
            out.append(LabelledQuery(str(row.get("id", n)), row["question"], ids))
    if not out:
        raise LabelledQueriesError(f"{path}: no question with a relevant passage; nothing "
                                   "to measure")
    return out


def first_relevant_rank(ranked: Sequence[str], relevant: frozenset[str]) -> int | None:
    return next((i + 1 for i, pid in enumerate(ranked) if pid in relevant), None)


def summarise(ranks: Sequence[int | None], ks: Sequence[int] = (1, 3, 5, 10),
              seed: int = 0) -> dict:
    """success@k for each k (with intervals), P@1 and MRR (bootstrap interval)."""
    n = len(ranks)
    out: dict = {"n": n}
    for k in ks:
        hits = sum(1 for r in ranks if r is not None and r <= k)
        out[f"success@{k}"] = {"value": hits / n, "hits": hits, "ci95": wilson(hits, n)}
    out["p@1"] = out["success@1"] if 1 in ks else None
    reciprocal = [1 / r if r else 0.0 for r in ranks]
    out["mrr"] = {"value": sum(reciprocal) / n, "ci95": bootstrap_mean_ci(reciprocal, seed=seed)}
    return out


def evaluate_retrieval(retriever, queries: Sequence[LabelledQuery], mode: str,
                       depth: int = 10) -> dict:
    """Rank each query's passages with ``retriever`` in ``mode``; the summary plus the
    rank of each query's first relevant passage and the time per query."""
    import time

    started = time.perf_counter()
    ranks = []
    for q in queries:
        hits = retriever.search(q.question, depth, mode)
        ranks.append(first_relevant_rank([h.passage.id for h in hits], q.relevant))
    seconds = time.perf_counter() - started
    out = summarise(ranks)
    out["ms_per_query"] = 1000 * seconds / len(queries)
    out["ranks"] = {q.id: r for q, r in zip(queries, ranks, strict=True)}
    return out


def format_retrieval(label: str, results: dict[str, dict]) -> str:
    """The printed table: one row per retriever."""
    lines = [f"{label}: {next(iter(results.values()))['n']} questions with a relevant passage",
             f"  {'retriever':<9} {'success@1 (P@1)':<22} {'success@3':<22} "
             f"{'success@10':<22} {'MRR':<20} ms/q"]
    for mode, r in results.items():
        cells = []
        for key in ("success@1", "success@3", "success@10"):
            lo, hi = r[key]["ci95"]
            cells.append(f"{r[key]['value']:.3f} ({lo:.3f}-{hi:.3f})".ljust(22))
        lo, hi = r["mrr"]["ci95"]
        lines.append(f"  {mode:<9} {' '.join(cells)} {r['mrr']['value']:.3f} "
                     f"({lo:.3f}-{hi:.3f}) {r['ms_per_query']:.0f}")
    return "\n".join(lines)
