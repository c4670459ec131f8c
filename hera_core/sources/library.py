"""The NIH library on disk: built once from MedQuAD, opened read-only by every search.

Layout under ``$HERA_HOME/sources/`` (kept libraries for each part, no format of HERA's
own):

- ``library-<sha12>/library.sqlite``: the passages (id, site, URL, focus, question type,
  question, text) and an SQLite FTS5 index over question, focus and text (Porter stems),
  searched with FTS5's BM25;
- ``library-<sha12>/dense.npy``: the all-MiniLM-L6-v2 vector of each passage (a numpy
  matrix, row ``n`` for passage ``n``; memory-mapped when opened);
- ``library-<sha12>/meta.json``: the corpus sha256, the layout version, the encoder's
  weights digest and the counts;
- ``library.json``: which built folder is current, replaced atomically, so a search never
  sees half a library and a failed or interrupted build leaves the previous one in use;
- and, as a cache (``$HERA_CACHE_DIR/library-vectors.sqlite``, default ``~/.cache/hera``, shared by
  every ``$HERA_HOME``): every passage vector computed so far, keyed by the text's sha256
  and the encoder. An interrupted build resumes from it, a rebuild after the corpus
  changed encodes only the passages that changed, and a second home builds in seconds.

A build is skipped when the current library was made from the same corpus sha256, the same
layout version and the same encoder.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hera_core.atomic_files import atomic_write_json
from hera_core.errors import HeraError
from hera_core.paths import cache_home, hera_home

from .medquad import CorpusStats, Passage, corpus_sha256, find_corpus, read_corpus

#: bump when what is stored or embedded changes: every library is then rebuilt once
LAYOUT_VERSION = 1
POINTER = "library.json"
_DB, _DENSE, _META = "library.sqlite", "dense.npy", "meta.json"
#: passages encoded between two commits of the embedding cache (the resume granularity)
_CHUNK = 128

Progress = Callable[[int, int], None]


class LibraryError(HeraError, RuntimeError):
    """The library is missing or unusable; the message says how to build it."""


def sources_home() -> Path:
    """``$HERA_HOME/sources`` (default ``~/.local/share/hera/sources``)."""
    return hera_home() / "sources"


def embedding_text(p: Passage) -> str:
    """What the dense index reads of a passage: the question it answers (which names its
    focus and type) and the start of the answer."""
    return p.question


@dataclass(frozen=True)
class BuildResult:
    directory: Path
    built: bool
    stats: dict
    seconds: float


class _VectorCache:
    """Passage vectors by (encoder digest, text sha256), in SQLite: commits every chunk."""

    def __init__(self, path: Path, encoder_digest: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS vectors (encoder TEXT, key TEXT, "
                        "vector BLOB, PRIMARY KEY (encoder, key))")
        self.encoder = encoder_digest

    def get(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            rows = self.db.execute(
                f"SELECT key, vector FROM vectors WHERE encoder = ? AND key IN "
                f"({','.join('?' * len(chunk))})", [self.encoder, *chunk])
            out.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        return out

    def put(self, items: dict[str, np.ndarray]) -> None:
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                                [(self.encoder, k, v.astype(np.float32).tobytes())
                                 for k, v in items.items()])

    def close(self) -> None:
        self.db.close()


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _encode(passages: list[Passage], progress: Progress | None) -> np.ndarray | None:
    """The dense matrix, from the cache where it can; None when the encoder is missing."""
    from hera_core.encoder import EncoderMissingError, load_encoder
    from hera_core.encoder.fetch import WEIGHTS_SHA256

    try:
        encoder = load_encoder()
    except EncoderMissingError:
        return None
    cache = _VectorCache(cache_home() / "library-vectors.sqlite", WEIGHTS_SHA256)
    try:
        texts = [embedding_text(p) for p in passages]
        keys = [_text_key(t) for t in texts]
        vectors = cache.get(keys)
        todo = [i for i, k in enumerate(keys) if k not in vectors]
        done = len(passages) - len(todo)
        if progress:
            progress(done, len(passages))
        for start in range(0, len(todo), _CHUNK):
            chunk = todo[start : start + _CHUNK]
            fresh = encoder.embed([texts[i] for i in chunk])
            new = {keys[i]: fresh[row] for row, i in enumerate(chunk)}
            cache.put(new)
            vectors.update(new)
            done += len(chunk)
            if progress:
                progress(done, len(passages))
        return np.stack([vectors[k] for k in keys]).astype(np.float32)
    finally:
        cache.close()


def _write_db(path: Path, passages: list[Passage]) -> None:
    db = sqlite3.connect(path)
    try:
        db.executescript("""
            CREATE TABLE passages (n INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL,
                source TEXT NOT NULL, url TEXT NOT NULL, focus TEXT NOT NULL,
                qtype TEXT NOT NULL, question TEXT NOT NULL, text TEXT NOT NULL,
                synonyms TEXT NOT NULL);
            CREATE VIRTUAL TABLE passages_fts USING fts5(question, focus, text,
                content='passages', content_rowid='n', tokenize='porter unicode61');
        """)
        with db:
            db.executemany(
                "INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(n, p.id, p.source, p.url, p.focus, p.qtype, p.question, p.text,
                  json.dumps(p.synonyms)) for n, p in enumerate(passages)])
            db.execute("INSERT INTO passages_fts(rowid, question, focus, text) "
                       "SELECT n, question, focus, text FROM passages")
            db.execute("INSERT INTO passages_fts(passages_fts) VALUES ('optimize')")
    finally:
        db.close()


def current_dir(home: Path | None = None) -> Path | None:
    """The folder of the library in use, or None when none was built."""
    home = home or sources_home()
    try:
        pointer = json.loads((home / POINTER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    directory = home / str(pointer.get("dir", ""))
    return directory if (directory / _META).is_file() else None


def read_meta(directory: Path) -> dict:
    return json.loads((directory / _META).read_text(encoding="utf-8"))


def _encoder_digest() -> str | None:
    from hera_core.encoder.fetch import WEIGHTS_SHA256, installed
    from hera_core.paths import encoder_dir

    return WEIGHTS_SHA256 if installed(encoder_dir()) else None


def build_library(
    corpus: Path | None = None, home: Path | None = None, force: bool = False,
    progress: Progress | None = None, say: Callable[[str], None] = print,
) -> BuildResult:
    """Build the library from a MedQuAD tree unless the current one is up to date."""
    started = time.monotonic()
    root = find_corpus(corpus)
    home = home or sources_home()
    sha = corpus_sha256(root)
    encoder = _encoder_digest()
    current = current_dir(home)
    if current is not None and not force:
        meta = read_meta(current)
        if (meta.get("corpus_sha256"), meta.get("layout"), meta.get("encoder")) == (
                sha, LAYOUT_VERSION, encoder):
            return BuildResult(current, False, meta, time.monotonic() - started)
    stats = CorpusStats()
    passages = list(read_corpus(root, stats))
    say(f"library: {root}: {stats.summary()}")
    name = f"library-{sha[:12]}-v{LAYOUT_VERSION}"
    staging = home / f".{name}.{os.getpid()}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        _write_db(staging / _DB, passages)
        dense = _encode(passages, progress)
        if dense is None:
            say("library: the all-MiniLM-L6-v2 encoder is not installed, so the library is "
                "lexical only (run `make setup` for hybrid retrieval)")
        else:
            np.save(staging / _DENSE, dense)
        meta = {
            "corpus": str(root), "corpus_sha256": sha, "layout": LAYOUT_VERSION,
            "encoder": encoder if dense is not None else None, "passages": stats.pairs,
            "documents": stats.documents, "no_answer": stats.no_answer,
            "duplicates": stats.duplicates, "renamed_ids": stats.renamed,
            "by_source": dict(sorted(stats.by_source.items())), "built_at": time.time(),
        }
        atomic_write_json(staging / _META, meta)
        final = home / name
        if final.exists():
            shutil.rmtree(final)
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    atomic_write_json(home / POINTER, {"dir": name, "corpus_sha256": sha})
    for old in home.glob("library-*"):
        if old != final and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return BuildResult(final, True, meta, time.monotonic() - started)


class Library:
    """A built library, opened read-only: passages by row, BM25 and the dense matrix."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.meta = read_meta(self.directory)
        uri = f"file:{self.directory / _DB}?mode=ro"
        self.db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        dense = self.directory / _DENSE
        self.dense: np.ndarray | None = (np.load(dense, mmap_mode="r") if dense.is_file()
                                         else None)
        self.size = int(self.db.execute("SELECT count(*) FROM passages").fetchone()[0])

    def passages(self, rows: Sequence[int]) -> list[Passage]:
        """The passages of rows ``rows``, in that order."""
        if not rows:
            return []
        found = {
            r[0]: Passage(id=r[1], source=r[2], url=r[3], focus=r[4], qtype=r[5],
                          question=r[6], text=r[7], synonyms=tuple(json.loads(r[8])))
            for r in self.db.execute(
                f"SELECT * FROM passages WHERE n IN ({','.join('?' * len(rows))})",
                list(rows))
        }
        return [found[n] for n in rows]

    def row_of(self, passage_id: str) -> int | None:
        row = self.db.execute("SELECT n FROM passages WHERE id = ?", (passage_id,)).fetchone()
        return None if row is None else int(row[0])

    def close(self) -> None:
        self.db.close()


def open_library(home: Path | None = None) -> Library:
    """The current library; :class:`LibraryError` says how to build one."""
    directory = current_dir(home)
    if directory is None:
        raise LibraryError("the NIH library is not built yet; run `hera sources build` "
                           "(reads MedQuAD from medquad/ in the data folder, $HERA_DATA_DIR "
                           "else ../shared/data, or a path you give)")
    return Library(directory)
