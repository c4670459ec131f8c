"""Which prompt format a model speaks, decided one way for every backend.

A chat template (the GGUF's or tokenizer's Jinja ``chat_template``, or an Ollama
Modelfile TEMPLATE) names its format by its turn markers: :func:`named_format`. The chat
app also needs a format for base models that have no template (Gemma 3 270M): there the
vocabulary decides, a format applying when each of its markers is exactly one special
token: :func:`detect_format`. The benchmark instead scores base models as raw text, so it
uses :func:`named_format` alone.

Torch-free: the chat app imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from hera_core.formats import CHATML, GEMMA, FormatError, PromptFormat

#: Gemma first: a Gemma vocabulary has no ChatML markers, but some ChatML models list
#: Gemma-looking strings as plain text.
KNOWN_FORMATS: tuple[PromptFormat, ...] = (GEMMA, CHATML)


def named_format(template: str | None) -> PromptFormat | None:
    """The known format whose turn-start marker the template contains; None if none does
    (no template at all, or a template of some other family)."""
    for fmt in KNOWN_FORMATS:
        if template and fmt.turn_start in template:
            return fmt
    return None


def detect_format(
    metadata: Mapping[str, str], is_single_special_token: Callable[[str], bool]
) -> PromptFormat:
    """The format a GGUF's model chats in: its template's, else its vocabulary's."""
    fmt = named_format(metadata.get("tokenizer.chat_template"))
    if fmt is not None and is_single_special_token(fmt.turn_start):
        return fmt
    for fmt in KNOWN_FORMATS:
        if all(is_single_special_token(t) for t in (fmt.turn_start, fmt.turn_end)):
            return fmt
    arch = metadata.get("general.architecture", "unknown")
    raise FormatError(
        f"this model ({arch}) has neither Gemma's nor ChatML's turn markers as special tokens; "
        "HERA can chat only with Gemma-format (HERA exports) or ChatML models"
    )
