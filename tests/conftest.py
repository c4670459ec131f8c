"""Shared fixtures: the data folder, an isolated cache, and the tiny Gemma-2 (built once)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hera_core.paths import checkout_data_dir, data_dir

# llama.cpp's OpenMP threads spin while they wait; on a shared 2-core machine that starves
# everything else. Set before any library loads the OpenMP runtime.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# The data folder by HERA's one rule (HERA_DATA_DIR, else ../shared/data beside the checkout).
DATA_DIR = data_dir() or checkout_data_dir()


@pytest.fixture(scope="session", autouse=True)
def _hera_environment(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Point HERA at the shared data and a per-run cache; nothing touches ~/.cache."""
    if not (DATA_DIR / "pubmedqa" / "ori_pqal.json").exists():
        pytest.exit(f"test data not found at {DATA_DIR}; set HERA_DATA_DIR", returncode=2)
    os.environ["HERA_DATA_DIR"] = str(DATA_DIR)
    os.environ.setdefault("HERA_CACHE_DIR", str(tmp_path_factory.mktemp("hera-cache")))
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_VERBOSITY"] = "error"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA_DIR


@pytest.fixture(scope="session")
def tiny_model_dir() -> Path:
    """The tiny Gemma-2 checkpoint (safetensors + SentencePiece tokenizer), built once."""
    from hera_train.tiny_model import tiny_gemma2_path

    return tiny_gemma2_path()


@pytest.fixture(scope="session")
def tiny_tokenizer(tiny_model_dir: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model_dir)
