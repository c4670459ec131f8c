"""The Ollama scorer against a small local HTTP server speaking /api/show and /api/generate.

The server records the requests, so the test checks what HERA sends (raw prompt in the
model's format, no <bos>, logprobs asked for) as well as how replies are scored.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from hera_train.formats import GEMMA
from hera_tui.benchmark.items import pubmedqa_items
from hera_tui.benchmark.runner import run_benchmark
from hera_tui.benchmark.scorers import ScorerError, open_scorer


class _Server(ThreadingHTTPServer):
    requests: list[dict[str, Any]]
    with_logprobs: bool


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: Any) -> None:
        pass

    def _reply(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, **body})
        if body.get("model") != "hera":
            self._reply(404, {"error": f"model '{body.get('model')}' not found"})
        elif self.path == "/api/show":
            self._reply(200, {"template": GEMMA.ollama_template, "details": {"family": "gemma"}})
        elif self.path == "/api/generate":
            reply: dict[str, Any] = {"model": "hera", "response": " no", "done": True}
            if self.server.with_logprobs and body.get("logprobs"):
                top = [
                    {"token": " no", "logprob": -0.2},
                    {"token": " yes", "logprob": -1.9},
                    {"token": " N", "logprob": -4.0},
                ]
                reply["logprobs"] = [{"token": " no", "logprob": -0.2, "top_logprobs": top}]
            self._reply(200, reply)
        else:
            self._reply(404, {"error": "unknown path"})


@pytest.fixture()
def ollama() -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.requests = []
    server.with_logprobs = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _host(server: _Server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_scores_choices_from_the_top_logprobs(ollama, tmp_path):
    scorer = open_scorer("ollama:hera", ollama_host=_host(ollama))
    assert scorer.fmt is GEMMA
    items = pubmedqa_items(limit=3)
    report = run_benchmark("pubmedqa", items, scorer, tmp_path)
    assert [p["pred"] for p in report.predictions] == ["no"] * 3
    scores = report.predictions[0]["scores"]
    assert scores["no"] == -0.2 and scores["yes"] == -1.9 and scores["maybe"] == -math.inf
    sent = next(r for r in ollama.requests if r["path"] == "/api/generate")
    assert sent["raw"] is True and sent["logprobs"] is True and sent["top_logprobs"] > 0
    assert sent["options"]["num_predict"] == 1
    assert sent["prompt"].startswith("<start_of_turn>user\n")
    assert sent["prompt"].endswith("<end_of_turn>\n<start_of_turn>model\nAnswer:")


def test_a_server_without_logprobs_cannot_score(ollama):
    ollama.with_logprobs = False
    scorer = open_scorer("ollama:hera", ollama_host=_host(ollama))
    with pytest.raises(ScorerError, match="cannot be scored by log-likelihood"):
        scorer.score("question", "Answer:", (" yes", " no"))


def test_unknown_model_and_unreachable_server(ollama):
    with pytest.raises(ScorerError, match="no model 'other'"):
        open_scorer("ollama:other", ollama_host=_host(ollama))
    with pytest.raises(ScorerError, match="cannot reach Ollama"):
        open_scorer("ollama:hera", ollama_host="http://127.0.0.1:9")
