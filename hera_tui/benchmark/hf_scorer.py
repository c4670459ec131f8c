"""Log-likelihood scoring through a Hugging Face model: a forward pass per question.

This wraps ``hera_train.hf_scoring`` (the code eval-during-training uses), so the benchmark
and training score the same tokens the same way. torch and transformers are imported when
a scorer is created, never when the benchmark package is imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hera_core.choices import reply_prefix
from hera_tui.benchmark.scorer_base import AUTO, ScorerError, choose_format


class HFScorer:
    """A causal LM loaded with ``from_pretrained`` (local directory or hub id), on the CPU
    or the first GPU, in full precision (fp32 on the CPU, bf16 on capable GPUs)."""

    def __init__(self, model: str, name: str, fmt: str = AUTO) -> None:
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            from hera_train import hf_scoring
        except ImportError:
            raise ScorerError(
                "hf: models need the training stack: pip install 'hera[train]'"
            ) from None
        self.model = model
        self.name = name
        self._hf_scoring = hf_scoring
        device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = (
            torch.bfloat16 if device == "cuda" and torch.cuda.is_bf16_supported() else torch.float32
        )
        try:
            self.tokenizer: Any = AutoTokenizer.from_pretrained(name)
            self.lm: Any = AutoModelForCausalLM.from_pretrained(
                name, dtype=dtype, attn_implementation="eager", use_safetensors=True
            ).to(device)
        except (OSError, ValueError) as exc:
            raise ScorerError(
                f"cannot load hf:{name} ({type(exc).__name__}); give a local model directory "
                "or a hub id that is in the local cache"
            ) from None
        self.lm.eval()
        self.fmt = choose_format(fmt, getattr(self.tokenizer, "chat_template", None))

    def identity(self) -> dict[str, Any]:
        path = Path(self.name)
        ident: dict[str, Any] = {"backend": "hf", "name": self.name}
        weights = sorted(path.glob("*.safetensors")) if path.is_dir() else []
        if weights:
            ident["path"] = str(path.resolve())
            ident["weights"] = [(w.name, w.stat().st_size, w.stat().st_mtime_ns) for w in weights]
        return ident

    def pairs(
        self, prompt: str, prefix: str, choices: Sequence[str]
    ) -> list[tuple[list[int], list[int]]]:
        return self._hf_scoring.choice_token_ids(
            self.tokenizer, self.fmt, prompt, reply_prefix(self.fmt, prefix), choices
        )

    def score(self, prompt: str, prefix: str, choices: Sequence[str]) -> list[float]:
        return self._hf_scoring.score_choices(self.lm, self.pairs(prompt, prefix, choices))

    def close(self) -> None:
        del self.lm
