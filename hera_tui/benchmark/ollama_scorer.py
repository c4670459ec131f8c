"""Log-likelihood scoring through an Ollama server (``ollama:NAME``).

Ollama returns log-probabilities only for tokens it generates (``/api/generate`` with
``logprobs`` and ``top_logprobs``, Ollama >= 0.12), not for given text. So the prompt is
sent raw (rendered by HERA's prompt format, without ``<bos>``: Ollama's runner adds it),
one token is generated greedily, and each choice is scored by the log-probability of the
first token among the top alternatives that spells the choice (or its longest prefix).
A choice outside the top alternatives scores ``-inf``. For PubMedQA's single-token
yes/no/maybe this is the same quantity the other backends compute.
"""

from __future__ import annotations

import json
import math
import os
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

from hera_train.choices import reply_prefix
from hera_train.formats import Message
from hera_tui.benchmark.scorers import AUTO, ScorerError, choose_format

DEFAULT_HOST = "http://127.0.0.1:11434"
TOP_LOGPROBS = 20


def ollama_host(explicit: str | None = None) -> str:
    """``--ollama-host``, else ``$OLLAMA_HOST``, else the local default."""
    host = explicit or os.environ.get("OLLAMA_HOST") or DEFAULT_HOST
    return host if "://" in host else f"http://{host}"


class OllamaScorer:
    """A model served by Ollama."""

    def __init__(self, model: str, name: str, fmt: str = AUTO, host: str | None = None) -> None:
        self.model = model
        self.name = name
        self.host = ollama_host(host).rstrip("/")
        self.info = self._post("/api/show", {"model": name})
        self.fmt = choose_format(fmt, self.info.get("template"))

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.host}{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=600) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise ScorerError(
                    f"Ollama at {self.host} has no model {self.name!r}; `ollama pull` or "
                    "`ollama create` it first"
                ) from None
            raise ScorerError(f"Ollama at {self.host} answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise ScorerError(
                f"cannot reach Ollama at {self.host} ({exc}); start `ollama serve` or pass "
                "--ollama-host"
            ) from None

    def identity(self) -> dict[str, Any]:
        details = self.info.get("details", {})
        return {
            "backend": "ollama",
            "name": self.name,
            "modified_at": self.info.get("modified_at"),
            "details": details,
        }

    def render(self, prompt: str, prefix: str) -> str:
        """The raw prompt text Ollama receives (no ``<bos>``: its runner adds one)."""
        prefix = reply_prefix(self.fmt, prefix)
        if self.fmt is None:
            return f"{prompt}{prefix}"
        segments = self.fmt.segments([Message("user", prompt)], add_generation_prompt=True)
        text = "".join(s.text for s in segments if not (s.control and s.text == self.fmt.bos))
        return text + prefix

    def score(self, prompt: str, prefix: str, choices: Sequence[str]) -> list[float]:
        reply = self._post(
            "/api/generate",
            {
                "model": self.name,
                "prompt": self.render(prompt, prefix),
                "raw": True,
                "stream": False,
                "logprobs": True,
                "top_logprobs": TOP_LOGPROBS,
                "options": {"num_predict": 1, "temperature": 0},
            },
        )
        steps = reply.get("logprobs") or []
        if not steps or not steps[0].get("top_logprobs"):
            raise ScorerError(
                f"ollama:{self.name}: this model cannot be scored by log-likelihood (the "
                "server returned no logprobs; Ollama >= 0.12 is needed)"
            )
        top = {alt["token"]: float(alt["logprob"]) for alt in steps[0]["top_logprobs"]}
        return [self._choice_logprob(top, choice) for choice in choices]

    @staticmethod
    def _choice_logprob(top: dict[str, float], choice: str) -> float:
        if choice in top:
            return top[choice]
        prefixes = [t for t in top if t.strip() and choice.startswith(t)]
        return top[max(prefixes, key=len)] if prefixes else -math.inf

    def close(self) -> None:
        """Nothing to release: the server keeps the model."""
