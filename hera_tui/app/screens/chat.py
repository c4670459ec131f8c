"""The chat screen: the conversation, the prompt, and generation in a worker thread.

Order of events for a sent message, and why:
1. the red-flag check runs and its guidance is shown first (independent of any model) and
   pinned above the input until hidden, so a long reply cannot scroll it away;
2. the message is committed to the database (a crash from here on loses nothing);
3. an empty reply row marked ``incomplete`` is committed, then filled while streaming
   (saved about once a second), and finally marked complete, stopped or error.
When the check fired, the reply is written with the emergency in its prompt and shown a
judged sentence at a time (``hera_tui.answers.generate_guarded``): a reply that reads as
reassurance or permission to wait is stopped there and replaced by the reason and the
guidance; the model's words are kept in the row's details, not shown.
Generation runs in a thread worker; text reaches the UI as messages (thread-safe), so a
slow or stuck backend never freezes the screen. Esc sets the StopSignal, which the backend
checks while it reads the prompt and between tokens. If the terminal goes away mid-reply,
the app's terminal guard saves the text so far from its own thread
(:meth:`ChatScreen.save_streaming_reply`); whichever of it and the worker finishes the
reply first wins, so the row is written once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from hera_train.formats import HERA_SYSTEM_PROMPT
from hera_train.sources.answering import ReplyPlan, finish_reply, footer_text, plan_reply
from hera_tui.answers import emergency_prompt, generate_guarded, withheld_reply
from hera_tui.app.host import HeraHost
from hera_tui.backends.base import BackendError, GenerationParams, ReplyStats, StopSignal
from hera_tui.conversation import prompt_messages
from hera_tui.models import (
    NO_MODEL_MESSAGE,
    ModelChoice,
    ModelNotFoundError,
    parse_spec,
    spec_label,
)
from hera_tui.safety import preload, triage
from hera_tui.safety.reply_guard import ReplyCheck
from hera_tui.store.db import Conversation
from hera_tui.widgets.messages import MessageView, stats_line
from hera_tui.widgets.notices import (
    DisclaimerBar,
    EmergencyNotice,
    EmergencyPanel,
    ErrorNotice,
    ModelBanner,
)
from hera_tui.widgets.prompt_input import PromptInput

if TYPE_CHECKING:
    from hera_tui.safety.detector import Alert

#: seconds between saves of a reply while it streams
SAVE_EVERY_S = 1.0
TITLE_CHARS = 48


@dataclass
class _Generation:
    stop: StopSignal
    view: MessageView
    reply_id: int
    conversation_id: int
    pieces: list[str] = field(default_factory=list)
    #: the sources the reply is being written with (set once retrieval is done)
    plan: ReplyPlan | None = None
    #: what the emergency check found in the message being answered, if it fired
    alert: Alert | None = None
    #: why the guard withheld the reply, and the model's words, if it did
    withheld: ReplyCheck | None = None
    model_text: str = ""
    _finished: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    @property
    def finished(self) -> bool:
        return self._finished

    def claim_finish(self) -> bool:
        """True for the first caller only: the reply row is finished exactly once."""
        with self._lock:
            first, self._finished = not self._finished, True
        return first


class ReplyStatus(Message):
    """A worker's progress for the status line (looking up sources, generating)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class ReplyDelta(Message):
    def __init__(self, view: MessageView, text: str) -> None:
        super().__init__()
        self.view, self.text = view, text


class ReplyDone(Message):
    def __init__(
        self, view: MessageView, state: str, stats: ReplyStats | None, error: str | None,
        sources: str = "", text: str | None = None,
    ) -> None:
        super().__init__()
        self.view, self.state, self.stats, self.error = view, state, stats, error
        #: the sources shown under the reply, and its final text when that differs from
        #: what streamed (uncited markers taken out)
        self.sources, self.text = sources, text


class ChatScreen(Screen):
    app: HeraHost
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "stop", "Stop",
                tooltip="Stop the reply, also while the model is still reading a long message"),
        Binding("ctrl+n", "new_chat", "New chat", tooltip="Start a new conversation"),
        Binding("f3", "toggle_emergency", "Guidance", show=False,
                tooltip="Hide the pinned emergency guidance, or show it again"),
        Binding("ctrl+r", "regenerate", "Regenerate", show=False,
                tooltip="Replace the last reply with a new one"),
        Binding("ctrl+g", "edit_last", "Edit last", show=False,
                tooltip="Put your last message back in the input to edit and send again"),
        Binding("f2", "copy_last", "Copy", show=False,
                tooltip="Copy the last reply (terminal clipboard, and $HERA_HOME/copied.md)"),
        Binding("ctrl+s", "export", "Export", show=False,
                tooltip="Export the conversation to Markdown ($HERA_HOME/markdown/)"),
    ]

    def __init__(self) -> None:
        super().__init__(id="chat")
        self.conversation: Conversation | None = None
        self.set_defaults(HERA_SYSTEM_PROMPT, GenerationParams())
        self._generation: _Generation | None = None
        #: the emergency check's finding for each user message shown (None: it did not fire)
        self._alerts: dict[int, Alert | None] = {}

    def compose(self) -> ComposeResult:
        yield ModelBanner()
        yield DisclaimerBar()
        yield VerticalScroll(id="log")
        yield EmergencyPanel()
        yield Static("", id="status")
        yield PromptInput()
        yield Footer(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        # a daemon thread, not a worker: closing the app must never wait for it
        threading.Thread(target=preload, name="hera-emergency-check", daemon=True).start()
        self.query_one(PromptInput).focus()
        self.show_model_status("loading…" if self.app.choice else "")
        if self.app.choice is None:
            self.show_error(NO_MODEL_MESSAGE)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """F3 is offered only while there is emergency guidance to hide or show."""
        if action == "toggle_emergency":
            return self.query_one(EmergencyPanel).alert is not None
        return True

    # -- small helpers -----------------------------------------------------------------------
    @property
    def generating(self) -> bool:
        return self._generation is not None

    @property
    def log_view(self) -> VerticalScroll:
        return self.query_one("#log", VerticalScroll)

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    def show_model_status(self, status: str) -> None:
        self.query_one(ModelBanner).show_model(self.app.choice, status)

    def show_error(self, message: str, kind: str = "error") -> None:
        self.log_view.mount(ErrorNotice(message, kind))
        self.log_view.scroll_end(animate=False)
        self.set_status(f"{kind}: {message}" if kind == "error" else message)

    def set_defaults(self, system: str, params: GenerationParams) -> None:
        """System text and parameters that each new chat starts with."""
        self._defaults = (system, params)
        self._draft_settings = self._defaults

    def current_settings(self) -> tuple[str, GenerationParams]:
        if self.conversation is None:
            return self._draft_settings
        return self.conversation.system or "", self.conversation.params

    def apply_settings(self, system: str, params: GenerationParams) -> None:
        if self.conversation is None:
            self._draft_settings = (system, params)
            return
        self.app.store.set_settings(self.conversation.id, system, params)
        self.conversation = self.app.store.conversation(self.conversation.id)

    # -- conversations -----------------------------------------------------------------------
    def _ensure_conversation(self, first_text: str) -> Conversation:
        if self.conversation is None:
            system, params = self._draft_settings
            title = " ".join(first_text.split())
            if len(title) > TITLE_CHARS:
                title = title[: TITLE_CHARS - 1] + "…"
            model = self.app.choice.spec if self.app.choice else ""
            self.conversation = self.app.store.create_conversation(title, model, system, params)
        return self.conversation

    def load_conversation(self, conversation_id: int, follow_model: bool = True) -> None:
        """Show a saved conversation (stopping any reply in progress) and go back to the
        model it was held with: ``follow_model`` is False when the person named a model
        with ``--model``, which then wins (and the screen says so)."""
        self.action_stop()
        self._generation = None
        self.conversation = self.app.store.conversation(conversation_id)
        self.log_view.remove_children()
        self.query_one(EmergencyPanel).clear()
        self._alerts.clear()
        for m in self.app.store.messages(conversation_id):
            if m.role == "user":
                self._mount_user(m.content, m.id)
            else:
                note = stats_line(m.stats) if m.stats.get("tokens") else m.stats.get("error", "")
                self.log_view.mount(MessageView("assistant", m.content, m.id, note, m.state,
                                                author=spec_label(m.model),
                                                sources=footer_text(m.sources)))
        self.log_view.scroll_end(animate=False)
        self.set_status(f"opened “{self.conversation.title}”")
        self._return_to_model(self.conversation.model, follow_model)

    def _return_to_model(self, spec: str, follow: bool) -> None:
        current = self.app.choice
        if not spec or (current is not None and current.spec == spec):
            return
        now = f"replies now come from {current.label}" if current else "no model is loaded"
        if not follow:
            self.show_error(f"This conversation was held with {spec_label(spec)}; {now} "
                            "(--model). Ctrl+O switches.", "info")
            return
        try:
            choice = parse_spec(spec, "this conversation's model")
        except ModelNotFoundError:
            self.show_error(f"This conversation was held with {spec_label(spec)}, which is not "
                            f"available any more ({spec}); {now}. Ctrl+O chooses another.")
            return
        self.app.switch_model(choice)
        self.show_error(f"Switched to {choice.label}, the model this conversation was held "
                        "with.", "info")

    def model_switched(self, choice: ModelChoice) -> None:
        """The open conversation continues with ``choice`` (and remembers it)."""
        if self.conversation is not None:
            self.app.store.set_model(self.conversation.id, choice.spec)
            self.conversation = self.app.store.conversation(self.conversation.id)

    def conversation_changed(self, conversation_id: int) -> None:
        if self.conversation and self.conversation.id == conversation_id:
            self.conversation = self.app.store.conversation(conversation_id)

    def forget_conversation(self, conversation_id: int) -> None:
        """Called before a conversation is deleted: leave it if it is open."""
        if self.conversation and self.conversation.id == conversation_id:
            self.action_new_chat()

    def _mount_user(self, text: str, message_id: int) -> None:
        self.log_view.mount(MessageView("user", text, message_id))
        self._alerts[message_id] = None
        try:
            alert = triage(text)
        except Exception as exc:  # a broken check must not end the app, nor pass silently
            self.show_error(f"The emergency check failed ({type(exc).__name__}: {exc}). If "
                            "this may be an emergency, call your local emergency number now "
                            "(911, 112, 999).")
            return
        self._alerts[message_id] = alert
        if alert is not None:
            self.log_view.mount(EmergencyNotice(alert, message_id))
            self.query_one(EmergencyPanel).pin(alert)
            self.refresh_bindings()

    # -- sending -----------------------------------------------------------------------------
    @on(PromptInput.Submitted)
    def submitted(self, event: PromptInput.Submitted) -> None:
        if self.generating:
            self.notify("A reply is still streaming: press Esc to stop it first.")
            return
        self.query_one(PromptInput).clear()
        self.send(event.text)

    def send(self, text: str) -> None:
        conversation = self._ensure_conversation(text)
        stored = self.app.store.add_message(conversation.id, "user", text)
        self._mount_user(text, stored.id)
        self.start_reply()

    def start_reply(self) -> None:
        """Generate the assistant's reply to the conversation as stored."""
        conversation = self.conversation
        if conversation is None:
            return
        choice = self.app.choice
        if choice is None:
            self.show_error(NO_MODEL_MESSAGE)
            return
        system, params = self.current_settings()
        stored = self.app.store.messages(conversation.id)
        asked = [m for m in stored if m.role == "user"]
        messages = prompt_messages(system, stored)
        reply = self.app.store.add_message(conversation.id, "assistant", "", state="incomplete",
                                           model=choice.spec)
        view = MessageView("assistant", "", reply.id, author=spec_label(choice.spec))
        self.log_view.mount(view)
        self.log_view.scroll_end(animate=False)
        generation = _Generation(StopSignal(), view, reply.id, conversation.id,
                                 alert=self._alerts.get(asked[-1].id) if asked else None)
        self._generation = generation
        self.set_status("generating… (Esc to stop)")
        self.run_worker(
            lambda: self._generate(generation, messages, params),
            thread=True, group="generation", name="generate", exit_on_error=False,
        )

    def _generate(self, generation: _Generation, messages, params: GenerationParams) -> None:
        """Worker thread: run the backend, save the reply as it grows, report to the UI.

        Every exception ends here as an error on screen with the partial reply kept.
        """
        store = self.app.store
        last_save = time.monotonic()

        def emit(text: str) -> None:
            nonlocal last_save
            generation.pieces.append(text)
            self.post_message(ReplyDelta(generation.view, text))
            if time.monotonic() - last_save >= SAVE_EVERY_S and not generation.finished:
                store.update_message(generation.reply_id, generation.text, "incomplete")
                last_save = time.monotonic()

        try:
            backend = self.app.wait_for_backend()
            retriever, missing = self.app.library.get()
            if params.sources and retriever is not None:
                self.post_message(ReplyStatus("looking up NIH sources… (Esc to stop)"))
            plan = plan_reply(messages, retriever, params.sources, missing,
                              emergency_prompt(generation.alert))
            generation.plan = plan
            self.post_message(ReplyStatus("generating… (Esc to stop)"))
            out = generate_guarded(backend, plan, params, generation.stop, emit,
                                   generation.alert)
        except BackendError as exc:
            self._finish(generation, "error", None, str(exc))
            return
        except Exception as exc:  # an unexpected failure must not lose the reply either
            self._finish(generation, "error", None, f"{type(exc).__name__}: {exc}")
            return
        generation.withheld, generation.model_text = out.withheld, out.text
        stopped = out.stats.finish == "stopped" and out.withheld is None
        self._finish(generation, "stopped" if stopped else "complete", out.stats, None)

    def _finish(
        self, generation: _Generation, state: str, stats: ReplyStats | None, error: str | None
    ) -> None:
        if not generation.claim_finish():
            return  # already saved when the terminal went away
        store, text = self.app.store, generation.text
        shown, final = "", None
        if state == "error" and not text:
            store.delete_message(generation.reply_id)  # nothing to keep; the question stays
        else:
            details = stats.to_dict() if stats else {"error": error}
            if generation.plan is not None and generation.withheld and generation.alert:
                finished = withheld_reply(generation.plan, generation.withheld, generation.alert)
                text = final = finished.text
                details["withheld"] = {"reason": generation.withheld.reason,
                                       "reply": generation.model_text}
                store.set_sources(generation.reply_id, finished.to_json())
                shown = finished.footer
            elif generation.plan is not None:
                finished = finish_reply(generation.plan, text)
                if finished.text != text:  # a marker for a source that supports nothing
                    text = final = finished.text
                store.set_sources(generation.reply_id, finished.to_json())
                shown = finished.footer
            store.update_message(generation.reply_id, text, state, details)
        self.post_message(ReplyDone(generation.view, state, stats, error, shown, final))

    def save_streaming_reply(self, reason: str) -> None:
        """From any thread, when the app must end now: stop the reply and save its text."""
        generation = self._generation
        if generation is None:
            return
        generation.stop.set()
        if not generation.claim_finish():
            return
        if generation.text:
            self.app.store.update_message(generation.reply_id, generation.text, "incomplete",
                                          {"error": reason})
        else:
            self.app.store.delete_message(generation.reply_id)

    @on(ReplyStatus)
    def reply_status(self, event: ReplyStatus) -> None:
        if self.generating:
            self.set_status(event.text)

    @on(ReplyDelta)
    async def reply_delta(self, event: ReplyDelta) -> None:
        if event.view.is_attached:
            await event.view.append(event.text)
            if self.log_view.max_scroll_y - self.log_view.scroll_y < 3:
                self.log_view.scroll_end(animate=False)

    @on(ReplyDone)
    async def reply_done(self, event: ReplyDone) -> None:
        if self._generation is not None and self._generation.view is event.view:
            self._generation = None
        note = stats_line(event.stats) if event.stats else ""
        if event.view.is_attached:
            if event.state == "error" and not event.view.content:
                await event.view.remove()
            else:
                await event.view.finish(note, event.state)
                if event.text is not None:
                    await event.view.replace(event.text)
                event.view.set_sources(event.sources)
        if event.error:
            self.show_error(event.error)
        else:
            self.set_status(note + (" · stopped" if event.state == "stopped" else ""))
        self.log_view.scroll_end(animate=False)

    # -- actions -----------------------------------------------------------------------------
    def action_stop(self) -> None:
        if self._generation is not None:
            self._generation.stop.set()
            self.set_status("stopping…")

    def action_toggle_emergency(self) -> None:
        self.query_one(EmergencyPanel).toggle()

    def action_new_chat(self) -> None:
        self.action_stop()
        self._generation = None
        self.conversation = None
        self._draft_settings = self._defaults
        self.log_view.remove_children()
        self.query_one(EmergencyPanel).clear()
        self._alerts.clear()
        self.refresh_bindings()
        self.set_status("new chat")
        self.query_one(PromptInput).focus()

    def _last_messages(self):
        if self.conversation is None:
            return []
        return self.app.store.messages(self.conversation.id)

    def _remove_views(self, message_ids: set[int]) -> None:
        for view in self.log_view.query("MessageView, EmergencyNotice"):
            if getattr(view, "message_id", None) in message_ids:
                view.remove()

    def action_regenerate(self) -> None:
        if self.generating:
            return
        messages = self._last_messages()
        if not messages:
            self.notify("Nothing to regenerate yet.")
            return
        if messages[-1].role == "assistant":
            self.app.store.delete_message(messages[-1].id)
            self._remove_views({messages[-1].id})
        self.start_reply()

    def action_edit_last(self) -> None:
        """Put the last message back in the input; the old turn goes when it is re-sent."""
        if self.generating:
            return
        messages = self._last_messages()
        users = [i for i, m in enumerate(messages) if m.role == "user"]
        if not users:
            self.notify("No message to edit yet.")
            return
        dropped = messages[users[-1] :]
        for m in dropped:
            self.app.store.delete_message(m.id)
        self._remove_views({m.id for m in dropped})
        prompt = self.query_one(PromptInput)
        prompt.load_text(dropped[0].content)
        prompt.focus()
        self.set_status("editing your last message: Enter sends it again")

    def last_reply_sources(self) -> dict:
        """The stored sources of the conversation's last reply ({} when there is none)."""
        replies = [m for m in self._last_messages() if m.role == "assistant"]
        return replies[-1].sources if replies else {}

    def action_copy_last(self) -> None:
        replies = [v for v in self.log_view.query(MessageView) if v.role == "assistant"]
        if not replies:
            self.notify("No reply to copy yet.")
            return
        self.app.copy_text(replies[-1].content)

    @on(MessageView.CopyRequested)
    def copy_message(self, event: MessageView.CopyRequested) -> None:
        self.app.copy_text(event.text)

    def action_export(self) -> None:
        if self.conversation is None:
            self.notify("Nothing to export yet.")
            return
        path = self.app.export_conversation(self.conversation.id)
        self.notify(f"Exported to {path}")
        self.set_status(f"exported to {path}")
