"""Training examples for a stage: read rows from the hub or a local file, check them,
turn them into conversations.

Sources: a hub dataset (``qiaojin/PubMedQA`` / ``pqa_artificial``,
``lavita/ChatDoctor-HealthCareMagic-100k``), or a local JSON / JSONL / Parquet file, or
PubMedQA's own ``ori_pqal.json`` (an object keyed by PMID). Rows with missing or empty
fields are skipped and counted, or stop the run with the row number (``on_bad_row``).
PubMedQA test questions are dropped from every PubMedQA source before anything else
happens, and the final id list is checked again by the test-set guard.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hera_core.errors import HeraError
from hera_core.formats import HERA_SYSTEM_PROMPT, Message
from hera_core.paths import data_file
from hera_core.pubmedqa import (
    LABELS,
    Question,
    answer_text,
    question_text,
)
from hera_core.pubmedqa_split import guard_against_test
from hera_train.config import DataConfig

#: ``data.system_prompt`` value that stands for :data:`HERA_SYSTEM_PROMPT`.
HERA_SYSTEM = "hera"


class DataError(HeraError, ValueError):
    """Data that cannot be used for training; the message names the row or file."""


@dataclass(frozen=True)
class Example:
    """One training conversation, with the id of the row it came from."""

    id: str
    messages: tuple[Message, ...]
    #: the PubMedQA question a stage-1 example was built from: its abstract can be shortened
    #: to fit the context (:func:`hera_train.batching.fit_to_length`)
    question: Question | None = None


def example_text(example: Example) -> str:
    """Every message of an example, for content checks (the test-set guard)."""
    return "\n".join(m.content for m in example.messages)


def pubmedqa_example(question: Question) -> Example:
    """The stage-1 conversation of a PubMedQA question: the benchmark's user turn, then the
    decision and the abstract's conclusion as the reply."""
    messages = (
        Message("user", question_text(question.question, question.contexts)),
        Message("assistant", answer_text(question.label, question.long_answer)),
    )
    return Example(question.id, messages, question)


@dataclass
class LoadReport:
    """What loading did to the rows: for the manifest and the progress log."""

    rows: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    excluded_test: int = 0
    excluded_dev: int = 0
    #: grounded stages: library pairs left out because the evaluation asks about their page
    held_out_for_evaluation: int = 0

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def _read_local(path: Path) -> list[Any]:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    text = path.read_text()
    if suffix == ".jsonl":
        rows = []
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
        return rows
    if suffix != ".json":
        raise DataError(f"{path}: unsupported file type {suffix!r}; use .json, .jsonl or .parquet")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if isinstance(data, dict):
        # PubMedQA's own format: PMID → fields. The key is the row's id.
        return [
            {"pubid": key, **value} if isinstance(value, dict) else {"pubid": key}
            for key, value in data.items()
        ]
    if isinstance(data, list):
        return data
    raise DataError(f"{path}: expected a list of rows or an object keyed by id")


def _read_hub(cfg: DataConfig) -> Sequence[Any]:
    try:
        import datasets
    except ImportError:
        raise DataError("the hub needs `datasets`: pip install 'hera[train]'") from None
    try:
        return datasets.load_dataset(cfg.hub_id, cfg.hub_config or None, split=cfg.split)
    except Exception as exc:  # datasets raises many types for offline / missing
        raise DataError(
            f"cannot load hub dataset {cfg.hub_id!r} ({type(exc).__name__}); check the id and "
            "network, or set data.path to a local copy (HERA_DATA_DIR)"
        ) from None


def read_rows(cfg: DataConfig) -> Sequence[Any]:
    """Raw rows of the configured source, indexable (a hub dataset stays on disk)."""
    return _read_local(data_file(cfg.path)) if cfg.path else _read_hub(cfg)


def _text(row: dict[str, Any], *keys: str) -> str:
    """The first present key's value as stripped text ('' when missing or not text)."""
    for key in keys:
        value = row.get(key)
        if isinstance(value, str):
            return value.strip()
    return ""


def _pubmedqa_example(row: dict[str, Any], conclusion: bool) -> Example | str:
    """A stage-1 example, or the name of what is wrong with the row."""
    pmid = str(row.get("pubid", row.get("id", ""))).strip()
    question = _text(row, "question", "QUESTION")
    contexts = row.get("CONTEXTS")
    if contexts is None and isinstance(row.get("context"), dict):
        contexts = row["context"].get("contexts")
    label = _text(row, "final_decision").lower()
    if not pmid:
        return "missing id"
    if not question:
        return "missing question"
    if not contexts or not all(isinstance(c, str) and c.strip() for c in contexts):
        return "missing contexts"
    if label not in LABELS:
        return "missing or invalid final_decision"
    long_answer = _text(row, "long_answer", "LONG_ANSWER") if conclusion else ""
    return pubmedqa_example(Question(pmid, question, tuple(contexts), label, long_answer))


def _conversation_example(
    row: dict[str, Any], index: int, system_prompt: str
) -> Example | str:
    patient = _text(row, "input")
    reply = _text(row, "output")
    if not patient:
        return "missing input"
    if not reply:
        return "missing output"
    if system_prompt == HERA_SYSTEM:
        system_prompt = HERA_SYSTEM_PROMPT
    system = system_prompt or _text(row, "instruction")
    messages = [Message("system", system)] if system else []
    messages += [Message("user", patient), Message("assistant", reply)]
    return Example(str(row.get("id", index)), tuple(messages))


def grounded_stage(cfg: DataConfig, seed: int) -> tuple[list[Example], LoadReport]:
    """Stage 2's grounded questions (hera_core/sources/trainset.py), from the MedQuAD
    folder ``cfg.path``, its library (built first if it is not current) and the LiveQA
    questions whose foci are held out."""
    from hera_core.sources import devsets, liveqa, medquad
    from hera_core.sources.library import build_library
    from hera_core.sources.retrieve import open_retriever
    from hera_core.sources.trainset import grounded_examples, held_out_foci

    corpus = medquad.find_corpus(data_file(cfg.path))
    build_library(corpus, say=lambda text: print(text, flush=True))
    passages = list(medquad.read_corpus(corpus))
    questions = liveqa.read_train(data_file(cfg.holdout))
    by_id = {p.id: p for p in passages}
    pages = {by_id[r].url for item in devsets.label(questions, passages) for r in item.relevant}
    retriever = open_retriever()
    try:
        count = (cfg.max_samples + cfg.eval_samples) if cfg.max_samples else 1000
        built, drawn = grounded_examples(retriever, passages, held_out_foci(questions), pages,
                                         count, seed)
    finally:
        retriever.library.close()
    report = LoadReport(rows=drawn["pool"], held_out_for_evaluation=drawn["held_out_pairs"])
    return [Example(e.id, e.messages) for e in built], report


def load_examples(
    cfg: DataConfig,
    test_ids: frozenset[str],
    exclude_ids: frozenset[str] = frozenset(),
    seed: int = 0,
) -> tuple[list[Example], LoadReport]:
    """Usable examples of a stage in a seeded random order: all of them, or
    ``max_samples`` + ``eval_samples`` when ``max_samples`` is set.

    ``exclude_ids`` are PubMedQA ids held out for the dev split (model selection).
    """
    if cfg.kind == "grounded":
        return grounded_stage(cfg, seed)
    report = LoadReport()
    examples: list[Example] = []
    rows = read_rows(cfg)
    order = list(range(len(rows)))
    wanted = cfg.max_samples + cfg.eval_samples if cfg.max_samples else len(order)
    if cfg.max_samples:
        # Visit rows in a seeded random order and stop once enough are usable: a 200k-row
        # hub dataset is never converted whole for a 3,000-example stage.
        random.Random(seed).shuffle(order)
    for index in order:
        if len(examples) >= wanted:
            break
        row = rows[index]
        report.rows += 1
        if not isinstance(row, dict):
            result: Example | str = "not an object"
        elif cfg.kind == "pubmedqa":
            result = _pubmedqa_example(row, cfg.pubmedqa_conclusion)
        else:
            result = _conversation_example(row, index, cfg.system_prompt)
        if isinstance(result, str):
            if cfg.on_bad_row == "error":
                raise DataError(
                    f"{cfg.path or cfg.hub_id}: row {index + 1}: {result}; fix the row or set "
                    "data.on_bad_row = \"skip\""
                )
            report.skip(result)
            continue
        if cfg.kind == "pubmedqa":
            if result.id in test_ids:
                report.excluded_test += 1
                continue
            if result.id in exclude_ids:
                report.excluded_dev += 1
                continue
        examples.append(result)
    if not examples:
        raise DataError(f"{cfg.path or cfg.hub_id}: no usable rows ({report.rows} read)")
    if not cfg.max_samples:
        random.Random(seed).shuffle(examples)
    if cfg.kind == "pubmedqa":
        guard_against_test((e.id for e in examples), test_ids)
    return examples, report
