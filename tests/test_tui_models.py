"""Which model the chat opens (resolution order), the config file, and the model picker."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path

import pytest
from support.chat_env import chat_env, starter_gguf  # noqa: F401 - fixtures
from support.ollama_standin import OllamaStandIn

from hera_tui.app.chat_app import HeraApp
from hera_tui.app.screens.models import ModelPickerScreen
from hera_tui.backends.base import GenerationParams
from hera_tui.backends.ollama import OllamaBackend
from hera_tui.models import ModelNotFoundError, local_ggufs, resolve_model
from hera_tui.settings import ChatConfig, ChatConfigError, data_dir, load_config
from hera_tui.store import ChatStore
from hera_tui.widgets.prompt_input import PromptInput


def _gguf(path: Path, source: Path, age_s: float = 0) -> Path:
    """A copy of ``source`` (a real file, as `hera export` writes), ``age_s`` seconds old."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, path)
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))
    return path


def test_resolution_order(chat_env: Path, tmp_path: Path, starter_gguf: Path) -> None:
    # nothing configured, no export, no Ollama: the starter, labelled as such
    choice = resolve_model(None, load_config())
    assert choice.is_starter and choice.source == "starter" and Path(choice.ref) == starter_gguf
    # a HERA export wins over the starter; the newest export wins
    exports = Path(os.environ["HERA_EXPORTS_DIR"])
    _gguf(exports / "old" / "hera-q8_0.gguf", starter_gguf, age_s=100)
    newest = _gguf(exports / "hera" / "hera-q4_k_m.gguf", starter_gguf)
    assert local_ggufs()[0] == newest.resolve()
    choice = resolve_model(None, load_config())
    assert (choice.source, Path(choice.ref), choice.is_starter) == ("HERA export", newest, False)
    # the config file wins over exports; paths in it are relative to the file
    config = Path(os.environ["HERA_CONFIG"])
    config.write_text('[chat]\nmodel = "exports/old/hera-q8_0.gguf"\n')
    (tmp_path / "exports").mkdir(exist_ok=True)
    choice = resolve_model(None, load_config())
    assert choice.source.startswith("config") and choice.ref.endswith("hera-q8_0.gguf")
    # --model wins over everything
    assert resolve_model("ollama:hera", load_config()).spec == "ollama:hera"
    with pytest.raises(ModelNotFoundError, match=r"model file not found: nope\.gguf"):
        resolve_model("nope.gguf", load_config())


def test_ollama_hera_is_used_when_a_server_has_it(
    chat_env: Path, starter_gguf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with OllamaStandIn({"hera": starter_gguf}) as server:
        monkeypatch.setenv("OLLAMA_HOST", server.url)
        choice = resolve_model(None, load_config())
    assert (choice.kind, choice.ref, choice.source) == ("ollama", "hera", "Ollama")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[chat\n", "not valid TOML"),
        ('[chat]\nmodle = "x"\n', "unknown key chat.modle"),
        ("[chat]\nmodel = 3\n", "chat.model must be a string"),
        ('[chat]\nmodel_dirs = "x"\n', "must be a list"),
    ],
)
def test_bad_config_is_one_clear_error(chat_env: Path, text: str, message: str) -> None:
    Path(os.environ["HERA_CONFIG"]).write_text(text)
    with pytest.raises(ChatConfigError, match=message):
        load_config()


def test_picker_lists_ggufs_and_ollama_models_and_switches(
    chat_env: Path, starter_gguf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exports = Path(os.environ["HERA_EXPORTS_DIR"])
    _gguf(exports / "hera" / "hera-q4_k_m.gguf", starter_gguf)
    with OllamaStandIn({"hera": starter_gguf, "smol": starter_gguf}) as server:
        monkeypatch.setenv("OLLAMA_HOST", server.url)
        store = ChatStore(data_dir() / "chats.db")
        app = HeraApp(resolve_model(None, load_config()), store)
        app.chat.set_defaults("", GenerationParams(temperature=0.0, max_tokens=6,
                                                   context_length=1024))

        async def scenario() -> None:
            async with app.run_test(size=(100, 40)) as pilot:
                await pilot.app.workers.wait_for_complete()
                await pilot.press("ctrl+o")
                await pilot.pause()
                picker = app.screen
                assert isinstance(picker, ModelPickerScreen)
                await pilot.app.workers.wait_for_complete()
                await pilot.pause()
                options = picker.query_one("#models")
                prompts = [str(options.get_option_at_index(i).prompt)
                           for i in range(options.option_count)]
                assert prompts[0].startswith("hera-q4_k_m.gguf")
                assert any("(starter, not HERA)" in p for p in prompts)
                assert "ollama:smol:latest" in prompts
                options.highlighted = prompts.index("ollama:smol:latest")
                await pilot.press("enter")
                await pilot.app.workers.wait_for_complete()
                await pilot.pause()
                assert isinstance(app.backend, OllamaBackend)
                assert app.choice.spec == "ollama:smol:latest"
                prompt = app.chat.query_one(PromptInput)
                prompt.load_text("Hello there")
                await pilot.press("enter")
                await pilot.app.workers.wait_for_complete()
                await pilot.pause()
                [conv] = store.list_conversations()
                reply = store.messages(conv.id)[1]
                assert reply.state == "complete" and reply.content
                assert conv.model == "ollama:smol:latest"

        asyncio.run(scenario())
        store.close()


def test_command_palette_offers_every_registered_screen(chat_env: Path) -> None:
    from hera_tui.app.registry import SCREENS

    app = HeraApp(None, ChatStore(data_dir() / "chats.db"))

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)):
            titles = {c.title for c in app.get_system_commands(app.screen)}
            assert {e.title for e in SCREENS.values()} <= titles
            assert {"New chat", "Export to Markdown", "Regenerate", "Copy last reply"} <= titles

    asyncio.run(scenario())
    app.store.close()


def test_ollama_dropping_mid_reply_keeps_the_partial_reply(
    chat_env: Path, starter_gguf: Path
) -> None:
    from hera_tui.models import ModelChoice
    from hera_tui.widgets.notices import ErrorNotice

    with OllamaStandIn({"smol": starter_gguf}) as server:
        server.drop_after_chunks = 3
        store = ChatStore(data_dir() / "chats.db")
        app = HeraApp(ModelChoice("ollama", "smol", "--model"), store,
                      ChatConfig(ollama_host=server.url))
        app.chat.set_defaults("", GenerationParams(temperature=0.0, max_tokens=20,
                                                   context_length=1024))

        async def scenario() -> None:
            async with app.run_test(size=(100, 40)) as pilot:
                await pilot.app.workers.wait_for_complete()
                app.chat.query_one(PromptInput).load_text("Tell me about fevers.")
                await pilot.press("enter")
                await pilot.app.workers.wait_for_complete()
                await pilot.pause()
                [conv] = store.list_conversations()
                question, reply = store.messages(conv.id)
                assert question.content == "Tell me about fevers."
                assert reply.state == "error" and reply.content and reply.cut_short
                notice = str(app.chat.query_one(ErrorNotice).render())
                assert "dropped the connection" in notice or "closed the connection" in notice

        asyncio.run(scenario())
        store.close()
