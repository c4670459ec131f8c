"""Ollama over its HTTP API (stdlib ``http.client``; no extra dependency).

Streaming replies arrive as NDJSON lines from ``POST /api/chat``. Esc shuts the socket down
from the UI thread: the blocking read returns at once and the server sees the client go
away, which is how Ollama cancels a request; nothing keeps generating in the background.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from urllib.parse import urlsplit

from hera_train.formats import Message

from .base import (
    Backend,
    BackendError,
    ContextOverflowError,
    DecodeRate,
    GenerationParams,
    ReplyStats,
    StopSignal,
)

DEFAULT_HOST = "http://127.0.0.1:11434"


def default_host() -> str:
    """``$OLLAMA_HOST`` as Ollama itself reads it (scheme and port optional)."""
    host = os.environ.get("OLLAMA_HOST", "").strip() or DEFAULT_HOST
    if "://" not in host:
        host = f"http://{host}"
    parts = urlsplit(host)
    return f"{parts.scheme}://{parts.hostname or '127.0.0.1'}:{parts.port or 11434}"


class OllamaClient:
    """The few Ollama endpoints the chat app needs."""

    def __init__(self, host: str | None = None, timeout: float = 600.0) -> None:
        self.host = (host or default_host()).rstrip("/")
        parts = urlsplit(self.host)
        self._netloc = (parts.hostname or "127.0.0.1", parts.port or 11434)
        self.timeout = timeout

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(*self._netloc, timeout=timeout)

    def _unreachable(self, exc: BaseException) -> BackendError:
        return BackendError(
            f"Ollama is not reachable at {self.host} ({exc}); start it with `ollama serve`, "
            "set OLLAMA_HOST, or pick a GGUF model (ctrl+o)"
        )

    def request_json(
        self, method: str, path: str, body: dict | None = None, timeout: float = 5.0
    ) -> dict:
        conn = self._connection(timeout)
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body),
                         headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            payload = response.read()
        except OSError as exc:
            raise self._unreachable(exc) from exc
        finally:
            conn.close()
        data = json.loads(payload or b"{}")
        if response.status >= 400:
            raise BackendError(f"Ollama: {data.get('error', response.reason)}")
        return data

    def version(self, timeout: float = 2.0) -> str:
        return self.request_json("GET", "/api/version", timeout=timeout)["version"]

    def model_names(self, timeout: float = 2.0) -> list[str]:
        models = self.request_json("GET", "/api/tags", timeout=timeout).get("models", [])
        return [m["name"] for m in models]

    def show(self, model: str) -> dict:
        return self.request_json("POST", "/api/show", {"model": model}, timeout=30.0)

    def stream(self, path: str, body: dict, stop: StopSignal) -> Iterator[dict]:
        """POST ``body`` and yield each NDJSON object until done, an error or a stop."""
        conn = self._connection(self.timeout)

        def abort() -> None:
            if conn.sock is not None:
                with contextlib.suppress(OSError):
                    conn.sock.shutdown(socket.SHUT_RDWR)

        try:
            conn.request("POST", path, body=json.dumps(body),
                         headers={"Content-Type": "application/json"})
            response = conn.getresponse()
        except OSError as exc:
            conn.close()
            raise self._unreachable(exc) from exc
        stop.on_stop(abort)
        try:
            if response.status >= 400:
                error = json.loads(response.read() or b"{}").get("error", response.reason)
                raise BackendError(f"Ollama: {error}")
            while not stop.is_set():
                try:
                    line = response.readline()
                except (OSError, http.client.HTTPException) as exc:
                    if stop.is_set():
                        return
                    raise BackendError(f"Ollama dropped the connection mid-reply ({exc})") from exc
                if not line:
                    if stop.is_set():
                        return
                    raise BackendError("Ollama closed the connection before the reply finished")
                if not line.strip():
                    continue
                chunk = json.loads(line)
                if "error" in chunk:
                    raise BackendError(f"Ollama: {chunk['error']}")
                yield chunk
                if chunk.get("done"):
                    return
        finally:
            conn.close()


def _is_context_error(message: str) -> bool:
    return "context" in message.lower() and any(
        w in message.lower() for w in ("exceed", "too long", "overflow", "length")
    )


class OllamaBackend(Backend):
    """Chat with a model served by Ollama (``--model ollama:NAME``)."""

    def __init__(self, model: str, host: str | None = None) -> None:
        self.model = model
        self.client = OllamaClient(host)
        self.label = f"ollama:{model}"

    def load(self) -> None:
        """Check the server answers and has the model (so errors show before the first send)."""
        self.client.show(self.model)

    def generate(
        self,
        messages: Sequence[Message],
        params: GenerationParams,
        stop: StopSignal,
        emit: Callable[[str], None],
    ) -> ReplyStats:
        body = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "stream": True,
            "options": {
                "temperature": params.temperature,
                "top_p": params.top_p,
                "num_predict": params.max_tokens,
                "num_ctx": params.context_length,
            },
        }
        rate = DecodeRate(time.perf_counter())
        finish = "stopped"
        try:
            for chunk in self.client.stream("/api/chat", body, stop):
                text = chunk.get("message", {}).get("content", "")
                if text:
                    rate.token(time.perf_counter())
                    emit(text)
                if chunk.get("done"):
                    finish = "length" if chunk.get("done_reason") == "length" else "stop"
        except BackendError as exc:
            if _is_context_error(str(exc)):
                raise ContextOverflowError(
                    f"{exc}; raise the context length (ctrl+t) or start a new chat (ctrl+n)"
                ) from exc
            raise
        return rate.stats(finish)
