"""``hera chat`` (and plain ``hera``): argument parsing only; the app is imported when run."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hera_tui.store import Conversation


def add_chat_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "chat",
        help="chat with HERA in the terminal (the default when `hera` is run alone)",
        description=(
            "Open the chat app. The model is, in order: --model, chat.model in the config "
            "file ($HERA_CONFIG or ~/.config/hera/config.toml), the newest HERA export "
            "(exports/**/*.gguf or $HERA_EXPORTS_DIR), Ollama's `hera` if a server answers, "
            "else the SmolLM2 starter model from PyPI (not HERA; labelled so on screen). "
            "Conversations are kept in $HERA_HOME/chats.db (default ~/.local/share/hera), "
            "readable by you only."
        ),
        epilog=(
            "examples:\n"
            "  hera\n"
            "  hera chat --model exports/hera/hera-q4_k_m.gguf\n"
            "  hera chat --model ollama:hera\n"
            "  hera chat --list"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_chat_arguments(p)


def add_chat_arguments(p: argparse.ArgumentParser) -> None:
    """Chat options; also given to the top-level parser so that ``hera --model X`` works."""
    p.add_argument("--model", help="PATH.gguf or ollama:NAME (default: see above)")
    p.add_argument("--conversation", type=int, metavar="ID", help="open a saved conversation")
    p.add_argument(
        "--list", action="store_true",
        help="print the model that would open and the saved conversations (last active, "
        "model, message count), then exit",
    )
    p.set_defaults(handler=run_chat)


def conversation_lines(conversations: list[Conversation]) -> list[str]:
    """``hera chat --list``'s table: id, when last active (local time), model, messages,
    title; newest first, as the store lists them."""
    from datetime import datetime

    from hera_tui.models import spec_label

    rows = [("id", "last active", "model", "messages", "title")]
    rows += [
        (str(c.id), datetime.fromtimestamp(c.updated_at).strftime("%Y-%m-%d %H:%M"),
         spec_label(c.model), str(c.message_count), c.title)
        for c in conversations
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return [
        f"{r[0]:>{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  "
        f"{r[3]:>{widths[3]}}  {r[4]}"
        for r in rows
    ]


def run_chat(args: argparse.Namespace) -> int:
    from hera_core.paths import hera_home
    from hera_tui.models import resolve_model
    from hera_tui.settings import load_config
    from hera_tui.store import ChatStore

    config = load_config()
    choice = resolve_model(getattr(args, "model", None), config)
    store = ChatStore(hera_home() / "chats.db")
    try:
        if getattr(args, "list", False):
            where = f"{choice.spec} ({choice.source})" if choice else "none"
            print(f"model: {where}")
            conversations = store.list_conversations()
            if conversations:
                print("\n".join(conversation_lines(conversations)))
            else:
                print(f"no saved conversations in {store.path}")
            return 0
        if getattr(args, "conversation", None) is not None:
            store.conversation(args.conversation)  # unknown id: one-line error, no app
        from hera_tui.app.chat_app import HeraApp

        app = HeraApp(choice, store, config, getattr(args, "conversation", None))
        app.run()
    finally:
        store.close()
    return app.return_code or 0
