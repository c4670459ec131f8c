"""A tiny, randomly initialised Gemma-2 with a real SentencePiece tokenizer.

No model hub is reachable on CI machines, yet every path of HERA (training, merge, GGUF
export, llama.cpp chat) must run on a real Gemma-2 architecture. This builds one in a few
seconds: a few layers, a small vocabulary trained with SentencePiece on the project's own
medical text, Gemma's special tokens at Gemma's ids (pad 0, eos 1, bos 2, unk 3, mask 4)
and Gemma-2-2b-it's chat template. It is saved like a hub checkpoint (safetensors,
``tokenizer.model``, ``tokenizer.json``), so the code under test loads it exactly the way it
loads ``google/gemma-2-2b-it``.

``query_pre_attn_scalar`` equals ``head_dim`` because llama.cpp scales attention by
1/sqrt(head_dim) for every Gemma-2 size except 27B.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hera_core.paths import cache_home, data_file

TINY_MODEL_NAME = "tiny-gemma2"
VOCAB_SIZE = 1024
SPECIAL_TOKENS = ["<mask>", "<start_of_turn>", "<end_of_turn>"]

# Gemma-2-2b-it's own chat template, verbatim: the tiny model must behave like the real one.
GEMMA2_IT_CHAT_TEMPLATE = (
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}"
    "{{ raise_exception('System role not supported') }}{% endif %}"
    "{% for message in messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}"
    "{% else %}{% set role = message['role'] %}{% endif %}"
    "{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}"
)


def _corpus() -> Iterator[str]:
    """Medical text for the tokenizer: PubMedQA contexts and patient–doctor replies."""
    pqal = json.loads(data_file("pubmedqa/ori_pqal.json").read_text())
    for item in list(pqal.values())[:400]:
        yield item["QUESTION"]
        yield from item["CONTEXTS"]
    convs = json.loads(data_file("genmedgpt-5k/genmedgpt_5k.json").read_text())
    for row in convs[:400]:
        yield row["input"]
        yield row["output"]


def _train_sentencepiece() -> bytes:
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=_corpus(),
        model_writer=model,
        vocab_size=VOCAB_SIZE,
        model_type="bpe",
        pad_id=0,
        eos_id=1,
        bos_id=2,
        unk_id=3,
        pad_piece="<pad>",
        eos_piece="<eos>",
        bos_piece="<bos>",
        unk_piece="<unk>",
        user_defined_symbols=SPECIAL_TOKENS,
        byte_fallback=True,
        add_dummy_prefix=False,
        remove_extra_whitespaces=False,
        normalization_rule_name="identity",
        split_digits=True,
        allow_whitespace_only_pieces=True,
        num_threads=1,
        minloglevel=2,
    )
    return model.getvalue()


def build_tiny_gemma2(out_dir: Path, seed: int = 0) -> Path:
    """Build the tiny model into ``out_dir`` (written to a temp dir, then renamed)."""
    import torch
    from transformers import AutoTokenizer, Gemma2Config, Gemma2ForCausalLM

    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tiny-", dir=out_dir.parent))
    try:
        (tmp / "tokenizer.model").write_bytes(_train_sentencepiece())
        (tmp / "tokenizer_config.json").write_text(
            json.dumps(
                {
                    "tokenizer_class": "GemmaTokenizer",
                    "bos_token": "<bos>",
                    "eos_token": "<eos>",
                    "pad_token": "<pad>",
                    "unk_token": "<unk>",
                    "mask_token": "<mask>",
                    "add_bos_token": True,
                    "add_eos_token": False,
                    "additional_special_tokens": ["<start_of_turn>", "<end_of_turn>"],
                    "chat_template": GEMMA2_IT_CHAT_TEMPLATE,
                }
            )
        )
        tokenizer = AutoTokenizer.from_pretrained(tmp)
        if len(tokenizer) != VOCAB_SIZE:
            raise RuntimeError(f"tiny tokenizer has {len(tokenizer)} tokens, not {VOCAB_SIZE}")
        tokenizer.save_pretrained(tmp)

        config = Gemma2Config(
            vocab_size=VOCAB_SIZE,
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            head_dim=16,
            query_pre_attn_scalar=16,
            max_position_embeddings=1024,
            sliding_window=128,
            attn_logit_softcapping=50.0,
            final_logit_softcapping=30.0,
            rms_norm_eps=1e-6,
            # Wide enough initial weights that a 64-wide model can express a peaked
            # next-token distribution (0.02 caps tied-embedding logits near +-1).
            initializer_range=0.2,
            pad_token_id=0,
            eos_token_id=1,
            bos_token_id=2,
            tie_word_embeddings=True,
        )
        torch.manual_seed(seed)
        model = Gemma2ForCausalLM(config)
        # Gemma RMSNorm stores (w - 1); random non-zero norms make the GGUF "+1" rule testable.
        with torch.no_grad():
            for name, param in model.named_parameters():
                if name.endswith("norm.weight"):
                    param.uniform_(-0.2, 0.2)
        model.save_pretrained(tmp, safe_serialization=True)
        model.generation_config.save_pretrained(tmp)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def tiny_gemma2_path(cache_dir: Path | None = None) -> Path:
    """The cached tiny model, built on first use."""
    path = (cache_dir or cache_home()) / TINY_MODEL_NAME
    if not (path / "model.safetensors").exists():
        build_tiny_gemma2(path)
    return path
