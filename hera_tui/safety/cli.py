"""``hera safety check`` and ``hera safety eval``: the emergency check, for people who audit it.

Argument parsing only at import; the encoder and weights load when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

_DETECTOR_HELP = (
    "combined (default: what the chat app runs), rules (the rules alone) or classifier "
    "(the learned layer alone, no rules)"
)


def add_safety_parser(subparsers: argparse._SubParsersAction) -> None:
    safety = subparsers.add_parser(
        "safety",
        help="the emergency check: try a message, or measure it on a labelled file",
        description=(
            "HERA checks every message for signs of an emergency before the reply starts: "
            "auditable rules plus a classifier over all-MiniLM-L6-v2 sentence embeddings "
            "(installed by `make setup`; without it the rules alone run)."
        ),
    )
    sub = safety.add_subparsers(dest="safety_command", metavar="COMMAND", required=True)
    check = sub.add_parser(
        "check", help="show what the check finds in a message, and why",
        description="Print whether TEXT is flagged, the banner it would show, each rule that "
        "fired (with the words that fired it) and the classifier's scores.",
    )
    check.add_argument("text", help="the message, quoted")
    check.add_argument("--detector", choices=("combined", "rules", "classifier"),
                       default="combined", help=_DETECTOR_HELP)
    check.set_defaults(handler=_check)
    evaluate = sub.add_parser(
        "eval", help="measure recall and false alarms on a labelled JSONL file",
        description="FILE has one JSON object a line with \"text\" and \"emergency\" "
        "(true/false), and optionally \"condition\" (a per-condition recall table) and "
        "\"kind\" (false alarms per kind of non-emergency). Prints 95% Wilson intervals; "
        "the last line is `recall 0.xx (a/b), false alarms 0.xx (c/d)`. A bad line stops "
        "with its line number.",
    )
    evaluate.add_argument("file", type=Path, help="labelled JSONL file")
    evaluate.add_argument("--detector", choices=("combined", "rules", "classifier"),
                          default="combined", help=_DETECTOR_HELP)
    evaluate.add_argument("--show-cases", action="store_true",
                          help="also list every missed emergency and every false alarm")
    evaluate.add_argument("--by", action="append", default=[], metavar="FIELD",
                          help="also break recall and false alarms down by each value of FIELD "
                          "(any string field of the lines, e.g. wording or kind; repeatable)")
    evaluate.set_defaults(handler=_eval)


def _detector(mode: str):
    """The app's detector in ``mode``; without the encoder, ``combined`` runs the rules
    (as the app does, and says so) and ``classifier`` is an error."""
    from hera_core.encoder import EncoderMissingError
    from hera_tui.safety.detector import Detector, default_detector, status

    detector = default_detector()
    if mode != "rules" and detector.mode == "rules":
        if mode == "classifier":
            raise EncoderMissingError(f"--detector classifier needs the encoder: {status()}")
        print(f"note: {status()}", file=sys.stderr)
    return Detector(detector.encoder, detector.trained, mode)


def check_lines(assessment) -> list[str]:
    """What ``hera safety check`` prints for one assessed message."""
    alert = assessment.alert
    lines = [f"flagged: {'yes' if assessment.flagged else 'no'}"]
    if alert is not None:
        lines.append(f"banner: {alert.title}" + (f" (possible: {alert.possible_titles()})"
                                                 if alert.general else ""))
        lines += [f"  {line}" for line in alert.guidance.text().splitlines()]
    for hit in assessment.hits:
        lines.append(f"rule {hit.condition} / {hit.rule}: \u201c{hit.evidence}\u201d")
    lines += vital_lines(assessment)
    if assessment.denials:
        lines.append(f"red flags denied: {assessment.denials} (with no rule firing, two or more "
                     "raise the classifier's threshold)")
    for piece, emergency, _ in assessment.pieces:
        lines.append(f"classifier {emergency:.2f} on \u201c{_short(piece)}\u201d")
    if alert is not None and alert.score is not None:
        lines += [f"  {f.condition}: {f.detail}" for f in alert.findings
                  if f.source == "classifier"]
    return lines


def vital_lines(assessment) -> list[str]:
    """Every number the check read and used, and what the scores made of them (findings that
    flag are listed among the rules above; the ones only reported are listed here)."""
    from hera_tui.safety.vitals import news2

    signs = assessment.vitals
    used = signs.used()
    if not used:
        return []
    lines = ["numbers read: " + "; ".join(r.describe() for r in used)]
    who = (f"age {signs.age:g} years" if signs.age is not None and signs.age >= 1 else
           f"age {signs.age * 52:.0f} weeks" if signs.age is not None else
           "a child, age not given" if signs.child else "an adult (no age given)")
    score = news2(signs)
    lines.append(f"  scored as {who}" + (f"; {score.describe()}" if score and signs.adult
                                         else ""))
    lines += [f"  reported: {f.rule}: {f.evidence}" for f in assessment.vital_findings
              if not f.flags]
    return lines


def _short(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _check(args: argparse.Namespace) -> int:
    from hera_tui.safety.detector import status

    detector = _detector(args.detector)
    print(f"check: {status() if detector.mode != 'rules' else 'rules only'}")
    print("\n".join(check_lines(detector.assess(args.text))))
    return 0


def _eval(args: argparse.Namespace) -> int:
    from hera_tui.safety.evaluate import evaluate, report
    from hera_tui.safety.labelled import read_labelled

    rows = read_labelled(args.file)
    detector = _detector(args.detector)
    print(f"{args.file}: {len(rows)} messages, detector: {detector.mode}")
    print("\n".join(report(evaluate(rows, detector.assess, tuple(args.by)),
                            show_cases=args.show_cases)))
    return 0
