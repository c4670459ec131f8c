"""Every GGUF type ``hera export`` can write, in one table: :data:`GGUF_TYPES`.

Each entry says how the file is made, the parity gate it must pass and the line
``hera export --help`` shows for it. The converter (:mod:`export.gguf_convert`), the
quantizer (:mod:`export.quantize`), the pipeline's choice of maker and reference
(:mod:`export.pipeline`), the gates (:mod:`export.parity`) and the CLI (:mod:`export.cli`)
all read this table and keep no list of their own, so they cannot disagree about which
types exist.

**Adding a GGUF type means adding one** :class:`GgufType` **to** ``_TYPES`` **below and
nothing else**: a :class:`Written` maker if the ``gguf`` library can encode its
tensors (``gguf.quants``), a :class:`Quantized` one if only llama.cpp's quantizer can make
it; a :class:`Gate` measured on a trained model (see the figures below) with room to spare;
and a help line. ``tests/test_gguf_types.py`` checks that the new entry's maker resolves in
``gguf``/``llama_cpp``, that its gate judges it and that ``--help`` lists it;
``tests/test_export_gguf.py`` converts and gates every written type.

Names only (``"F16"``, ``"LLAMA_FTYPE_MOSTLY_Q4_K_M"``), never the library objects: the CLI
reads this table to build ``--help``, and ``hera --help`` must not pay for importing
``gguf`` or llama.cpp.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeVar

from export.errors import ExportError


@dataclass(frozen=True)
class Written:
    """Written directly by HERA's converter with the ``gguf`` library."""

    #: ``gguf.GGMLQuantizationType`` member for the 2-D weights (norms always stay F32)
    tensor_type: str
    #: ``gguf.LlamaFileType`` member recorded as ``general.file_type``
    file_type: str

    def describe(self) -> str:
        return "HERA's converter"


@dataclass(frozen=True)
class Quantized:
    """Made from the F16 GGUF by llama.cpp's quantizer (``gguf`` cannot write K-quants).

    The F16 GGUF is always written, so the source always exists; it is also the parity
    reference, which makes the gate measure the quantizer alone.
    """

    #: the ``llama_ftype`` constant's name, as ``llama_cpp`` exposes it
    llama_ftype: str

    def describe(self) -> str:
        return "llama.cpp's quantizer, from F16"


@dataclass(frozen=True)
class Gate:
    """Thresholds one GGUF type must meet against its reference (None: not gated).

    ``against`` is the reference: ``"hf"``, the merged HF model, for types whose loss is
    rounding alone; ``"f16"``, the F16 GGUF in llama.cpp, for types that lose more, so that
    a conversion error (which has already failed the F16's gate) is not mistaken for
    quantization loss and vice versa.
    """

    against: Literal["hf", "f16"]
    max_rel_diff: float | None
    min_top1: float
    max_mean_kl: float | None

    def describe(self) -> str:
        """The bounds in the words and number formats the gate's failure messages use."""
        parts = []
        if self.max_rel_diff is not None:
            parts.append(f"max|diff|/range < {self.max_rel_diff:.0e}")
        parts.append(f"top-1 >= {self.min_top1:.0%}")
        if self.max_mean_kl is not None:
            parts.append(f"mean KL <= {self.max_mean_kl:g}")
        return f"vs {'HF' if self.against == 'hf' else 'F16'}: {', '.join(parts)}"


MakerT = TypeVar("MakerT", Written, Quantized)


@dataclass(frozen=True)
class GgufType:
    """One ``--quant`` choice: its name, how it is made, its gate and its help line."""

    name: str
    maker: Written | Quantized
    gate: Gate
    help: str


# Gates against the HF model: F32 must match to rounding; F16/BF16 round each weight once,
# which flips near-ties only. A broken conversion (a norm without its +1, two layers
# swapped, the vocabulary out of order) drops top-1 towards chance and puts the KL in nats
# (tests/test_export_gates.py).
#
# Gates against the F16 GGUF (both run in llama.cpp): what a sound quantization loses
# depends on the model: a trained Gemma 3 270M measured top-1 / mean KL Q8_0 97% / 0.005,
# Q6_K 90% / 0.034, Q5_K_M 81% / 0.10, Q4_K_M 76% / 0.35 (docs/export.md); larger models
# lose less. The bounds sit well outside those figures (at least twice the KL) and far
# inside what a damaged file scores.
_TYPES = (
    GgufType("f32", Written("F32", "ALL_F32"), Gate("hf", 1e-3, 1.0, 1e-3),
             "float32, the weights unrounded: for checking the converter"),
    GgufType("f16", Written("F16", "MOSTLY_F16"), Gate("hf", None, 0.99, 0.01),
             "float16, always written: the K-quants' source, the quantized types' reference"),
    GgufType("bf16", Written("BF16", "MOSTLY_BF16"), Gate("hf", None, 0.95, 0.05),
             "bfloat16: float32's range at half its size, less precise than float16"),
    GgufType("q8_0", Written("Q8_0", "MOSTLY_Q8_0"), Gate("f16", None, 0.90, 0.05),
             "8-bit, about half of F16's size"),
    GgufType("q6_k", Quantized("LLAMA_FTYPE_MOSTLY_Q6_K"), Gate("f16", None, 0.80, 0.15),
             "6-bit K-quant"),
    GgufType("q5_k_m", Quantized("LLAMA_FTYPE_MOSTLY_Q5_K_M"), Gate("f16", None, 0.70, 0.30),
             "5-bit K-quant (medium)"),
    GgufType("q4_k_m", Quantized("LLAMA_FTYPE_MOSTLY_Q4_K_M"), Gate("f16", None, 0.60, 0.70),
             "4-bit K-quant (medium)"),
)

#: name -> type, in the order ``--help`` and the error messages list them
GGUF_TYPES: dict[str, GgufType] = {t.name: t for t in _TYPES}


def types_made_by(maker: type[Written | Quantized]) -> tuple[str, ...]:
    """Names of the types ``maker`` makes (:class:`Written` or :class:`Quantized`)."""
    return tuple(n for n, t in GGUF_TYPES.items() if isinstance(t.maker, maker))


def maker_of(name: str, maker: type[MakerT], what: str) -> MakerT:
    """``name``'s maker, which must be a ``maker``; otherwise a one-line error saying which
    names that maker accepts (``what`` names the kind of type in the message)."""
    spec = GGUF_TYPES.get(name)
    if spec is None or not isinstance(spec.maker, maker):
        raise ExportError(
            f"unknown {what} {name!r}; choose one of {', '.join(types_made_by(maker))}"
        )
    return spec.maker


def gate_of(name: str) -> Gate:
    """``name``'s gate; a name outside the table is an error, never an ungated pass."""
    if name not in GGUF_TYPES:
        raise ExportError(f"unknown GGUF type {name!r}; choose one of {', '.join(GGUF_TYPES)}")
    return GGUF_TYPES[name].gate


def help_lines() -> list[str]:
    """One entry per type for ``hera export --help``: name, help, maker and gate."""
    width = max(map(len, GGUF_TYPES))
    return [
        f"  {t.name:{width}s}  {t.help}\n  {'':{width}s}  ({t.maker.describe()}; "
        f"gate {t.gate.describe()})"
        for t in GGUF_TYPES.values()
    ]
