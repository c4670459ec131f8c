"""A local stand-in for the Ollama daemon: its HTTP API, answered by real llama.cpp inference.

The Ollama daemon cannot be installed on these machines, so HERA's Ollama code (the chat
backend, ``hera export --ollama``, the benchmark's Ollama scorer, ``hera doctor``) is
tested against this server. It does what Ollama does where HERA's correctness depends on
it:

- **prompts**: the model's TEMPLATE is rendered by Go's own ``text/template``, with
  Ollama's collation of messages (``support.go_template``, a small Go program), and the
  rendered text is tokenized **with special-token parsing** and ``<bos>`` added as the
  GGUF asks, as Ollama's runner does. So a broken TEMPLATE, or a typed
  ``<start_of_turn>`` that a client did not neutralise, reaches the model exactly as it
  would through Ollama (:attr:`OllamaStandIn.prompts` records what was evaluated);
- **models**: ``/api/create`` from an uploaded blob (or ``from`` another model) with
  ``template``/``system``/``parameters``; a model registered without a template gets the
  one Ollama infers from the GGUF's chat template (the known format it names, with that
  format's stop parameters), else Ollama's default ``{{ .Prompt }}``. ``/api/tags``
  reports a digest of the whole model (weights, template, system, parameters), which
  changes when the model is re-created, as Ollama's manifest digest does;
- **generation**: stops at the vocabulary's end-of-generation tokens and at the ``stop``
  strings; a client that goes away cancels the request, also during prompt evaluation,
  which runs in chunks with the connection checked between them;
- **API shapes** (Ollama's docs/api.md): ``GET /api/version``, ``/api/tags``, ``HEAD /``;
  ``POST /api/show``, ``/api/chat``, ``/api/generate`` (NDJSON streaming by default, one
  object with ``"stream": false``; ``raw``, ``system``, ``options``; ``logprobs`` and
  ``top_logprobs`` from version 0.12 on, ignored by older versions as Ollama ignores
  unknown fields), ``HEAD``/``POST /api/blobs/sha256:<hex>``; errors as
  ``{"error": "..."}`` with Ollama's status codes.

HERA reaches it as it reaches Ollama: through the official ``ollama`` Python client over
real HTTP (``hera_core.ollama_client``), so it must accept exactly what that client sends
(``"stream"`` always given, ``files`` and ``from`` in ``/api/create``, blob bodies with
their ``Content-Length``) and answer in the shapes the client parses. It follows Ollama's
behaviour (0.12 to 0.24) where the two could differ; it is never shaped to suit HERA's code.

Not reproduced: Ollama's truncation of old messages to fit ``num_ctx`` (an over-long
prompt is a 400 error here), images, tools, thinking, embeddings, pulls.
``drop_after_chunks`` simulates a daemon that dies mid-reply. Run it by hand, from the
checkout: ``python -m tests.support.ollama_standin MODEL.gguf``.
"""

from __future__ import annotations

import hashlib
import json
import select
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import numpy as np

from hera_core import llamacpp
from hera_core.format_detection import named_format
from hera_core.ollama_client import DEFAULT_TEMPLATE
from hera_train.manifest import file_sha256

from .go_template import TemplateError, render
from .quiet_http import QuietHTTPServer

VERSION = "0.12.6"
DEFAULT_NUM_CTX = 4096


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ClientGone(Exception):
    """The client closed the connection: stop generating."""


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def full_name(name: str) -> str:
    return name if ":" in name else f"{name}:latest"


def sha256_file(path: Path) -> str:
    """A blob's name, as Ollama computes it."""
    return f"sha256:{file_sha256(path)}"


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("-")[0].split("."))


@dataclass
class StandInModel:
    name: str
    path: Path
    blob: str
    template: str
    system: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    modified_at: str = field(default_factory=_now)

    @property
    def digest(self) -> str:
        """The model's digest: changes with its weights, template, system or parameters."""
        manifest = json.dumps([self.blob, self.template, self.system, self.parameters],
                              sort_keys=True)
        return hashlib.sha256(manifest.encode()).hexdigest()


@dataclass
class PromptRecord:
    """One prompt as the model saw it: the rendered text, its token ids, how many of them
    were evaluated before the request ended, and whether the client went away."""

    text: str
    ids: list[int]
    evaluated: int = 0
    generated: int = 0
    cancelled: bool = False


class _Runner:
    """One loaded GGUF (per context length) and one generation at a time, like a runner."""

    def __init__(self, path: Path, n_ctx: int) -> None:
        self.llm = llamacpp.load(path, n_ctx, n_threads=2)
        self.n_ctx = n_ctx
        self.lock = threading.Lock()


def inferred_template(path: Path) -> tuple[str, dict[str, Any]]:
    """What ``ollama create`` gives a GGUF without a TEMPLATE: the template of the known
    format its chat template names (with that format's stop parameters), else Ollama's
    default ``{{ .Prompt }}``."""
    llm = llamacpp.load(path, 256, vocab_only=True)
    try:
        fmt = named_format(llm.metadata.get("tokenizer.chat_template"))
    finally:
        llm.close()
    if fmt is None:
        return DEFAULT_TEMPLATE, {}
    return fmt.ollama_template, {"stop": list(fmt.stop_tokens)}


class OllamaStandIn:
    """Start with ``with OllamaStandIn({"hera": path}) as server: server.url``."""

    def __init__(
        self, models: dict[str, Path] | None = None, root: Path | None = None,
        version: str = VERSION,
    ) -> None:
        self._own_root = root is None
        self.root = Path(root or tempfile.mkdtemp(prefix="ollama-standin-"))
        (self.root / "blobs").mkdir(parents=True, exist_ok=True)
        self.version = version
        self.models: dict[str, StandInModel] = {}
        self._runners: dict[tuple[Path, int], _Runner] = {}
        self._runners_lock = threading.Lock()
        #: close the connection after this many streamed chunks (a daemon dying mid-reply)
        self.drop_after_chunks: int | None = None
        #: generations ended because the client went away, and tokens each one produced
        self.cancelled: list[int] = []
        #: every prompt given to the model, in order
        self.prompts: list[PromptRecord] = []
        #: set when a prompt evaluation starts (tests wait on it to stop a request mid-way)
        self.evaluating = threading.Event()
        self.requests: list[tuple[str, str]] = []
        for name, path in (models or {}).items():
            self.register(name, Path(path))
        self._server = QuietHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> OllamaStandIn:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        for runner in self._runners.values():
            runner.llm.close()
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> OllamaStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def logprobs_supported(self) -> bool:
        return _version_tuple(self.version) >= (0, 12)

    # -- models ------------------------------------------------------------------------------
    def register(
        self, name: str, path: Path, template: str | None = None, system: str = "",
        parameters: dict[str, Any] | None = None,
    ) -> StandInModel:
        """A model as ``ollama create`` makes it (see :func:`inferred_template`)."""
        params = dict(parameters or {})
        if template is None:
            template, inferred = inferred_template(path)
            params = inferred | params
        model = StandInModel(full_name(name), path, sha256_file(path), template, system, params)
        self.models[model.name] = model
        return model

    def model(self, name: str | None) -> StandInModel:
        if not name:
            raise ApiError(400, "model is required")
        found = self.models.get(full_name(name))
        if found is None:
            raise ApiError(404, f"model '{name}' not found")
        return found

    def runner(self, model: StandInModel, num_ctx: int) -> _Runner:
        key = (model.path, num_ctx)
        with self._runners_lock:
            if key not in self._runners:
                self._runners[key] = _Runner(model.path, num_ctx)
            return self._runners[key]

    def blob_path(self, digest: str) -> Path:
        algo, _, hexdigest = digest.replace("-", ":", 1).partition(":")
        if algo != "sha256" or len(hexdigest) != 64 or not all(
            c in "0123456789abcdef" for c in hexdigest
        ):
            raise ApiError(400, f"invalid digest format {digest!r}")
        return self.root / "blobs" / f"sha256-{hexdigest}"

    # -- generation --------------------------------------------------------------------------
    def generate_tokens(
        self,
        runner: _Runner,
        record: PromptRecord,
        options: dict,
        top_logprobs: int | None,
        summary: dict,
        client_gone: Callable[[], bool],
    ) -> Iterator[tuple[str, dict | None]]:
        """Yield (text, logprob entry or None) per generated token; fill ``summary`` with
        Ollama's final fields (counts, durations in ns, done_reason) as it goes."""
        llm, prompt = runner.llm, record.ids
        if len(prompt) >= runner.n_ctx:
            raise ApiError(400, f"input length ({len(prompt)} tokens) exceeds the context "
                                f"length ({runner.n_ctx})")
        room = runner.n_ctx - len(prompt)
        limit = int(options.get("num_predict", -1))
        limit = room if limit < 0 else min(limit, room)
        stops = [s for s in options.get("stop", []) if s]
        captured: list[np.ndarray] = []

        def capture(_ids, scores):
            captured.append(np.array(scores, dtype=np.float64))
            return scores

        if "seed" in options:
            llm.set_seed(int(options["seed"]))
        started = time.perf_counter_ns()
        llamacpp.reset_if_prompt_cached(llm, prompt)
        self.evaluating.set()
        try:  # in Ollama's batches of 512 (num_batch), checking the client between them
            record.evaluated = llamacpp.prefill(llm, prompt, should_stop=client_gone,
                                                chunk=llm.n_batch)
        except llamacpp.Stopped as stopped:
            record.evaluated, record.cancelled = stopped.evaluated, True
            raise ClientGone("the client went away during prompt evaluation") from None
        gen = llm.generate(
            prompt,
            temp=float(options.get("temperature", 0.8)),
            top_p=float(options.get("top_p", 0.9)),
            top_k=int(options.get("top_k", 40)),
            min_p=float(options.get("min_p", 0.0)),
            repeat_penalty=float(options.get("repeat_penalty", 1.0)),
            reset=True,
            logits_processor=[capture] if top_logprobs is not None else None,
        )
        count, text, reason, first = 0, "", "length", None
        try:
            while count < limit:
                token = next(gen, None)
                if first is None:
                    first = time.perf_counter_ns()
                if client_gone():
                    record.cancelled = True
                    raise ClientGone("the client went away")
                if token is None or llamacpp.is_end_of_generation(llm, token):
                    reason = "stop"
                    break
                count += 1
                record.generated = summary["eval_count"] = count
                piece = llm.detokenize([token], special=True).decode("utf-8", errors="replace")
                entry = None
                if top_logprobs is not None and captured:
                    entry = _logprob_entry(llm, captured.pop(), token, piece, top_logprobs)
                captured.clear()
                text += piece
                hit = next((s for s in stops if s in text), None)
                if hit is not None:
                    keep = piece[: len(piece) - (len(text) - text.index(hit))]
                    if keep:
                        yield keep, entry
                    reason = "stop"
                    break
                yield piece, entry
        finally:
            gen.close()
        end = time.perf_counter_ns()
        first = first or end
        summary |= {
            "done_reason": reason,
            "total_duration": end - started,
            "load_duration": 0,
            "prompt_eval_count": len(prompt),
            "prompt_eval_duration": first - started,
            "eval_count": count,
            "eval_duration": end - first,
        }


def _logprob_entry(llm, logits: np.ndarray, token: int, piece: str, top: int) -> dict:
    logprobs = llamacpp.log_softmax(logits)

    def item(tok: int, text: str | None = None) -> dict:
        if text is None:
            text = llm.detokenize([tok], special=True).decode("utf-8", errors="replace")
        return {"token": text, "logprob": float(logprobs[tok]), "bytes": list(text.encode())}

    entry = item(token, piece)
    if top > 0:
        best = np.argsort(-logprobs)[:top]
        entry["top_logprobs"] = [item(int(t)) for t in best]
    return entry


def _handler_for(server: OllamaStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        standin = server

    return Handler


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    standin: OllamaStandIn

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        pass

    # -- plumbing ----------------------------------------------------------------------------
    def _send_json(self, status: int, payload: dict | None) -> None:
        body = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_text(self, status: int, text: str) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _client_gone(self) -> bool:
        """Whether the client closed its end (as Go's HTTP server notices): the socket
        reads as closed while no new request can be pending."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._chunks = 0

    def _stream_line(self, payload: dict) -> None:
        if self.standin.drop_after_chunks is not None and (
            self._chunks >= self.standin.drop_after_chunks
        ):
            self.close_connection = True
            self.connection.close()
            raise ClientGone("dropped on purpose")
        data = json.dumps(payload).encode() + b"\n"
        try:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        except OSError as exc:
            raise ClientGone(str(exc)) from exc
        self._chunks += 1

    def _end_stream(self) -> None:
        try:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            data = json.loads(raw or b"{}")
        except json.JSONDecodeError as exc:
            raise ApiError(400, f"invalid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ApiError(400, "request body must be a JSON object")
        return data

    def _dispatch(self, routes: dict) -> None:
        path = self.path.split("?")[0]
        self.standin.requests.append((self.command, path))
        handler = routes.get(path)
        if handler is None and path.startswith("/api/blobs/"):
            handler = self._blob
        if handler is None:
            self._send_text(404, "404 page not found")
            return
        try:
            handler()
        except ApiError as exc:
            self._send_json(exc.status, {"error": str(exc)})
        except ClientGone:
            self.close_connection = True

    def do_GET(self) -> None:
        self._dispatch({"/api/version": self._version, "/api/tags": self._tags, "/": self._root})

    def do_HEAD(self) -> None:
        self._dispatch({"/": self._root})

    def do_POST(self) -> None:
        self._dispatch({
            "/api/chat": self._chat, "/api/generate": self._generate, "/api/show": self._show,
            "/api/create": self._create,
        })

    # -- endpoints ---------------------------------------------------------------------------
    def _root(self) -> None:
        self._send_text(200, "Ollama is running")

    def _version(self) -> None:
        self._send_json(200, {"version": self.standin.version})

    @staticmethod
    def _details(model: StandInModel) -> dict:
        return {
            "parent_model": "", "format": "gguf", "family": "", "families": None,
            "parameter_size": "", "quantization_level": "",
        }

    def _tags(self) -> None:
        models = [
            {
                "name": m.name, "model": m.name, "modified_at": m.modified_at,
                "size": m.path.stat().st_size, "digest": m.digest, "details": self._details(m),
            }
            for m in self.standin.models.values()
        ]
        self._send_json(200, {"models": models})

    def _show(self) -> None:
        body = self._body()
        model = self.standin.model(body.get("model") or body.get("name"))
        params = "\n".join(
            f"{k} {json.dumps(v) if isinstance(v, str) else v}"
            for k, values in model.parameters.items()
            for v in (values if isinstance(values, list) else [values])
        )
        modelfile = f'FROM {model.path}\nTEMPLATE """{model.template}"""\n'
        if model.system:
            modelfile += f'SYSTEM """{model.system}"""\n'
        modelfile += "".join(f"PARAMETER {line}\n" for line in params.splitlines())
        self._send_json(200, {
            "modelfile": modelfile, "parameters": params, "template": model.template,
            "system": model.system, "details": self._details(model),
            "model_info": {"general.file": model.path.name}, "capabilities": ["completion"],
            "modified_at": model.modified_at,
        })

    def _options(self, model: StandInModel, body: dict) -> dict:
        options = dict(model.parameters)
        options.update(body.get("options") or {})
        if isinstance(options.get("stop"), str):
            options["stop"] = [options["stop"]]
        return options

    def _prompt(self, runner: _Runner, text: str) -> PromptRecord:
        """Tokenized as Ollama's runner does: ``<bos>`` as the GGUF asks, special tokens
        parsed."""
        ids = runner.llm.tokenize(text.encode("utf-8"), add_bos=True, special=True)
        record = PromptRecord(text, ids)
        self.standin.prompts.append(record)
        return record

    def _rendered(self, model: StandInModel, messages: list[dict[str, str]]) -> str:
        try:
            return render(model.template, messages)
        except TemplateError as exc:
            raise ApiError(500, f"template: {exc}") from exc

    def _run(self, model: StandInModel, body: dict, text: str, wrap) -> None:
        """Shared by chat and generate: evaluate ``text``, stream chunks built by
        ``wrap(piece, done)``."""
        options = self._options(model, body)
        runner = self.standin.runner(model, int(options.get("num_ctx", DEFAULT_NUM_CTX)))
        top = None
        if body.get("logprobs") and self.standin.logprobs_supported:
            top = int(body.get("top_logprobs") or 0)
        stream = body.get("stream", True)
        with runner.lock:
            record = self._prompt(runner, text)
            summary: dict = {"eval_count": 0}
            tokens = self.standin.generate_tokens(
                runner, record, options, top, summary, self._client_gone
            )
            try:
                if not stream:
                    self._send_whole(tokens, wrap, summary, top)
                    return
                first = next(tokens, None)  # errors before the first token get a status code
                self._start_stream()
                if first is not None:
                    self._stream_tokens(first, tokens, wrap)
                self._stream_line(wrap("", True) | summary)
            except ClientGone:
                tokens.close()  # stop the token loop now, as Ollama cancels a request
                record.cancelled = True
                self.standin.cancelled.append(summary["eval_count"])
                raise
            self._end_stream()

    def _send_whole(self, tokens, wrap, summary: dict, top: int | None) -> None:
        pieces, entries = [], []
        for piece, entry in tokens:
            pieces.append(piece)
            if entry is not None:
                entries.append(entry)
        final = wrap("".join(pieces), True) | summary
        if top is not None:
            final["logprobs"] = entries
        self._send_json(200, final)

    def _stream_tokens(self, first, tokens, wrap) -> None:
        piece, entry = first
        while True:
            chunk = wrap(piece, False)
            if entry is not None:
                chunk["logprobs"] = [entry]
            self._stream_line(chunk)
            nxt = next(tokens, None)
            if nxt is None:
                return
            piece, entry = nxt

    def _chat(self) -> None:
        body = self._body()
        model = self.standin.model(body.get("model"))
        messages = [{"role": str(m.get("role", "")), "content": str(m.get("content", ""))}
                    for m in body.get("messages") or [] if isinstance(m, dict)]
        if model.system and (not messages or messages[0]["role"] != "system"):
            messages.insert(0, {"role": "system", "content": model.system})

        def wrap(text: str, done: bool) -> dict:
            return {"model": model.name, "created_at": _now(),
                    "message": {"role": "assistant", "content": text}, "done": done}

        self._run(model, body, self._rendered(model, messages), wrap)

    def _generate(self) -> None:
        body = self._body()
        model = self.standin.model(body.get("model"))
        text = str(body.get("prompt", ""))
        if not text and not body.get("raw"):  # Ollama: an empty prompt just loads the model
            self._send_json(200, {"model": model.name, "created_at": _now(), "response": "",
                                  "done": True, "done_reason": "load"})
            return
        if not body.get("raw"):
            system = body.get("system") or model.system
            messages = [{"role": "system", "content": system}] if system else []
            text = self._rendered(model, [*messages, {"role": "user", "content": text}])

        def wrap(piece: str, done: bool) -> dict:
            return {"model": model.name, "created_at": _now(), "response": piece, "done": done}

        self._run(model, body, text, wrap)

    def _blob(self) -> None:
        digest = self.path.split("?")[0].rsplit("/", 1)[-1]
        path = self.standin.blob_path(digest)
        if self.command == "HEAD":
            self._send_json(200 if path.is_file() else 404, None)
            return
        if self.command != "POST":
            raise ApiError(405, "method not allowed")
        length = int(self.headers.get("Content-Length") or 0)
        h = hashlib.sha256()
        tmp = path.with_suffix(".partial")
        with tmp.open("wb") as f:
            remaining = length
            while remaining:
                block = self.rfile.read(min(remaining, 1 << 20))
                if not block:
                    break
                h.update(block)
                f.write(block)
                remaining -= len(block)
        if f"sha256:{h.hexdigest()}" != digest.replace("-", ":", 1):
            tmp.unlink()
            raise ApiError(400, "digest mismatch")
        tmp.replace(path)
        self._send_json(201, None)

    def _create(self) -> None:
        body = self._body()
        name = body.get("model") or body.get("name")
        if not name:
            raise ApiError(400, "model is required")
        template, system, params = body.get("template"), body.get("system"), body.get("parameters")
        if body.get("from"):
            base = self.standin.model(body["from"])
            path = base.path
            template = base.template if template is None else template
            system = base.system if system is None else system
            params = base.parameters | (params or {})
        else:
            path = self._uploaded_gguf(body.get("files") or {})
        self.standin.register(name, path, template=template, system=system or "",
                              parameters=params)
        statuses = ["parsing GGUF", f"using existing layer {sha256_file(path)}"]
        for key in ("template", "system", "parameters"):
            if body.get(key):
                layer = hashlib.sha256(json.dumps(body[key]).encode()).hexdigest()
                statuses.append(f"creating new layer sha256:{layer}")
        statuses += ["writing manifest", "success"]
        if not body.get("stream", True):
            self._send_json(200, {"status": "success"})
            return
        self._start_stream()
        for status in statuses:
            self._stream_line({"status": status})
        self._end_stream()

    def _uploaded_gguf(self, files: dict[str, str]) -> Path:
        ggufs = [(n, d) for n, d in files.items() if n.endswith(".gguf")]
        if len(ggufs) != 1:
            raise ApiError(400, "neither 'from' nor exactly one .gguf in 'files' was given")
        path = self.standin.blob_path(ggufs[0][1])
        if not path.is_file():
            raise ApiError(400, f"blob {ggufs[0][1]} not found; upload it to /api/blobs")
        with path.open("rb") as f:
            if f.read(4) != b"GGUF":
                raise ApiError(400, "invalid file magic")
        return path


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Serve GGUF files through Ollama's HTTP API.")
    parser.add_argument("gguf", type=Path, nargs="*", help="models, served as their file stem")
    args = parser.parse_args()
    server = OllamaStandIn({p.stem.lower(): p for p in args.gguf}).start()
    print(f"Ollama stand-in at {server.url} (OLLAMA_HOST={server.url}); Ctrl+C stops it")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.close()


if __name__ == "__main__":
    main()
