"""K-quants through llama.cpp's own quantizer (the ``gguf`` library cannot write them)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from export.errors import ExportError
from export.gguf_types import Quantized, maker_of
from hera_core.atomic_files import atomic_path


def llama_ftype_name(kind: str) -> str:
    """The ``llama_ftype`` constant (as ``llama_cpp`` names it) for ``kind``, one of the
    table's :class:`~export.gguf_types.Quantized` types."""
    return maker_of(kind, Quantized, "K-quant").llama_ftype


#: Below this many parameters the default is Q8_0: small models lose far more to 4-bit
#: (a trained Gemma 3 270M keeps 76% of its top-1 choices at Q4_K_M, 97% at Q8_0), and a
#: small model's Q8_0 file is still small. Larger models keep HERA's Q4_K_M default.
SMALL_MODEL_PARAMS = 1_000_000_000


def default_quant(n_params: int) -> tuple[str, str]:
    """The default GGUF type for a model of ``n_params`` parameters, and why."""
    size = f"{n_params / 1e6:,.0f}M" if n_params < 1e9 else f"{n_params / 1e9:.1f}B"
    if n_params < SMALL_MODEL_PARAMS:
        return "q8_0", (f"the default for a {size}-parameter model: models under 1B lose "
                        "much more to 4-bit quantization")
    return "q4_k_m", f"the default for a {size}-parameter model"


@contextmanager
def _captured_output() -> Iterator[list[str]]:
    """llama.cpp's quantizer prints a line per tensor from C; keep it off the terminal and
    hand back its last lines for the error message if quantization fails."""
    lines: list[str] = []
    with tempfile.TemporaryFile() as sink:
        saved = [os.dup(1), os.dup(2)]
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield lines
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            sink.seek(0)
            lines.extend(sink.read().decode(errors="replace").splitlines()[-3:])


def quantize(src: Path, out: Path, kind: str, threads: int = 0) -> Path:
    """Quantize an F16/F32 GGUF to ``kind``, atomically, and check the result reads back."""
    import gguf
    import llama_cpp

    ftype = getattr(llama_cpp, llama_ftype_name(kind))
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    params.nthread = threads
    try:
        with atomic_path(out) as tmp:
            with _captured_output() as output:
                rc = llama_cpp.llama_model_quantize(str(src).encode(), str(tmp).encode(), params)
            if rc != 0:
                detail = output[-1] if output else f"code {rc}"
                raise ExportError(f"llama.cpp could not quantize {src.name} to {kind}: {detail}")
            try:
                reader = gguf.GGUFReader(tmp)
            except Exception as exc:
                raise ExportError(f"quantized {kind} GGUF does not read back ({exc})") from None
            if not reader.tensors:
                raise ExportError(f"quantized {kind} GGUF has no tensors")
            del reader  # unmap before the rename
    except OSError as exc:
        raise ExportError(f"cannot write {out}: {exc.strerror or exc}") from None
    return out
