"""Render Ollama Modelfile TEMPLATEs with Go's own ``text/template``, as Ollama does.

Ollama executes a TEMPLATE with Go's text/template (plus its own collation of messages,
see ``ollama_template/main.go``). Tests that claim "the TEMPLATE renders exactly the
training format" must run Go itself, not an imitation, so this module builds that small
Go program once per cache folder (``$HERA_CACHE_DIR/go``, keyed by the hash of its source
and of the Go toolchain) and sends it batches of requests as JSON.

Go comes from ``apt-get install golang-go`` (``make test`` installs it); without it every
call raises :class:`GoMissingError` with that fix.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hera_core.atomic_files import atomic_path
from hera_core.paths import cache_home

SOURCE = Path(__file__).resolve().parent / "ollama_template"


class GoMissingError(RuntimeError):
    """No Go toolchain: the message says how to install it."""


class TemplateError(ValueError):
    """Go refused to parse or execute the template (the message is Go's own)."""


@dataclass(frozen=True)
class RenderRequest:
    """What Ollama renders for one request: a TEMPLATE and the chat messages it gets."""

    template: str
    messages: Sequence[dict[str, str]] = ()
    prompt: str = ""
    suffix: str = ""


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        raise GoMissingError(
            "Go is not installed, and HERA's Ollama tests render TEMPLATEs with Go's "
            "text/template: install it with `apt-get install golang-go` (`make test` does)"
        )
    return go


@cache
def helper_binary() -> Path:
    """The built renderer, compiled on first use and reused while its source is unchanged."""
    go = _go()
    version = subprocess.run([go, "version"], capture_output=True, text=True, check=True).stdout
    digest = hashlib.sha256(version.encode())
    for name in ("go.mod", "main.go"):
        digest.update((SOURCE / name).read_bytes())
    out = cache_home() / "go" / f"ollama-template-{digest.hexdigest()[:16]}"
    if out.is_file():
        return out
    env = {**os.environ, "CGO_ENABLED": "0"}  # a static binary: no C compiler needed
    with atomic_path(out, mode=0o755) as tmp:
        built = subprocess.run([go, "build", "-o", str(tmp), "."], cwd=SOURCE, env=env,
                               capture_output=True, text=True)
        if built.returncode != 0:
            raise RuntimeError(f"building {SOURCE} failed:\n{built.stderr}")
    return out


def render_many(requests: Sequence[RenderRequest]) -> list[str | TemplateError]:
    """Each request's rendered text, or the TemplateError Go reported for it; one process."""
    payload = {"requests": [
        {"template": r.template, "messages": list(r.messages), "prompt": r.prompt,
         "suffix": r.suffix}
        for r in requests
    ]}
    done = subprocess.run([str(helper_binary())], input=json.dumps(payload),
                          capture_output=True, text=True, check=True)
    return [
        result["text"] if "text" in result else TemplateError(result["error"])
        for result in json.loads(done.stdout)["results"]
    ]


def render(template: str, messages: Sequence[dict[str, str]] = (), prompt: str = "") -> str:
    """One TEMPLATE rendered for ``messages`` (``{"role", "content"}`` dicts)."""
    [result] = render_many([RenderRequest(template, messages, prompt)])
    if isinstance(result, TemplateError):
        raise result
    return result
