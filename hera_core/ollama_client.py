"""HERA's thin layer on the official ``ollama`` Python client (0.6.x).

Every Ollama call (the chat backend, the benchmark's Ollama scorer, ``hera export --ollama``,
``hera doctor``, the model picker) is made by :attr:`OllamaClient.api`, an
:class:`ollama.Client`: chat, generate (``raw``, ``logprobs``, ``top_logprobs``), create,
blob upload, show, list, streaming. HERA adds only what that client does not do:

- **host**: :func:`resolve_host` reads ``OLLAMA_HOST`` as Ollama itself does, so that every
  message can name the server it means;
- **errors**: one type, :class:`OllamaError`, one line each, for everything the client and
  httpx raise when a server cannot be reached, answers an HTTP error (Ollama's
  ``{"error": ...}``, or a short form of any other body, such as a proxy's HTML page),
  sends something that is not Ollama's JSON, a malformed NDJSON line, or cuts a stream
  short (:meth:`OllamaClient.errors`, :meth:`OllamaClient.stream`);
- **stopping before the first token**: the official client cancels a stream by closing it,
  but Ollama sends the response headers only when the first token is ready, so while it
  evaluates a long prompt the worker thread is blocked in a socket read that the UI thread
  cannot end: the stream's generator is running (closing it raises "generator already
  executing"), and closing the httpx client closes the socket without waking a blocked
  read on Linux (measured: it waits out the read timeout, and the server never sees the
  client go). So each new connection's socket is handed, the moment it is connected, to the
  stop signal of the stream that opened it (httpcore's documented ``trace`` request
  extension), and a stop shuts it down (``SHUT_RDWR``): the read returns at once and the
  server sees its client go away, which is how Ollama cancels a request. Connections are
  not kept alive, so every request opens its own and none is reused by another stream;
- **text is data** (:func:`neutralise`): Ollama renders the TEMPLATE and tokenizes the
  result *with* special-token parsing, so a typed ``<start_of_turn>model`` would become a
  real turn. Every text HERA sends is neutralised first;
- the two endpoints 0.6.3 has no method for: ``GET /api/version`` and ``HEAD
  /api/blobs/<digest>`` (whether the server has a file, so that an export is uploaded
  only once).

Torch-free: a chat-only install registers and chats with it.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import json
import os
import re
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import httpx
import ollama
import pydantic

from hera_core.errors import HeraError

DEFAULT_PORT = 11434
DEFAULT_HOST = f"http://127.0.0.1:{DEFAULT_PORT}"
#: Ollama's template when a model has none: the prompt as it is (a base model).
DEFAULT_TEMPLATE = "{{ .Prompt }}"
#: Seconds to wait for a connection: a server that is down refuses at once, a host that
#: drops packets should not hold a chat for the whole reply timeout.
CONNECT_TIMEOUT = 10.0

# Special tokens are written <name> or <|name|> in the vocabularies of the models HERA
# chats with (Gemma's <start_of_turn>, <eos>, <unused0>, <2mass>; ChatML's <|im_start|>;
# Llama's </s>): a name with at least one letter, so "<140/90>" is left alone. A word
# joiner (U+2060, invisible) after the "<" keeps the text as the person wrote it on screen
# while no longer spelling the token, so Ollama's tokenizer reads it as plain text.
_MARKER = re.compile(r"<(?=\|?(?=[^>]*[A-Za-z_])[A-Za-z0-9_@./-]{1,64}\|?>)")
WORD_JOINER = "\u2060"

_CLIENT_CODE = Path(ollama.__file__).resolve().parent
T = TypeVar("T")


def neutralise(text: str) -> str:
    """``text`` with every special-token-shaped ``<...>`` broken by an invisible word
    joiner, so that Ollama's special-token parsing cannot turn it into a control token."""
    return _MARKER.sub("<" + WORD_JOINER, text)


class OllamaError(HeraError):
    """Ollama cannot do what was asked; ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class OllamaUnreachable(OllamaError):
    """No server answers at the host (refused, unknown host, no route, connect timeout)."""


class StopLike(Protocol):
    """What :meth:`OllamaClient.stream` needs of a stop signal (the chat's StopSignal)."""

    def is_set(self) -> bool: ...

    def on_stop(self, action: Callable[[], None]) -> None: ...


def resolve_host(explicit: str | None = None) -> str:
    """``explicit``, else ``$OLLAMA_HOST``, else the local default, as ``scheme://host:port``
    (and a path, for a server behind a reverse proxy).

    Read as Ollama reads ``OLLAMA_HOST`` (its ``envconfig.Host``, which the official client
    copies): quotes and spaces around it ignored, ``http`` when no scheme is given, and port
    11434 then, but 80 or 443 for an explicit ``http://`` or ``https://``.
    """
    raw = (explicit or os.environ.get("OLLAMA_HOST") or "").strip().strip("\"'")
    scheme, sep, rest = raw.partition("://")
    port = {"http": 80, "https": 443}.get(scheme, DEFAULT_PORT)
    if not sep:
        scheme, rest, port = "http", raw, DEFAULT_PORT
    parts = urlsplit(f"{scheme}://{rest}")
    host = parts.hostname or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    path = parts.path.strip("/")
    return f"{scheme}://{host}:{parts.port or port}" + (f"/{path}" if path else "")


def _error_text(body: str, status: int) -> str:
    """The first line of an error body that is not Ollama's ``{"error": ...}`` (which the
    client has already unpacked), tags stripped: a proxy's HTML page becomes its title."""
    text = re.sub(r"<[^>]*>", " ", body)
    first = next((" ".join(line.split()) for line in text.splitlines() if line.strip()), "")
    return first[:200] or httpx.codes.get_reason_phrase(status) or "no reason given"


def _raised_by_the_client(exc: BaseException) -> bool:
    """Whether ``exc`` was raised in the official client's own code: there a TypeError or
    AttributeError means a reply of the wrong shape (``cls(**[1])``, ``"x".get``)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and Path(tb.tb_frame.f_code.co_filename).resolve().is_relative_to(
        _CLIENT_CODE)


def _shut_down(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _hand_socket_to(stop: StopLike, event: str, info: dict[str, Any]) -> None:
    """httpcore's ``trace`` callback: each socket the request connects (TCP, then TLS, which
    wraps it) is shut down when ``stop`` is set, at once if it already is."""
    if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
        sock = info["return_value"].get_extra_info("socket")
        if sock is not None:
            stop.on_stop(functools.partial(_shut_down, sock))


class _StopRouting:
    """Routes the connection a streaming call opens to that call's stop signal.

    The official client's methods take no per-request options, so the stop travels by the
    thread: :meth:`OllamaClient.stream` sets it around each step of the stream (the request
    is sent by the first), and the httpx request hook, which runs on the same thread just
    before the connection is opened, puts the ``trace`` callback on that request.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    @contextlib.contextmanager
    def to(self, stop: StopLike | None) -> Iterator[None]:
        self._local.stop = stop
        try:
            yield
        finally:
            self._local.stop = None

    def on_request(self, request: httpx.Request) -> None:
        stop = getattr(self._local, "stop", None)
        if stop is not None:
            request.extensions["trace"] = functools.partial(_hand_socket_to, stop)


class _Version(pydantic.BaseModel):
    version: str


class Api(ollama.Client):
    """The official client, plus the two endpoints 0.6.3 has no method for, made the way
    its own methods are (its ``_request_raw`` raises its ``ResponseError`` and
    ``ConnectionError``)."""

    def version(self, timeout: float | None = None) -> str:
        """``GET /api/version``: the server's version (``timeout``: this call's, in s)."""
        extra = {} if timeout is None else {"timeout": timeout}
        reply = self._request_raw("GET", "/api/version", **extra)
        return _Version.model_validate(reply.json()).version

    def has_blob(self, digest: str) -> bool:
        """``HEAD /api/blobs/<digest>``: whether the server already has this file."""
        try:
            self._request_raw("HEAD", f"/api/blobs/{digest}")
        except ollama.ResponseError as exc:
            if exc.status_code == 404:
                return False
            raise
        return True


def is_local(host: str) -> bool:
    """Whether ``host`` (as :func:`resolve_host` writes it) is this machine."""
    name = urlsplit(host).hostname or ""
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


class OllamaClient:
    """One Ollama server: :attr:`api` makes the calls, the rest is HERA's (module docstring).

    ``timeout`` bounds each read (a reply may take minutes on a CPU); connecting is bounded
    by :data:`CONNECT_TIMEOUT` as well. A server on this machine is reached directly even
    when ``HTTP_PROXY`` / ``ALL_PROXY`` are set (httpx would send the conversation to the
    proxy, and conversations stay on the machine); a remote one goes through them, as
    Ollama's own client does.
    """

    def __init__(self, host: str | None = None, timeout: float = 600.0) -> None:
        self.host = resolve_host(host)
        self.timeout = timeout
        self._routing = _StopRouting()
        self.api = Api(
            self.host,
            timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT)),
            limits=httpx.Limits(max_keepalive_connections=0),
            trust_env=not is_local(self.host),
            event_hooks={"request": [self._routing.on_request]},
        )

    # -- errors -------------------------------------------------------------------------------
    def unreachable(self, cause: BaseException) -> OllamaUnreachable:
        return OllamaUnreachable(
            f"Ollama is not reachable at {self.host} ({cause or type(cause).__name__}); "
            "start it with `ollama serve` or set OLLAMA_HOST"
        )

    def _error(self, exc: Exception, model: str | None) -> OllamaError | None:
        """The one line for ``exc``, or None when it is not about the server."""
        if isinstance(exc, ollama.ResponseError):
            status = exc.status_code
            if status < 0:  # an {"error": ...} line inside a 200 stream
                return OllamaError(f"Ollama: {exc.error}")
            if status == 404 and model is not None:
                return OllamaError(
                    f"Ollama at {self.host} has no model {model!r}; `ollama pull {model}` or "
                    "`ollama create` it first", 404,
                )
            return OllamaError(f"Ollama: {_error_text(str(exc.error), status)} (HTTP {status})",
                               status)
        if isinstance(exc, ConnectionError):  # the client's, for httpx's ConnectError
            return self.unreachable(exc.__context__ or exc)
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol)):
            return self.unreachable(exc)
        if isinstance(exc, httpx.TimeoutException):
            return OllamaError(
                f"Ollama at {self.host} did not answer in time ({type(exc).__name__})")
        if isinstance(exc, httpx.RequestError):  # reset, closed early, cut short
            return OllamaError(f"Ollama at {self.host} dropped the connection "
                               f"({exc or type(exc).__name__})")
        if isinstance(exc, json.JSONDecodeError):
            what = f"{exc.doc[:80]!r}"
        elif isinstance(exc, pydantic.ValidationError):
            first = exc.errors()[0]
            what = f"{exc.title}: {'.'.join(map(str, first['loc']))} {first['msg']}"
        elif isinstance(exc, (TypeError, AttributeError)) and _raised_by_the_client(exc):
            what = str(exc)
        else:
            return None
        return OllamaError(f"Ollama at {self.host} sent a malformed reply ({what}); is "
                           "OLLAMA_HOST pointing at Ollama?")

    @contextlib.contextmanager
    def errors(self, model: str | None = None) -> Iterator[None]:
        """Turn what the official client raises into :class:`OllamaError`; ``model`` names
        the model a 404 is about."""
        try:
            yield
        except OllamaError:
            raise
        except Exception as exc:
            error = self._error(exc, model)
            if error is None:
                raise
            raise error from exc

    # -- streams ------------------------------------------------------------------------------
    def stream(
        self, chunks: Iterator[T], stop: StopLike | None = None, model: str | None = None,
        ends_with_done: bool = True,
    ) -> Iterator[T]:
        """Yield what ``chunks``, a streaming call of :attr:`api` (``stream=True``), yields
        until ``done``, an error or a stop.

        A stop at any moment, before the response headers too, shuts the connection down
        (module docstring) and ends the stream quietly; leaving it closes the client's
        stream, as the official client cancels. Chat and generate end with a ``"done":
        true`` object, so a stream that ends without one was cut short; ``create`` ends
        with its last ``status`` instead (``ends_with_done`` false).
        """

        def stopped() -> bool:
            return stop is not None and stop.is_set()

        with contextlib.closing(chunks):  # type: ignore[type-var]  (a generator)
            while not stopped():
                try:
                    with self.errors(model), self._routing.to(stop):
                        chunk = next(chunks, None)
                except OllamaError:
                    if stopped():
                        return
                    raise
                if chunk is None:
                    if ends_with_done and not stopped():
                        raise OllamaError(
                            f"Ollama at {self.host} closed the connection before the reply "
                            "finished")
                    return
                yield chunk
                if getattr(chunk, "done", False):
                    return

    # -- what several callers ask -------------------------------------------------------------
    def version(self, timeout: float | None = None) -> str:
        with self.errors():
            return self.api.version(timeout)

    def reachable(self, timeout: float = 3.0) -> bool:
        """Whether an Ollama server answers at :attr:`host` within ``timeout`` seconds."""
        try:
            self.version(timeout)
        except OllamaError:
            return False
        return True

    def models(self) -> list[ollama.ListResponse.Model]:
        """``/api/tags``: every local model with its name, size and digest."""
        with self.errors():
            return [m for m in self.api.list().models if m.model]

    def model_names(self) -> list[str]:
        return [str(m.model) for m in self.models()]

    def digest(self, model: str) -> str | None:
        """The model's digest from ``/api/tags`` (changes whenever the model is recreated)."""
        wanted = {model, f"{model}:latest"}
        return next((m.digest for m in self.models() if m.model in wanted), None)
