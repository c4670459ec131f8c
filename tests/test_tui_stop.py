"""Esc stops at any point, also while the model is still reading a long message.

Driven through the app as a person does it: paste a 20,000-character message, send it, press
Esc while llama.cpp is evaluating the prompt (or before Ollama's first token), and check
the reply is stopped with nothing generated and the rest of the prompt never evaluated.

The model is the starter (SmolLM2-135M, the smallest real model the chat tests use), run by
the real llama.cpp. Calls to ``Llama.eval`` are recorded (and passed through) to see where
evaluation stopped. No wall-clock limit is asserted: the backend evaluates prompts in
chunks of about a quarter of a second and checks Esc between them, so the test asserts
that at most one chunk started after Esc; the measured delay is printed.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from support.chat_env import chat_env, settle, starter_gguf  # noqa: F401 - fixtures
from support.ollama_standin import OllamaStandIn

from hera_core.paths import hera_home
from hera_tui.app.chat_app import HeraApp
from hera_tui.backends.base import GenerationParams
from hera_tui.conversation import prompt_messages
from hera_tui.models import ModelChoice
from hera_tui.settings import ChatConfig
from hera_tui.store import ChatStore
from hera_tui.widgets.prompt_input import PromptInput

LONG = GenerationParams(temperature=0.0, max_tokens=50, context_length=8192)
#: 20,000 characters, pasted as one message: thousands of tokens to evaluate
PASTED = "Please summarise my symptoms diary. " + "cough " * 3327




def _reply(store: ChatStore):
    [conv] = store.list_conversations()
    return store.messages(conv.id)[-1]


def test_esc_stops_llama_cpp_while_it_reads_a_long_message(
    chat_env: Path, starter_gguf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import llama_cpp

    calls: list[tuple[float, int]] = []  # (when each eval started, how many tokens)
    durations: list[float] = []
    reading = threading.Event()  # set at the second chunk: well into the prompt
    original_eval = llama_cpp.Llama.eval

    def recorded_eval(self, tokens) -> None:
        calls.append((time.perf_counter(), len(tokens)))
        if len(calls) == 2:
            reading.set()
        original_eval(self, tokens)
        durations.append(time.perf_counter() - calls[-1][0])

    store = ChatStore(hera_home() / "chats.db")
    app = HeraApp(ModelChoice("gguf", str(starter_gguf), "starter", is_starter=True), store)
    app.chat.set_defaults("", LONG)

    async def scenario() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            monkeypatch.setattr(llama_cpp.Llama, "eval", recorded_eval)
            app.chat.query_one(PromptInput).load_text(PASTED)
            await pilot.press("enter")
            assert await asyncio.to_thread(reading.wait, 120)
            pressed = time.perf_counter()
            await pilot.press("escape")
            while _reply(store).state == "incomplete":  # until the stopped reply is saved
                await asyncio.sleep(0.01)
            stopped_after = time.perf_counter() - pressed
            await settle(pilot)
            reply = _reply(store)
            assert reply.state == "stopped" and reply.content == ""
            assert reply.stats["finish"] == "stopped" and reply.stats["tokens"] == 0
            question = store.messages(store.list_conversations()[0].id)[0]
            prompt_tokens = len(app.backend.prompt_tokens(prompt_messages("", [question])))
            evaluated = sum(n for _, n in calls)
            assert 0 < evaluated < prompt_tokens  # the rest of the message was never read
            assert sum(1 for when, _ in calls if when > pressed) <= 1
            print(f"\nEsc during a {prompt_tokens}-token prompt: stopped {stopped_after:.2f} s "
                  f"later; chunks of {[n for _, n in calls]} tokens took "
                  f"{[round(d, 2) for d in durations]} s")
            # the app and the model are usable afterwards
            monkeypatch.undo()
            app.chat.set_defaults("", GenerationParams(temperature=0.0, max_tokens=4,
                                                       context_length=8192))
            await pilot.press("ctrl+n")
            app.chat.query_one(PromptInput).load_text("Hello")
            await pilot.press("enter")
            await settle(pilot)
            assert store.list_conversations()[0].title == "Hello"

    asyncio.run(scenario())
    store.close()


def test_esc_cancels_an_ollama_request_before_its_first_token(
    chat_env: Path, starter_gguf: Path
) -> None:
    with OllamaStandIn({"smol": starter_gguf}) as server:
        store = ChatStore(hera_home() / "chats.db")
        app = HeraApp(ModelChoice("ollama", "smol", "--model"), store,
                      ChatConfig(ollama_host=server.url))
        app.chat.set_defaults("", LONG)

        async def scenario() -> None:
            async with app.run_test(size=(100, 30)) as pilot:
                await settle(pilot)
                app.chat.query_one(PromptInput).load_text(PASTED)
                await pilot.press("enter")
                assert await asyncio.to_thread(server.evaluating.wait, 120)
                await pilot.press("escape")
                await settle(pilot)
                reply = _reply(store)
                assert reply.state == "stopped" and reply.stats["tokens"] == 0
                for _ in range(1200):  # the server notices its client went away
                    if server.cancelled:
                        break
                    await asyncio.sleep(0.1)
                record = server.prompts[-1]
                assert record.cancelled and record.generated == 0
                assert record.evaluated < len(record.ids)

        asyncio.run(scenario())
        store.close()
