"""The app's screens; the modal ones are registered here (see ``registry``)."""

from hera_tui.app.registry import ScreenEntry, register_screen

from . import benchmark  # noqa: F401 - registers the benchmark screen (F5)
from .chat import ChatScreen
from .conversations import ConversationsScreen
from .help import HelpScreen
from .models import ModelPickerScreen
from .parameters import ParametersScreen

__all__ = ["ChatScreen"]

register_screen(ScreenEntry(
    "conversations", "Conversations", "Open, search, rename or delete saved chats",
    lambda app: ConversationsScreen(), key="ctrl+l",
))
register_screen(ScreenEntry(
    "models", "Choose model", "Local GGUF files and Ollama models",
    lambda app: ModelPickerScreen(), key="ctrl+o",
))
register_screen(ScreenEntry(
    "parameters", "Parameters", "System text, temperature, top-p, max tokens, context length",
    lambda app: ParametersScreen(), key="ctrl+t",
))
register_screen(ScreenEntry(
    "help", "Help: keys", "Every key binding", lambda app: HelpScreen(), key="f1",
))
