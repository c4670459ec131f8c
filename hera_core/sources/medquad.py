"""MedQuAD as its repository ships it: NIH question-answer pairs, read from the XML tree.

MedQuAD (Ben Abacha & Demner-Fushman, BMC Bioinformatics 2019; CC BY 4.0) is a git
repository of twelve folders, one XML document per NIH page. Three document layouts occur
in it, and all three are read here:

- ``<Document id source url>`` with ``<Focus>`` and ``<QAPairs><QAPair><Question qid qtype>
  <Answer>`` (nearly every file);
- ``<doc docid corpus url>`` with ``<doctitle-focus>`` and ``<qaPairs><pair><question>
  <answer>`` (four NINDS files);
- ``<DiseaseFile fid source url>``, otherwise like the first (one CDC file).

A pair's id is ``<source>:<qid>`` exactly as in the XML (``NIDDK:0000001-2``). The qid is
meant to be unique within one source, but upstream reuses eight CancerGov qids in several
files (``0000013_2.xml`` and ``0000013_2_1.xml`` both hold ``0000013_2-1``, about different
cancers): the first file in sorted order keeps the plain id and each later one gets its
file name after an ``@`` (``CancerGov:0000013_2-1@0000013_2_1``), so every id is unique.

The three MedlinePlus subsets whose answers were removed upstream for copyright (A.D.A.M.,
drugs, herbs) have questions without answers: those are counted and skipped. The same
question and answer sometimes appear twice (once per source page that carries them): the
first id read (folders and files in sorted order) keeps the pair, the repeats are counted.
Upstream's count of 16,359 distinct pairs leaves out the 16 pairs of the four ``<doc>``
files of NINDS, so this reader finds 16,375.

Answers keep the site's paragraphs and ``- item`` lists; only the XML's indentation is
removed (:func:`clean_answer`), so a passage round-trips to its XML text.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from hera_core.errors import HeraError

#: display names of MedQuAD's source sites, by the ``source`` attribute of its documents
SITES: dict[str, str] = {
    "CancerGov": "National Cancer Institute (cancer.gov)",
    "GARD": "Genetic and Rare Diseases Information Center (GARD)",
    "GHR": "Genetics Home Reference (MedlinePlus Genetics)",
    "MPlusHealthTopics": "MedlinePlus Health Topics",
    "NIDDK": "National Institute of Diabetes and Digestive and Kidney Diseases (NIDDK)",
    "NINDS": "National Institute of Neurological Disorders and Stroke (NINDS)",
    "NIHSeniorHealth": "NIHSeniorHealth",
    "NHLBI": "National Heart, Lung, and Blood Institute (NHLBI)",
    "CDC": "Centers for Disease Control and Prevention (CDC)",
    "ADAM": "MedlinePlus A.D.A.M. Medical Encyclopedia",
    "MPlusDrugs": "MedlinePlus Drug Information",
    "MPlusHerbsSupplements": "MedlinePlus Herbs and Supplements",
}

CLONE_HINT = "git clone https://github.com/abachaa/MedQuAD"


class CorpusError(HeraError, ValueError):
    """The MedQuAD tree cannot be read; the message names the file and the fix."""


@dataclass(frozen=True)
class Passage:
    """One answered question-answer pair of the library."""

    id: str
    source: str
    url: str
    focus: str
    qtype: str
    question: str
    text: str
    #: the focus's synonyms as the document lists them (used to find the focus in a message)
    synonyms: tuple[str, ...] = ()

    @property
    def site(self) -> str:
        return SITES.get(self.source, self.source)


@dataclass
class CorpusStats:
    """What reading the tree found: kept pairs and what was skipped, and why."""

    documents: int = 0
    pairs: int = 0
    no_answer: int = 0
    duplicates: int = 0
    renamed: int = 0
    by_source: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        return (f"{self.pairs:,} answered pairs from {self.documents:,} documents; "
                f"{self.no_answer:,} questions without an answer skipped (removed upstream), "
                f"{self.duplicates:,} repeated pairs folded, {self.renamed} ids made unique")


_INDENT = re.compile(r"[ \t]*\n[ \t]*")
_BLANKS = re.compile(r"\n{3,}")


def clean_answer(raw: str) -> str:
    """The answer as the site wrote it: the XML's line indentation removed, lines kept,
    runs of blank lines folded to one, ends trimmed."""
    text = _INDENT.sub("\n", raw.replace("\r\n", "\n"))
    return _BLANKS.sub("\n\n", text).strip()


def _text(node: ET.Element | None) -> str:
    return "".join(node.itertext()).strip() if node is not None else ""


def _child(node: ET.Element, *names: str) -> ET.Element | None:
    for name in names:
        found = node.find(name)
        if found is not None:
            return found
    return None


def xml_files(root: Path) -> list[Path]:
    """The tree's document files in a fixed order (folder, then file name)."""
    return sorted(root.glob("*/*.xml"))


def find_corpus(path: Path | None) -> Path:
    """``path`` if given, else ``medquad`` in the data folder (:mod:`hera_core.paths`:
    ``$HERA_DATA_DIR``, else ``../shared/data`` beside the checkout): MedQuAD's XML."""
    if path is None:
        from hera_core.paths import data_dir, data_dir_source

        base = data_dir()
        if base is None:
            raise CorpusError(f"no MedQuAD folder given and no data folder "
                              f"({data_dir_source()}); pass the folder of a `{CLONE_HINT}`")
        path = base / "medquad"
    path = Path(path).expanduser()
    if not path.is_dir():
        raise CorpusError(f"{path}: MedQuAD folder not found; {CLONE_HINT} and pass its path")
    if not xml_files(path):
        raise CorpusError(f"{path} holds no MedQuAD XML (<folder>/<document>.xml); pass the "
                          f"folder of a `{CLONE_HINT}`")
    return path


def corpus_sha256(root: Path) -> str:
    """One digest of every document file, its path inside the tree and its bytes: the
    library is rebuilt when it changes."""
    digest = hashlib.sha256()
    for path in xml_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _document(path: Path) -> Iterator[tuple[str, Passage | None]]:
    """The pairs of one document file: ``(qid, passage)``, passage None without answer."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise CorpusError(f"{path}: not valid XML ({exc}); restore the file from the "
                          "MedQuAD repository (git checkout -- .)") from None
    source = root.get("source") or root.get("corpus") or ""
    url = root.get("url") or ""
    focus = _text(_child(root, "Focus", "doctitle-focus"))
    synonyms = tuple(_text(s) for s in root.iter("Synonym") if _text(s))
    if not source:
        raise CorpusError(f"{path}: document without a source attribute; restore the file "
                          "from the MedQuAD repository")
    for pair in [*root.iter("QAPair"), *root.iter("pair")]:
        question = _child(pair, "Question", "question")
        if question is None or not question.get("qid"):
            raise CorpusError(f"{path}: a question-answer pair without a question id; "
                              "restore the file from the MedQuAD repository")
        qid = question.get("qid", "")
        answer = clean_answer(_text(_child(pair, "Answer", "answer")))
        if not answer:
            yield qid, None
            continue
        yield qid, Passage(
            id=f"{source}:{qid}", source=source, url=url, focus=focus,
            qtype=question.get("qtype", ""), question=" ".join(_text(question).split()),
            text=answer, synonyms=synonyms,
        )


def read_corpus(root: Path, stats: CorpusStats | None = None) -> Iterator[Passage]:
    """Every answered, distinct pair of the tree, in file order; ``stats`` counts the rest."""
    stats = stats if stats is not None else CorpusStats()
    seen_ids: set[str] = set()
    seen_pairs: set[str] = set()
    for path in xml_files(root):
        stats.documents += 1
        for _, passage in _document(path):
            if passage is None:
                stats.no_answer += 1
                continue
            if passage.id in seen_ids:  # upstream reuses a few CancerGov qids across files
                passage = replace(passage, id=f"{passage.id}@{path.stem}")
                stats.renamed += 1
            seen_ids.add(passage.id)
            key = hashlib.sha256(f"{passage.question}\0{passage.text}".encode()).hexdigest()
            if key in seen_pairs:
                stats.duplicates += 1
                continue
            seen_pairs.add(key)
            stats.pairs += 1
            stats.by_source[passage.source] += 1
            yield passage
