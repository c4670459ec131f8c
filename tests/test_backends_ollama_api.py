"""The Ollama stand-in speaks Ollama's API faithfully enough for HERA's clients: these are
the shapes `hera export --ollama`, the benchmark's Ollama scorer and the chat backend use."""

from __future__ import annotations

import hashlib
import http.client
import json
import math
from pathlib import Path

import pytest
from support.chat_env import starter_gguf  # noqa: F401 - fixture
from support.ollama_standin import OllamaStandIn

from hera_core.formats import CHATML


@pytest.fixture(scope="module")
def server(starter_gguf: Path) -> OllamaStandIn:
    with OllamaStandIn({"smol": starter_gguf}) as s:
        yield s


def call(server: OllamaStandIn, method: str, path: str, body=None, raw: bytes | None = None):
    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    payload = raw if raw is not None else (None if body is None else json.dumps(body))
    conn.request(method, path, body=payload)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, response.getheader("Content-Type", ""), data


def ndjson(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.splitlines() if line.strip()]


def test_version_tags_show_and_unknown_paths(server: OllamaStandIn) -> None:
    status, _, data = call(server, "GET", "/api/version")
    assert status == 200 and json.loads(data)["version"]
    [model] = json.loads(call(server, "GET", "/api/tags")[2])["models"]
    assert model["name"] == "smol:latest" and model["details"]["format"] == "gguf"
    assert len(model["digest"]) == 64 and model["size"] > 0
    status, _, data = call(server, "POST", "/api/show", {"model": "smol"})
    assert status == 200 and "capabilities" in json.loads(data)
    status, _, data = call(server, "POST", "/api/show", {"model": "missing"})
    assert status == 404 and "not found" in json.loads(data)["error"]
    assert call(server, "GET", "/api/nothing")[0] == 404


def test_chat_streams_ndjson_and_ends_with_stats(server: OllamaStandIn) -> None:
    body = {"model": "smol", "messages": [{"role": "user", "content": "Hi"}],
            "options": {"temperature": 0, "num_predict": 5}}
    status, kind, data = call(server, "POST", "/api/chat", body)
    chunks = ndjson(data)
    assert status == 200 and kind == "application/x-ndjson"
    assert all(not c["done"] for c in chunks[:-1]) and chunks[-1]["done"]
    assert chunks[-1]["done_reason"] in ("stop", "length")
    assert chunks[-1]["eval_count"] == len(chunks) - 1 <= 5
    assert chunks[-1]["prompt_eval_count"] > 0 and chunks[-1]["eval_duration"] > 0
    text = "".join(c["message"]["content"] for c in chunks)
    single = json.loads(call(server, "POST", "/api/chat", body | {"stream": False})[2])
    assert single["message"]["content"] == text and single["done"]


def test_generate_raw_with_logprobs(server: OllamaStandIn) -> None:
    prompt = CHATML.render([{"role": "user", "content": "Is water wet? Answer yes or no."}],
                           add_generation_prompt=True)
    body = {"model": "smol", "prompt": prompt, "raw": True, "stream": False,
            "options": {"temperature": 0, "num_predict": 3}, "logprobs": True,
            "top_logprobs": 4}
    status, _, data = call(server, "POST", "/api/generate", body)
    result = json.loads(data)
    assert status == 200 and result["done"] and result["eval_count"] == len(result["logprobs"])
    first = result["logprobs"][0]
    assert result["response"].startswith(first["token"])
    assert len(first["top_logprobs"]) == 4
    # greedy: the chosen token is the most likely one, and probabilities are normalised
    assert first["top_logprobs"][0]["token"] == first["token"]
    assert first["logprob"] == pytest.approx(first["top_logprobs"][0]["logprob"])
    assert sum(math.exp(t["logprob"]) for t in first["top_logprobs"]) <= 1.0 + 1e-6
    streamed = ndjson(call(server, "POST", "/api/generate", body | {"stream": True})[2])
    assert "".join(c["response"] for c in streamed) == result["response"]
    assert [c["logprobs"][0]["token"] for c in streamed[:-1]] == [
        e["token"] for e in result["logprobs"]]


def test_blobs_and_create_register_a_servable_model(
    server: OllamaStandIn, starter_gguf: Path
) -> None:
    blob = starter_gguf.read_bytes()
    digest = f"sha256:{hashlib.sha256(blob).hexdigest()}"
    assert call(server, "HEAD", f"/api/blobs/{digest}")[0] == 404
    bad = f"sha256:{'0' * 64}"
    assert call(server, "POST", f"/api/blobs/{bad}", raw=blob)[0] == 400
    assert call(server, "POST", f"/api/blobs/{digest}", raw=blob)[0] == 201
    assert call(server, "HEAD", f"/api/blobs/{digest}")[0] == 200
    body = {"model": "hera", "files": {"hera.gguf": digest},
            "template": CHATML.ollama_template, "system": "Be brief.",
            "parameters": {"temperature": 0, "stop": ["<|im_end|>"]}}
    status, _, data = call(server, "POST", "/api/create", body)
    statuses = [line["status"] for line in ndjson(data)]
    assert status == 200 and statuses[0] == "parsing GGUF" and statuses[-1] == "success"
    names = [m["name"] for m in json.loads(call(server, "GET", "/api/tags")[2])["models"]]
    assert "hera:latest" in names
    show = json.loads(call(server, "POST", "/api/show", {"model": "hera"})[2])
    assert show["system"] == "Be brief." and show["template"] == CHATML.ollama_template
    assert 'stop "<|im_end|>"' in show["parameters"]
    reply = json.loads(call(server, "POST", "/api/chat", {
        "model": "hera", "stream": False, "options": {"num_predict": 4},
        "messages": [{"role": "user", "content": "Hi"}]})[2])
    assert reply["done"] and reply["message"]["content"]
    missing = {"model": "x", "files": {"x.gguf": f"sha256:{'1' * 64}"}}
    assert call(server, "POST", "/api/create", missing)[0] == 400
