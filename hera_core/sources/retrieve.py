"""Finding the NIH passages that answer a consumer's message.

Real messages are long, misspelled and polite ("Dear sir, my daughter has tried topamax
without success..."), and MedQuAD's pairs are one page's answers to templated questions
("What are the treatments for Migraine ?"). So a message is matched four ways, and the
four are summed as reciprocal-rank-style scores (each list gives ``w / (RRF_K + rank)``):

- **lexical**: SQLite FTS5's BM25 over question, focus and answer text (Porter stems),
  queried with the message's content words (politeness and framing dropped);
- **dense**: cosine similarity between the message's all-MiniLM-L6-v2 vector (the encoder
  of the emergency check) and each pair's question vector;
- **focus**: the pages whose focus (or one of its synonyms) is named in the message, as a
  run of stems ("Parkinson's" finds "Parkinson disease": generic heads such as disease,
  syndrome, disorder are optional; a long word misspelled by an edit or two is read as
  the page name's word, with ``rapidfuzz``), the longest names weighing most;
- **question type**: the kind of answer the message asks for, from cue words (treat, cure,
  medication -> treatment; cause, why -> causes; hereditary, gene -> inheritance ...),
  which lifts the pairs of that type.

Measured on the frozen LiveQA dev set (docs/sources.md): the fused ranking roughly doubles BM25's
success@3 and triples its P@1; the weights below were chosen there, so those are
development figures.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from .library import Library, open_library
from .medquad import Passage
from .text import STOPWORDS, content_stems, stem, words

#: RRF's constant: damps the weight of the very first ranks
RRF_K = 60
#: how deep the lexical and dense lists are read before fusing
DEPTH = 200
#: BM25 column weights: question, focus, answer text
BM25_WEIGHTS = (2.0, 4.0, 1.0)
#: weight of a named focus (the longest name in the message scores this much)
FOCUS_WEIGHT = 1.0
#: weight of each question-type cue (at most two cues count)
QTYPE_WEIGHT = 0.6
#: stems this long or longer may be misspelled: they are matched to page names within
#: one or two edits (:meth:`FocusLexicon.corrected`)
FUZZY_MIN = 7
#: heads a focus name may be written without ("Parkinson" for "Parkinson disease")
GENERIC_HEADS = frozenset(stem(w) for w in (
    "disease", "diseases", "syndrome", "disorder", "disorders", "condition", "conditions",
    "type"))

#: cue words of each MedQuAD question type in a consumer's message
QTYPE_CUES: dict[str, tuple[str, ...]] = {
    "treatment": ("treat", "treatment", "therapy", "therapies", "cure", "cures",
                  "medication", "medicine", "medicines", "drug", "drugs", "manage", "relief",
                  "remedy", "surgery", "help", "option", "options"),
    "causes": ("cause", "causes", "caused", "why", "reason", "trigger"),
    "symptoms": ("symptom", "symptoms", "sign", "signs", "feel"),
    "exams and tests": ("test", "tests", "diagnose", "diagnosis", "diagnosed", "detect",
                        "screening"),
    "outlook": ("prognosis", "outlook", "expectancy", "survive", "survival", "life"),
    "inheritance": ("inherit", "inherited", "hereditary", "genetic", "gene", "genes", "pass",
                    "carrier"),
    "genetic changes": ("gene", "genes", "mutation", "genetic"),
    "prevention": ("prevent", "prevention", "avoid"),
    "susceptibility": ("risk", "who"),
    "complications": ("complication", "complications"),
    "frequency": ("common", "many"),
    "research": ("research", "trial", "trials", "study", "studies"),
    "support groups": ("support", "group", "groups"),
    "information": ("information", "literature", "what"),
}
_CUE_STEMS = {qtype: frozenset(stem(w) for w in cues) for qtype, cues in QTYPE_CUES.items()}


@dataclass(frozen=True)
class Hit:
    """One retrieved passage with its fused score (higher is better) and what matched."""

    passage: Passage
    score: float
    #: the passage's page is named in the message (its focus or a synonym)
    focus_named: bool = False
    #: cosine similarity of the message and the passage's question
    similarity: float = 0.0

    def to_json(self) -> dict:
        p = self.passage
        return {"id": p.id, "focus": p.focus, "qtype": p.qtype, "source": p.site,
                "url": p.url, "score": round(self.score, 6), "text": p.text}


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression: the message's content words, each quoted, ORed."""
    terms = [w.replace("'", "") for w in words(text) if w not in STOPWORDS]
    terms = list(dict.fromkeys(t for t in terms if t))
    return " OR ".join(f'"{t}"' for t in terms) if terms else None


def focus_key(name: str) -> tuple[str, ...]:
    """A focus name as the run of stems a message must contain (generic heads dropped)."""
    stems = content_stems(name)
    return tuple(s for s in stems if s not in GENERIC_HEADS) or tuple(stems)


def qtype_cues(text: str) -> dict[str, int]:
    """How many cue words of each question type the message holds."""
    stems = {stem(w) for w in words(text)}
    return {qtype: n for qtype, cues in _CUE_STEMS.items() if (n := len(stems & cues))}


def _closed_up(tokens: list[str]) -> str:
    """Words written together ("gall stones" and "gallstones" meet)."""
    return "#" + "".join(t.replace("'", "") for t in tokens)


class FocusLexicon:
    """Every page's focus and synonyms, as stem runs, to find the pages a message names;
    each name also as its words closed up, for names people split ("gall stones")."""

    def __init__(self, library: Library) -> None:
        self.rows: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for n, focus, synonyms in library.db.execute(
                "SELECT n, focus, synonyms FROM passages"):
            for name in (focus, *json.loads(synonyms)):
                key = focus_key(name)
                if key and len("".join(key)) >= 3:
                    self.rows[key].append(int(n))
                    closed = [w for w in words(name) if w not in STOPWORDS]
                    if len(closed) == 1:
                        self.rows[(_closed_up(closed),)].append(int(n))
        self.longest = max((len(k) for k in self.rows), default=0)
        self.vocabulary = sorted({t for key in self.rows for t in key
                                  if len(t) >= FUZZY_MIN and not t.startswith("#")})
        self._known = frozenset(t for key in self.rows for t in key)

    def corrected(self, token: str) -> str:
        """A long stem no page name holds, replaced by the closest one a name holds (one
        edit for up to eight letters, two beyond): "mediterean" -> "mediterranean"."""
        if len(token) < FUZZY_MIN or token in self._known:
            return token
        limit = 1 if len(token) <= 8 else 2
        best = process.extractOne(token, self.vocabulary, scorer=Levenshtein.distance,
                                  score_cutoff=limit)
        return best[0] if best else token

    def named(self, text: str) -> dict[int, int]:
        """Rows whose page the message names, with the length (in stems) of the name."""
        kept = [w for w in words(text) if w not in STOPWORDS]
        stems = [self.corrected(stem(w.removesuffix("'s"))) for w in kept]
        found: dict[int, int] = {}
        for i in range(len(stems)):
            for length in range(1, min(self.longest, len(stems) - i) + 1):
                for row in self.rows.get(tuple(stems[i : i + length]), ()):
                    found[row] = max(found.get(row, 0), length)
            for length in (2, 3):  # a one-word name written as two or three words
                if i + length <= len(kept):
                    for row in self.rows.get((_closed_up(kept[i : i + length]),), ()):
                        found[row] = max(found.get(row, 0), 1)
        return found


class Retriever:
    """Hybrid search over an opened library (see the module docstring)."""

    def __init__(self, library: Library, encoder=None) -> None:
        """``encoder``: a :class:`hera_core.encoder.SentenceEncoder`; without one (or
        without dense vectors in the library) the dense part is left out."""
        self.library = library
        self.encoder = encoder if library.dense is not None else None
        self.lexicon = FocusLexicon(library)
        self.qtypes = [r[0] for r in library.db.execute("SELECT qtype FROM passages ORDER BY n")]

    def bm25(self, text: str, depth: int = DEPTH) -> list[tuple[int, float]]:
        """Rows and BM25 scores (higher is better), best first."""
        query = fts_query(text)
        if query is None:
            return []
        rows = self.library.db.execute(
            "SELECT rowid, bm25(passages_fts, ?, ?, ?) AS s FROM passages_fts "
            "WHERE passages_fts MATCH ? ORDER BY s LIMIT ?", (*BM25_WEIGHTS, query, depth))
        return [(int(r), -float(s)) for r, s in rows]

    def similarities(self, text: str) -> np.ndarray | None:
        """Cosine similarity of the message to every passage's question (None: no dense)."""
        if self.encoder is None:
            return None
        vector = self.encoder.embed([text])[0].astype(np.float32)
        return np.asarray(self.library.dense @ vector)

    def search(self, text: str, top: int = 5, mode: str = "hybrid") -> list[Hit]:
        """The ``top`` best passages for a message. ``mode``: ``hybrid`` (the shipped
        fusion), ``bm25`` or ``dense`` (one list alone, for comparison)."""
        if mode not in ("hybrid", "bm25", "dense"):
            raise ValueError(f"unknown retrieval mode {mode!r}; use hybrid, bm25 or dense")
        sims = self.similarities(text) if mode != "bm25" else None
        lists: list[Sequence[tuple[int, float]]] = []
        if mode != "dense":
            lists.append(self.bm25(text))
        if sims is not None:
            order = np.argpartition(-sims, min(DEPTH, len(sims) - 1))[:DEPTH]
            lists.append([(int(i), float(sims[i])) for i in order[np.argsort(-sims[order])]])
        scores: dict[int, float] = defaultdict(float)
        for ranking in lists:
            for rank, (row, _) in enumerate(ranking, 1):
                scores[row] += 1.0 / (RRF_K + rank)
        named = self.lexicon.named(text) if mode == "hybrid" else {}
        if named:
            longest = max(named.values())
            for row, length in named.items():
                scores[row] += FOCUS_WEIGHT * (length / longest) / RRF_K
        if mode == "hybrid":
            cues = qtype_cues(text)
            for row in scores:
                scores[row] += QTYPE_WEIGHT * min(cues.get(self.qtypes[row], 0), 2) / RRF_K
        best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:top]
        passages = self.library.passages([row for row, _ in best])
        return [Hit(p, score, row in named, float(sims[row]) if sims is not None else 0.0)
                for p, (row, score) in zip(passages, best, strict=True)]


def open_retriever(home: Path | None = None) -> Retriever:
    """The current library with the encoder when it is installed (else lexical only)."""
    from hera_core.encoder import EncoderMissingError, load_encoder

    library = open_library(home)
    try:
        encoder = load_encoder() if library.dense is not None else None
    except EncoderMissingError:
        encoder = None
    return Retriever(library, encoder)
