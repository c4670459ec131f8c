"""HERA's location rules, in one module (hera_core.paths). The data-folder rule every command
shares: HERA_DATA_DIR when set, else ../shared/data beside the source checkout when it
exists, else the hub."""

from __future__ import annotations

from pathlib import Path

import pytest

from hera_core import paths
from hera_core.paths import DataNotFoundError, data_dir, data_file


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A source checkout at tmp/work/hera with HERA_DATA_DIR unset; no ../shared/data yet."""
    root = tmp_path / "work" / "hera"
    (root / "hera_core").mkdir(parents=True)
    monkeypatch.setattr(paths, "CHECKOUT", root)
    monkeypatch.delenv("HERA_DATA_DIR", raising=False)
    return root


def _shared_data(checkout: Path) -> Path:
    shared = checkout.parent / "shared" / "data"
    (shared / "pubmedqa").mkdir(parents=True)
    (shared / "pubmedqa" / "ori_pqal.json").write_text("{}")
    return shared


def test_without_the_variable_the_checkouts_shared_data_is_used(checkout):
    shared = _shared_data(checkout)
    assert data_dir() == shared
    assert data_file("pubmedqa/ori_pqal.json") == shared / "pubmedqa" / "ori_pqal.json"


def test_an_explicit_hera_data_dir_wins(checkout, tmp_path, monkeypatch):
    _shared_data(checkout)
    mine = tmp_path / "mine"
    (mine / "pubmedqa").mkdir(parents=True)
    (mine / "pubmedqa" / "ori_pqal.json").write_text("{}")
    monkeypatch.setenv("HERA_DATA_DIR", str(mine))
    assert data_dir() == mine
    assert data_file("pubmedqa/ori_pqal.json").parent.parent == mine
    # Even a missing one: the error names it rather than quietly reading another folder.
    monkeypatch.setenv("HERA_DATA_DIR", str(tmp_path / "typo"))
    with pytest.raises(DataNotFoundError, match=r"HERA_DATA_DIR=.*typo") as exc:
        data_file("pubmedqa/ori_pqal.json")
    assert str(checkout.parent / "shared") not in str(exc.value)


def test_no_data_folder_says_which_folders_were_tried(checkout):
    assert data_dir() is None  # datasets come from the hub
    with pytest.raises(DataNotFoundError) as exc:
        data_file("pubmedqa/ori_pqal.json")
    message = str(exc.value)
    assert "\n" not in message
    assert "HERA_DATA_DIR (not set)" in message
    assert f"{checkout.parent / 'shared' / 'data'} (not found)" in message
    assert "set HERA_DATA_DIR=/path/to/data" in message


def test_a_file_missing_from_the_found_folder_names_that_folder(checkout):
    shared = _shared_data(checkout)
    with pytest.raises(DataNotFoundError, match="data file not found") as exc:
        data_file("genmedgpt-5k/genmedgpt_5k.json")
    assert f"{shared} (HERA_DATA_DIR not set" in str(exc.value)


def test_absolute_paths_pass_through(checkout, tmp_path):
    file = tmp_path / "x.json"
    file.write_text("{}")
    assert data_file(file) == file


def test_the_benchmark_finds_the_test_set_by_the_rule(checkout, data_dir):
    """`hera bench pubmedqa` typed without HERA_DATA_DIR, from a checkout whose data sits at
    ../shared/data (the layout of issue 19): the standard test set loads."""
    from hera_tui.benchmark.items import pubmedqa_items

    (checkout.parent / "shared").mkdir()
    (checkout.parent / "shared" / "data").symlink_to(data_dir)
    assert len(pubmedqa_items(limit=5)) == 5


def test_the_default_is_beside_the_folder_that_holds_hera_core():
    """As the Makefile's ../shared/data is, from the project root it runs in."""
    root = Path(__file__).resolve().parent.parent
    assert (paths.CHECKOUT / "hera_core" / "paths.py").is_file()
    assert paths.checkout_data_dir() == root.parent / "shared" / "data"
