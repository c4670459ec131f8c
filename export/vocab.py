"""The tokenizer as llama.cpp's SentencePiece ("llama") vocabulary: pieces, scores, types.

Gemma ships ``tokenizer.model`` (a SentencePiece ModelProto); checkpoints rebuilt by
transformers (for example from a GGUF) may carry only ``tokenizer.json``. Both become the
same three arrays. Special tokens (``<start_of_turn>``...) are USER_DEFINED in Gemma's
SentencePiece model, but llama.cpp splits USER_DEFINED pieces out of *any* text, even with
special-token parsing off, so a user typing ``<start_of_turn>`` would forge a turn. They are
written as CONTROL, which llama.cpp only matches when asked to parse special tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from gguf import TokenType

from export.checkpoint import read_json
from export.errors import ExportError

_BYTE_PIECE = re.compile(r"^<0x[0-9A-Fa-f]{2}>$")


@dataclass(frozen=True)
class Vocab:
    """Everything the GGUF ``tokenizer.ggml.*`` keys need."""

    tokens: list[str]
    scores: list[float]
    types: list[int]
    bos_id: int
    eos_id: int
    unk_id: int
    pad_id: int | None
    eot_id: int | None


def _special_pieces(model_dir: Path) -> set[str]:
    """Pieces the HF tokenizer treats as special (they become CONTROL)."""
    special: set[str] = set()
    config_path = model_dir / "tokenizer_config.json"
    config = read_json(config_path) if config_path.exists() else {}
    for key in ("bos_token", "eos_token", "unk_token", "pad_token", "mask_token"):
        value = config.get(key)
        if isinstance(value, dict):
            value = value.get("content")
        if isinstance(value, str):
            special.add(value)
    for key in ("additional_special_tokens", "extra_special_tokens"):
        values = config.get(key) or []
        special.update(v if isinstance(v, str) else v.get("content", "") for v in values)
    for entry in (config.get("added_tokens_decoder") or {}).values():
        if entry.get("special"):
            special.add(entry["content"])
    tok_json = model_dir / "tokenizer.json"
    if tok_json.exists():
        for entry in read_json(tok_json).get("added_tokens", []):
            if entry.get("special"):
                special.add(entry["content"])
    special.discard("")
    return special


def _from_sentencepiece(path: Path) -> tuple[list[str], list[float], list[int]]:
    from sentencepiece import sentencepiece_model_pb2

    proto = sentencepiece_model_pb2.ModelProto()
    try:
        proto.ParseFromString(path.read_bytes())
    except Exception as exc:  # protobuf raises its own DecodeError
        raise ExportError(f"{path}: not a SentencePiece model ({exc.__class__.__name__})") from None
    if not proto.pieces:
        raise ExportError(f"{path}: SentencePiece model has no pieces")
    # SentencePiece piece types use the same numbers as GGUF token types (NORMAL=1 .. BYTE=6).
    return (
        [p.piece for p in proto.pieces],
        [p.score for p in proto.pieces],
        [int(p.type) for p in proto.pieces],
    )


def _from_tokenizer_json(path: Path) -> tuple[list[str], list[float], list[int]]:
    """A SentencePiece-style vocabulary from HF's tokenizer.json (BPE or Unigram).

    llama.cpp's SentencePiece tokenizer merges the adjacent pair whose result has the best
    score; HF's BPE applies merges by rank. Scoring each piece by minus the rank of the
    merge that creates it makes the two agree.
    """
    data = read_json(path)
    model = data.get("model") or {}
    kind = model.get("type")
    if kind == "Unigram":
        vocab = model["vocab"]
        tokens, scores = [p for p, _ in vocab], [float(s) for _, s in vocab]
    elif kind == "BPE" and model.get("byte_fallback"):
        by_id = sorted(model["vocab"].items(), key=lambda kv: kv[1])
        if [i for _, i in by_id] != list(range(len(by_id))):
            raise ExportError(f"{path}: BPE vocabulary ids are not contiguous")
        tokens = [p for p, _ in by_id]
        rank: dict[str, int] = {}
        for r, merge in enumerate(model.get("merges", [])):
            left, right = merge if isinstance(merge, list) else merge.split(" ", 1)
            rank.setdefault(left + right, r)
        scores = [-float(rank[t]) if t in rank else 0.0 for t in tokens]
    else:
        raise ExportError(
            f"{path}: a {kind} tokenizer without byte fallback is not a SentencePiece "
            "vocabulary; export supports Gemma's SentencePiece tokenizers"
        )
    types = [TokenType.BYTE if _BYTE_PIECE.match(t) else TokenType.NORMAL for t in tokens]
    for entry in data.get("added_tokens", []):
        idx = entry["id"]
        if idx >= len(tokens):
            tokens.extend(f"[PAD{i}]" for i in range(len(tokens), idx + 1))
            scores.extend([0.0] * (idx + 1 - len(scores)))
            types.extend([TokenType.UNUSED] * (idx + 1 - len(types)))
        tokens[idx] = entry["content"]
        types[idx] = TokenType.CONTROL if entry.get("special") else TokenType.USER_DEFINED
    unk = model.get("unk_token")
    if isinstance(unk, str) and unk in tokens:
        types[tokens.index(unk)] = TokenType.UNKNOWN
    return tokens, scores, [int(t) for t in types]


def load_vocab(model_dir: Path, n_embd_rows: int) -> Vocab:
    """Read the tokenizer next to a checkpoint and check it fits the embedding matrix."""
    sp_path, json_path = model_dir / "tokenizer.model", model_dir / "tokenizer.json"
    if sp_path.exists():
        tokens, scores, types = _from_sentencepiece(sp_path)
    elif json_path.exists():
        tokens, scores, types = _from_tokenizer_json(json_path)
    else:
        raise ExportError(
            f"{model_dir}: no tokenizer.model or tokenizer.json; save the tokenizer next to "
            "the weights (tokenizer.save_pretrained)"
        )
    if len(tokens) > n_embd_rows:
        raise ExportError(
            f"{model_dir}: tokenizer has {len(tokens)} tokens but the embedding has "
            f"{n_embd_rows} rows; tokens were added without resizing the model"
        )
    # Embedding rows beyond the tokenizer (padding to a multiple) become unused pieces.
    for i in range(len(tokens), n_embd_rows):
        tokens.append(f"[PAD{i}]")
        scores.append(0.0)
        types.append(int(TokenType.UNUSED))
    special = _special_pieces(model_dir)
    for i, piece in enumerate(tokens):
        if piece in special and types[i] in (TokenType.USER_DEFINED, TokenType.NORMAL):
            types[i] = int(TokenType.CONTROL)

    def find(piece: str) -> int | None:
        return tokens.index(piece) if piece in tokens else None

    required = {p: find(p) for p in ("<bos>", "<eos>", "<unk>")}
    missing = [p for p, i in required.items() if i is None]
    if missing:
        raise ExportError(f"{model_dir}: tokenizer lacks Gemma's {', '.join(missing)} tokens")
    return Vocab(
        tokens=tokens,
        scores=scores,
        types=types,
        bos_id=required["<bos>"],
        eos_id=required["<eos>"],
        unk_id=required["<unk>"],
        pad_id=find("<pad>"),
        eot_id=find("<end_of_turn>"),
    )
