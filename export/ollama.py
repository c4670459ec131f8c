"""Register an exported model with an Ollama server through its HTTP API.

``POST /api/blobs/sha256:<digest>`` uploads the GGUF (skipped when ``HEAD`` says the
server has it), then ``POST /api/create`` builds the model from that blob with the
Modelfile's template, system text, parameters and license, streaming NDJSON progress.
Standard library only: registration must work from a chat-only install.
"""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from export.errors import ExportError
from export.modelfile import Modelfile
from hera_train.manifest import file_sha256

DEFAULT_HOST = "http://127.0.0.1:11434"


def ollama_host(host: str | None = None) -> tuple[str, int]:
    """(hostname, port) from ``host``, ``$OLLAMA_HOST`` or Ollama's default."""
    raw = host or os.environ.get("OLLAMA_HOST") or DEFAULT_HOST
    if "://" not in raw:
        raw = f"http://{raw}"
    parts = urlsplit(raw)
    return parts.hostname or "127.0.0.1", parts.port or 11434


def _connection(host: tuple[str, int], timeout: float) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(host[0], host[1], timeout=timeout)


def reachable(host: tuple[str, int]) -> bool:
    try:
        conn = _connection(host, timeout=3)
        conn.request("GET", "/api/version")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def file_digest(path: Path) -> str:
    """The blob name Ollama expects: ``sha256:<hex digest of the file>``."""
    return f"sha256:{file_sha256(path)}"


def upload_blob(host: tuple[str, int], path: Path, digest: str) -> bool:
    """Upload ``path`` unless the server already has it; True if it was uploaded."""
    conn = _connection(host, timeout=600)
    conn.request("HEAD", f"/api/blobs/{digest}")
    response = conn.getresponse()
    response.read()
    if response.status == 200:
        return False
    with path.open("rb") as body:
        conn.request("POST", f"/api/blobs/{digest}", body=body,
                     headers={"Content-Length": str(path.stat().st_size)})
        response = conn.getresponse()
        detail = response.read().decode(errors="replace")
    conn.close()
    if response.status not in (200, 201):
        raise ExportError(f"Ollama refused the upload of {path.name}: {response.status} {detail}")
    return True


def _stream(response: http.client.HTTPResponse) -> Iterator[dict[str, Any]]:
    for line in response:
        if line.strip():
            yield json.loads(line)


def create_request(name: str, gguf_name: str, digest: str, modelfile: Modelfile) -> dict[str, Any]:
    """The ``/api/create`` body for a model built from an uploaded GGUF."""
    parameters: dict[str, Any] = {}
    for key, values in modelfile.parameters.items():
        parsed = [json.loads(v) if v.startswith('"') else float(v) for v in values]
        parsed = [int(v) if isinstance(v, float) and v.is_integer() else v for v in parsed]
        parameters[key] = parsed if key == "stop" else parsed[0]
    return {
        "model": name,
        "files": {gguf_name: digest},
        "template": modelfile.template,
        "system": modelfile.system,
        "parameters": parameters,
        "license": modelfile.license,
        "stream": True,
    }


def register(
    host: tuple[str, int], name: str, gguf: Path, modelfile: Modelfile,
    progress: Callable[[str], None] = print,
) -> None:
    """Upload the GGUF and create ``name`` on the server, reporting progress."""
    progress(f"ollama: hashing {gguf.name}")
    digest = file_digest(gguf)
    progress(f"ollama: uploading {gguf.name} ({gguf.stat().st_size / 1e6:.1f} MB)")
    if not upload_blob(host, gguf, digest):
        progress("ollama: the server already has this file")
    conn = _connection(host, timeout=600)
    body = json.dumps(create_request(name, gguf.name, digest, modelfile))
    conn.request("POST", "/api/create", body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    if response.status != 200:
        detail = response.read().decode(errors="replace")
        raise ExportError(f"Ollama could not create {name}: {response.status} {detail}")
    status = ""
    for event in _stream(response):
        if "error" in event:
            raise ExportError(f"Ollama could not create {name}: {event['error']}")
        status = event.get("status", status)
        progress(f"ollama: {status}")
    conn.close()
    if status != "success":
        raise ExportError(f"Ollama ended the create of {name} without success ({status!r})")


def manual_commands(name: str, modelfile_path: Path) -> list[str]:
    """The exact commands that register the export with a local Ollama by hand."""
    return [
        f"cd {modelfile_path.parent}",
        f"ollama create {name} -f {modelfile_path.name}",
        f"ollama run {name}",
    ]
