"""Ollama's HTTP API over the standard library: the one client HERA has.

The chat backend, the benchmark's Ollama scorer, ``hera export --ollama`` (blob upload and
``/api/create``) and ``hera doctor`` all talk to Ollama through :class:`OllamaClient`:

- **host**: :func:`resolve_host` reads ``OLLAMA_HOST`` as Ollama does (scheme and port
  optional; ``http://127.0.0.1:11434`` by default);
- **errors**: one type, :class:`OllamaError`, for a server that cannot be reached, an
  HTTP error (Ollama's ``{"error": ...}``, or any other body such as a proxy's HTML page),
  a reply that is not JSON, a malformed NDJSON line and a stream cut short;
- **streaming** (:meth:`OllamaClient.stream`): NDJSON objects as they arrive. The abort
  is registered *before* the request is sent: Ollama answers with headers only when the
  first token is ready, so a stop while it is still evaluating a long prompt must close
  the connection then, which is how Ollama cancels a request;
- **text is data** (:func:`neutralise`): Ollama renders the TEMPLATE and tokenizes the
  result *with* special-token parsing, so a typed ``<start_of_turn>model`` would become a
  real turn. Every text HERA sends is neutralised first.

Torch-free and stdlib-only: a chat-only install registers and chats with it.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from hera_train.errors import HeraError

DEFAULT_PORT = 11434
DEFAULT_HOST = f"http://127.0.0.1:{DEFAULT_PORT}"
#: Ollama's template when a model has none: the prompt as it is (a base model).
DEFAULT_TEMPLATE = "{{ .Prompt }}"

# Special tokens are written <name> or <|name|> in the vocabularies of the models HERA
# chats with (Gemma's <start_of_turn>, <eos>, <unused0>, <2mass>; ChatML's <|im_start|>;
# Llama's </s>): a name with at least one letter, so "<140/90>" is left alone. A word
# joiner (U+2060, invisible) after the "<" keeps the text as the person wrote it on screen
# while no longer spelling the token, so Ollama's tokenizer reads it as plain text.
_MARKER = re.compile(r"<(?=\|?(?=[^>]*[A-Za-z_])[A-Za-z0-9_@./-]{1,64}\|?>)")
WORD_JOINER = "\u2060"


def neutralise(text: str) -> str:
    """``text`` with every special-token-shaped ``<...>`` broken by an invisible word
    joiner, so that Ollama's special-token parsing cannot turn it into a control token."""
    return _MARKER.sub("<" + WORD_JOINER, text)


class OllamaError(HeraError):
    """Ollama cannot do what was asked; ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class StopLike(Protocol):
    """What :meth:`OllamaClient.stream` needs of a stop signal (the chat's StopSignal)."""

    def is_set(self) -> bool: ...

    def on_stop(self, action: Callable[[], None]) -> None: ...


def resolve_host(explicit: str | None = None) -> str:
    """``explicit``, else ``$OLLAMA_HOST``, else the local default, as ``scheme://host:port``."""
    raw = (explicit or os.environ.get("OLLAMA_HOST") or "").strip() or DEFAULT_HOST
    if "://" not in raw:
        raw = f"http://{raw}"
    parts = urlsplit(raw)
    host = parts.hostname or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme or 'http'}://{host}:{parts.port or DEFAULT_PORT}"


def _error_text(body: bytes, reason: str) -> str:
    """Ollama's ``{"error": ...}`` message, else the first line of whatever came back."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return data["error"]
    text = re.sub(r"<[^>]*>", " ", body.decode("utf-8", errors="replace"))
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first[:200] or reason


class OllamaClient:
    """One Ollama server (see the module docstring)."""

    def __init__(self, host: str | None = None, timeout: float = 600.0) -> None:
        self.host = resolve_host(host)
        parts = urlsplit(self.host)
        self._https = parts.scheme == "https"
        self._netloc = (parts.hostname or "127.0.0.1", parts.port or DEFAULT_PORT)
        self.timeout = timeout

    # -- plumbing -----------------------------------------------------------------------------
    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        return kind(*self._netloc, timeout=timeout)

    def unreachable(self, exc: BaseException) -> OllamaError:
        return OllamaError(
            f"Ollama is not reachable at {self.host} ({exc}); start it with `ollama serve` "
            "or set OLLAMA_HOST"
        )

    def _http_error(self, response: http.client.HTTPResponse, model: str | None) -> OllamaError:
        body = response.read()
        if response.status == 404 and model is not None:
            return OllamaError(
                f"Ollama at {self.host} has no model {model!r}; `ollama pull {model}` or "
                "`ollama create` it first", 404,
            )
        message = _error_text(body, response.reason)
        return OllamaError(f"Ollama: {message} (HTTP {response.status})", response.status)

    def _send(
        self, conn: http.client.HTTPConnection, method: str, path: str, body: Any,
        headers: dict[str, str],
    ) -> http.client.HTTPResponse:
        try:
            conn.request(method, path, body=body, headers=headers)
            return conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            raise self.unreachable(exc) from exc

    def request_json(
        self, method: str, path: str, body: dict | None = None, timeout: float = 30.0,
        model: str | None = None,
    ) -> dict[str, Any]:
        """One JSON request; ``model`` names the model a 404 is about."""
        conn = self._connection(timeout)
        try:
            response = self._send(conn, method, path, None if body is None else json.dumps(body),
                                  {"Content-Type": "application/json"})
            if response.status >= 400:
                raise self._http_error(response, model)
            payload = response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise self.unreachable(exc) from exc
        finally:
            conn.close()
        try:
            data = json.loads(payload or b"{}")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise OllamaError(
                f"Ollama at {self.host} answered {path} with something that is not a JSON "
                f"object ({payload[:60]!r}); is OLLAMA_HOST pointing at Ollama?"
            )
        return data

    # -- endpoints ----------------------------------------------------------------------------
    def version(self, timeout: float = 2.0) -> str:
        return str(self.request_json("GET", "/api/version", timeout=timeout).get("version", "?"))

    def reachable(self, timeout: float = 3.0) -> bool:
        """Whether an Ollama server answers at :attr:`host`."""
        try:
            self.version(timeout)
        except OllamaError:
            return False
        return True

    def models(self, timeout: float = 2.0) -> list[dict[str, Any]]:
        """``/api/tags``: every local model with its name, size and digest."""
        listed = self.request_json("GET", "/api/tags", timeout=timeout).get("models")
        return [m for m in listed or [] if isinstance(m, dict) and isinstance(m.get("name"), str)]

    def model_names(self, timeout: float = 2.0) -> list[str]:
        return [m["name"] for m in self.models(timeout)]

    def show(self, model: str) -> dict[str, Any]:
        """``/api/show``: the model's template, system text, parameters and details."""
        return self.request_json("POST", "/api/show", {"model": model}, timeout=30.0, model=model)

    def digest(self, model: str) -> str | None:
        """The model's digest from ``/api/tags`` (changes whenever the model is recreated)."""
        wanted = {model, f"{model}:latest"}
        return next((m.get("digest") for m in self.models(timeout=30.0)
                     if m.get("name") in wanted or m.get("model") in wanted), None)

    def stream(
        self, path: str, body: dict[str, Any], stop: StopLike | None = None,
        model: str | None = None, ends_with_done: bool = True,
    ) -> Iterator[dict[str, Any]]:
        """POST ``body`` and yield each NDJSON object until ``done``, an error or a stop.

        A stop at any moment (before the headers too) shuts the socket down: the blocking
        read returns at once and the server sees its client go away. Replies end with a
        ``"done": true`` object (chat, generate), so a stream that ends without one was cut
        short; ``/api/create`` ends with its last ``status`` instead (``ends_with_done``
        false).
        """
        conn = self._connection(self.timeout)
        try:
            conn.connect()
        except OSError as exc:
            conn.close()
            raise self.unreachable(exc) from exc

        def abort() -> None:
            if conn.sock is not None:
                with contextlib.suppress(OSError):
                    conn.sock.shutdown(socket.SHUT_RDWR)

        def stopped() -> bool:
            return stop is not None and stop.is_set()

        if stop is not None:
            stop.on_stop(abort)
        try:
            if stopped():
                return
            try:
                response = self._send(conn, "POST", path, json.dumps(body),
                                      {"Content-Type": "application/json"})
            except OllamaError:
                if stopped():
                    return
                raise
            if response.status >= 400:
                raise self._http_error(response, model)
            yield from self._lines(response, stopped, ends_with_done)
        finally:
            conn.close()

    def _lines(
        self, response: http.client.HTTPResponse, stopped: Callable[[], bool],
        ends_with_done: bool,
    ) -> Iterator[dict[str, Any]]:
        while not stopped():
            try:
                line = response.readline()
            except (OSError, http.client.HTTPException) as exc:
                if stopped():
                    return
                raise OllamaError(f"Ollama dropped the connection mid-reply ({exc})") from exc
            if not line:
                if stopped() or not ends_with_done:
                    return
                raise OllamaError("Ollama closed the connection before the reply finished")
            if not line.strip():
                continue
            try:
                chunk = json.loads(line)
            except ValueError:
                chunk = None
            if not isinstance(chunk, dict):
                raise OllamaError(f"Ollama sent a malformed reply line: {line[:80]!r}")
            if "error" in chunk:
                raise OllamaError(f"Ollama: {chunk['error']}")
            yield chunk
            if chunk.get("done"):
                return

    def has_blob(self, digest: str) -> bool:
        conn = self._connection(30.0)
        try:
            response = self._send(conn, "HEAD", f"/api/blobs/{digest}", None, {})
            response.read()
        finally:
            conn.close()
        return response.status == 200

    def upload_blob(self, path: Path, digest: str) -> None:
        """``POST /api/blobs/<digest>`` with the file's bytes (streamed from disk)."""
        conn = self._connection(self.timeout)
        try:
            with path.open("rb") as data:
                response = self._send(conn, "POST", f"/api/blobs/{digest}", data,
                                      {"Content-Length": str(path.stat().st_size)})
            if response.status not in (200, 201):
                raise self._http_error(response, None)
            response.read()
        finally:
            conn.close()
