"""llama.cpp (through llama-cpp-python): the one place HERA loads and drives a GGUF.

The chat backend, the benchmark's scorer, export's parity checks and the tests' Ollama
stand-in all need the same few things, and each used to do them its own way:

- **loading** with a clear error for a missing, non-GGUF or unreadable file, and the
  **threads and OpenMP policy** that keep a shared laptop responsive (:func:`load`);
- **tokenizer glue**: text without special-token parsing, so a typed
  ``<start_of_turn>`` stays text, and control tokens looked up one by one
  (:func:`encode_text`, :func:`control_id`, :func:`encoder`);
- the **prompt format** of a GGUF (:func:`prompt_format`);
- **evaluating a prompt** that reuses the KV cache's common prefix with the previous one
  and, when asked, runs in short chunks with a stop check between them (:func:`prefill`);
- **log-probabilities** from logits (:func:`log_softmax`).

Torch-free; ``llama_cpp`` itself is imported only when a model is loaded.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hera_core.errors import HeraError
from hera_core.format_detection import detect_format
from hera_core.formats import PromptFormat

GGUF_MAGIC = b"GGUF"
#: The first chunk of a stoppable prefill; later chunks are sized from its speed.
FIRST_CHUNK = 32
#: Target duration of one stoppable chunk: Esc is honoured well within a second.
CHUNK_SECONDS = 0.25


class LlamaCppError(HeraError):
    """A GGUF cannot be used by llama.cpp; the message names the file and the fix."""


class Stopped(Exception):
    """:func:`prefill` was stopped between two chunks; ``evaluated`` tokens were done."""

    def __init__(self, evaluated: int) -> None:
        super().__init__(f"stopped after {evaluated} prompt tokens")
        self.evaluated = evaluated


def prefer_passive_openmp() -> None:
    """Let llama.cpp's OpenMP threads sleep between work instead of spinning.

    Spinning threads starve everything else on shared cores: measured here on 2 shared
    cores, an 8-token reply took 11 s in the chat app with the default policy and 1 s with
    PASSIVE, and the benchmark spent up to 20x more CPU time per prompt. OpenMP reads the
    variable once, when its runtime loads, so this runs before llama.cpp is imported; a
    user's own ``OMP_WAIT_POLICY`` wins.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def default_threads() -> int:
    """One thread per core, at most 8: decoding is memory-bound and more threads hurt."""
    return max(1, min(8, os.cpu_count() or 1))


def check_gguf_file(path: Path) -> None:
    """Fail fast, naming the fix, on a missing or non-GGUF file (llama.cpp's own error
    for these is vague)."""
    if not path.is_file():
        raise LlamaCppError(f"model file not found: {path}")
    with path.open("rb") as f:
        magic = f.read(4)
    if magic != GGUF_MAGIC:
        raise LlamaCppError(
            f"{path.name} is not a GGUF file (corrupt or incomplete download?); re-export it "
            "with `hera export` or download it again"
        )


def load(
    path: Path,
    n_ctx: int,
    n_threads: int | None = None,
    f32_kv_cache: bool = False,
    **options: Any,
) -> Any:
    """A ``llama_cpp.Llama`` for ``path``, quiet, with HERA's thread and OpenMP policy.

    ``f32_kv_cache`` keeps the KV cache in float32 (parity checks: the default F16 cache
    alone moves logits by ~5e-4 of their range); ``options`` go to ``Llama`` as they are.
    """
    path = Path(path)
    check_gguf_file(path)
    prefer_passive_openmp()
    try:
        import llama_cpp
    except ImportError:
        raise LlamaCppError(
            "llama.cpp is not installed: pip install llama-cpp-python (`make setup` builds it)"
        ) from None
    threads = n_threads or default_threads()
    if f32_kv_cache:
        options |= {"type_k": llama_cpp.GGML_TYPE_F32, "type_v": llama_cpp.GGML_TYPE_F32}
    try:
        return llama_cpp.Llama(
            model_path=str(path), n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads,
            verbose=False, **options,
        )
    except (ValueError, RuntimeError, OSError) as exc:
        raise LlamaCppError(
            f"llama.cpp could not load {path.name} ({exc}); the file may be corrupt or "
            "incomplete: re-export or download it again"
        ) from None


# -- tokenizer glue -----------------------------------------------------------------------------


def encode_text(llm: Any, text: str) -> list[int]:
    """Token ids of plain text: no ``<bos>``, no special-token parsing (user text is data)."""
    return llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)


def is_single_special(llm: Any, text: str) -> bool:
    """Whether ``text`` is exactly one special token of the model's vocabulary."""
    ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
    return len(ids) == 1 and ids != encode_text(llm, text)


def control_id(llm: Any, token: str) -> int:
    """The id of a control token such as ``<start_of_turn>``."""
    ids = llm.tokenize(token.encode("utf-8"), add_bos=False, special=True)
    if len(ids) != 1:
        raise LlamaCppError(f"the model has no single token for {token!r} (ids {ids})")
    return ids[0]


def encoder(llm: Any) -> tuple[Callable[[str], list[int]], Callable[[str], int]]:
    """``(encode_text, token_id)`` for :func:`hera_core.formats.encode_segments`."""
    return (lambda text: encode_text(llm, text)), (lambda token: control_id(llm, token))


def prompt_format(llm: Any) -> PromptFormat:
    """The format the GGUF chats in (its chat template's, else its vocabulary's)."""
    return detect_format(llm.metadata, lambda text: is_single_special(llm, text))


def is_end_of_generation(llm: Any, token: int) -> bool:
    """Whether llama.cpp ends generation at ``token`` (the vocabulary's EOS/EOT tokens)."""
    import llama_cpp

    return bool(llama_cpp.llama_vocab_is_eog(llm._model.vocab, token))


def bos_id(llm: Any) -> int | None:
    """The model's ``<bos>`` id, or None when it has none."""
    bos = llm.token_bos()
    return bos if bos >= 0 else None


# -- evaluation ---------------------------------------------------------------------------------


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Log-probabilities along the last axis, in float64."""
    x = np.asarray(logits, dtype=np.float64)
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def last_logprobs(llm: Any) -> np.ndarray:
    """Log-probabilities of the token after the last evaluated one."""
    logits = np.ctypeslib.as_array(llm._ctx.get_logits_ith(-1), shape=(llm.n_vocab(),))
    return log_softmax(logits)


def reset_if_prompt_cached(llm: Any, prompt: Sequence[int]) -> None:
    """Start from an empty cache when the whole prompt is already cached.

    llama-cpp-python 0.3.36's ``generate`` reuses the cached prefix of a new prompt. When
    the *entire* prompt is cached (regenerating a reply sends the same conversation
    again), its replay path gives a different, wrong continuation (seen with SmolLM2:
    greedy "I'm glad to hear" became "The phrase \\"The Great"). Partial prefixes (a longer
    conversation) are fine and keep the speed-up; only the exact repeat pays for a fresh
    prompt pass.
    """
    if llm.n_tokens >= len(prompt) and list(llm.input_ids[: len(prompt)]) == list(prompt):
        llm.reset()


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading tokens ``a`` and ``b`` share."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def prefill(
    llm: Any,
    tokens: Sequence[int],
    reuse_prefix: bool = True,
    should_stop: Callable[[], bool] | None = None,
    chunk: int | None = None,
) -> int:
    """Evaluate ``tokens`` so that the model's next-token logits follow the last of them;
    return how many were evaluated.

    With ``reuse_prefix`` the KV cache keeps the prefix these tokens share with what was
    evaluated before (the instruction every benchmark question starts with, the earlier
    turns of a conversation), and only the rest is evaluated; the last token always is,
    so its logits are fresh. A model whose cache cannot drop a suffix starts over.

    With ``should_stop``, evaluation runs in chunks and :class:`Stopped` is raised as soon
    as ``should_stop()`` is true between two chunks: of ``chunk`` tokens, or by default of
    about a quarter of a second each (sized from the first chunk's speed), so that a
    20,000-character prompt stops within a second of Esc instead of after its whole
    evaluation.

    Afterwards ``llm.generate(tokens, reset=True)`` samples from these logits at once
    (llama-cpp-python reuses an exactly cached prompt whose logits are live).
    """
    tokens = list(tokens)
    if not tokens:
        return 0
    if len(tokens) > llm.n_ctx():
        raise LlamaCppError(
            f"a prompt of {len(tokens)} tokens exceeds the context length of {llm.n_ctx()}"
        )
    keep = 0
    if reuse_prefix:
        keep = min(common_prefix(llm.input_ids[: llm.n_tokens], tokens), len(tokens) - 1)
    if not llm._ctx.kv_cache_seq_rm(-1, keep, -1):
        keep = 0
        llm._ctx.kv_cache_seq_rm(-1, 0, -1)
    llm.n_tokens = keep
    if should_stop is None:
        llm.eval(tokens[keep:])
        return len(tokens) - keep
    size, pos = chunk or FIRST_CHUNK, keep
    while pos < len(tokens):
        if should_stop():
            raise Stopped(pos - keep)
        part = tokens[pos : pos + size]
        started = time.perf_counter()
        llm.eval(part)
        pos += len(part)
        if chunk is None:
            per_token = max(time.perf_counter() - started, 1e-6) / len(part)
            size = int(min(max(CHUNK_SECONDS / per_token, 8), llm.n_batch))
    return len(tokens) - keep
