"""Pick the prompt format of a GGUF model from its own metadata and vocabulary.

HERA exports and Gemma base models carry Gemma's turn markers; SmolLM2 (the starter model)
uses ChatML. The chat template, when the GGUF has one, names its markers; a base model
without a template (Gemma 3 270M) is recognised by its vocabulary, where each marker must
be exactly one special token for the format to apply.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from hera_train.formats import CHATML, GEMMA, PromptFormat

from .base import BackendError

_CANDIDATES: tuple[PromptFormat, ...] = (GEMMA, CHATML)


def detect_format(
    metadata: Mapping[str, str], is_single_special_token: Callable[[str], bool]
) -> PromptFormat:
    """The format whose turn markers the model knows, preferring its chat template's."""
    template = metadata.get("tokenizer.chat_template", "")
    for fmt in _CANDIDATES:
        if fmt.turn_start in template and is_single_special_token(fmt.turn_start):
            return fmt
    for fmt in _CANDIDATES:
        if all(is_single_special_token(t) for t in (fmt.turn_start, fmt.turn_end)):
            return fmt
    arch = metadata.get("general.architecture", "unknown")
    raise BackendError(
        f"this model ({arch}) has neither Gemma's nor ChatML's turn markers as special tokens; "
        "HERA can chat only with Gemma-format (HERA exports) or ChatML models"
    )
