"""Log-likelihood scoring through an Ollama server (``ollama:NAME``).

Ollama returns log-probabilities only for tokens it generates (``/api/generate`` with
``logprobs`` and ``top_logprobs``, Ollama >= 0.12), not for given text. So the prompt is
sent raw (rendered by HERA's prompt format, without ``<bos>``: Ollama's runner adds it),
one token is generated greedily, and each choice is scored by the log-probability of the
first token among the top alternatives that spells the choice (or its longest prefix).
A choice outside the top alternatives scores ``-inf``. For PubMedQA's single-token
yes/no/maybe this is the same quantity the other backends compute (tested against the
llama.cpp scorer on the same GGUF, through the Ollama stand-in).

Ollama tokenizes a raw prompt with special-token parsing, so the question text is
neutralised (``hera_core.ollama_client.neutralise``) before it is laid out: a question
that contains ``<start_of_turn>`` stays text, as in the other backends. A model whose
template is Ollama's default (``{{ .Prompt }}``) has no chat format: ``auto`` scores it
raw, like a GGUF without a chat template.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from typing import Any

from hera_core.choices import reply_prefix
from hera_core.formats import Message
from hera_core.ollama_client import DEFAULT_TEMPLATE, OllamaClient, OllamaError, neutralise
from hera_tui.benchmark.scorer_base import AUTO, ScorerError, choose_format

TOP_LOGPROBS = 20


class OllamaScorer:
    """A model served by Ollama."""

    def __init__(self, model: str, name: str, fmt: str = AUTO, host: str | None = None) -> None:
        self.model = model
        self.name = name
        self.client = OllamaClient(host)
        with self._errors():
            self.info = self.client.api.show(name)
            self.digest = self.client.digest(name)
        template = self.info.template or None
        if template is not None and template.strip() == DEFAULT_TEMPLATE:
            template = None
        self.fmt = choose_format(fmt, template)

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            with self.client.errors(self.name):
                yield
        except OllamaError as exc:
            hint = "; or pass --ollama-host" if exc.status is None else ""
            raise ScorerError(f"ollama:{self.name}: {exc}{hint}") from None

    def identity(self) -> dict[str, Any]:
        """The model's digest changes whenever it is re-created (new weights, template,
        system text or parameters), so cached scores of an older version are not reused."""
        return {
            "backend": "ollama",
            "name": self.name,
            "digest": self.digest,
            "details": self.info.details.model_dump() if self.info.details else {},
        }

    def render(self, prompt: str, prefix: str) -> str:
        """The raw prompt text Ollama receives (no ``<bos>``: its runner adds one)."""
        prompt = neutralise(prompt)
        prefix = reply_prefix(self.fmt, prefix)
        if self.fmt is None:
            return f"{prompt}{prefix}"
        segments = self.fmt.segments([Message("user", prompt)], add_generation_prompt=True)
        text = "".join(s.text for s in segments if not (s.control and s.text == self.fmt.bos))
        return text + prefix

    def score(self, prompt: str, prefix: str, choices: Sequence[str]) -> list[float]:
        with self._errors():
            reply = self.client.api.generate(
                self.name, self.render(prompt, prefix), raw=True, logprobs=True,
                top_logprobs=TOP_LOGPROBS, options={"num_predict": 1, "temperature": 0},
            )
        steps = reply.logprobs or []
        if not steps or not steps[0].top_logprobs:
            raise ScorerError(
                f"ollama:{self.name}: this model cannot be scored by log-likelihood (the "
                "server returned no logprobs; Ollama >= 0.12 is needed)"
            )
        top = {alt.token: alt.logprob for alt in steps[0].top_logprobs}
        return [self._choice_logprob(top, choice) for choice in choices]

    @staticmethod
    def _choice_logprob(top: dict[str, float], choice: str) -> float:
        if choice in top:
            return top[choice]
        prefixes = [t for t in top if t.strip() and choice.startswith(t)]
        return top[max(prefixes, key=len)] if prefixes else -math.inf

    def close(self) -> None:
        """The server keeps the model; only the HTTP client is closed."""
        self.client.api.close()
