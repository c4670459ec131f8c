"""K-quants through llama.cpp's own quantizer (the ``gguf`` library cannot write them)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from export.errors import ExportError

#: name -> llama_ftype (values of llama.cpp's enum, as exposed by llama_cpp)
K_QUANTS = {"q4_k_m": "LLAMA_FTYPE_MOSTLY_Q4_K_M", "q5_k_m": "LLAMA_FTYPE_MOSTLY_Q5_K_M",
            "q6_k": "LLAMA_FTYPE_MOSTLY_Q6_K"}


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

    if kind not in K_QUANTS:
        raise ExportError(f"unknown K-quant {kind!r}; choose one of {', '.join(K_QUANTS)}")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, K_QUANTS[kind])
    params.nthread = threads
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
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
        os.replace(tmp, out)
    except OSError as exc:
        raise ExportError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return out
