"""HERA's layer on the official ``ollama`` client: host resolution, neutralising turn
markers, one clear OllamaError for every way a server can misbehave, and a stop that ends
a request before its first token.

The failures come from a deliberately broken HTTP server, reached over real HTTP by the
official client; the well-behaved paths run against the Ollama stand-in elsewhere.
"""

from __future__ import annotations

import json
import select
import socket
import struct
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from support.quiet_http import QuietHTTPServer

from hera_core.ollama_client import (
    WORD_JOINER,
    OllamaClient,
    OllamaError,
    OllamaUnreachable,
    neutralise,
    resolve_host,
)
from hera_tui.backends.base import StopSignal


def test_host_is_read_as_ollama_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    assert resolve_host() == "http://127.0.0.1:11434"
    monkeypatch.setenv("OLLAMA_HOST", "gpu-box")
    assert resolve_host() == "http://gpu-box:11434"
    monkeypatch.setenv("OLLAMA_HOST", ' "0.0.0.0:9000" ')
    assert resolve_host() == "http://0.0.0.0:9000"
    assert resolve_host(":8080") == "http://127.0.0.1:8080"
    assert resolve_host("https://example.org:8443/") == "https://example.org:8443"
    # an explicit scheme without a port means that scheme's port, as in Ollama's envconfig
    assert resolve_host("http://gpu-box") == "http://gpu-box:80"
    assert resolve_host("https://example.org/ollama/") == "https://example.org:443/ollama"
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


FIRST = {"model": "m", "message": {"role": "assistant", "content": "Hi"}, "done": False}
#: /api/chat answers, by the model asked for: the failures a client must survive
STREAMS = {
    "malformed": json.dumps(FIRST).encode() + b'\n{"message": oops\n',
    "not-an-object": json.dumps(FIRST).encode() + b"\n[1, 2]\n",
    "wrong-shape": json.dumps(FIRST).encode() + b'\n{"done": true}\n',
    "no-done": json.dumps(FIRST).encode() + b"\n",
    "in-band": b'{"error": "model runner has unexpectedly stopped"}\n',
}


class _Broken(BaseHTTPRequestHandler):
    """Answers the way the request says (the model asked for, or the path)."""

    protocol_version = "HTTP/1.1"
    server: _BrokenServer

    def log_message(self, *args: object) -> None:
        pass

    def _raw(self, status: int, kind: str, body: bytes, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _client_gone(self) -> bool:
        readable, _, _ = select.select([self.connection], [], [], 0.05)
        return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""

    def do_GET(self) -> None:
        self.server.requests += 1
        if self.path == "/api/version":  # a web server, not Ollama, at OLLAMA_HOST
            self._raw(200, "text/html", b"<html><body>It works!</body></html>")
        elif self.path == "/api/tags":
            self._raw(200, "application/json", b"[1, 2]")

    def do_POST(self) -> None:
        self.server.requests += 1
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        model = request.get("model")
        if self.path == "/api/show":
            self._raw(404, "application/json", b'{"error": "model \'x\' not found"}')
        elif model == "html":
            self._raw(500, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>")
        elif model == "truncated":
            self._raw(200, "application/x-ndjson", STREAMS["no-done"], length=400)
            self.close_connection = True
        elif model in ("slow", "thinking"):
            # "thinking": no headers until the client goes away, as Ollama while it
            # evaluates a long prompt; "slow": never an answer, until the test ends
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not self.server.ending.is_set():
                if model == "thinking" and self._client_gone():
                    self.server.client_gone.set()
                    break
                time.sleep(0.02)
            self.close_connection = True
        else:
            self._raw(200, "application/x-ndjson", STREAMS[model])


class _BrokenServer(QuietHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Broken)
        self.client_gone = threading.Event()
        self.ending = threading.Event()
        self.requests = 0


@pytest.fixture(scope="module")
def server() -> Iterator[_BrokenServer]:
    server = _BrokenServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.ending.set()
    server.shutdown()
    server.server_close()


@pytest.fixture()
def broken(server: _BrokenServer) -> OllamaClient:
    return OllamaClient(f"http://127.0.0.1:{server.server_address[1]}", timeout=10)


def _chat(client: OllamaClient, model: str, stop: StopSignal | None = None) -> Iterator:
    return client.stream(client.api.chat(model, [{"role": "user", "content": "Hi"}],
                                         stream=True), stop, model=model)


@pytest.mark.parametrize(("model", "message"), [
    ("html", r"^Ollama: 502 Bad Gateway \(HTTP 500\)$"),
    ("malformed", r"malformed reply \('\{\"message\": oops'\)"),
    ("not-an-object", "malformed reply"),
    ("wrong-shape", r"malformed reply \(ChatResponse: message Field required\)"),
    ("truncated", "dropped the connection"),
    ("no-done", "closed the connection before the reply finished"),
    ("in-band", "^Ollama: model runner has unexpectedly stopped$"),
])
def test_every_broken_stream_is_one_ollama_error(
    broken: OllamaClient, model: str, message: str
) -> None:
    received = []
    with pytest.raises(OllamaError, match=message) as caught:
        for chunk in _chat(broken, model):
            received.append(chunk.message.content)
    assert received == ([] if model in ("html", "in-band") else ["Hi"])
    assert caught.value.status == (500 if model == "html" else None)


def test_every_broken_answer_is_one_ollama_error(broken: OllamaClient) -> None:
    with pytest.raises(OllamaError, match=r"sent a malformed reply \('<html>.*pointing at Ollama"):
        broken.version()
    with pytest.raises(OllamaError, match="malformed reply"):
        broken.model_names()
    with (
        pytest.raises(OllamaError, match=r"has no model 'x'; `ollama pull x`") as caught,
        broken.errors("x"),
    ):
        broken.api.show("x")
    assert caught.value.status == 404
    with (  # no model named: Ollama's own words
        pytest.raises(OllamaError, match=r"^Ollama: model 'x' not found \(HTTP 404\)$"),
        broken.errors(),
    ):
        broken.api.show("x")
    assert not broken.reachable()  # it answers, but not as Ollama


def test_a_server_that_does_not_answer_is_one_ollama_error(server: _BrokenServer) -> None:
    client = OllamaClient(f"http://127.0.0.1:{server.server_address[1]}", timeout=0.5)
    with pytest.raises(OllamaError, match=r"did not answer in time \(ReadTimeout\)"):
        list(_chat(client, "slow"))


def test_an_unreachable_server_is_one_ollama_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = OllamaClient(f"127.0.0.1:{port}")
    with pytest.raises(OllamaUnreachable, match=rf"not reachable at http://127.0.0.1:{port} "
                                                r"\(.*refused\); start it with `ollama serve`"):
        client.version()
    with pytest.raises(OllamaUnreachable, match="not reachable"):
        list(_chat(client, "m"))
    with pytest.raises(OllamaUnreachable, match="not reachable"):
        client.model_names()
    assert not client.reachable()


def test_a_stop_before_the_first_token_closes_the_connection(
    server: _BrokenServer, broken: OllamaClient
) -> None:
    """The server holds its headers back, as Ollama does while it evaluates the prompt: the
    worker is blocked reading them, and a stop from another thread must end the read at
    once and close the connection, so that the server sees its client go (``timeout`` is
    10 s: a stop that did not reach the socket would leave the worker blocked)."""
    stop, received, ended = StopSignal(), [], threading.Event()
    server.client_gone.clear()

    def worker() -> None:
        received.extend(_chat(broken, "thinking", stop))
        ended.set()

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    time.sleep(0.5)  # the request is in: no headers, no token
    assert not ended.is_set()
    started = time.monotonic()
    stop.set()
    assert ended.wait(2) and received == []
    assert time.monotonic() - started < 1
    assert server.client_gone.wait(2)


def test_a_stop_before_the_request_sends_nothing(
    server: _BrokenServer, broken: OllamaClient
) -> None:
    stop = StopSignal()
    stop.set()
    before = server.requests
    assert list(_chat(broken, "no-done", stop)) == []
    time.sleep(0.2)
    assert server.requests == before


def test_a_local_server_is_reached_directly_even_with_a_proxy_set(
        server: _BrokenServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """With HTTP_PROXY set, httpx would send the conversation to the proxy (here a port
    nobody listens on): a server on this machine is reached directly, a remote one is not."""
    from hera_core.ollama_client import is_local

    for variable in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(variable, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    before = server.requests
    client = OllamaClient(f"http://localhost:{server.server_address[1]}", timeout=10)
    assert client.api._client._trust_env is False
    with pytest.raises(OllamaError, match="malformed reply"):  # the broken server answered
        client.version()
    assert server.requests == before + 1
    assert [is_local(resolve_host(h)) for h in ("127.0.0.1:1", "[::1]:1", "0.0.0.0:1",
                                                 "localhost", "gpu-box", "10.0.0.2")] == [
        True, True, True, True, False, False]
    assert OllamaClient("http://gpu-box:11434").api._client._trust_env is True


def test_a_client_that_hangs_up_is_counted_not_printed(server: _BrokenServer, capfd) -> None:
    """A reset mid-request is what a stopped or timed-out client does to the server; the
    test server must not print a ConnectionResetError traceback for it into the run."""
    before = server.hangups
    with socket.create_connection(server.server_address[:2]) as sock:
        sock.sendall(b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
        time.sleep(0.2)  # the handler is reading the rest of the body
        # SO_LINGER 0: closing resets the connection instead of ending it
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    deadline = time.monotonic() + 5
    while server.hangups == before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.hangups == before + 1
    assert "Traceback" not in capfd.readouterr().err
