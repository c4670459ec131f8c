"""Embeddings of the training corpus, cached on disk between training runs.

Why: embedding a few thousand messages takes a minute or two on 2 cores; training,
cross-validation and the ``--check`` reproduction all need the same vectors. A message's
vectors (one per piece: ``pieces``) are keyed by the text's sha256 and the piece's number.
The cache lives next to the encoder (one cache per encoder), so a different encoder never
reuses stale vectors.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from hera_core.encoder import SentenceEncoder

from .pieces import embed_pieces, piece_texts


def _keys(text: str) -> list[str]:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return [f"{digest}#{i}" for i in range(len(piece_texts(text)))]


def embed_cached(encoder: SentenceEncoder, texts: list[str],
                 cache_file: Path) -> list[np.ndarray]:
    """Per message, the vectors of its pieces (as :func:`pieces.embed_pieces`), computing
    only the messages not cached yet."""
    cached: dict[str, np.ndarray] = {}
    if cache_file.is_file():
        with np.load(cache_file, allow_pickle=False) as data:
            cached = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
    keys = [_keys(t) for t in texts]
    todo = sorted({k[0]: t for k, t in zip(keys, texts, strict=True)
                   if any(key not in cached for key in k)}.items())
    if todo:
        for (_, text), vectors in zip(todo, embed_pieces(encoder, [t for _, t in todo]),
                                      strict=True):
            cached.update(zip(_keys(text), vectors, strict=True))
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_name(cache_file.name + ".tmp.npz")
        np.savez(tmp, keys=np.array(sorted(cached)),
                 vectors=np.stack([cached[k] for k in sorted(cached)]))
        tmp.replace(cache_file)
    return [np.stack([cached[key] for key in k]).astype(np.float32) for k in keys]
