"""``hera chat`` (and plain ``hera``): argument parsing only; the app is imported when run."""

from __future__ import annotations

import argparse


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
        "--list", action="store_true", help="print saved conversations and the model, then exit"
    )
    p.set_defaults(handler=run_chat)


def run_chat(args: argparse.Namespace) -> int:
    from hera_tui.models import resolve_model
    from hera_tui.settings import data_dir, load_config
    from hera_tui.store import ChatStore

    config = load_config()
    choice = resolve_model(getattr(args, "model", None), config)
    store = ChatStore(data_dir() / "chats.db")
    try:
        if getattr(args, "list", False):
            where = f"{choice.spec} ({choice.source})" if choice else "none"
            print(f"model: {where}")
            for conv in store.list_conversations():
                print(f"{conv.id:>5}  {conv.title}  ({conv.message_count} messages)")
            return 0
        if getattr(args, "conversation", None) is not None:
            store.conversation(args.conversation)  # unknown id: one-line error, no app
        from hera_tui.app.chat_app import HeraApp

        HeraApp(choice, store, config, getattr(args, "conversation", None)).run()
    finally:
        store.close()
    return 0
