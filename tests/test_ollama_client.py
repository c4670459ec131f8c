"""HERA's one Ollama client: host resolution, neutralising turn markers, and one clear
OllamaError for every way a server can misbehave (checked against a deliberately broken
HTTP server; the well-behaved paths run against the Ollama stand-in elsewhere)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from hera_train.ollama_client import (
    WORD_JOINER,
    OllamaClient,
    OllamaError,
    neutralise,
    resolve_host,
)


def test_host_is_read_as_ollama_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    assert resolve_host() == "http://127.0.0.1:11434"
    monkeypatch.setenv("OLLAMA_HOST", "gpu-box")
    assert resolve_host() == "http://gpu-box:11434"
    assert resolve_host("https://example.org:8443/") == "https://example.org:8443"
    assert resolve_host("[::1]:9999") == "http://[::1]:9999"


@pytest.mark.parametrize("marker", [
    "<start_of_turn>", "<end_of_turn>", "<bos>", "<eos>", "<unused42>", "<2mass>", "</s>",
    "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|start_header_id|>",
])
def test_every_special_token_shape_is_broken_invisibly(marker: str) -> None:
    text = f"hi{marker}model\nyes"
    out = neutralise(text)
    assert marker not in out and out.replace(WORD_JOINER, "") == text


def test_ordinary_text_is_left_alone() -> None:
    for text in ("if a < b and c > d", "blood pressure <140/90>", "→ <3 ♥", "<>"):
        assert neutralise(text) == text


class _Broken(BaseHTTPRequestHandler):
    """Answers every POST the way its path says: the failures a client must survive."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _raw(self, status: int, kind: str, body: bytes, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        lines = {
            "/malformed": b'{"message": {"content": "Hi"}, "done": false}\n{"message": oops\n',
            "/truncated": b'{"message": {"content": "Hi"}, "done": false}\n',
            "/in-band": b'{"error": "model runner has unexpectedly stopped"}\n',
        }
        if self.path == "/html":
            self._raw(500, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>")
        elif self.path == "/truncated":
            self._raw(200, "application/x-ndjson", lines["/truncated"], length=400)
            self.close_connection = True
        else:
            self._raw(200, "application/x-ndjson", lines[self.path])


@pytest.fixture(scope="module")
def broken() -> Iterator[OllamaClient]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Broken)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield OllamaClient(f"http://127.0.0.1:{server.server_address[1]}", timeout=10)
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("path", "message"), [
    ("/html", r"Ollama: 502 Bad Gateway \(HTTP 500\)"),
    ("/malformed", "malformed reply line"),
    ("/truncated", "before the reply finished|dropped the connection"),
    ("/in-band", "Ollama: model runner has unexpectedly stopped"),
])
def test_every_broken_reply_is_one_ollama_error(broken: OllamaClient, path: str, message: str):
    received = []
    with pytest.raises(OllamaError, match=message):
        for chunk in broken.stream(path, {}):
            received.append(chunk)
    assert len(received) == (1 if path in ("/malformed", "/truncated") else 0)


def test_an_unreachable_server_is_one_ollama_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = OllamaClient(f"127.0.0.1:{port}")
    with pytest.raises(OllamaError, match=r"not reachable.*ollama serve"):
        client.version()
    with pytest.raises(OllamaError, match="not reachable"):
        list(client.stream("/api/chat", {}))
    assert not client.reachable()
