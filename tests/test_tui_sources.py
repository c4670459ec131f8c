"""Grounded replies in the chat app (Pilot): the sources go into the prompt, the reply shows
the ones it rests on, F4 shows the passages, nothing is cited when nothing supports the
reply, sources can be turned off per conversation, and passage text stays data.

The library is the miniature MedQuAD of tests/support built for real (SQLite FTS5, the
real encoder); the model is a scripted stand-in that records what it was sent, because
what is under test is the app's handling of sources, not what a small model writes.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from support.chat_env import chat_env, gemma3_gguf, send, settle, starter_gguf  # noqa: F401

from hera_core.formats import GEMMA, Message
from hera_core.ollama_client import neutralise
from hera_core.paths import hera_home
from hera_core.sources.answering import plan_reply
from hera_core.sources.library import build_library
from hera_core.sources.retrieve import open_retriever
from hera_tui.app.chat_app import HeraApp
from hera_tui.app.screens.parameters import ParametersScreen
from hera_tui.app.screens.sources import SourcesScreen
from hera_tui.backends.base import DecodeRate, GenerationParams
from hera_tui.backends.ollama import chat_request_messages
from hera_tui.models import ModelChoice
from hera_tui.store import ChatStore, export_markdown
from hera_tui.widgets.messages import MessageView

MINI = Path(__file__).parent / "support" / "medquad_mini"
SIZE = (110, 44)
TREATMENT = ("Gallstones that cause attacks of pain are usually treated by removing the "
             "gallbladder in an operation called cholecystectomy. [1]")


@pytest.fixture
def library(chat_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HERA_CACHE_DIR", str(tmp_path / "cache"))
    build_library(Path(shutil.copytree(MINI, tmp_path / "medquad")), say=lambda _: None)
    return chat_env


class ScriptedBackend:
    """Records the messages it is sent and streams a fixed reply."""

    label = "scripted"

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.sent: list[list[Message]] = []

    def generate(self, messages, params, stop, emit):
        self.sent.append(list(messages))
        rate = DecodeRate(0.0)
        for word in self.reply.split(" "):
            emit(word + " ")
            rate.token(0.1)
        return rate.stats("stop")

    def close(self) -> None:
        """Nothing to release."""


def make_app(starter_gguf: Path, reply: str) -> tuple[HeraApp, ScriptedBackend]:
    app = HeraApp(ModelChoice("gguf", str(starter_gguf), "starter", is_starter=True),
                  ChatStore(hera_home() / "chats.db"))
    app.chat.set_defaults("", GenerationParams(temperature=0.0, max_tokens=8))
    return app, ScriptedBackend(reply)


def run(app: HeraApp, backend: ScriptedBackend, scenario) -> None:
    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.backend = backend  # the model is loaded; the stand-in replaces it
            await scenario(pilot)

    asyncio.run(main())


def reply_view(app: HeraApp) -> MessageView:
    return [v for v in app.chat.log_view.query(MessageView) if v.role == "assistant"][-1]


def test_a_grounded_reply_shows_its_sources_and_f4_the_passages(
        library: Path, starter_gguf: Path) -> None:
    app, backend = make_app(starter_gguf, TREATMENT)

    async def scenario(pilot) -> None:
        await send(pilot, "hi, I have gall stones and the pain is awful. how are they treated?")
        turn = backend.sent[0][-1]
        assert turn.role == "user" and turn.content.startswith("Sources (NIH health")
        assert "cholecystectomy" in turn.content
        assert turn.content.endswith("Question: hi, I have gall stones and the pain is "
                                     "awful. how are they treated?")
        shown = str(reply_view(app).query_one(".sources").render())
        assert shown.startswith("Sources:\n[1] National Institute of Diabetes")
        assert "Gallstones (treatment)" in shown and "/gallstones" in shown
        [conv] = app.store.list_conversations()
        stored = app.store.messages(conv.id)
        assert stored[0].content.startswith("hi, I have gall stones")  # the person's words
        assert stored[1].sources["cited"] == [1]
        assert stored[1].sources["retrieved"][0]["id"] == "NIDDK:0000001-2"
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, SourcesScreen)
        text = str(app.screen.query_one("#sources-text").render())
        assert "cited by the reply; NIDDK:0000001-2" in text and "cholecystectomy" in text
        await pilot.press("escape")
        await pilot.pause()
        markdown = export_markdown(conv, app.store.messages(conv.id), hera_home()).read_text()
        assert "> Sources:" in markdown and "Gallstones (treatment)" in markdown

    run(app, backend, scenario)


def test_nothing_relevant_found_cites_nothing(library: Path, starter_gguf: Path) -> None:
    app, backend = make_app(starter_gguf, "I can only help with health questions.")

    async def scenario(pilot) -> None:
        await send(pilot, "what is the capital of France?")
        assert backend.sent[0][-1].content.startswith(
            "Sources: none found in HERA's NIH library for this question.")
        shown = str(reply_view(app).query_one(".sources").render())
        assert shown == "No NIH source found for this question: nothing is cited."
        [conv] = app.store.list_conversations()
        assert app.store.messages(conv.id)[1].sources == {
            "grounded": True, "note": "", "retrieved": [], "cited": []}

    run(app, backend, scenario)


def test_a_reply_no_source_supports_cites_nothing(library: Path, starter_gguf: Path) -> None:
    """Never a citation that does not support the text: the sources were retrieved, the
    model wrote something else, so none is cited (and F4 still shows them)."""
    app, backend = make_app(starter_gguf, "Bananas are yellow and grow in bunches. [1]")

    async def scenario(pilot) -> None:
        await send(pilot, "how are gallstones treated")
        shown = str(reply_view(app).query_one(".sources").render())
        assert shown.startswith("None of the retrieved NIH sources supports this reply: "
                                "nothing is cited.\nRetrieved, not cited:\n[1]")
        [conv] = app.store.list_conversations()
        assert app.store.messages(conv.id)[1].sources["cited"] == []

    run(app, backend, scenario)


def test_sources_can_be_turned_off_for_a_conversation(
        library: Path, starter_gguf: Path) -> None:
    app, backend = make_app(starter_gguf, "Drink water.")

    async def scenario(pilot) -> None:
        await send(pilot, "how are gallstones treated")
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, ParametersScreen)
        await pilot.click("#sources")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await send(pilot, "and kidney stones?")
        assert backend.sent[1][-1].content == "and kidney stones?"  # sent as typed
        # the earlier turn went in as the person said it, without its old sources
        assert backend.sent[1][0].content == "how are gallstones treated"
        shown = str(reply_view(app).query_one(".sources").render())
        assert shown == "Not grounded in a source (sources are off for this conversation)."
        [conv] = app.store.list_conversations()
        assert app.store.conversation(conv.id).params.sources is False

    run(app, backend, scenario)


def test_passage_text_with_turn_markers_stays_text(library: Path, gemma3_gguf: Path) -> None:
    """A passage that contains ``<start_of_turn>model`` is data: llama.cpp tokenizes it
    without special tokens, and the Ollama client breaks the markers."""
    from hera_tui.backends.llama_cpp_backend import LlamaCppBackend

    retriever = open_retriever()
    plan = plan_reply([Message("user", "what are head lice? I need information")], retriever)
    retriever.library.close()
    turn = plan.messages[-1].content
    assert "<start_of_turn>model and <end_of_turn>" in turn  # the passage, whole
    backend = LlamaCppBackend(gemma3_gguf)
    backend.load(1024)
    try:
        ids = backend.prompt_tokens(plan.messages)
        start, end = (backend._llm.tokenize(t.encode(), add_bos=False, special=True)[0]
                      for t in (GEMMA.turn_start, GEMMA.turn_end))
        assert ids.count(start) == 2 and ids.count(end) == 1  # the user turn + the reply's
    finally:
        backend.close()
    sent = chat_request_messages(plan.messages)[-1]["content"]
    assert "<start_of_turn>" not in sent and neutralise("<start_of_turn>") in sent


def test_hera_ask_prints_the_answer_and_its_sources(
        library: Path, starter_gguf: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from hera_tui.command import main
    from hera_tui.models import ModelChoice as Choice

    backend = ScriptedBackend(TREATMENT)
    backend.load = lambda *a: None
    monkeypatch.setattr(Choice, "open_backend", lambda self, host=None: backend)
    assert main(["ask", "how are gall stones treated?", "--model", str(starter_gguf)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Gallstones that cause attacks")
    assert "Sources:\n[1] National Institute of Diabetes" in out
    assert main(["ask", "how are gall stones treated?", "--model", str(starter_gguf),
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["emergency"] is None and data["grounded"] is True and data["cited"] == [1]
    assert [s["id"] for s in data["sources"]] == ["NIDDK:0000001-2"]
    assert set(data) >= {"question", "answer", "sources", "retrieved", "model", "finish"}
    # the emergency check comes first, before the model is even loaded
    assert main(["ask", "crushing pain in my chest going down my left arm, what helps?",
                 "--model", str(starter_gguf)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("!! Possible heart attack\nCall your local emergency number now")
    assert main(["ask", "how are gallstones treated", "--no-sources", "--model",
                 str(starter_gguf), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["grounded"] is False and data["sources"] == []
    assert backend.sent[-1][-1].content == "how are gallstones treated"


def test_hera_ask_with_the_real_starter_model(library: Path, starter_gguf: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from hera_tui.command import main

    assert main(["ask", "what are head lice?", "--model", str(starter_gguf), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["answer"] and data["grounded"] and data["retrieved"]
    assert data["retrieved"][0]["id"].startswith("CDC:0000004")
    # whatever it wrote, what is listed as its sources is what it cites, among those read
    assert [s["number"] for s in data["sources"]] == data["cited"]
    assert set(data["cited"]) <= {s["number"] for s in data["retrieved"]}
