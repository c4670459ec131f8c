"""Compose ``corpus/composed.jsonl``: each triage finding and its benign twin, told alike.

    python -m hera_tui.safety.compose          # rewrite corpus/composed.jsonl
    python -m hera_tui.safety.compose --check  # exit 1 when the file is not what this writes

Why composed: every earlier corpus file was written message by message, and each writer
told emergencies more urgently than non-emergencies, so the learned layer learned the
tone. Here a finding (``findings.py``) and its twin go through the same frames: the same
person (the writer, a partner, a carer, a care-home nurse), the same calm or "seems fine"
aside, the same mundane closing question ("can it wait for the GP on Monday?"), nurses'
shorthand and non-native English. Only the finding differs, so only the finding can
separate them. (A what-if line per finding, the emergency finding told as a first-aid
course question or a TV drama, was tried and left out: the learned layer then needed a
higher threshold and lost recall on the fourth and fifth sets; the corpus's negatives
already hold such questions.)

Deterministic: which frames a finding gets is chosen by a hash of the finding, so the file
is the same on every machine and a test compares it with what this module writes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from hera_core.atomic_files import atomic_write_text

from .findings import FINDINGS

OUT_NAME = "composed.jsonl"
#: frames per finding (each used for the emergency and for its twin)
FRAMES_PER_FINDING = 3


@dataclass(frozen=True)
class Subject:
    """Who the message is about, as the frames need it: "I have" / "my mum has"."""

    name: str
    has: str = "has"
    is_: str = "is"
    #: the way a nurse or carer would write it in shorthand
    short: str = "pt"

    @property
    def first_person(self) -> bool:
        return self.name == "I"

    def clause(self, finding: str, *, past: bool = False) -> str:
        """The subject and the finding with its verb agreed: a finding opens with
        ``{is}`` ("{is} on warfarin with...") or ``{was}``, or else takes "has"."""
        verb, rest = _verb(finding)
        if past:
            word = {"has": "had", "is": "was", "was": "was"}[verb]
        else:
            word = {"has": self.has, "is": self.is_, "was": "was"}[verb]
        return f"{self.name} {word} {rest}"


def _verb(finding: str) -> tuple[str, str]:
    for verb in ("is", "was"):
        if finding.startswith("{" + verb + "} "):
            return verb, finding[len(verb) + 3:]
    return "has", finding


SUBJECTS: dict[str, tuple[Subject, ...]] = {
    "adult": (Subject("I", "have", "am", "self, 40s"), Subject("my husband", short="42M"),
              Subject("my flatmate", short="pt 29F"), Subject("my dad, 61,", short="61M"),
              Subject("a colleague at work", short="colleague, 35M")),
    "elderly": (Subject("my mum, 83,", short="83F"), Subject("my grandad", short="89M"),
                Subject("an elderly neighbour", short="neighbour, 78F"),
                Subject("a resident at our care home", short="res 91F")),
    "child": (Subject("my son (6)", short="6yo M"), Subject("my daughter, 3,", short="3yo F"),
              Subject("my toddler", short="toddler 2y"),
              Subject("a boy I childmind, aged 5,", short="5yo M (childminding)")),
    "baby": (Subject("my 5-week-old", short="5/52 baby"),
             Subject("our newborn (8 days old)", short="8/7 neonate"),
             Subject("my 7-week-old daughter", short="7/52 F")),
    "pregnant": (Subject("I", "have", "am", "self, 31F"), Subject("my wife", short="32F"),
                 Subject("my sister", short="sister, 27F")),
    "male": (Subject("I", "have", "am", "self, 19M"), Subject("my son, 14,", short="14M"),
             Subject("my husband", short="44M")),
}

#: an adult who cannot be the writer ("collapsed and not breathing")
SUBJECTS["someone"] = SUBJECTS["adult"][1:]

#: mundane closing questions: the same for emergencies and their twins
CLOSES = (
    "Is it ok to wait for the GP on Monday?",
    "Should I just give paracetamol and see how it goes?",
    "Is this normal?",
    "Anything we can try at home tonight?",
    "Can it wait until the morning?",
    "Which painkiller is best for this?",
    "Fine to keep an eye on it for now?",
    "Worth mentioning at the next appointment?",
    "Heat pack or ice?",
)
SHORT_CLOSES = ("?wait for GP", "pls advise", "ok to monitor overnight?", "any advice",
                "for review tomorrow?")
NON_NATIVE_CLOSES = ("We must go to hospital or can wait?", "Is normal or not?",
                     "What medicine I can give?", "Please tell me what to do.")


def _plain(s: Subject, finding: str, close: str) -> str:
    return f"{s.clause(finding)}. {close}"


def _calm(s: Subject, finding: str, close: str) -> str:
    return f"Probably nothing, but {s.clause(finding)}. {close}"


def _seems_fine(s: Subject, finding: str, close: str) -> str:
    rest = "I feel ok in myself" if s.first_person else "otherwise seems ok in themselves"
    return f"{s.clause(finding)}, but {rest}, no fuss. {close}"


def _lead_in(s: Subject, finding: str, close: str) -> str:
    return (f"Bit of a busy day here with the school run and the dog. Anyway, "
            f"{s.clause(finding)}. {close}")


def _shorthand(s: Subject, finding: str, close: str) -> str:
    return f"{s.short}: {_verb(finding)[1]}. {SHORT_CLOSES[len(finding) % len(SHORT_CLOSES)]}"


def _non_native(s: Subject, finding: str, close: str) -> str:
    verb, rest = _verb(finding)
    return (f"Hello, sorry my english. {s.name} {'have' if verb == 'has' else verb} {rest}. "
            f"{NON_NATIVE_CLOSES[len(finding) % len(NON_NATIVE_CLOSES)]}")


def _carer(s: Subject, finding: str, close: str) -> str:
    return f"Writing as a carer: {s.clause(finding)}. {close}"


FRAMES = {"plain": _plain, "calm": _calm, "seems_fine": _seems_fine, "lead_in": _lead_in,
          "shorthand": _shorthand, "non_native": _non_native, "carer": _carer}


def _pick(key: str, n: int) -> int:
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % n


def _capital(text: str) -> str:
    return text[0].upper() + text[1:]


def lines() -> list[dict]:
    """Every composed line: per finding, its emergency and its twin in the same frames."""
    out: list[dict] = []
    names = sorted(FRAMES)
    for condition, who, emergency, benign in FINDINGS:
        subjects = SUBJECTS[who]
        start = _pick(emergency, len(names))
        for k in range(FRAMES_PER_FINDING):
            frame = names[(start + 2 * k) % len(names)]
            subject = subjects[_pick(emergency + frame, len(subjects))]
            if frame == "carer" and subject.first_person:
                subject = subjects[1]
            close = CLOSES[_pick(frame + emergency, len(CLOSES))]
            make = FRAMES[frame]
            out.append({"text": _capital(make(subject, emergency, close)), "emergency": True,
                        "condition": condition, "style": frame})
            out.append({"text": _capital(make(subject, benign, close)), "emergency": False,
                        "near": condition, "kind": f"twin_{frame}"})
    return out


def render() -> str:
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines())


def main(argv: list[str] | None = None) -> int:
    from .train import corpus_dir

    parser = argparse.ArgumentParser(prog="python -m hera_tui.safety.compose",
                                     description="Write the composed corpus file.")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when corpus/composed.jsonl differs from what is composed")
    args = parser.parse_args(argv)
    path = Path(corpus_dir()) / OUT_NAME
    text = render()
    if args.check:
        same = path.exists() and path.read_text(encoding="utf-8") == text
        fix = "stale: run python -m hera_tui.safety.compose"
        print(f"{path.name}: {'up to date' if same else fix}")
        return 0 if same else 1
    atomic_write_text(path, text)
    print(f"wrote {path} ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
