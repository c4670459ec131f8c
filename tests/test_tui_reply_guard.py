"""The reply never undercuts the emergency guidance (issue 16), in the chat app (Pilot) and in
``hera ask``: a flagged message is answered with the emergency in the prompt, a reply that
reads as permission to wait is stopped at that sentence, withheld and replaced by the reason
and the guidance; a reply that follows the guidance streams as written; with no alert
nothing is held back.

The model is a scripted stand-in (it honours the stop signal like the real backends), because
what is under test is what the app does with a reply, not what a small model writes.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from support.chat_env import chat_env, send, settle, starter_gguf  # noqa: F401

from hera_core.formats import CLINICIAN_LINE, EMERGENCY_OPENING, Message
from hera_core.paths import hera_home
from hera_tui.answers import Answerer
from hera_tui.app.chat_app import HeraApp
from hera_tui.backends.base import DecodeRate, GenerationParams
from hera_tui.models import ModelChoice
from hera_tui.safety import triage
from hera_tui.safety.reply_guard import StreamGuard, opens_with_guidance
from hera_tui.store import ChatStore
from hera_tui.widgets.messages import MessageView
from hera_tui.widgets.notices import EmergencyPanel

BABY = ("my 6 week old has a temp of 38.4 and is feeding less, ok to give calpol and check in "
        "the morning?")
WAIT = "Yes, wait until the morning. Calpol every four hours should bring the fever down."
FOLLOWS = ("Please call 999 or go to A&E now: a baby under 3 months with a temperature of 38 "
           "needs to be seen today. Do not wait until the morning.")


class StubBackend:
    """Streams a fixed reply word by word, stops when told (as the real backends do), and
    records what it was sent."""

    label = "stub"

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.sent: list[list[Message]] = []
        self.words_sent = 0

    def generate(self, messages, params, stop, emit):
        self.sent.append(list(messages))
        rate = DecodeRate(0.0)
        for word in self.reply.split(" "):
            if stop.is_set():
                return rate.stats("stopped")
            emit(word + " ")
            self.words_sent += 1
            rate.token(0.1)
        return rate.stats("stop")

    def close(self) -> None:
        """Nothing to release."""


def _chat(starter_gguf: Path, reply: str, text: str, check) -> None:
    app = HeraApp(ModelChoice("gguf", str(starter_gguf), "starter", is_starter=True),
                  ChatStore(hera_home() / "chats.db"))
    app.chat.set_defaults("", GenerationParams(temperature=0.0, max_tokens=64))
    backend = StubBackend(reply)

    async def main() -> None:
        async with app.run_test(size=(110, 44)) as pilot:
            await settle(pilot)
            app.backend = backend
            await send(pilot, text)
            for _ in range(100):
                if not app.chat.generating:
                    break
                await pilot.pause(0.05)
            view = [v for v in app.chat.log_view.query(MessageView) if v.role == "assistant"][-1]
            [conversation] = app.store.list_conversations()
            check(app, backend, view, app.store.messages(conversation.id)[-1])

    asyncio.run(main())
    app.store.close()


def test_the_six_week_old_reply_yes_wait_is_withheld_and_the_guidance_shown(
        chat_env: Path, starter_gguf: Path) -> None:
    def check(app, backend, view, stored) -> None:
        alert = app.chat.query_one(EmergencyPanel).alert
        assert alert is not None and alert.condition == "child_red_flags"
        turn = backend.sent[0][-1].content
        assert turn.startswith("EMERGENCY: the emergency check found that this message may "
                               f"describe: {alert.title}.")
        assert alert.guidance.call in turn and turn.endswith(BABY)
        # stopped at the first sentence: the second was never asked for
        assert backend.words_sent <= len(WAIT.split(". ")[0].split(" ")) + 1
        shown = view.content
        assert shown.startswith("HERA's reply was withheld because the reply says \u201cYes\u201d")
        assert "permission to wait" in shown and alert.guidance.call in shown
        assert "wait until the morning." not in shown.split("because", 1)[0]
        assert "Calpol every four hours" not in shown
        assert stored.content == shown and stored.state == "complete"
        assert stored.stats["withheld"]["reply"].startswith("Yes, wait until the morning.")
        assert not stored.sources.get("cited")

    _chat(starter_gguf, WAIT, BABY, check)


def test_a_reply_that_follows_the_guidance_is_shown_as_written(
        chat_env: Path, starter_gguf: Path) -> None:
    def check(app, backend, view, stored) -> None:
        assert app.chat.query_one(EmergencyPanel).alert is not None
        # HERA's own opening first, then the model's words as written
        assert view.content.strip() == f"{EMERGENCY_OPENING}\n\n{FOLLOWS}"
        assert stored.content.strip() == view.content.strip()
        assert "withheld" not in stored.stats
        assert backend.words_sent == len(FOLLOWS.split())

    _chat(starter_gguf, FOLLOWS, BABY, check)


def test_with_no_alert_a_yes_is_just_a_reply(chat_env: Path, starter_gguf: Path) -> None:
    question = "is it ok to take ibuprofen with food?"

    def check(app, backend, view, stored) -> None:
        assert app.chat.query_one(EmergencyPanel).alert is None
        assert not backend.sent[0][-1].content.startswith("EMERGENCY")
        assert view.content.strip() == "Yes, with food is fine."
        assert "withheld" not in stored.stats

    _chat(starter_gguf, "Yes, with food is fine.", question, check)


def test_hera_ask_withholds_the_same_reply(chat_env: Path) -> None:
    alert = triage(BABY)
    assert alert is not None
    backend = StubBackend(WAIT)
    printed: list[str] = []
    answer = Answerer(backend, None, "no library").answer(BABY, emit=printed.append,
                                                         alert=alert)
    assert answer.withheld is not None and answer.withheld.evidence[0] == "Yes"
    assert answer.reply.text.startswith("HERA's reply was withheld because")
    # HERA's opening, printed before the model started; nothing of the withheld sentence
    assert "".join(printed) == f"{EMERGENCY_OPENING}\n\n"
    data = answer.to_json()
    assert data["withheld"]["reply"].startswith("Yes, wait until the morning.")
    assert data["sources"] == [] and data["grounded"] is False
    assert backend.sent[0][-1].content.startswith("EMERGENCY:")


def test_a_reply_to_a_flagged_message_opens_with_the_guidance_whatever_the_model_says(
        chat_env: Path) -> None:
    """HERA-mini run G, asked with the emergency context, opened with the guidance in none of
    30 replies: HERA's own opening comes first, before the model is even asked."""
    alert = triage(BABY)
    off_topic = "Fever is a rise in body temperature. " + CLINICIAN_LINE
    assert not opens_with_guidance(off_topic)
    printed: list[str] = []
    backend = StubBackend(off_topic)
    answer = Answerer(backend, None, "no library").answer(BABY, emit=printed.append, alert=alert)
    assert answer.withheld is None
    assert answer.reply.text == f"{EMERGENCY_OPENING}\n\n{off_topic}"
    assert opens_with_guidance(answer.reply.text)
    assert printed[0] == f"{EMERGENCY_OPENING}\n\n"
    # with no alert, no opening
    calm = Answerer(StubBackend(off_topic), None, "no library").answer("what is a fever?")
    assert calm.reply.text == off_topic


def test_the_stream_guard_passes_judged_sentences_and_stops_at_the_first_bad_one() -> None:
    alert = triage(BABY)
    good = "Call 999 now. A baby this young with a fever needs a doctor today."
    bad = good + " In the meantime it's fine to wait and see. More text that never shows."
    for reply, shown, withheld in ((good, good, False), (bad, "", True)):
        for size in (1, 3, 7, len(reply)):  # however the model's pieces fall
            out: list[str] = []
            stops: list[bool] = []
            guard = StreamGuard(alert, out.append, lambda s=stops: s.append(True))
            for start in range(0, len(reply), size):
                if stops:
                    break
                guard.feed(reply[start:start + size])
            verdict = guard.close()
            emitted = "".join(out).strip()
            # a good reply arrives whole; of a bad one, at most the sentences before it
            assert emitted == shown if not withheld else good.startswith(emitted), (size, out)
            assert "fine to wait" not in emitted
            assert (verdict is not None) == withheld and bool(stops) == withheld
            if withheld:
                assert verdict.evidence == ("it's fine",)
    free: list[str] = []
    unguarded = StreamGuard(None, free.append)
    for piece in ("Yes, ", "wait"):
        unguarded.feed(piece)
    assert free == ["Yes, ", "wait"] and unguarded.close() is None


def test_a_reply_ends_at_hera_s_closing_line(chat_env: Path) -> None:
    """A model that repeats the closing line to the token limit is cut after the first one,
    and the reply counts as ended (as with a stop sequence)."""
    looping = (f"Acne is a common skin disease. {CLINICIAN_LINE} {CLINICIAN_LINE} [NAME] "
               "[NAME] [NAME]")
    backend = StubBackend(looping)
    printed: list[str] = []
    answer = Answerer(backend, None, "no library").answer("what is acne?", emit=printed.append)
    assert answer.reply.text == f"Acne is a common skin disease. {CLINICIAN_LINE}"
    assert "".join(printed).strip() == answer.reply.text
    assert answer.stats.finish == "stop"
    assert backend.words_sent < len(looping.split(" "))
    plain = StubBackend("Acne is a common skin disease.")
    assert Answerer(plain, None).answer("what is acne?").stats.finish == "stop"
    assert plain.words_sent == 6
