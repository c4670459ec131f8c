"""Register an exported model with an Ollama server through its HTTP API.

``POST /api/blobs/sha256:<digest>`` uploads the GGUF (skipped when ``HEAD`` says the
server has it), then ``POST /api/create`` builds the model from that blob with the
Modelfile's template, system text, parameters and license, streaming NDJSON progress.
The HTTP goes through HERA's one Ollama client (``hera_train.ollama_client``, standard
library only), so registration works from a chat-only install.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from export.errors import ExportError
from export.modelfile import Modelfile
from hera_train.manifest import file_sha256
from hera_train.ollama_client import OllamaClient, OllamaError


def file_digest(path: Path) -> str:
    """The blob name Ollama expects: ``sha256:<hex digest of the file>``."""
    return f"sha256:{file_sha256(path)}"


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
    client: OllamaClient, name: str, gguf: Path, modelfile: Modelfile,
    progress: Callable[[str], None] = print,
) -> None:
    """Upload the GGUF and create ``name`` on the server, reporting progress."""
    progress(f"ollama: hashing {gguf.name}")
    digest = file_digest(gguf)
    progress(f"ollama: uploading {gguf.name} ({gguf.stat().st_size / 1e6:.1f} MB)")
    status = ""
    try:
        if client.has_blob(digest):
            progress("ollama: the server already has this file")
        else:
            client.upload_blob(gguf, digest)
        body = create_request(name, gguf.name, digest, modelfile)
        for event in client.stream("/api/create", body, ends_with_done=False):
            status = str(event.get("status", status))
            progress(f"ollama: {status}")
    except OllamaError as exc:
        raise ExportError(f"Ollama could not create {name}: {exc}") from None
    if status != "success":
        raise ExportError(f"Ollama ended the create of {name} without success ({status!r})")


def manual_commands(name: str, modelfile_path: Path) -> list[str]:
    """The exact commands that register the export with a local Ollama by hand."""
    return [
        f"cd {modelfile_path.parent}",
        f"ollama create {name} -f {modelfile_path.name}",
        f"ollama run {name}",
    ]
