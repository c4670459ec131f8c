"""HF checkpoint -> GGUF with our own writer on the ``gguf`` library, streamed.

The header (metadata and every tensor's name, shape and type) is written first from the
safetensors headers alone; then each tensor is read, transformed and written in blocks of
whole rows, so peak memory is one block plus overhead, less than one tensor and far less
than the model (``bench/export_memory.py`` measures it). The file is written under a temporary name,
reopened with ``gguf.GGUFReader`` and checked, and only then renamed into place.

Gemma facts applied here: RMSNorm weights are stored as ``w - 1`` (the layer computes
``x * (1 + w)``) while llama.cpp multiplies by the stored value, so every ``*norm.weight``
gets +1 (Gemma 3's q/k norms too); ``lm_head`` is tied to the embedding and not written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gguf
import numpy as np

from export.architectures import Architecture, architecture_of, write_hparams
from export.checkpoint import Checkpoint, open_checkpoint
from export.errors import ExportError
from export.gguf_types import Written, maker_of
from export.vocab import Vocab, load_vocab
from hera_core.atomic_files import atomic_path
from hera_core.formats import PromptFormat

Q = gguf.GGMLQuantizationType


def written_type(out_type: str) -> tuple[Q, gguf.LlamaFileType]:
    """The tensor type and file type for ``out_type``, one of the table's
    :class:`~export.gguf_types.Written` types (K-quants go through llama.cpp)."""
    maker = maker_of(out_type, Written, "GGUF type")
    return Q[maker.tensor_type], gguf.LlamaFileType[maker.file_type]


@dataclass(frozen=True)
class ModelInfo:
    """``general.*`` facts recorded in the GGUF."""

    name: str
    base_model: str
    license: str
    hera_version: str


@dataclass(frozen=True)
class _PlannedTensor:
    hf_name: str
    gguf_name: str
    shape: tuple[int, ...]
    qtype: Q
    add_one: bool


def _tensor_type(shape: tuple[int, ...], wanted: Q) -> Q:
    """Norms and other 1-D tensors stay F32 (as llama.cpp's converter keeps them)."""
    if len(shape) < 2 or wanted == Q.F32:
        return Q.F32
    block = gguf.GGML_QUANT_SIZES[wanted][0]
    return wanted if shape[-1] % block == 0 else Q.F16


def _plan(ckpt: Checkpoint, arch: Architecture, wanted: Q) -> list[_PlannedTensor]:
    n_layer = ckpt.config["num_hidden_layers"]
    names = gguf.get_tensor_name_map(arch.gguf_arch, n_layer)
    plan = []
    for hf_name, meta in ckpt.tensors.items():
        if hf_name == "lm_head.weight" and ckpt.config.get("tie_word_embeddings", True):
            continue
        gguf_name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if gguf_name is None:
            raise ExportError(
                f"{ckpt.path}: tensor {hf_name} has no {arch.name} GGUF name; is this a "
                f"plain {arch.hf_class} checkpoint?"
            )
        plan.append(
            _PlannedTensor(
                hf_name,
                gguf_name,
                meta.shape,
                _tensor_type(meta.shape, wanted),
                add_one=hf_name.endswith("norm.weight"),
            )
        )
    return plan


def _encode(data: np.ndarray, qtype: Q) -> np.ndarray:
    if qtype == Q.F32:
        return data.astype(np.float32, copy=False)
    if qtype == Q.F16:
        return data.astype(np.float16)
    return gguf.quants.quantize(data, qtype)


def _nbytes(shape: tuple[int, ...], qtype: Q) -> int:
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    return int(np.prod(shape)) // block * size


def _write_tokenizer(writer: gguf.GGUFWriter, vocab: Vocab, fmt: PromptFormat) -> None:
    writer.add_tokenizer_model("llama")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(vocab.tokens)
    writer.add_token_scores(vocab.scores)
    writer.add_token_types(vocab.types)
    writer.add_bos_token_id(vocab.bos_id)
    writer.add_eos_token_id(vocab.eos_id)
    writer.add_unk_token_id(vocab.unk_id)
    if vocab.pad_id is not None:
        writer.add_pad_token_id(vocab.pad_id)
    if vocab.eot_id is not None:
        writer.add_eot_token_id(vocab.eot_id)
    # Exactly one <bos>: llama.cpp (and Ollama) add it; the chat template also starts with
    # bos_token, and llama.cpp's chat path tokenizes that rendering without adding another.
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)
    writer.add_add_space_prefix(False)
    writer.add_chat_template(fmt.chat_template)


def _write_general(writer: gguf.GGUFWriter, info: ModelInfo, ftype: gguf.LlamaFileType) -> None:
    writer.add_type(gguf.GGUFType.MODEL)
    writer.add_name(info.name)
    writer.add_license(info.license)
    writer.add_base_model_count(1)
    writer.add_base_model_name(0, info.base_model)
    writer.add_description(f"Exported by HERA {info.hera_version}")
    writer.add_string("hera.version", info.hera_version)
    writer.add_file_type(ftype)
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)


def _write(
    tmp: Path, ckpt: Checkpoint, arch: Architecture, plan: list[_PlannedTensor], vocab: Vocab,
    fmt: PromptFormat, info: ModelInfo, ftype: gguf.LlamaFileType,
    progress: Callable[[str], None],
) -> None:
    """Header first (from safetensors headers alone), then tensor data in row blocks."""
    writer = gguf.GGUFWriter(tmp, arch.name)
    write_hparams(writer, arch, ckpt.config)
    _write_tokenizer(writer, vocab, fmt)
    _write_general(writer, info, ftype)
    for p in plan:
        if p.qtype in (Q.F32, Q.F16):
            dtype = np.float32 if p.qtype == Q.F32 else np.float16
            writer.add_tensor_info(p.gguf_name, p.shape, np.dtype(dtype), _nbytes(p.shape, p.qtype))
        else:
            byte_shape = gguf.quant_shape_to_byte_shape(p.shape, p.qtype)
            writer.add_tensor_info(
                p.gguf_name, byte_shape, np.dtype(np.uint8), _nbytes(p.shape, p.qtype), p.qtype
            )
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    fout = writer.fout[0]
    for i, p in enumerate(plan, 1):
        # gguf's write_tensor_data wants a whole tensor; rows are written in blocks
        # instead, with the same alignment padding before and after each tensor.
        writer.write_padding(fout, fout.tell())
        written = 0
        for block in ckpt.row_chunks(p.hf_name):
            encoded = _encode(block + 1.0 if p.add_one else block, p.qtype)
            encoded.tofile(fout)
            written += encoded.nbytes
        if written != _nbytes(p.shape, p.qtype):
            raise ExportError(
                f"{p.hf_name}: wrote {written} bytes, expected {_nbytes(p.shape, p.qtype)}"
            )
        writer.write_padding(fout, written)
        progress(f"[{i}/{len(plan)}] {p.gguf_name} {p.qtype.name}")
    writer.close()


def _verify(path: Path, plan: list[_PlannedTensor], arch: Architecture, n_tokens: int) -> None:
    """Reopen the finished file and check what llama.cpp will rely on."""
    try:
        reader = gguf.GGUFReader(path)
    except Exception as exc:
        raise ExportError(f"written GGUF does not read back ({exc})") from None
    arch_field = reader.get_field(gguf.Keys.General.ARCHITECTURE)
    if arch_field is None or arch_field.contents() != arch.name:
        raise ExportError("written GGUF has the wrong general.architecture")
    tokens = reader.get_field(gguf.Keys.Tokenizer.LIST)
    if tokens is None or len(tokens.data) != n_tokens:
        raise ExportError("written GGUF has a wrong token list")
    written = {t.name: t for t in reader.tensors}
    for p in plan:
        t = written.get(p.gguf_name)
        if t is None or t.tensor_type != p.qtype or tuple(t.shape[::-1]) != p.shape:
            raise ExportError(f"written GGUF tensor {p.gguf_name} is missing or malformed")
    if len(written) != len(plan):
        raise ExportError("written GGUF has unexpected tensors")


def convert_to_gguf(
    model_dir: Path,
    out_path: Path,
    out_type: str,
    fmt: PromptFormat,
    info: ModelInfo,
    progress: Callable[[str], None] = lambda _: None,
) -> Path:
    """Write ``model_dir`` as a GGUF of ``out_type`` at ``out_path`` (atomically)."""
    wanted, ftype = written_type(out_type)
    ckpt = open_checkpoint(model_dir)
    arch = architecture_of(ckpt.config)
    plan = _plan(ckpt, arch, wanted)
    embd = next((p for p in plan if p.gguf_name == "token_embd.weight"), None)
    if embd is None:
        raise ExportError(f"{model_dir}: no embed_tokens tensor")
    vocab = load_vocab(Path(model_dir), embd.shape[0])

    try:
        with atomic_path(out_path) as tmp:
            _write(tmp, ckpt, arch, plan, vocab, fmt, info, ftype, progress)
            n_tokens = len(vocab.tokens)
            del vocab  # a 256k vocabulary is hundreds of MB of Python objects; the reader adds more
            _verify(tmp, plan, arch, n_tokens)
    except OSError as exc:
        raise ExportError(f"cannot write {out_path}: {exc.strerror or exc}") from None
    return out_path
