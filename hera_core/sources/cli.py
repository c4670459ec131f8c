"""``hera sources``: build the NIH library, search it, and write its development sets.

Argument parsing only at import; the library, the encoder and the data load when a
command runs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import textwrap
from pathlib import Path

#: the frozen development sets' sha256 (also in docs/sources.md): a rebuilt set must match
FROZEN_DEVSETS = {
    "liveqa-sources-dev.jsonl":
        "b5a3923fd12026d019f455e8554e159d21b8501191d45a6e489a91ec7539fa7e",
    "liveqa-answers-dev.jsonl":
        "9654fa398824d5231b54ab76659150f0275f676587e60727bf18b2c5a33c2a3a",
}


def add_sources_parser(subparsers: argparse._SubParsersAction) -> None:
    sources = subparsers.add_parser(
        "sources",
        help="the NIH library HERA's answers are grounded in: build, search, dev sets",
        description=(
            "HERA grounds its answers in MedQuAD: 16,375 question-answer pairs from nine NIH "
            "sites (MedlinePlus, NIDDK, NINDS, NHLBI, CDC, cancer.gov, NIHSeniorHealth, "
            "GARD, Genetics Home Reference; CC BY 4.0). `build` indexes it once under "
            "$HERA_HOME/sources; `search` shows what a question retrieves."
        ),
    )
    sub = sources.add_subparsers(dest="sources_command", metavar="COMMAND", required=True)
    build = sub.add_parser(
        "build", help="index MedQuAD (once; again only when the corpus changes)",
        description=(
            "Read every answered pair of a MedQuAD tree (a `git clone "
            "https://github.com/abachaa/MedQuAD`, default medquad/ in the data folder: "
            "$HERA_DATA_DIR, else ../shared/data beside the checkout), index it "
            "for BM25 (SQLite FTS5) and dense retrieval (all-MiniLM-L6-v2), and make it the "
            "library in use. Skipped when the current library was built from the same "
            "corpus (sha256); an interrupted build resumes where it stopped."
        ),
    )
    build.add_argument("path", nargs="?", type=Path, help="the MedQuAD folder")
    build.add_argument("--force", action="store_true", help="rebuild even if up to date")
    build.add_argument("--if-available", action="store_true",
                       help="when no MedQuAD folder is found, say so in one line and exit 0 "
                       "(make setup uses this)")
    build.set_defaults(handler=_build)

    search = sub.add_parser(
        "search", help="the passages a question retrieves, ranked",
        description=("Hybrid retrieval (BM25 + dense + the focus the question names + its "
                     "question type): id, focus, question type, site, URL, score and text."),
    )
    search.add_argument("question", help="the question, as a person would write it")
    search.add_argument("--top", type=int, default=5, metavar="K", help="how many hits (5)")
    search.add_argument("--mode", choices=("hybrid", "bm25", "dense"), default="hybrid",
                        help="hybrid (default) or one retriever alone, to compare")
    search.add_argument("--json", action="store_true",
                        help='print {"results": [{"id", "focus", "qtype", "source", "url", '
                        '"score", "text"}, ...]}')
    search.set_defaults(handler=_search)

    devset = sub.add_parser(
        "devset", help="write the frozen LiveQA development sets",
        description=(
            "Label LiveQA's training questions (HERA_DATA_DIR/liveqa-train) with the MedQuAD "
            "pairs that contain their reference answers, and write "
            "liveqa-sources-dev.jsonl (for `hera bench sources`) and "
            "liveqa-answers-dev.jsonl (for `hera bench answers`). Their sha256 is checked "
            "against the frozen sets docs/sources.md's figures were measured on."
        ),
    )
    devset.add_argument("--out", type=Path, default=Path("."), metavar="DIR",
                        help="folder to write them into (default: here)")
    devset.add_argument("--medquad", type=Path, help="MedQuAD folder (default medquad/ in "
                        "the data folder: $HERA_DATA_DIR, else ../shared/data)")
    devset.set_defaults(handler=_devset)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _build(args: argparse.Namespace) -> int:
    from hera_core.terminal_progress import RateProgress

    from .library import build_library
    from .medquad import CorpusError

    try:
        result = build_library(args.path, force=args.force,
                               progress=RateProgress("library: encoding", "passages"),
                               say=_say)
    except CorpusError as exc:
        if args.if_available and args.path is None:
            _say(f"library: not built ({exc})")
            return 0
        raise
    meta = result.stats
    state = "built" if result.built else "up to date"
    _say(f"library: {state}: {meta['passages']:,} passages, "
         f"{'hybrid' if meta.get('encoder') else 'lexical only'}, {result.directory} "
         f"({result.seconds:.0f} s)")
    return 0


def _search(args: argparse.Namespace) -> int:
    from .library import LibraryError
    from .retrieve import open_retriever

    if args.top < 1:
        raise LibraryError("--top must be at least 1")
    retriever = open_retriever()
    hits = retriever.search(args.question, args.top, args.mode)
    if args.json:
        print(json.dumps({"results": [h.to_json() for h in hits]}, ensure_ascii=False,
                         indent=2))
        return 0
    if not hits:
        print("no passage matches this question")
    for rank, hit in enumerate(hits, 1):
        p = hit.passage
        print(f"{rank}. {p.id}  score {hit.score:.4f}\n   {p.focus} · {p.qtype} · {p.site}\n"
              f"   {p.url}")
        print(textwrap.indent(textwrap.fill(" ".join(p.text.split())[:600], 88), "   "))
        print()
    return 0


def build_devsets(out: Path, medquad: Path | None = None) -> dict[str, tuple[Path, str]]:
    """Write both dev sets into ``out``: each file's path and sha256, by name."""
    from hera_core.paths import data_file

    from .devsets import label, write_devsets
    from .liveqa import read_train
    from .medquad import find_corpus, read_corpus

    passages = list(read_corpus(find_corpus(medquad)))
    questions = read_train(data_file("liveqa-train"))
    paths = write_devsets(label(questions, passages), out)
    return {name: (path, hashlib.sha256(path.read_bytes()).hexdigest())
            for name, path in paths.items()}


def write_frozen_devsets(out: Path) -> dict[str, Path]:
    """The dev sets, checked to be the frozen ones (a build measures only those)."""
    from .library import LibraryError

    built = build_devsets(out)
    for name, (path, digest) in built.items():
        if digest != FROZEN_DEVSETS[name]:
            raise LibraryError(f"{path} differs from the frozen {name} (sha256 {digest}); "
                               "the MedQuAD or LiveQA data is not the one it was frozen on")
    return {name: path for name, (path, _) in built.items()}


def _devset(args: argparse.Namespace) -> int:
    changed = 0
    for name, (path, digest) in build_devsets(args.out, args.medquad).items():
        same = digest == FROZEN_DEVSETS[name]
        changed += not same
        lines = sum(1 for _ in path.open(encoding="utf-8"))
        print(f"{path}: {lines} questions, sha256 {digest} "
              f"({'the frozen set' if same else 'DIFFERS from the frozen set'})")
    return 1 if changed else 0
