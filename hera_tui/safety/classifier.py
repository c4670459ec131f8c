"""The learned layer: a linear classifier over a sentence embedding and the message's words.

Why both: all-MiniLM-L6-v2's embedding places paraphrases together ("my chest feels like it's
in a vice" near "crushing chest pain"), but a mean-pooled embedding barely registers the
small words that turn an emergency into a non-emergency ("no", "years ago", "came back
normal"). A bag of word n-grams (unigrams and bigrams, weighted by inverse document
frequency) registers exactly those. Measured on the blind development set
(``sets/dev_blind.jsonl``), the embedding alone raised about 17% false alarms at 95%
recall, the words alone about 2%, both together about 1% (docs/safety.md).

Ridge regression onto one-hot classes has a closed-form solution, so training is exact and
deterministic (the same corpus gives the same weights: ``python -m hera_tui.safety.train
--check``) and every choice can be cross-validated. It is solved in its dual form (an n x n
system; there are more features than messages). A softmax at a fitted temperature turns
the outputs into probabilities. Classes: every condition id, plus ``none``.
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

NONE = "none"
_WORD = re.compile(r"[^\W_]+")


def ngrams(text: str) -> set[str]:
    """The message's words and word pairs, lowercased, accents and apostrophes dropped
    ("can't" and "cant" are one word, as people type both)."""
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    words = _WORD.findall(plain.replace("'", "").replace("\u2019", ""))
    return {*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))}


@dataclass
class Vocabulary:
    """The n-grams the classifier reads (those in at least a few corpus messages) and their
    inverse document frequencies."""

    terms: tuple[str, ...]
    idf: np.ndarray
    #: term -> column (built once: rebuilding it per message cost more than the bag itself)
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.index = {t: i for i, t in enumerate(self.terms)}

    @classmethod
    def build(cls, texts: list[str], min_count: int = 3) -> Vocabulary:
        counts: dict[str, int] = {}
        for text in texts:
            for gram in ngrams(text):
                counts[gram] = counts.get(gram, 0) + 1
        terms = tuple(sorted(g for g, c in counts.items() if c >= min_count))
        idf = np.log(len(texts) / np.array([counts[t] for t in terms], dtype=np.float64))
        return cls(terms, idf.astype(np.float32))

    def bag(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised idf-weighted presence vector per text."""
        out = np.zeros((len(texts), len(self.terms)), dtype=np.float32)
        for row, text in enumerate(texts):
            columns = [self.index[g] for g in ngrams(text) if g in self.index]
            out[row, columns] = self.idf[columns]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


def features(embeddings: np.ndarray, bags: np.ndarray) -> np.ndarray:
    return np.concatenate([embeddings, bags], axis=1).astype(np.float32)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class LinearModel:
    """Weights (features x classes), bias, class names (conditions, then ``none``)."""

    weights: np.ndarray
    bias: np.ndarray
    classes: tuple[str, ...]
    temperature: float = 1.0

    def scores(self, x: np.ndarray) -> np.ndarray:
        return x @ self.weights + self.bias

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        return self.calibrated(self.scores(x))

    def calibrated(self, scores: np.ndarray) -> np.ndarray:
        """Class probabilities from raw scores (softmax at the fitted temperature)."""
        return _softmax(scores / self.temperature)

    def emergency_probability(self, probabilities: np.ndarray) -> np.ndarray:
        return 1.0 - probabilities[:, self.classes.index(NONE)]


def one_hot(labels: list[str], classes: tuple[str, ...]) -> np.ndarray:
    index = {c: i for i, c in enumerate(classes)}
    y = np.zeros((len(labels), len(classes)))
    y[np.arange(len(labels)), [index[label] for label in labels]] = 1.0
    return y


def fit(x: np.ndarray, labels: list[str], classes: tuple[str, ...], *, l2: float = 1.0,
        gram: np.ndarray | None = None) -> LinearModel:
    """Ridge regression onto one-hot classes with an unpenalised bias, in closed form.

    Dual form on centred data: alpha = (Xc Xc^T + l2 I)^-1 Yc, W = Xc^T alpha, and the bias
    puts the mean message at the mean label. ``gram`` (X X^T, uncentred) may be passed in:
    cross-validation computes it once for the whole corpus and takes each fold's block.
    """
    x64 = x.astype(np.float64)
    if gram is None:
        gram = x64 @ x64.T
    y = one_hot(labels, classes)
    y_mean = y.mean(axis=0)
    row_means = gram.mean(axis=1)
    centred_gram = gram - row_means[:, None] - row_means[None, :] + row_means.mean()
    centred_gram[np.diag_indices_from(centred_gram)] += l2
    alpha = np.linalg.solve(centred_gram, y - y_mean)
    x_mean = x64.mean(axis=0)
    weights = (x64 - x_mean).T @ alpha
    bias = y_mean - x_mean @ weights
    return LinearModel(weights.astype(np.float32), bias.astype(np.float32), classes)


def fit_temperature(scores: np.ndarray, labels: list[str], classes: tuple[str, ...]) -> float:
    """The softmax temperature with the lowest log-loss on held-out scores (grid search)."""
    y = one_hot(labels, classes).astype(bool)
    grid = np.exp(np.linspace(np.log(0.01), np.log(1.0), 121))
    losses = [-np.log(np.maximum(_softmax(scores / t)[y], 1e-12)).mean() for t in grid]
    return float(grid[int(np.argmin(losses))])


@dataclass
class TrainedDetector:
    """The shipped model, its vocabulary, and the settings chosen by cross-validation."""

    model: LinearModel
    vocabulary: Vocabulary
    #: flag a message when its emergency probability reaches this
    threshold: float
    #: ... or when a rule fired and the probability reaches this (lower) one
    rule_threshold: float
    #: name one condition only when it holds at least this share of the emergency probability
    condition_confidence: float
    meta: dict = field(default_factory=dict)
    #: flag a message that only denies red flags (``redflags.denials``) and fires no rule
    #: when its probability reaches this (None: ``threshold``)
    denied_threshold: float | None = None

    @property
    def threshold_when_denied(self) -> float:
        return self.threshold if self.denied_threshold is None else self.denied_threshold

    def features(self, embeddings: np.ndarray, texts: list[str]) -> np.ndarray:
        return features(embeddings, self.vocabulary.bag(texts))

    def save(self, npz_path: Path) -> None:
        """Arrays as ``.npz``, settings and figures as readable ``.json`` beside it; both
        written to temporary names and renamed, so a crash leaves the old pair intact."""
        npz_path = Path(npz_path)
        npz_tmp = npz_path.with_name(npz_path.stem + ".tmp.npz")
        np.savez_compressed(npz_tmp, weights=self.model.weights, bias=self.model.bias,
                            idf=self.vocabulary.idf, terms=np.array(self.vocabulary.terms))
        json_path = npz_path.with_suffix(".json")
        json_tmp = json_path.with_name(json_path.name + ".tmp")
        settings = {
            **self.meta,
            "classes": list(self.model.classes),
            "temperature": self.model.temperature,
            "threshold": self.threshold,
            "rule_threshold": self.rule_threshold,
            "condition_confidence": self.condition_confidence,
            "denied_threshold": self.threshold_when_denied,
        }
        json_tmp.write_text(json.dumps(settings, indent=1, sort_keys=True) + "\n",
                            encoding="utf-8")
        npz_tmp.replace(npz_path)
        json_tmp.replace(json_path)

    @classmethod
    def load(cls, npz_path: Path) -> TrainedDetector:
        npz_path = Path(npz_path)
        settings = json.loads(npz_path.with_suffix(".json").read_text(encoding="utf-8"))
        with np.load(npz_path, allow_pickle=False) as arrays:
            model = LinearModel(arrays["weights"], arrays["bias"], tuple(settings["classes"]),
                                float(settings["temperature"]))
            vocabulary = Vocabulary(tuple(arrays["terms"].tolist()), arrays["idf"])
        return cls(model, vocabulary, float(settings["threshold"]),
                   float(settings["rule_threshold"]), float(settings["condition_confidence"]),
                   settings, float(settings.get("denied_threshold", settings["threshold"])))
