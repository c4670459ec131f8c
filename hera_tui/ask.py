"""``hera ask "QUESTION"``: one grounded answer on stdout, for scripts and for people who do
not want the full-screen app.

Argument parsing only at import; the model, the library and the emergency check load when
the command runs. The emergency guidance (when the check fires) is printed before the
model is even loaded: it never waits for retrieval or generation; the reply is then
written with the emergency in its prompt, and withheld if it still reads as reassurance or
permission to wait (``hera_tui.answers.generate_guarded``).
"""

from __future__ import annotations

import argparse
import json
import sys


def add_ask_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "ask",
        help="one answer grounded in NIH sources, printed with its citations",
        description=(
            "Answer one question as the chat app does: the emergency check first (its "
            "guidance is printed at once when it fires), then the NIH library's passages, "
            "the model's reply written from them, and the sources the reply rests on. The "
            "model is chosen as for `hera chat` (--model, the config, the newest HERA "
            "export, Ollama's hera, the starter) and samples as the chat does by default "
            "(temperature 0.7); `hera bench answers` is the greedy, measured form. Nothing "
            "is saved."
        ),
        epilog=(
            "examples:\n"
            '  hera ask "How is acne treated?"\n'
            '  hera ask "what causes gallstones" --model ollama:hera --json\n'
            '  hera ask "what is psoriasis" --no-sources'
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("question", help="the question, as you would type it in the chat")
    p.add_argument("--model", help="PATH.gguf or ollama:NAME (default: as hera chat)")
    p.add_argument("--no-sources", action="store_true",
                   help="answer without the NIH library (the reply is then not grounded)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object: question, emergency, answer, sources, "
                   "retrieved, grounded, model")
    p.add_argument("--ollama-host", help="Ollama server (default: $OLLAMA_HOST or local)")
    p.set_defaults(handler=run_ask)


def run_ask(args: argparse.Namespace) -> int:
    from hera_tui.answers import Answerer, open_library_retriever
    from hera_tui.backends.base import GenerationParams
    from hera_tui.models import NO_MODEL_MESSAGE, ModelNotFoundError, resolve_model
    from hera_tui.safety import triage
    from hera_tui.settings import load_config

    if not args.question.strip():
        raise ModelNotFoundError("the question is empty; type what you want to ask")
    alert = triage(args.question)
    if alert is not None and not args.json:
        print(f"!! {alert.title}\n{alert.guidance.text()}\n", flush=True)
    config = load_config()
    choice = resolve_model(args.model, config)
    if choice is None:
        raise ModelNotFoundError(NO_MODEL_MESSAGE)
    retriever, missing = (None, "") if args.no_sources else open_library_retriever()
    backend = choice.open_backend(args.ollama_host or config.ollama_host)
    backend.load()
    try:
        emit = None if args.json else (lambda text: print(text, end="", flush=True))
        answer = Answerer(backend, retriever, missing, GenerationParams()).answer(
            args.question, sources=not args.no_sources, emit=emit, alert=alert)
    finally:
        backend.close()
    if args.json:
        print(json.dumps({**answer.to_json(), "model": choice.label,
                          "emergency": _alert_json(alert)}, ensure_ascii=False, indent=2))
        return 0
    if answer.withheld is not None:  # what was printed stops where the guard stopped it
        print(f"\n\n{answer.reply.text}")
    footer = answer.reply.footer
    print(f"\n\n{footer}" if footer else "")
    print(f"\n({choice.label}; general information, not a diagnosis)", file=sys.stderr)
    return 0


def _alert_json(alert: object) -> dict | None:
    if alert is None:
        return None
    return {"title": alert.title, "condition": alert.condition,
            "guidance": alert.guidance.text()}
