"""TREC 2017 LiveQA medical questions: real consumer messages sent to the U.S. National
Library of Medicine, with their annotated focus and type and librarians' reference answers.

The two training files differ in layout: Train-1 (200 questions, answers constructed
automatically and validated) numbers its questions ``questionid="Q1"`` and its
sub-questions ``subqid``; Train-2 (246 questions, answers found by librarians) uses
``qid="1.0"``. A question's id here is ``<file>:<id>`` (``train1:Q2``, ``train2:1.0``), so
the two never collide. The message is what the person wrote: the subject line (when there
is one) and the message, joined by a newline, never paraphrased.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hera_core.errors import HeraError

#: the training files of the LiveQA medical task, by the short name used in question ids
TRAIN_FILES = {
    "train1": "TREC-2017-LiveQA-Medical-Train-1.xml",
    "train2": "TREC-2017-LiveQA-Medical-Train-2.xml",
}


class LiveQAError(HeraError, ValueError):
    """A LiveQA file cannot be read; the message names it and the fix."""


@dataclass(frozen=True)
class ConsumerQuestion:
    """One consumer question with its annotations and reference answers."""

    id: str
    message: str
    foci: tuple[str, ...]
    qtypes: tuple[str, ...]
    answers: tuple[str, ...]


def _text(node: ET.Element | None) -> str:
    """The element's text with its whitespace folded; entities that the files escape twice
    (``&amp;quot;``) are read as the character the person typed."""
    return " ".join(html.unescape("".join(node.itertext())).split()) if node is not None else ""


def read_file(path: Path, name: str) -> Iterator[ConsumerQuestion]:
    """The questions of one LiveQA XML file, in file order."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise LiveQAError(f"{path}: cannot read LiveQA questions ({exc}); restore the file "
                          "from the LiveQA_MedicalTask_TREC2017 repository") from None
    for question in root.iter("NLM-QUESTION"):
        qid = question.get("questionid") or question.get("qid")
        if not qid:
            raise LiveQAError(f"{path}: a question without an id; restore the file")
        subject = _text(question.find("SUBJECT"))
        body = _text(question.find("MESSAGE"))
        message = f"{subject}\n{body}" if subject and body else subject or body
        subs = list(question.iter("SUB-QUESTION"))
        yield ConsumerQuestion(
            id=f"{name}:{qid}",
            message=message,
            foci=tuple(f for s in subs if (f := _text(s.find("ANNOTATIONS/FOCUS")))),
            qtypes=tuple(t for s in subs if (t := _text(s.find("ANNOTATIONS/TYPE")))),
            answers=tuple(a for a in (_text(x) for x in question.iter("ANSWER")) if a),
        )


def read_train(folder: Path) -> list[ConsumerQuestion]:
    """Both training files of ``folder`` (``HERA_DATA_DIR/liveqa-train``)."""
    out: list[ConsumerQuestion] = []
    for name, file in TRAIN_FILES.items():
        path = Path(folder) / file
        if not path.is_file():
            raise LiveQAError(f"{path}: LiveQA training file not found; set HERA_DATA_DIR to "
                              "the folder holding liveqa-train/")
        out.extend(read_file(path, name))
    return out
