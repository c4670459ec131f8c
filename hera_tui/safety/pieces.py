"""A long message cut into pieces the classifier scores one by one, embedded in one pass.

Why pieces: an emergency buried in the middle of a long rambling message is diluted in one
mean-pooled vector, so a long message is also scored as each pair of neighbouring
sentences, and it scores as its most alarming piece.

Why one pass: embedding every pair separately ran the encoder over each sentence twice,
plus the whole message once; on 2 cores that tripled a long message's cost
(``bench/triage_latency.py``). Instead the encoder reads the message once and a pair's
vector is the mean of the contextual token states of its two sentences. The sentences are
cut at the sentence punctuation, which stays with its sentence: WordPiece splits at
punctuation and whitespace, so the sentences' tokens laid end to end are exactly the whole
message's tokens, and the whole-message vector is exactly sentence-transformers' embedding
(for a message that fits the encoder's 256 tokens; a longer one is read in several passes
of whole sentences, the first pass giving the whole-message vector, as truncation would).
"""

from __future__ import annotations

import numpy as np

from hera_core.encoder import SentenceEncoder, mean_pool

from .context import SENTENCE_SPLIT

#: messages longer than this (words) or with at least this many sentences are long
LONG_WORDS = 80
LONG_SENTENCES = 5


def sentence_spans(text: str) -> list[str]:
    """The message's sentences, each with the punctuation that ends it (nothing dropped
    but the whitespace between them)."""
    spans, start = [], 0
    for match in SENTENCE_SPLIT.finditer(text):
        spans.append(text[start : match.end()])
        start = match.end()
    spans.append(text[start:])
    return [s.strip() for s in spans if s.strip(" \t\n.!?;")]


def is_long(text: str) -> bool:
    sentences = sentence_spans(text)
    return len(sentences) >= 2 and (
        len(text.split()) > LONG_WORDS or len(sentences) >= LONG_SENTENCES)


def piece_texts(text: str) -> list[str]:
    """The message, and for a long one each pair of neighbouring sentences."""
    if not is_long(text):
        return [text]
    sentences = sentence_spans(text)
    return [text, *(" ".join(sentences[i : i + 2]) for i in range(len(sentences) - 1))]


def embed_long(encoder: SentenceEncoder, text: str) -> np.ndarray:
    """Vectors of :func:`piece_texts` of a long message (whole message first), from one
    encoder pass per 256 tokens."""
    states, first_pass = encoder.segment_states(sentence_spans(text))
    pairs = [mean_pool(np.concatenate(states[i : i + 2])) for i in range(len(states) - 1)]
    return np.stack([mean_pool(first_pass), *pairs]).astype(np.float32)


def embed_pieces(encoder: SentenceEncoder, texts: list[str]) -> list[np.ndarray]:
    """Per message, the vectors of its pieces (one row for a short message); the short
    messages are embedded together in batches."""
    out: list[np.ndarray] = [np.empty(0)] * len(texts)
    short = [i for i, t in enumerate(texts) if not is_long(t)]
    for i, vector in zip(short, encoder.embed([texts[i] for i in short]), strict=True):
        out[i] = vector[None, :]
    for i, t in enumerate(texts):
        if out[i].size == 0:
            out[i] = embed_long(encoder, t)
    return out
