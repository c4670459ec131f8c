"""Embeddings of the training corpus, cached on disk between training runs.

Why: embedding a few thousand messages takes a minute or two on 2 cores; training,
cross-validation and the ``--check`` reproduction all need the same vectors. The cache is
keyed by the text's sha256 and lives next to the encoder (one cache per encoder), so a
different encoder never reuses stale vectors.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from .encoder import SentenceEncoder


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def embed_cached(encoder: SentenceEncoder, texts: list[str], cache_file: Path) -> np.ndarray:
    """Embeddings of ``texts`` (rows in order), computing only those not cached yet."""
    cached: dict[str, np.ndarray] = {}
    if cache_file.is_file():
        with np.load(cache_file, allow_pickle=False) as data:
            cached = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
    keys = [_key(t) for t in texts]
    todo = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in cached}.items())
    if todo:
        vectors = encoder.embed([t for _, t in todo])
        cached.update(zip([k for k, _ in todo], vectors, strict=True))
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_name(cache_file.name + ".tmp.npz")
        np.savez(tmp, keys=np.array(sorted(cached)),
                 vectors=np.stack([cached[k] for k in sorted(cached)]))
        tmp.replace(cache_file)
    return np.stack([cached[k] for k in keys]).astype(np.float32)
