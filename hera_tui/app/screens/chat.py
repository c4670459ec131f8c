"""The chat screen: the conversation, the prompt, and generation in a worker thread.

Order of events for a sent message, and why:
1. the red-flag check runs and its guidance is shown first (independent of any model);
2. the message is committed to the database (a crash from here on loses nothing);
3. an empty reply row marked ``incomplete`` is committed, then filled while streaming
   (saved about once a second), and finally marked complete, stopped or error.
Generation runs in a thread worker; text reaches the UI as messages (thread-safe), so a
slow or stuck backend never freezes the screen. Esc sets the StopSignal, which stops the
token loop (llama.cpp) or shuts the HTTP stream (Ollama).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from hera_train.formats import HERA_SYSTEM_PROMPT
from hera_tui.backends.base import BackendError, GenerationParams, ReplyStats, StopSignal
from hera_tui.conversation import prompt_messages
from hera_tui.models import NO_MODEL_MESSAGE
from hera_tui.safety import check_message
from hera_tui.store.db import Conversation
from hera_tui.widgets.messages import MessageView, stats_line
from hera_tui.widgets.notices import DisclaimerBar, EmergencyNotice, ErrorNotice, ModelBanner
from hera_tui.widgets.prompt_input import PromptInput

if TYPE_CHECKING:
    from hera_tui.app.chat_app import HeraApp

#: seconds between saves of a reply while it streams
SAVE_EVERY_S = 1.0
TITLE_CHARS = 48


@dataclass
class _Generation:
    stop: StopSignal
    view: MessageView
    reply_id: int
    conversation_id: int


class ReplyDelta(Message):
    def __init__(self, view: MessageView, text: str) -> None:
        super().__init__()
        self.view, self.text = view, text


class ReplyDone(Message):
    def __init__(
        self, view: MessageView, state: str, stats: ReplyStats | None, error: str | None
    ) -> None:
        super().__init__()
        self.view, self.state, self.stats, self.error = view, state, stats, error


class ChatScreen(Screen):
    app: HeraApp
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "stop", "Stop reply"),
        Binding("ctrl+n", "new_chat", "New chat"),
        Binding("ctrl+r", "regenerate", "Regenerate"),
        Binding("ctrl+g", "edit_last", "Edit last message"),
        Binding("f2", "copy_last", "Copy last reply"),
        Binding("ctrl+s", "export", "Export to Markdown"),
    ]

    def __init__(self) -> None:
        super().__init__(id="chat")
        self.conversation: Conversation | None = None
        self.set_defaults(HERA_SYSTEM_PROMPT, GenerationParams())
        self._generation: _Generation | None = None

    def compose(self) -> ComposeResult:
        yield ModelBanner()
        yield DisclaimerBar()
        yield VerticalScroll(id="log")
        yield Static("", id="emergency-bar")
        yield Static("", id="status")
        yield PromptInput()
        yield Footer()

    def on_mount(self) -> None:
        self._pin_emergency("")
        self.query_one(PromptInput).focus()
        self.show_model_status("loading…" if self.app.choice else "")
        if self.app.choice is None:
            self.show_error(NO_MODEL_MESSAGE)

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

    def show_error(self, message: str) -> None:
        self.log_view.mount(ErrorNotice(message))
        self.log_view.scroll_end(animate=False)
        self.set_status(f"error: {message}")

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

    def load_conversation(self, conversation_id: int) -> None:
        """Show a saved conversation (stopping any reply in progress)."""
        self.action_stop()
        self._generation = None
        self.conversation = self.app.store.conversation(conversation_id)
        self.log_view.remove_children()
        self._pin_emergency("")
        for m in self.app.store.messages(conversation_id):
            if m.role == "user":
                self._mount_user(m.content, m.id)
            else:
                note = stats_line(m.stats) if m.stats.get("tokens") else m.stats.get("error", "")
                self.log_view.mount(MessageView("assistant", m.content, m.id, note, m.state))
        self.log_view.scroll_end(animate=False)
        self.set_status(f"opened “{self.conversation.title}”")

    def conversation_changed(self, conversation_id: int) -> None:
        if self.conversation and self.conversation.id == conversation_id:
            self.conversation = self.app.store.conversation(conversation_id)

    def forget_conversation(self, conversation_id: int) -> None:
        """Called before a conversation is deleted: leave it if it is open."""
        if self.conversation and self.conversation.id == conversation_id:
            self.action_new_chat()

    def _mount_user(self, text: str, message_id: int) -> None:
        self.log_view.mount(MessageView("user", text, message_id))
        flags = check_message(text)
        if flags:
            self.log_view.mount(EmergencyNotice(flags, message_id))
            self._pin_emergency(", ".join(f.title for f in flags))

    def _pin_emergency(self, titles: str) -> None:
        """Keep a one-line reminder on screen while a long reply scrolls the guidance away."""
        bar = self.query_one("#emergency-bar", Static)
        bar.update(f"⚠ {titles}: call your local emergency number now (911 / 112 / 999). "
                   "Guidance is above the reply.")
        bar.display = bool(titles)

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
        if self.app.choice is None:
            self.show_error(NO_MODEL_MESSAGE)
            return
        system, params = self.current_settings()
        messages = prompt_messages(system, self.app.store.messages(conversation.id))
        reply = self.app.store.add_message(conversation.id, "assistant", "", state="incomplete")
        view = MessageView("assistant", "", reply.id)
        self.log_view.mount(view)
        self.log_view.scroll_end(animate=False)
        generation = _Generation(StopSignal(), view, reply.id, conversation.id)
        self._generation = generation
        self.set_status("generating… (Esc to stop)")
        self.run_worker(
            lambda: self._generate(generation, messages, params),
            thread=True, group="generation", name="generate", exit_on_error=False,
        )

    def _generate(self, generation: _Generation, messages, params: GenerationParams) -> None:
        """Worker thread: run the backend, save the reply as it grows, report to the UI."""
        store = self.app.store
        pieces: list[str] = []
        last_save = time.monotonic()

        def emit(text: str) -> None:
            nonlocal last_save
            pieces.append(text)
            self.post_message(ReplyDelta(generation.view, text))
            if time.monotonic() - last_save >= SAVE_EVERY_S:
                store.update_message(generation.reply_id, "".join(pieces), "incomplete")
                last_save = time.monotonic()

        try:
            backend = self.app.wait_for_backend()
            stats = backend.generate(messages, params, generation.stop, emit)
        except BackendError as exc:
            self._finish(generation, "".join(pieces), "error", None, str(exc))
            return
        except Exception as exc:  # an unexpected failure must not lose the reply either
            message = f"{type(exc).__name__}: {exc}"
            self._finish(generation, "".join(pieces), "error", None, message)
            return
        state = "stopped" if stats.finish == "stopped" else "complete"
        self._finish(generation, "".join(pieces), state, stats, None)

    def _finish(
        self, generation: _Generation, text: str, state: str, stats: ReplyStats | None,
        error: str | None,
    ) -> None:
        store = self.app.store
        if state == "error" and not text:
            store.delete_message(generation.reply_id)  # nothing to keep; the question stays
        else:
            details = stats.to_dict() if stats else {"error": error}
            store.update_message(generation.reply_id, text, state, details)
        self.post_message(ReplyDone(generation.view, state, stats, error))

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

    def action_new_chat(self) -> None:
        self.action_stop()
        self._generation = None
        self.conversation = None
        self._draft_settings = self._defaults
        self.log_view.remove_children()
        self._pin_emergency("")
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
