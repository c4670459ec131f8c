"""A local stand-in for the Ollama daemon: its HTTP API, answered by real llama.cpp inference.

The Ollama daemon cannot be installed on these machines, so HERA's Ollama code (the chat
backend, ``hera export --ollama``, the benchmark's Ollama scorer) is tested against this
server. It follows Ollama's API shapes (docs/api.md of ollama/ollama):

- ``GET /api/version``, ``GET /api/tags``, ``POST /api/show``
- ``POST /api/chat`` and ``POST /api/generate``: NDJSON streaming (chunked) by default,
  one JSON object with ``"stream": false``; ``options`` (``num_predict``, ``temperature``,
  ``top_p``, ``top_k``, ``seed``, ``num_ctx``, ``stop``); generate with ``raw``, ``system``
  and ``logprobs``/``top_logprobs`` (as in Ollama 0.12+); final objects carry
  ``done_reason`` and the ``*_count``/``*_duration`` (ns) fields
- ``HEAD``/``POST /api/blobs/sha256:<hex>`` (201 on upload, 400 on digest mismatch)
- ``POST /api/create`` with ``files`` (name -> digest), ``template``, ``system``,
  ``parameters``, ``from``; streams ``{"status": ...}`` lines ending in ``success``
- errors as ``{"error": "..."}`` with Ollama's status codes (404 unknown model, 400 bad
  request); a client that goes away cancels its generation, as in Ollama

Differences, on purpose: prompts are rendered with ``hera_train.formats`` (the format whose
``ollama_template`` the model was created with, else the one its GGUF vocabulary has)
rather than by executing the Go template; user text is tokenized without special-token
parsing, raw prompts with it (as Ollama does). ``drop_after_chunks`` simulates a daemon that
dies mid-reply. Run it by hand: ``python tests/support/ollama_standin.py MODEL.gguf``.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

from hera_train.formats import FORMATS, Message, PromptFormat, encode_segments
from hera_train.manifest import file_sha256
from hera_tui.backends.gguf_format import detect_format
from hera_tui.backends.llama_cpp_backend import prefer_passive_openmp, reset_if_prompt_cached

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


@dataclass
class StandInModel:
    name: str
    path: Path
    digest: str
    template: str | None = None
    system: str | None = None
    parameters: dict = field(default_factory=dict)
    modified_at: str = field(default_factory=_now)


class _Runner:
    """One loaded GGUF (per context length) and one generation at a time, like a runner."""

    def __init__(self, path: Path, n_ctx: int) -> None:
        prefer_passive_openmp()
        from llama_cpp import Llama

        self.llm = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=2, verbose=False)
        self.n_ctx = n_ctx
        self.lock = threading.Lock()

    def single(self, text: str) -> bool:
        ids = self.llm.tokenize(text.encode(), add_bos=False, special=True)
        return len(ids) == 1 and ids != self.llm.tokenize(
            text.encode(), add_bos=False, special=False
        )

    def token_id(self, text: str) -> int:
        return self.llm.tokenize(text.encode(), add_bos=False, special=True)[0]


class OllamaStandIn:
    """Start with ``with OllamaStandIn({"hera": path}) as server: server.url``."""

    def __init__(self, models: dict[str, Path] | None = None, root: Path | None = None) -> None:
        self._own_root = root is None
        self.root = Path(root or tempfile.mkdtemp(prefix="ollama-standin-"))
        (self.root / "blobs").mkdir(parents=True, exist_ok=True)
        self.models: dict[str, StandInModel] = {}
        self._runners: dict[tuple[Path, int], _Runner] = {}
        self._runners_lock = threading.Lock()
        #: close the connection after this many streamed chunks (a daemon dying mid-reply)
        self.drop_after_chunks: int | None = None
        #: generations ended because the client went away, and tokens each one produced
        self.cancelled: list[int] = []
        self.requests: list[tuple[str, str]] = []
        for name, path in (models or {}).items():
            self.register(name, Path(path))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
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

    # -- models ------------------------------------------------------------------------------
    def register(self, name: str, path: Path, **fields: object) -> StandInModel:
        model = StandInModel(full_name(name), path, sha256_file(path), **fields)
        self.models[model.name] = model
        return model

    def model(self, name: str | None) -> StandInModel:
        if not name:
            raise ApiError(400, "model is required")
        found = self.models.get(full_name(name))
        if found is None:
            raise ApiError(404, f'model "{name}" not found, try pulling it first')
        return found

    def runner(self, model: StandInModel, num_ctx: int) -> _Runner:
        key = (model.path, num_ctx)
        with self._runners_lock:
            if key not in self._runners:
                self._runners[key] = _Runner(model.path, num_ctx)
            return self._runners[key]

    def prompt_format(self, model: StandInModel, runner: _Runner) -> PromptFormat:
        for fmt in FORMATS.values():
            if model.template is not None and model.template == fmt.ollama_template:
                return fmt
        return detect_format(runner.llm.metadata, runner.single)

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
        prompt: list[int],
        options: dict,
        stop_ids: set[int],
        top_logprobs: int | None,
        summary: dict,
    ) -> Iterator[tuple[str, dict | None]]:
        """Yield (text, logprob entry or None) per generated token; fill ``summary`` with
        Ollama's final fields (counts, durations in ns, done_reason) as it goes."""
        llm = runner.llm
        room = runner.n_ctx - len(prompt)
        if room < 1:
            raise ApiError(400, f"input length ({len(prompt)} tokens) exceeds the context "
                                f"length ({runner.n_ctx})")
        limit = int(options.get("num_predict", -1))
        limit = room if limit < 0 else min(limit, room)
        stops = [s for s in options.get("stop", []) if s]
        captured: list[np.ndarray] = []

        def capture(_ids, scores):
            if top_logprobs is not None:
                captured.append(np.array(scores, dtype=np.float64))
            return scores

        if "seed" in options:
            llm.set_seed(int(options["seed"]))
        started = time.perf_counter_ns()
        count, text, reason, first = 0, "", "length", None
        reset_if_prompt_cached(llm, prompt)
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
        try:
            while count < limit:
                token = next(gen, None)
                if first is None:
                    first = time.perf_counter_ns()
                if token is None or token in stop_ids:
                    reason = "stop"
                    break
                count += 1
                summary["eval_count"] = count
                piece = llm.detokenize([token]).decode("utf-8", errors="replace")
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
    shifted = logits - logits.max()
    logprobs = shifted - math.log(np.exp(shifted).sum())

    def item(tok: int, text: str | None = None) -> dict:
        text = text if text is not None else llm.detokenize([tok]).decode(
            "utf-8", errors="replace")
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
        except (BrokenPipeError, ConnectionResetError, OSError) as exc:
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
            body = b"404 page not found"
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
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
        body = b"Ollama is running"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _version(self) -> None:
        self._send_json(200, {"version": VERSION})

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
                "size": m.path.stat().st_size, "digest": m.digest.split(":", 1)[1],
                "details": self._details(m),
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
        modelfile = f"FROM {model.path}\n"
        if model.template is not None:
            modelfile += f'TEMPLATE """{model.template}"""\n'
        if model.system is not None:
            modelfile += f'SYSTEM """{model.system}"""\n'
        modelfile += "".join(f"PARAMETER {line}\n" for line in params.splitlines())
        self._send_json(200, {
            "modelfile": modelfile, "parameters": params, "template": model.template or "",
            "system": model.system or "", "details": self._details(model),
            "model_info": {"general.file": model.path.name}, "capabilities": ["completion"],
            "modified_at": model.modified_at,
        })

    def _options(self, model: StandInModel, body: dict) -> dict:
        options = dict(model.parameters)
        options.update(body.get("options") or {})
        if isinstance(options.get("stop"), str):
            options["stop"] = [options["stop"]]
        return options

    def _run(self, model: StandInModel, body: dict, prompt_for, wrap) -> None:
        """Shared by chat and generate: tokens from ``prompt_for(runner, fmt)``, chunks built
        by ``wrap(text, done)``."""
        options = self._options(model, body)
        runner = self.standin.runner(model, int(options.get("num_ctx", DEFAULT_NUM_CTX)))
        top = None
        if body.get("logprobs"):
            top = int(body.get("top_logprobs") or 0)
        stream = body.get("stream", True)
        with runner.lock:
            try:
                fmt = self.standin.prompt_format(model, runner)
            except Exception:
                fmt = None
            prompt = prompt_for(runner, fmt)
            stop_ids = {runner.llm.token_eos()}
            if fmt is not None:
                stop_ids |= {runner.token_id(t) for t in fmt.stop_tokens}
            summary: dict = {"eval_count": 0}
            tokens = self.standin.generate_tokens(
                runner, prompt, options, stop_ids, top, summary
            )
            if not stream:
                pieces, entries = [], []
                for piece, entry in tokens:
                    pieces.append(piece)
                    if entry is not None:
                        entries.append(entry)
                final = wrap("".join(pieces), True) | summary
                if top is not None:
                    final["logprobs"] = entries
                self._send_json(200, final)
                return
            first = next(tokens, None)  # errors before the first token get a status code
            self._start_stream()
            try:
                if first is not None:
                    self._stream_tokens(first, tokens, wrap)
                self._stream_line(wrap("", True) | summary)
            except ClientGone:
                tokens.close()  # stop the token loop now, as Ollama cancels a request
                self.standin.cancelled.append(summary["eval_count"])
                raise
            self._end_stream()

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
        messages = [Message(m.get("role", "user"), m.get("content", ""))
                    for m in body.get("messages") or []]
        if model.system and not any(m.role == "system" for m in messages):
            messages.insert(0, Message("system", model.system))

        def prompt_for(runner: _Runner, fmt: PromptFormat | None) -> list[int]:
            if fmt is None:
                raise ApiError(400, f"{model.name} does not support chat")
            try:
                segments = fmt.segments(messages, add_generation_prompt=True)
            except ValueError as exc:
                raise ApiError(400, str(exc)) from exc
            return encode_segments(
                segments,
                lambda t: runner.llm.tokenize(t.encode(), add_bos=False, special=False),
                runner.token_id,
            )[0]

        def wrap(text: str, done: bool) -> dict:
            out = {"model": model.name, "created_at": _now(),
                   "message": {"role": "assistant", "content": text}, "done": done}
            return out

        self._run(model, body, prompt_for, wrap)

    def _generate(self) -> None:
        body = self._body()
        model = self.standin.model(body.get("model"))
        text = body.get("prompt", "")
        if not text and not body.get("raw"):  # Ollama: an empty prompt just loads the model
            self._send_json(200, {"model": model.name, "created_at": _now(), "response": "",
                                  "done": True, "done_reason": "load"})
            return

        def prompt_for(runner: _Runner, fmt: PromptFormat | None) -> list[int]:
            if body.get("raw"):
                return runner.llm.tokenize(text.encode(), add_bos=True, special=True)
            if fmt is None:
                raise ApiError(400, f"{model.name} has no prompt template; use raw")
            system = body.get("system", model.system)
            turns = ([Message("system", system)] if system else []) + [Message("user", text)]
            return encode_segments(
                fmt.segments(turns, add_generation_prompt=True),
                lambda t: runner.llm.tokenize(t.encode(), add_bos=False, special=False),
                runner.token_id,
            )[0]

        def wrap(piece: str, done: bool) -> dict:
            return {"model": model.name, "created_at": _now(), "response": piece, "done": done}

        self._run(model, body, prompt_for, wrap)

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
        files = body.get("files") or {}
        if body.get("from"):
            base = self.standin.model(body["from"])
            path = base.path
        else:
            ggufs = [(n, d) for n, d in files.items() if n.endswith(".gguf")]
            if len(ggufs) != 1:
                raise ApiError(400, "neither 'from' nor exactly one .gguf in 'files' was given")
            path = self.standin.blob_path(ggufs[0][1])
            if not path.is_file():
                raise ApiError(400, f"blob {ggufs[0][1]} not found; upload it to /api/blobs")
            with path.open("rb") as f:
                if f.read(4) != b"GGUF":
                    raise ApiError(400, "invalid file magic")
        stream = body.get("stream", True)
        statuses = ["parsing GGUF", f"using existing layer {sha256_file(path)}"]
        for key in ("template", "system", "parameters"):
            if body.get(key):
                layer = hashlib.sha256(json.dumps(body[key]).encode()).hexdigest()
                statuses.append(f"creating new layer sha256:{layer}")
        statuses += ["writing manifest", "success"]
        self.standin.register(
            name, path, template=body.get("template"), system=body.get("system"),
            parameters=dict(body.get("parameters") or {}),
        )
        if not stream:
            self._send_json(200, {"status": "success"})
            return
        self._start_stream()
        for status in statuses:
            self._stream_line({"status": status})
        self._end_stream()


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
