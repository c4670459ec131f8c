"""``--model`` specs, parsed one way for the chat app and the benchmark.

A spec is a GGUF file path (run in-process by llama.cpp), ``ollama:NAME`` (a model of an
Ollama server) or ``hf:PATH_OR_ID`` (a transformers model: a local folder or a hub id;
benchmark only). A path must name an existing file; whether it really is a GGUF is checked
when it is loaded, where the magic bytes are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hera_core.errors import HeraError

Kind = Literal["gguf", "ollama", "hf"]
OLLAMA_PREFIX = "ollama:"
HF_PREFIX = "hf:"
ALL_KINDS: tuple[Kind, ...] = ("gguf", "ollama", "hf")
_FORMS: dict[Kind, str] = {"gguf": "a .gguf file", "ollama": "ollama:NAME", "hf": "hf:PATH_OR_ID"}


class ModelNotFoundError(HeraError, ValueError):
    """The model the user named does not exist or cannot be used here; the message says
    what to give instead."""


@dataclass(frozen=True)
class ModelSpec:
    """A parsed spec: ``kind`` and ``ref`` (the file path, Ollama name or HF path/id)."""

    kind: Kind
    ref: str

    @property
    def text(self) -> str:
        """The spec as a user writes it."""
        return {"gguf": "", "ollama": OLLAMA_PREFIX, "hf": HF_PREFIX}[self.kind] + self.ref


def _choices(kinds: Sequence[Kind]) -> str:
    forms = [_FORMS[k] for k in kinds]
    return ", ".join(forms[:-1]) + f" or {forms[-1]}" if len(forms) > 1 else forms[0]


def parse_model_spec(spec: str, kinds: Sequence[Kind] = ALL_KINDS) -> ModelSpec:
    """The spec, or a one-line :class:`ModelNotFoundError` naming what to give instead."""
    spec = spec.strip()
    for kind, prefix, example in (("ollama", OLLAMA_PREFIX, "ollama:hera"),
                                  ("hf", HF_PREFIX, "hf:google/gemma-2-2b-it")):
        if spec.startswith(prefix):
            ref = spec[len(prefix):].strip()
            if not ref:
                raise ModelNotFoundError(f"`{prefix}` needs a model name, e.g. {example}")
            if kind not in kinds:
                raise ModelNotFoundError(
                    f"{prefix} models cannot be used here; give {_choices(kinds)}"
                )
            return ModelSpec(kind, ref)
    path = Path(spec).expanduser()
    if not spec or not path.is_file():
        wanted = _choices(kinds).replace(_FORMS["gguf"], "an existing .gguf file")
        raise ModelNotFoundError(f"model file not found: {spec or '(empty)'}; give {wanted}")
    return ModelSpec("gguf", str(path.resolve()))
