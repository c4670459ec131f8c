"""The chat screen: the conversation, the prompt, and the notices around them.

Order of events for a sent message, and why:
1. the red-flag check runs and its guidance is shown first (independent of any model) and
   pinned above the input until hidden, so a long reply cannot scroll it away;
2. the message is committed to the database (a crash from here on loses nothing);
3. the reply is written by the reply worker (``reply_worker``) in a thread, saved as it
   streams; Esc stops it.
This module is the layout, the keys and the conversation on screen; ``reply_worker`` writes
a reply, ``model_switch`` picks the model a reopened conversation continues with.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from hera_core.sources.answering import footer_text
from hera_tui.app.host import HeraHost
from hera_tui.backends.base import GenerationParams, StopSignal
from hera_tui.conversation import prompt_messages
from hera_tui.models import NO_MODEL_MESSAGE, ModelChoice, spec_label
from hera_tui.safety import preload, triage
from hera_tui.store.db import StoredMessage
from hera_tui.widgets.messages import MessageView, stats_line
from hera_tui.widgets.notices import (
    DisclaimerBar,
    EmergencyNotice,
    EmergencyPanel,
    ErrorNotice,
    ModelBanner,
)
from hera_tui.widgets.prompt_input import PromptInput

from .model_switch import conversation_model
from .reply_worker import (
    Generation,
    ReplyDelta,
    ReplyDone,
    ReplyStatus,
    save_streaming_reply,
    write_reply,
)
from .session import ChatSession

if TYPE_CHECKING:
    from hera_tui.safety.detector import Alert


class ChatScreen(Screen):
    """The conversation; always open under the other screens (the app holds it as ``chat``)."""

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
        #: the open conversation (or the draft of a new one) and its settings
        self.session = ChatSession()
        self._generation: Generation | None = None
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

    # -- settings and conversations (stored by ``session``) ----------------------------------
    def set_defaults(self, system: str, params: GenerationParams) -> None:
        """System text and parameters that each new chat starts with."""
        self.session.set_defaults(system, params)

    def current_settings(self) -> tuple[str, GenerationParams]:
        return self.session.settings()

    def apply_settings(self, system: str, params: GenerationParams) -> None:
        self.session.apply_settings(self.app.store, system, params)

    def load_conversation(self, conversation_id: int, follow_model: bool = True) -> None:
        """Show a saved conversation (stopping any reply in progress) and go back to the
        model it was held with: ``follow_model`` is False when the person named a model
        with ``--model``, which then wins (and the screen says so)."""
        self.action_stop()
        self._generation = None
        conversation = self.session.open(self.app.store, conversation_id)
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
        self.set_status(f"opened “{conversation.title}”")
        self._return_to_model(conversation.model, follow_model)

    def _return_to_model(self, spec: str, follow: bool) -> None:
        choice, notice = conversation_model(self.app.choice, spec, follow)
        if choice is not None:
            self.app.switch_model(choice)
        if notice is not None:
            self.show_error(*notice)

    def model_switched(self, choice: ModelChoice) -> None:
        """The open conversation continues with ``choice`` (and remembers it)."""
        self.session.set_model(self.app.store, choice.spec)

    def conversation_changed(self, conversation_id: int) -> None:
        self.session.reread(self.app.store, conversation_id)

    def forget_conversation(self, conversation_id: int) -> None:
        """Called before a conversation is deleted: leave it if it is open."""
        if self.session.is_open(conversation_id):
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
        model = self.app.choice.spec if self.app.choice else ""
        conversation = self.session.start(self.app.store, text, model)
        stored = self.app.store.add_message(conversation.id, "user", text)
        self._mount_user(text, stored.id)
        self.start_reply()

    def start_reply(self) -> None:
        """Generate the assistant's reply to the conversation as stored."""
        conversation = self.session.conversation
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
        generation = Generation(StopSignal(), view, reply.id, conversation.id,
                                 alert=self._alerts.get(asked[-1].id) if asked else None)
        self._generation = generation
        self.set_status("generating… (Esc to stop)")
        self.run_worker(
            lambda: write_reply(generation, self.app, self.post_message, messages, params),
            thread=True, group="generation", name="generate", exit_on_error=False,
        )

    def save_streaming_reply(self, reason: str) -> None:
        """From any thread, when the app must end now: stop the reply and save its text."""
        generation = self._generation
        if generation is not None:
            save_streaming_reply(generation, self.app.store, reason)

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
        self.session.new()
        self.log_view.remove_children()
        self.query_one(EmergencyPanel).clear()
        self._alerts.clear()
        self.refresh_bindings()
        self.set_status("new chat")
        self.query_one(PromptInput).focus()

    def _last_messages(self) -> list[StoredMessage]:
        return self.session.messages(self.app.store)

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
        conversation = self.session.conversation
        if conversation is None:
            self.notify("Nothing to export yet.")
            return
        path = self.app.export_conversation(conversation.id)
        self.notify(f"Exported to {path}")
        self.set_status(f"exported to {path}")
