"""Token ids for log-likelihood scoring of answer choices, for any tokenizer.

Training's eval (through Hugging Face) and the benchmark (through llama.cpp, Ollama or
Hugging Face) must score exactly the same tokens, so the layout is decided here once:

- with a chat format, the prompt is a user turn plus the generation prompt, and the reply
  prefix (``Answer:``) starts the model's reply;
- without one (base models), the text is ``<bos>`` + prompt + prefix, where the prefix
  starts on a new line (:func:`reply_prefix`).

Context and continuation are tokenized together and split afterwards, so a tokenizer that
merges across the boundary cannot bias the comparison.

Torch-free: the chat app's benchmark imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hera_core.formats import Message, PromptFormat, encode_segments


def reply_prefix(fmt: PromptFormat | None, prefix: str) -> str:
    """The text before the scored choice: in a chat the reply starts with ``prefix``; a base
    model reads the prompt and then ``prefix`` on its own line."""
    return prefix if fmt is not None else f"\n{prefix}"


def choice_pairs(
    encode_text: Callable[[str], list[int]],
    token_id: Callable[[str], int],
    bos_id: int | None,
    fmt: PromptFormat | None,
    prompt: str,
    prefix: str,
    choices: Sequence[str],
) -> list[tuple[list[int], list[int]]]:
    """(context ids, continuation ids) for each choice.

    ``encode_text`` tokenizes without ``<bos>`` and without special-token parsing;
    ``token_id`` maps a control token to its id. ``prefix`` is used as given (see
    :func:`reply_prefix`).
    """
    if fmt is not None:
        head, _ = encode_segments(
            fmt.segments([Message("user", prompt)], add_generation_prompt=True),
            encode_text,
            token_id,
        )
        tail_text = prefix
    else:
        head = [bos_id] if bos_id is not None else []
        tail_text = f"{prompt}{prefix}"
    base = encode_text(tail_text)
    out = []
    for choice in choices:
        full = encode_text(tail_text + choice)
        common = 0
        while common < min(len(base), len(full)) and base[common] == full[common]:
            common += 1
        if common == len(full):
            raise ValueError(f"choice {choice!r} adds no tokens after {tail_text[-20:]!r}")
        out.append((head + full[:common], full[common:]))
    return out
