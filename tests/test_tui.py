"""The chat app driven by Textual's Pilot, with real llama.cpp on the SmolLM2 starter model.

Each test waits for the app's workers to finish instead of sleeping, so nothing depends on
how fast the machine is.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

from support.chat_env import chat_env, send, settle, starter_gguf  # noqa: F401 - fixtures

from hera_core.formats import Message
from hera_core.paths import hera_home
from hera_tui.app.chat_app import HeraApp
from hera_tui.app.screens.conversations import ConversationsScreen
from hera_tui.app.screens.help import HelpScreen
from hera_tui.app.screens.parameters import ParametersScreen
from hera_tui.backends.base import GenerationParams
from hera_tui.models import ModelChoice
from hera_tui.store import ChatStore
from hera_tui.widgets.messages import MessageView
from hera_tui.widgets.notices import EmergencyNotice, EmergencyPanel, ErrorNotice, ModelBanner
from hera_tui.widgets.prompt_input import PromptInput

SIZE = (100, 40)
FAST = GenerationParams(temperature=0.0, max_tokens=8, context_length=1024)


def make_app(choice: ModelChoice | None, store: ChatStore | None = None) -> HeraApp:
    store = store or ChatStore(hera_home() / "chats.db")
    app = HeraApp(choice, store)
    app.chat.set_defaults("Answer briefly.", FAST)
    return app


def starter(path: Path) -> ModelChoice:
    return ModelChoice("gguf", str(path), "starter", is_starter=True)




def views(app: HeraApp) -> list[MessageView]:
    return list(app.chat.log_view.query(MessageView))


def run(scenario, app: HeraApp) -> None:
    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await scenario(pilot)

    asyncio.run(main())


def test_send_streams_a_reply_and_stores_both(chat_env: Path, starter_gguf: Path) -> None:
    app = make_app(starter(starter_gguf))

    async def scenario(pilot) -> None:
        banner = str(app.chat.query_one(ModelBanner).render())
        assert "NOT HERA" in banner and "see F1" in banner
        await send(pilot, "What is a fever?\nPlease be short.")
        user, reply = views(app)
        assert user.content == "What is a fever?\nPlease be short."
        assert reply.content.strip()
        # the reply is labelled with the model that wrote it, never "HERA"
        author = str(reply.query_one(".author").render())
        assert author == f"{starter_gguf.name} (starter, not HERA)"
        [conv] = app.store.list_conversations()
        stored = app.store.messages(conv.id)
        assert [(m.role, m.state) for m in stored] == [("user", "complete"),
                                                      ("assistant", "complete")]
        assert stored[1].content == reply.content
        assert stored[1].model == str(starter_gguf)
        assert 1 <= stored[1].stats["tokens"] <= FAST.max_tokens
        status = str(app.chat.query_one("#status").render())
        assert "tokens" in status and "first token" in status

    run(scenario, app)


def test_the_system_text_is_evaluated_before_the_first_message(
    chat_env: Path, starter_gguf: Path
) -> None:
    """Once the model is ready the app evaluates the new chat's system text, so the first
    message's prompt pass starts after it."""
    app = make_app(starter(starter_gguf))

    async def scenario(pilot) -> None:
        llm = app.backend._llm
        system = app.backend.prompt_tokens([Message("system", "Answer briefly."),
                                            Message("user", "What is a fever?")])
        assert 5 < llm.n_tokens < len(system)
        assert list(llm.input_ids[: llm.n_tokens]) == system[: llm.n_tokens]

    run(scenario, app)


def test_red_flag_guidance_comes_before_the_reply(chat_env: Path, starter_gguf: Path) -> None:
    app = make_app(starter(starter_gguf))

    async def scenario(pilot) -> None:
        await send(pilot, "crushing pain in my chest going down my left arm")
        kinds = [type(w).__name__ for w in app.chat.log_view.children]
        assert kinds == ["MessageView", "EmergencyNotice", "MessageView"]
        notice = app.chat.log_view.query_one(EmergencyNotice)
        assert notice.alert.condition == "heart_attack"
        panel = app.chat.query_one(EmergencyPanel)
        assert panel.display and panel.alert == notice.alert
        guidance = str(panel.query_one("#emergency-guidance").render())
        assert notice.alert.guidance.call in guidance  # what the safety check says, whole
        await send(pilot, "no chest pain anymore, thanks")
        assert len(app.chat.log_view.query(EmergencyNotice)) == 1
        assert panel.display  # still pinned: only the person hides it
        await pilot.press("f3")
        await pilot.pause()
        assert not panel.display
        await pilot.press("f3")
        await pilot.pause()
        assert panel.display
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert not panel.display and panel.alert is None

    run(scenario, app)


class _GatedBackend:
    """Wraps the real backend; holds the first token until the test has pressed Esc."""

    def __init__(self, inner) -> None:
        self.inner, self.label = inner, inner.label
        self.first_token = threading.Event()
        self.release = threading.Event()

    def generate(self, messages, params, stop, emit):
        def gated(text: str) -> None:
            emit(text)
            if not self.first_token.is_set():
                self.first_token.set()
                self.release.wait(60)

        return self.inner.generate(messages, params, stop, gated)

    def close(self) -> None:
        self.inner.close()


def test_esc_stops_generation_and_keeps_the_partial_reply(
    chat_env: Path, starter_gguf: Path
) -> None:
    app = make_app(starter(starter_gguf))
    app.chat.set_defaults("", GenerationParams(temperature=0.0, max_tokens=300,
                                               context_length=1024))

    async def scenario(pilot) -> None:
        gated = _GatedBackend(app.backend)
        app.backend = gated
        prompt = app.chat.query_one(PromptInput)
        prompt.load_text("Write a very long story about a lighthouse keeper.")
        await pilot.press("enter")
        await asyncio.to_thread(gated.first_token.wait, 60)
        await pilot.press("escape")
        gated.release.set()
        await settle(pilot)
        [conv] = app.store.list_conversations()
        reply = app.store.messages(conv.id)[1]
        assert reply.state == "stopped" and reply.content
        assert reply.stats["finish"] == "stopped" and reply.stats["tokens"] < 300
        assert "stopped by you" in str(views(app)[1].query_one(".note").render())

    run(scenario, app)


def test_switch_conversations_and_find_history_after_restart(
    chat_env: Path, starter_gguf: Path
) -> None:
    first = make_app(starter(starter_gguf))

    async def chat_twice(pilot) -> None:
        await send(pilot, "Tell me about sleep hygiene")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert views(first) == []
        await send(pilot, "What helps a sore throat?")
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(first.screen, ConversationsScreen)
        await pilot.press(*"sleep")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert views(first)[0].content == "Tell me about sleep hygiene"

    run(chat_twice, first)
    first.store.close()

    second = make_app(starter(starter_gguf))  # a fresh process would see the same file

    async def find_history(pilot) -> None:
        await pilot.press("ctrl+l")
        await pilot.pause()
        titles = [str(second.screen.query_one("#conversations").get_option_at_index(i).prompt)
                  for i in range(2)]
        assert titles[0].startswith("What helps a sore throat?")
        assert titles[1].startswith("Tell me about sleep hygiene")
        await pilot.press("down", "enter")
        await pilot.pause()
        assert [v.role for v in views(second)] == ["user", "assistant"]
        assert views(second)[0].content == "Tell me about sleep hygiene"

    run(find_history, second)


def test_rename_and_delete_from_the_list(chat_env: Path, starter_gguf: Path) -> None:
    app = make_app(starter(starter_gguf))

    async def scenario(pilot) -> None:
        await send(pilot, "hello")
        await pilot.press("ctrl+l")
        await pilot.pause()
        await pilot.press("ctrl+r")
        await pilot.pause()
        app.screen.query_one("#text-prompt").value = "Greeting"
        await pilot.press("enter")
        await pilot.pause()
        assert app.store.list_conversations()[0].title == "Greeting"
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert len(app.store.list_conversations()) == 1  # needs a second press
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert app.store.list_conversations() == []
        assert views(app) == []  # the open conversation was left

    run(scenario, app)


def test_parameters_are_validated_and_saved_per_conversation(
    chat_env: Path, starter_gguf: Path
) -> None:
    app = make_app(starter(starter_gguf))

    async def scenario(pilot) -> None:
        await send(pilot, "hi")
        await pilot.press("ctrl+t")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ParametersScreen)
        screen.query_one("#temperature").value = "hot"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Temperature must be a float" in str(screen.query_one("#param-error").render())
        screen.query_one("#temperature").value = "0.2"
        screen.query_one("#max_tokens").value = "3"
        screen.query_one("#system").load_text("Answer in one word.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        conv = app.store.list_conversations()[0]
        assert conv.params.temperature == 0.2 and conv.params.max_tokens == 3
        assert conv.system == "Answer in one word."
        await send(pilot, "and again?")
        assert app.store.messages(conv.id)[-1].stats["tokens"] <= 3

    run(scenario, app)


def test_export_copy_edit_and_regenerate(chat_env: Path, starter_gguf: Path) -> None:
    app = make_app(starter(starter_gguf))

    async def scenario(pilot) -> None:
        await send(pilot, "What is a normal heart rate?")
        conv = app.store.list_conversations()[0]
        await pilot.press("ctrl+s")
        await pilot.pause()
        [exported] = (hera_home() / "markdown").glob("*.md")
        assert "What is a normal heart rate?" in exported.read_text()
        reply = views(app)[1].content
        await pilot.press("f2")
        await pilot.pause()
        assert (hera_home() / "copied.md").read_text() == reply
        old_reply_id = app.store.messages(conv.id)[1].id
        await pilot.press("ctrl+r")
        await settle(pilot)
        messages = app.store.messages(conv.id)
        assert [m.role for m in messages] == ["user", "assistant"]
        assert messages[1].id != old_reply_id
        assert messages[1].content == reply  # greedy: the same reply again, not cache garbage
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert app.chat.query_one(PromptInput).text == "What is a normal heart rate?"
        assert app.store.messages(conv.id) == [] and views(app) == []
        app.chat.query_one(PromptInput).load_text("What is a normal resting heart rate?")
        await pilot.press("enter")
        await settle(pilot)
        assert app.store.messages(conv.id)[0].content == "What is a normal resting heart rate?"

    run(scenario, app)


def test_help_lists_the_keys_and_how_to_get_hera(chat_env: Path, starter_gguf: Path) -> None:
    app = make_app(starter(starter_gguf))

    async def scenario(pilot) -> None:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = app.screen.rows
        assert ("chat", "Esc") in {(r.where, r.keys) for r in rows}
        assert ("anywhere", "Ctrl+O") in {(r.where, r.keys) for r in rows}
        assert ("conversations", "Ctrl+D") in {(r.where, r.keys) for r in rows}
        hint = str(app.screen.query_one("#help-hera").render())
        assert "CUDA GPU" in hint and "hera export" in hint and "ollama pull" not in hint
        assert "make hera-mini" in hint  # the path without a GPU
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.chat

    run(scenario, app)


def test_a_reply_cut_short_by_a_crash_is_shown_as_such(chat_env: Path, starter_gguf: Path) -> None:
    store = ChatStore(hera_home() / "chats.db")
    conv = store.create_conversation("crashed")
    store.add_message(conv.id, "user", "question")
    store.add_message(conv.id, "assistant", "half an ans", state="incomplete")
    app = make_app(starter(starter_gguf), store)
    app._initial_conversation = conv.id

    async def scenario(pilot) -> None:
        note = str(views(app)[1].query_one(".note").render())
        assert "cut short" in note

    run(scenario, app)


def test_the_emergency_check_loads_while_the_app_starts(chat_env: Path) -> None:
    from hera_tui.safety import detector

    detector._load_default.cache_clear()
    app = make_app(None)

    async def scenario(pilot) -> None:
        for _ in range(200):  # loaded in the background, before any message is sent
            if detector._load_default.cache_info().currsize:
                break
            await pilot.pause(0.05)
        assert detector._load_default.cache_info().currsize == 1
        assert app.store.list_conversations() == []

    run(scenario, app)


def test_no_model_anywhere_keeps_the_app_running(chat_env: Path) -> None:
    app = make_app(None)

    async def scenario(pilot) -> None:
        assert "No model found" in str(app.chat.query_one(ErrorNotice).render())
        await send(pilot, "hello?")
        [conv] = app.store.list_conversations()
        assert [m.content for m in app.store.messages(conv.id)] == ["hello?"]
        assert len(app.chat.log_view.query(ErrorNotice)) == 2

    run(scenario, app)


def test_corrupt_gguf_and_unreachable_ollama_are_shown(chat_env: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"not a model")
    app = make_app(ModelChoice("gguf", str(bad), "--model"))

    async def corrupt(pilot) -> None:
        assert "not a GGUF file" in str(app.chat.query_one(ErrorNotice).render())
        await send(pilot, "still there?")
        [conv] = app.store.list_conversations()
        assert app.store.messages(conv.id)[0].content == "still there?"

    run(corrupt, app)
    app.store.close()

    offline = make_app(ModelChoice("ollama", "hera", "--model"))

    async def unreachable(pilot) -> None:
        assert "not reachable" in str(offline.chat.query_one(ErrorNotice).render())
        await send(pilot, "anyone?")
        assert len(offline.chat.log_view.query(ErrorNotice)) == 2

    run(unreachable, offline)


def test_context_overflow_is_explained(chat_env: Path, starter_gguf: Path) -> None:
    app = make_app(starter(starter_gguf))
    app.chat.set_defaults("", GenerationParams(temperature=0.0, max_tokens=8,
                                               context_length=256))

    async def scenario(pilot) -> None:
        await send(pilot, "word " * 400)
        errors = app.chat.log_view.query(ErrorNotice)
        assert "raise the context length" in str(errors.last().render())
        [conv] = app.store.list_conversations()
        assert [m.role for m in app.store.messages(conv.id)] == ["user"]

    run(scenario, app)


def test_cli_errors_and_list(chat_env: Path, starter_gguf: Path) -> None:
    env = dict(os.environ)
    missing = subprocess.run(
        [sys.executable, "-m", "hera_tui.command", "chat", "--model", "nope.gguf"],
        capture_output=True, text=True, env=env, check=False,
    )
    assert missing.returncode == 2
    assert missing.stderr.strip().startswith("hera: error: model file not found: nope.gguf")
    empty = subprocess.run(
        [sys.executable, "-m", "hera_tui.command", "chat", "--list"],
        capture_output=True, text=True, env=env, check=True,
    )
    assert f"model: {starter_gguf} (starter)" in empty.stdout
    assert "no saved conversations" in empty.stdout
    store = ChatStore(hera_home() / "chats.db", clock=lambda: 1_700_000_000.0)
    conv = store.create_conversation("Knee pain", str(starter_gguf))
    store.add_message(conv.id, "user", "my knee hurts")
    store.add_message(conv.id, "assistant", "Rest it.", model=str(starter_gguf))
    other = store.create_conversation("Fever", "ollama:hera")
    store.add_message(other.id, "user", "fever?")
    store.close()
    listed = subprocess.run(
        [sys.executable, "-m", "hera_tui.command", "chat", "--list"],
        capture_output=True, text=True, env=env, check=True,
    ).stdout.splitlines()
    when = datetime.fromtimestamp(1_700_000_000.0).strftime("%Y-%m-%d %H:%M")
    assert listed[1].split() == ["id", "last", "active", "model", "messages", "title"]
    assert listed[2].split() == [str(other.id), *when.split(), "ollama:hera", "1", "Fever"]
    assert listed[3].split() == [str(conv.id), *when.split(), starter_gguf.name, "(starter,",
                                 "not", "HERA)", "2", "Knee", "pain"]
    unknown = subprocess.run(
        [sys.executable, "-m", "hera_tui.command", "chat", "--conversation", "99"],
        capture_output=True, text=True, env=env, check=False,
    )
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == (
        "hera: error: no conversation 99; `hera chat --list` shows the saved ones"
    )


def test_hera_alone_opens_the_chat_app(monkeypatch) -> None:
    import hera_tui.command

    opened = []
    monkeypatch.setattr(hera_tui.command, "run_chat", lambda args: opened.append(args) or 0)
    assert hera_tui.command.main([]) == 0
    assert len(opened) == 1 and getattr(opened[0], "model", None) is None
