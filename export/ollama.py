"""Register an exported model with an Ollama server through the official ``ollama`` client.

``HEAD /api/blobs/sha256:<digest>`` asks whether the server has the GGUF; if not,
``create_blob`` uploads it; then ``create`` builds the model from that blob with the
Modelfile's template, system text, parameters and license, streaming progress. The calls
go through HERA's layer on the client (``hera_core.ollama_client``: one clear error per
failure), so registration works from a chat-only install.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from export.errors import ExportError
from export.modelfile import Modelfile
from hera_core.ollama_client import OllamaClient, OllamaError
from hera_train.manifest import file_sha256


def file_digest(path: Path) -> str:
    """The blob name Ollama expects: ``sha256:<hex digest of the file>``."""
    return f"sha256:{file_sha256(path)}"


def create_parameters(modelfile: Modelfile) -> dict[str, Any]:
    """The Modelfile's PARAMETER lines as ``create`` takes them: numbers as numbers, every
    ``stop`` in one list."""
    parameters: dict[str, Any] = {}
    for key, values in modelfile.parameters.items():
        parsed = [json.loads(v) if v.startswith('"') else float(v) for v in values]
        parsed = [int(v) if isinstance(v, float) and v.is_integer() else v for v in parsed]
        parameters[key] = parsed if key == "stop" else parsed[0]
    return parameters


def register(
    client: OllamaClient, name: str, gguf: Path, modelfile: Modelfile,
    progress: Callable[[str], None] = print,
) -> None:
    """Upload the GGUF (unless the server has it) and create ``name``, reporting progress."""
    progress(f"ollama: hashing {gguf.name}")
    digest = file_digest(gguf)
    status = ""
    try:
        with client.errors():
            if client.api.has_blob(digest):
                progress("ollama: the server already has this file")
            else:
                progress(f"ollama: uploading {gguf.name} ({gguf.stat().st_size / 1e6:.1f} MB)")
                digest = client.api.create_blob(gguf)
            events = client.api.create(
                name, files={gguf.name: digest}, template=modelfile.template,
                system=modelfile.system, parameters=create_parameters(modelfile),
                license=modelfile.license, stream=True,
            )
        for event in client.stream(events, ends_with_done=False):
            status = event.status or status
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
