"""The app's screens, registered here in the order the help and the footer show them."""

from hera_tui.app.registry import ScreenEntry, register_screen
from hera_tui.widgets.messages import MessageView
from hera_tui.widgets.prompt_input import PromptInput

from .benchmark import BenchmarkScreen, ConfirmLongRun, WrongAnswersScreen, benchmark_screen
from .chat import ChatScreen
from .conversations import ConversationsScreen, TextPrompt
from .help import HelpScreen
from .models import ModelPickerScreen
from .parameters import ParametersScreen
from .sources import SourcesScreen

__all__ = ["ChatScreen"]

register_screen(ScreenEntry(
    "chat", "Chat", "The conversation", ChatScreen, parts=(PromptInput, MessageView),
))
register_screen(ScreenEntry(
    "help", "Keys", "every key of the app (this list)", HelpScreen, lambda app: HelpScreen(),
    key="f1", footer="Keys",
))
register_screen(ScreenEntry(
    "conversations", "Conversations", "open, search, rename or delete saved chats",
    ConversationsScreen, lambda app: ConversationsScreen(), key="ctrl+l", footer="Chats",
    parts=(TextPrompt,),
))
register_screen(ScreenEntry(
    "models", "Model", "choose the model: GGUF files, installed packages, Ollama, a typed path",
    ModelPickerScreen, lambda app: ModelPickerScreen(), key="ctrl+o", footer="Model",
))
register_screen(ScreenEntry(
    "sources", "Sources", "the NIH passages behind the last reply, and which it cites",
    SourcesScreen, lambda app: SourcesScreen(app.chat.last_reply_sources()), key="f4",
))
register_screen(ScreenEntry(
    "parameters", "Settings",
    "this conversation's system text, temperature, top-p, max tokens, context length, "
    "NIH sources on or off",
    ParametersScreen, lambda app: ParametersScreen(), key="ctrl+t", footer="Settings",
))
register_screen(ScreenEntry(
    "benchmark", "Benchmark",
    "PubMedQA or multiple choice: run models, compare runs, read wrong answers",
    BenchmarkScreen, benchmark_screen, key="f5",
    parts=(ConfirmLongRun, WrongAnswersScreen),
))
