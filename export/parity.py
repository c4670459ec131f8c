"""Parity gates: the exported GGUF must behave like the HF model it came from.

Three checks, run by ``hera export`` and by the tests:

* logits: the HF model and the GGUF in llama.cpp, on fixed medical conversations,
  position by position (relative max difference, top-1 agreement, mean KL);
* tokenization: the training format, HF's chat template and the GGUF's embedded template
  rendered through llama.cpp's chat path give identical ids (one ``<bos>``, ending with the
  model-turn header);
* generation: a reply generated from the GGUF stops at ``<end_of_turn>`` and contains no
  template tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from export.errors import ParityError
from export.gguf_types import Gate, gate_of
from hera_core import llamacpp
from hera_core.formats import HERA_SYSTEM_PROMPT, Message, PromptFormat, encode_segments

#: Fixed conversations: with and without a system text, one to three user turns.
PARITY_CONVERSATIONS: tuple[tuple[Message, ...], ...] = (
    (Message("user", "What are the early signs of type 2 diabetes?"),),
    (
        Message("system", HERA_SYSTEM_PROMPT),
        Message("user", "I have had a headache and a stiff neck for two days. Should I worry?"),
    ),
    (
        Message("user", "Can I take ibuprofen while on lisinopril for blood pressure?"),
        Message("assistant", "NSAIDs such as ibuprofen can raise blood pressure and strain "
                             "the kidneys when combined with ACE inhibitors."),
        Message("user", "What can I use for knee pain instead?"),
    ),
)


@dataclass(frozen=True)
class LogitParity:
    """How closely a GGUF's logits follow the HF model's."""

    gguf_type: str
    positions: int
    rel_max_diff: float
    top1_agreement: float
    mean_kl: float


def load_llama(path: Path, n_ctx: int = 512) -> Any:
    """The GGUF in llama.cpp, with a float32 KV cache.

    llama.cpp's default F16 cache alone moves logits by ~5e-4 of their range; the gates
    measure the file's weights and tokenizer, not the cache's precision.
    """
    return llamacpp.load(path, n_ctx, f32_kv_cache=True, logits_all=True, seed=0)


def compare_logits(
    gguf_type: str, reference: Sequence[np.ndarray], exported: Sequence[np.ndarray]
) -> LogitParity:
    ref, got = np.concatenate(reference), np.concatenate(exported)
    rel = float(np.abs(ref - got).max() / (ref.max() - ref.min()))
    top1 = float((ref.argmax(-1) == got.argmax(-1)).mean())
    lp, lq = llamacpp.log_softmax(ref), llamacpp.log_softmax(got)
    kl = float((np.exp(lp) * (lp - lq)).sum(-1).mean())
    return LogitParity(gguf_type, len(ref), rel, top1, kl)


def _failures(result: LogitParity, gate: Gate) -> list[str]:
    failures = []
    if gate.max_rel_diff is not None and result.rel_max_diff >= gate.max_rel_diff:
        failures.append(
            f"max|diff|/range {result.rel_max_diff:.2e} (gate < {gate.max_rel_diff:.0e})"
        )
    if result.top1_agreement < gate.min_top1:
        failures.append(
            f"top-1 agreement {result.top1_agreement:.1%} (gate >= {gate.min_top1:.0%})"
        )
    if gate.max_mean_kl is not None and result.mean_kl > gate.max_mean_kl:
        failures.append(f"mean KL {result.mean_kl:.3f} (gate <= {gate.max_mean_kl:g})")
    return failures


def check_gate(result: LogitParity) -> None:
    """Raise :class:`ParityError` saying what was measured when ``result`` misses its gate.

    The gate is the type's entry in :data:`export.gguf_types.GGUF_TYPES`: types rounded once
    are judged against the HF model, quantized types against the F16 GGUF. Every type has
    a gate; a name outside the table is an :class:`ExportError`, not a pass.
    """
    kind = result.gguf_type
    gate = gate_of(kind)
    if gate.against == "hf":
        finding = (f"the {kind} GGUF does not compute what the HF model computes",
                   "the conversion is wrong (tensors, norms or vocabulary)")
    else:
        finding = (f"the {kind} GGUF strays from the F16 GGUF far more than {kind} "
                   "quantization does on trained models", "the quantized file is damaged")
    failures = _failures(result, gate)
    if failures:
        raise ParityError(f"{finding[0]}: {'; '.join(failures)} over {result.positions} "
                          f"positions; {finding[1]}, so no file was kept")


def prompt_ids(fmt: PromptFormat, encoder: tuple[Any, Any]) -> list[list[int]]:
    """The parity conversations as the training format tokenizes them."""
    encode_text, token_id = encoder
    return [
        encode_segments(fmt.segments(conv, add_generation_prompt=True), encode_text, token_id)[0]
        for conv in PARITY_CONVERSATIONS
    ]


def gguf_logits(llm: Any, prompts: Sequence[Sequence[int]]) -> list[np.ndarray]:
    out = []
    for ids in prompts:
        llm.reset()
        llm.eval(list(ids))
        out.append(np.array(llm.scores[: len(ids)], dtype=np.float32))
    return out


def file_logits(gguf_path: Path, prompts: Sequence[Sequence[int]]) -> list[np.ndarray]:
    """A GGUF's logits at every position of ``prompts``, through llama.cpp."""
    llm = load_llama(gguf_path, n_ctx=max(len(p) for p in prompts) + 8)
    try:
        return gguf_logits(llm, prompts)
    finally:
        llm.close()


def logit_parity(
    gguf_type: str, reference: Sequence[np.ndarray], logits: Sequence[np.ndarray]
) -> LogitParity:
    """Compare a GGUF's logits with its reference's (the HF model for conversion types, the
    F16 GGUF for quantized ones) and enforce the type's gate."""
    result = compare_logits(gguf_type, reference, logits)
    check_gate(result)
    return result


def _gguf_template_ids(llm: Any, conv: Sequence[Message]) -> list[int]:
    """What llama-cpp-python's chat path feeds the model for the GGUF's own template."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = llm.metadata.get("tokenizer.chat_template")
    if not template:
        raise ParityError("the GGUF has no tokenizer.chat_template")
    vocab = llm._model
    formatter = Jinja2ChatFormatter(
        template,
        eos_token=vocab.token_get_text(vocab.token_eos()),
        bos_token=vocab.token_get_text(vocab.token_bos()),
    )
    result = formatter(messages=[{"role": m.role, "content": m.content} for m in conv])
    return llm.tokenize(result.prompt.encode(), add_bos=not result.added_special, special=True)


def tokenization_parity(llm: Any, hf_tokenizer: Any, fmt: PromptFormat) -> int:
    """Training format == HF chat template == GGUF template via llama.cpp, per conversation.

    HF's own template is used where the tokenizer has one and the conversation has no
    system text (Gemma-2's template rejects system turns); otherwise the format's template.
    Returns the number of conversations checked.
    """
    from hera_train.batching import hf_encoder

    header = llamacpp.encoder(llm)[1](fmt.turn_start)
    training_ids = prompt_ids(fmt, hf_encoder(hf_tokenizer))
    for n, (conv, training) in enumerate(zip(PARITY_CONVERSATIONS, training_ids, strict=True), 1):
        has_system = conv[0].role == "system"
        own = getattr(hf_tokenizer, "chat_template", None)
        hf_ids = hf_tokenizer.apply_chat_template(
            [{"role": m.role, "content": m.content} for m in conv],
            add_generation_prompt=True,
            tokenize=True,
            return_dict=False,
            chat_template=own if own and not has_system else fmt.chat_template,
        )
        gguf_ids = _gguf_template_ids(llm, conv)
        if not (training == list(hf_ids) == gguf_ids):
            raise ParityError(
                f"conversation {n}: token ids differ between the training format, HF's chat "
                "template and the GGUF's template in llama.cpp"
            )
        bos = llm.token_bos()
        if gguf_ids.count(bos) != 1 or gguf_ids[0] != bos:
            raise ParityError(f"conversation {n}: the prompt must start with exactly one <bos>")
        tail = [header, *llamacpp.encoder(llm)[0](f"{fmt.role_names['assistant']}\n")]
        if gguf_ids[-len(tail):] != tail:
            raise ParityError(f"conversation {n}: the prompt does not end with the model header")
    return len(PARITY_CONVERSATIONS)


@dataclass(frozen=True)
class Reply:
    text: str
    tokens: int
    stopped: bool  # ended at the turn marker (not cut off at max_tokens)


#: Room for a whole chat reply: HERA's training replies run to about 300 tokens, so a
#: model that has not ended its turn by here has not learned to end it.
STOP_CHECK_TOKENS = 512


def generate_reply(
    llm: Any, fmt: PromptFormat, conversation: Sequence[Message] = PARITY_CONVERSATIONS[0],
    max_tokens: int = STOP_CHECK_TOKENS,
) -> Reply:
    """A greedy reply through llama-cpp-python's chat path (the GGUF's own template).

    llama.cpp must treat the turn marker as end-of-generation (that is what the GGUF's
    token types and ``eot`` id are for) and the reply must contain no template tokens;
    either failure raises. Whether the model *chose* to end its turn is returned, for the
    caller to gate on.
    """
    end = llamacpp.encoder(llm)[1](fmt.turn_end)
    if not llamacpp.is_end_of_generation(llm, end):
        raise ParityError(f"llama.cpp does not stop generating at {fmt.turn_end}")
    out = llm.create_chat_completion(
        messages=[{"role": m.role, "content": m.content} for m in conversation],
        max_tokens=max_tokens,
        temperature=0.0,
        seed=0,
    )
    choice = out["choices"][0]
    text = choice["message"]["content"] or ""
    for marker in (fmt.turn_start, fmt.turn_end, fmt.bos or ""):
        if marker and marker in text:
            raise ParityError(f"the generated reply contains the template token {marker}")
    return Reply(text, out["usage"]["completion_tokens"], choice["finish_reason"] == "stop")


def hf_reference(
    model_dir: Path, fmt: PromptFormat
) -> tuple[Any, list[list[int]], list[np.ndarray]]:
    """The HF model's tokenizer, the parity prompts' ids and its float32 logits on them.

    Eager attention: SDPA drops Gemma-2's attention soft-capping.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from hera_train.batching import hf_encoder

    hf_logging.disable_progress_bar()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    prompts = prompt_ids(fmt, hf_encoder(tokenizer))
    model = AutoModelForCausalLM.from_pretrained(
        model_dir, dtype=torch.float32, attn_implementation="eager", use_safetensors=True
    ).eval()
    with torch.no_grad():
        logits = [model(torch.tensor([ids])).logits[0].float().numpy() for ids in prompts]
    del model
    return tokenizer, prompts, logits
