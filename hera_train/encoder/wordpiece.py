"""BERT's uncased WordPiece tokenizer, read from a Hugging Face ``tokenizer.json``.

Why our own: the chat install has no ``tokenizers``/``transformers`` (they come with the
training stack), and the encoder of the emergency check must run with the chat install
alone. This reproduces exactly what ``tokenizers`` does for all-MiniLM-L6-v2's tokenizer
(BertNormalizer with lowercasing and accent stripping, BertPreTokenizer, WordPiece with
``##`` continuations, special tokens matched in the raw text); the tests compare the ids
with ``tokenizers`` on varied text.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from hera_train.errors import HeraError


class TokenizerFileError(HeraError, ValueError):
    """The tokenizer file is not a BERT WordPiece tokenizer this module can reproduce."""


def _is_control(ch: str) -> bool:
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch).startswith("C")


def _is_whitespace(ch: str) -> bool:
    return ch.isspace()


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F
    )


def normalize(text: str) -> str:
    """BertNormalizer: clean, pad CJK, strip accents, lowercase (in ``tokenizers``' order)."""
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            continue
        if _is_whitespace(ch):
            out.append(" ")
        elif _is_cjk(cp):
            out.append(f" {ch} ")
        else:
            out.append(ch)
    decomposed = unicodedata.normalize("NFD", "".join(out))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").lower()


def pre_tokenize(text: str) -> list[str]:
    """Split on whitespace, and make every punctuation character a word of its own."""
    words: list[str] = []
    for chunk in text.split():
        current = []
        for ch in chunk:
            if _is_punctuation(ch):
                if current:
                    words.append("".join(current))
                    current = []
                words.append(ch)
            else:
                current.append(ch)
        if current:
            words.append("".join(current))
    return words


class WordPieceTokenizer:
    """Text to token ids (``[CLS] ... [SEP]``), as all-MiniLM-L6-v2 was trained with."""

    def __init__(self, vocab: dict[str, int], special: list[str], unk: str = "[UNK]",
                 prefix: str = "##", max_chars: int = 100) -> None:
        self.vocab = vocab
        self.unk_id = vocab[unk]
        self.cls_id = vocab["[CLS]"]
        self.sep_id = vocab["[SEP]"]
        self.prefix = prefix
        self.max_chars = max_chars
        self._special = {tok: vocab[tok] for tok in special}
        self._special_split = re.compile(
            "(" + "|".join(re.escape(s) for s in sorted(special, key=len, reverse=True)) + ")"
        )

    @classmethod
    def from_file(cls, path: Path) -> WordPieceTokenizer:
        spec = json.loads(Path(path).read_text(encoding="utf-8"))
        model = spec.get("model", {})
        normalizer = spec.get("normalizer") or {}
        if model.get("type") != "WordPiece" or normalizer.get("type") != "BertNormalizer":
            raise TokenizerFileError(
                f"{path}: not a BERT WordPiece tokenizer (model {model.get('type')!r}, "
                f"normalizer {normalizer.get('type')!r}); use all-MiniLM-L6-v2's tokenizer.json"
            )
        if not normalizer.get("lowercase", False):
            raise TokenizerFileError(f"{path}: a cased BERT tokenizer is not supported")
        special = [t["content"] for t in spec.get("added_tokens", []) if t.get("special")]
        return cls(
            model["vocab"], special, model.get("unk_token", "[UNK]"),
            model.get("continuing_subword_prefix", "##"),
            model.get("max_input_chars_per_word", 100),
        )

    def _word_ids(self, word: str) -> list[int]:
        """Greedy longest-match-first WordPiece; a word that cannot be covered is [UNK]."""
        if len(word) > self.max_chars:
            return [self.unk_id]
        ids, start = [], 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else self.prefix + word[start:end]
                found = self.vocab.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return [self.unk_id]
            ids.append(found)
            start = end
        return ids

    def encode(self, text: str, max_length: int = 256) -> list[int]:
        """Token ids with ``[CLS]``/``[SEP]``, truncated to ``max_length`` in all."""
        ids: list[int] = []
        for part in self._special_split.split(text):
            if part in self._special:
                ids.append(self._special[part])
                continue
            for word in pre_tokenize(normalize(part)):
                ids.extend(self._word_ids(word))
        return [self.cls_id, *ids[: max_length - 2], self.sep_id]
