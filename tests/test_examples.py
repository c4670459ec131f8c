"""Reading training data: sources, bad rows, and the PubMedQA test-set exclusion."""

from __future__ import annotations

import json

import pytest

from hera_core.pubmedqa import load_test_ids
from hera_train.config import DataConfig
from hera_train.examples import DataError, load_examples


@pytest.fixture(scope="module")
def test_ids(data_dir):
    return frozenset(load_test_ids(data_dir / "pubmedqa/test_ground_truth.json"))


def test_pubmedqa_source_drops_every_test_question(test_ids):
    cfg = DataConfig(kind="pubmedqa", path="pubmedqa/ori_pqal.json", eval_samples=0)
    examples, report = load_examples(cfg, test_ids)
    assert report.excluded_test == 500
    assert len(examples) == 500
    assert not {e.id for e in examples} & test_ids
    first = examples[0].messages
    assert first[0].role == "user" and "Question:" in first[0].content
    assert first[1].content.split("\n")[0] in {"Answer: yes", "Answer: no", "Answer: maybe"}


def test_dev_ids_are_excluded_too(test_ids, data_dir):
    pool_id = next(k for k in json.loads((data_dir / "pubmedqa/ori_pqal.json").read_text())
                   if k not in test_ids)
    cfg = DataConfig(kind="pubmedqa", path="pubmedqa/ori_pqal.json", eval_samples=0)
    examples, report = load_examples(cfg, test_ids, exclude_ids=frozenset({pool_id}))
    assert report.excluded_dev == 1 and pool_id not in {e.id for e in examples}


def test_hub_style_pubmedqa_rows(tmp_path, test_ids):
    leaked = next(iter(test_ids))
    rows = [
        {"pubid": 1, "question": "Q?", "context": {"contexts": ["c1", "c2"]},
         "long_answer": "LA", "final_decision": "no"},
        {"pubid": int(leaked), "question": "Q?", "context": {"contexts": ["c"]},
         "long_answer": "", "final_decision": "yes"},
    ]
    path = tmp_path / "pqa.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    cfg = DataConfig(kind="pubmedqa", path=str(path), eval_samples=0)
    examples, report = load_examples(cfg, test_ids)
    assert [e.id for e in examples] == ["1"] and report.excluded_test == 1
    assert examples[0].messages[1].content == "Answer: no\nLA"


ROWS = [
    {"instruction": "Be a doctor.", "input": "I cough.", "output": "Rest and fluids."},
    {"instruction": "Be a doctor.", "input": "", "output": "Empty input."},
    {"instruction": "Be a doctor.", "input": "Fever", "output": None},
    {"instruction": "Be a doctor.", "input": "Rash", "output": "See a dermatologist."},
]


@pytest.mark.parametrize("suffix", [".json", ".jsonl", ".parquet"])
def test_bad_rows_are_skipped_and_counted(tmp_path, suffix):
    path = tmp_path / f"conv{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(ROWS))
    elif suffix == ".jsonl":
        path.write_text("\n".join(json.dumps(r) for r in ROWS))
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(ROWS), path)
    cfg = DataConfig(kind="conversation", path=str(path), eval_samples=0)
    examples, report = load_examples(cfg, frozenset())
    assert len(examples) == 2
    assert report.skipped == {"missing input": 1, "missing output": 1}
    roles = [m.role for m in examples[0].messages]
    assert roles == ["system", "user", "assistant"]


def test_bad_row_is_an_error_with_its_number(tmp_path):
    path = tmp_path / "conv.json"
    path.write_text(json.dumps(ROWS))
    cfg = DataConfig(kind="conversation", path=str(path), on_bad_row="error")
    with pytest.raises(DataError, match="row 2: missing input"):
        load_examples(cfg, frozenset())


def test_system_prompt_overrides_instruction(tmp_path):
    path = tmp_path / "conv.json"
    path.write_text(json.dumps(ROWS[:1]))
    cfg = DataConfig(kind="conversation", path=str(path), system_prompt="Not a doctor.")
    (example,), _ = load_examples(cfg, frozenset())
    assert example.messages[0].content == "Not a doctor."


def test_malformed_files(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"input": "x"}\n{oops\n')
    with pytest.raises(DataError, match=r"bad.jsonl:2: not valid JSON"):
        load_examples(DataConfig(path=str(bad)), frozenset())
    with pytest.raises(FileNotFoundError, match="data file not found"):
        load_examples(DataConfig(path=str(tmp_path / "missing.json")), frozenset())


def test_max_samples_is_reproducible(data_dir):
    cfg = DataConfig(kind="conversation", path="genmedgpt-5k/genmedgpt_5k.json",
                     max_samples=30, eval_samples=10)
    a, _ = load_examples(cfg, frozenset(), seed=1)
    b, _ = load_examples(cfg, frozenset(), seed=1)
    c, _ = load_examples(cfg, frozenset(), seed=2)
    assert len(a) == 40 and a == b and a != c


def test_hub_code_path_loads_a_local_dataset_dir(tmp_path):
    """`hub_id` goes through datasets.load_dataset, as for real users; a local dataset
    folder stands in for lavita/ChatDoctor-HealthCareMagic-100k here."""
    folder = tmp_path / "HealthCareMagic-100k"
    folder.mkdir()
    (folder / "train.jsonl").write_text("\n".join(json.dumps(r) for r in ROWS))
    cfg = DataConfig(kind="conversation", hub_id=str(folder), split="train", eval_samples=0)
    examples, report = load_examples(cfg, frozenset())
    assert report.rows == 4 and len(examples) == 2


def test_unreachable_hub_dataset_is_a_clear_error():
    cfg = DataConfig(kind="conversation", hub_id="lavita/ChatDoctor-HealthCareMagic-100k")
    with pytest.raises(DataError, match=r"cannot load hub dataset .*set data\.path"):
        load_examples(cfg, frozenset())
