"""The app keeps running on every backend failure: a fuzz of broken Ollama answers through
the chat, the model picker and the benchmark screen, and llama.cpp failing mid-decode.

No Ollama daemon can be installed here, and a broken one cannot be asked for, so the broken
answers come from a small HTTP server in this file that speaks Ollama's API well enough to
be loaded and then fails in one chosen way on the endpoint under test: a malformed NDJSON
line, an HTML 500 page (a proxy in front of Ollama), a stream cut off before ``done``, and
a connection reset. The llama.cpp failure is the real model with ``Llama.eval`` raising
what llama-cpp-python raises when decoding fails.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from support.chat_env import chat_env, settle, starter_gguf  # noqa: F401 - fixtures
from support.quiet_http import QuietHTTPServer
from textual.widgets import Input, Static

from hera_core.paths import hera_home
from hera_tui.app.chat_app import HeraApp
from hera_tui.app.screens.benchmark import BenchmarkScreen
from hera_tui.app.screens.models import ModelPickerScreen
from hera_tui.backends.base import GenerationParams
from hera_tui.models import ModelChoice
from hera_tui.settings import ChatConfig
from hera_tui.store import ChatStore
from hera_tui.widgets.notices import ErrorNotice
from hera_tui.widgets.prompt_input import PromptInput

FAULTS = ("malformed", "html500", "truncated", "reset")
HTML_500 = b"<html><body><h1>500 Internal Server Error</h1>nginx</body></html>"
GOOD = {
    "/api/version": {"version": "0.12.0"},
    "/api/tags": {"models": [{"name": "broken:latest", "model": "broken:latest",
                              "digest": "sha256:" + "0" * 64, "size": 1}]},
    "/api/show": {"template": "{{ .Prompt }}", "details": {"family": "gemma"},
                  "model_info": {}, "capabilities": ["completion"]},
}
FIRST_CHUNK = {"model": "broken", "message": {"role": "assistant", "content": "Hel"},
               "response": "Hel", "done": False}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _BrokenOllama

    def log_message(self, *args: object) -> None:
        pass

    def _json(self, data: dict, status: int = 200) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        path = self.path.split("?")[0]
        fault = self.server.faults.get(path)
        streaming = path in ("/api/chat", "/api/generate") and request.get("stream", True)
        if fault is None:
            self._json(GOOD.get(path, {}))
        elif fault == "reset":
            # SO_LINGER 0: closing sends a TCP reset instead of an orderly end
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif fault == "html500":
            self._send(500, "text/html", HTML_500, len(HTML_500))
        elif streaming:  # a 200 NDJSON stream that goes wrong after one good chunk
            body = json.dumps(FIRST_CHUNK).encode() + b"\n"
            if fault == "malformed":
                body += b'{"message": {"content": "lo"}, "done": fal\n'
            self._send(200, "application/x-ndjson", body, None)  # "truncated": no `done`
        else:  # one JSON object: broken inside, or cut short of its announced length
            body = json.dumps(GOOD.get(path, FIRST_CHUNK)).encode()
            if fault == "malformed":
                self._send(200, "application/json", body[:-3] + b"}}}", len(body))
            else:
                self._send(200, "application/json", body[:20], len(body))

    def _send(self, status: int, kind: str, body: bytes, length: int | None) -> None:
        """``body``, announced as ``length`` bytes (None: until the connection closes)."""
        self.send_response(status)
        self.send_header("Content-Type", kind)
        if length is None:
            self.send_header("Connection", "close")
        else:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    do_GET = do_POST = do_HEAD = _answer


class _BrokenOllama(QuietHTTPServer):
    def __init__(self, faults: dict[str, str]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.faults = faults

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def broken_ollama(faults: dict[str, str]) -> Iterator[_BrokenOllama]:
    server = _BrokenOllama(faults)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()




def _still_running(app: HeraApp) -> None:
    assert app.is_running and app.return_code is None


@pytest.mark.parametrize("fault", FAULTS)
def test_broken_ollama_never_ends_the_app(chat_env: Path, fault: str) -> None:
    faults = {"/api/chat": fault, "/api/tags": fault, "/api/generate": fault}
    if fault == "html500":
        faults["/api/show"] = fault  # a proxy error page answers everything
    with broken_ollama(faults) as server:
        store = ChatStore(hera_home() / "chats.db")
        app = HeraApp(ModelChoice("ollama", "broken", "--model"), store,
                      ChatConfig(ollama_host=server.url))
        app.chat.set_defaults("", GenerationParams(max_tokens=8, context_length=1024))

        async def scenario() -> None:
            async with app.run_test(size=(120, 40)) as pilot:
                await settle(pilot)
                # the chat: the message is kept, the failure is a notice, the app goes on
                app.chat.query_one(PromptInput).load_text("Is a fever of 38 C dangerous?")
                await pilot.press("enter")
                await settle(pilot)
                _still_running(app)
                [conv] = store.list_conversations()
                assert store.messages(conv.id)[0].content == "Is a fever of 38 C dangerous?"
                notices = [str(n.render()) for n in app.chat.query(ErrorNotice)]
                assert notices and "Ollama" in notices[-1], notices
                assert "ctrl+" not in " ".join(notices)  # keys named as everywhere else
                # the model picker: Ollama's broken model list is a line in the picker
                await pilot.press("ctrl+o")
                await settle(pilot)
                assert isinstance(app.screen, ModelPickerScreen)
                status = str(app.screen.query_one("#ollama-status", Static).render())
                assert "Ollama" in status and "0 model" not in status, status
                await pilot.press("escape")
                await pilot.pause()
                # the benchmark screen: the failed run is a status line
                await pilot.press("f5")
                await pilot.pause()
                bench = app.screen
                assert isinstance(bench, BenchmarkScreen)
                bench.query_one("#bench-limit", Input).value = "2"
                await pilot.press("ctrl+r")
                await settle(pilot)
                _still_running(app)
                line = str(bench.query_one("#bench-status", Static).render())
                assert line.startswith("ollama:broken: ") and "accuracy" not in line, line
                assert not bench.running

        asyncio.run(scenario())
        store.close()


def test_llama_cpp_failing_mid_decode_never_ends_the_app(
    chat_env: Path, starter_gguf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import llama_cpp

    store = ChatStore(hera_home() / "chats.db")
    app = HeraApp(ModelChoice("gguf", str(starter_gguf), "--model"), store)
    app.chat.set_defaults("", GenerationParams(temperature=0.0, max_tokens=8,
                                               context_length=1024))

    def failing_eval(self, tokens) -> None:
        raise RuntimeError("llama_decode returned -1")

    async def scenario() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            monkeypatch.setattr(llama_cpp.Llama, "eval", failing_eval)
            app.chat.query_one(PromptInput).load_text("What is a normal heart rate?")
            await pilot.press("enter")
            await settle(pilot)
            _still_running(app)
            notice = str(app.chat.query(ErrorNotice).last().render())
            assert "llama_decode returned -1" in notice
            # the benchmark screen scores with llama.cpp too: same failure, same calm
            await pilot.press("f5")
            await pilot.pause()
            bench = app.screen
            bench.query_one("#bench-limit", Input).value = "2"
            await pilot.press("ctrl+r")
            await settle(pilot)
            _still_running(app)
            line = str(bench.query_one("#bench-status", Static).render())
            assert "llama_decode returned -1" in line, line
            # and once llama.cpp works again, so does the chat
            monkeypatch.undo()
            await pilot.press("escape")
            await pilot.pause()
            app.chat.query_one(PromptInput).load_text("And a normal breathing rate?")
            await pilot.press("enter")
            await settle(pilot)
            [conv] = store.list_conversations()
            assert store.messages(conv.id)[-1].state == "complete"

    asyncio.run(scenario())
    store.close()


def test_a_failing_emergency_check_is_said_and_never_ends_the_app(
    chat_env: Path, starter_gguf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check is not a backend, but it runs on every message: if it breaks (a corrupt
    weights file, say), the person is told to call for help themselves if in doubt."""
    from hera_tui.app.screens.chat import screen as chat

    def broken(text: str) -> None:
        raise ValueError("weights file is corrupt")

    monkeypatch.setattr(chat, "triage", broken)
    store = ChatStore(hera_home() / "chats.db")
    app = HeraApp(ModelChoice("gguf", str(starter_gguf), "--model"), store)
    app.chat.set_defaults("", GenerationParams(temperature=0.0, max_tokens=4,
                                               context_length=1024))

    async def scenario() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.chat.query_one(PromptInput).load_text("my chest hurts")
            await pilot.press("enter")
            await settle(pilot)
            _still_running(app)
            notice = str(app.chat.query(ErrorNotice).first().render())
            assert notice.startswith("The emergency check failed (ValueError: weights file")
            assert "call your local emergency number now" in notice
            [conv] = store.list_conversations()
            assert [m.role for m in store.messages(conv.id)] == ["user", "assistant"]

    asyncio.run(scenario())
    store.close()
