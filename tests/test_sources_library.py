"""The NIH library: reading MedQuAD's tree, building the index, rebuilding, resuming, and
finding passages, on a miniature MedQuAD written for the tests (tests/support/medquad_mini)
with the real all-MiniLM-L6-v2 encoder and real SQLite FTS5."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from hera_core.sources import library as library_module
from hera_core.sources.library import (
    LibraryError,
    build_library,
    current_dir,
    open_library,
)
from hera_core.sources.medquad import CorpusError, CorpusStats, read_corpus
from hera_core.sources.retrieve import Retriever, open_retriever
from hera_tui.command import main

MINI = Path(__file__).parent / "support" / "medquad_mini"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the miniature tree."""
    return Path(shutil.copytree(MINI, tmp_path / "medquad"))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HERA_HOME", str(tmp_path / "hera-home"))
    monkeypatch.setenv("HERA_CACHE_DIR", str(tmp_path / "cache"))  # no vectors from earlier
    return tmp_path / "hera-home" / "sources"


def quiet(_: str) -> None:
    """Build messages are not under test here."""


def test_reading_the_tree_keeps_every_answered_pair_with_its_xml_id() -> None:
    stats = CorpusStats()
    passages = {p.id: p for p in read_corpus(MINI, stats)}
    # 14 questions in 7 files: 2 without an answer, 1 repeated word for word on a second page
    assert (stats.documents, stats.pairs, stats.no_answer, stats.duplicates) == (7, 11, 2, 1)
    # all three layouts are read, with site, URL, focus, type and synonyms
    assert passages["NINDS:0000003-2"].focus == "Restless Legs Syndrome"
    assert passages["CDC:0000004-1"].qtype == "treatment"
    assert passages["NIDDK:0000001-1"].synonyms == ("cholelithiasis",)
    assert passages["NIDDK:0000001-1"].site.endswith("(NIDDK)")
    assert passages["NIDDK:0000001-1"].url.endswith("/gallstones")
    # the repeated pair is kept once, under the first id read; the reused qid is made unique
    assert "NIDDK:0000002-2" not in passages and "CancerGov:0000005_1-2" in passages
    assert passages["CancerGov:0000005_1-1@0000005_1_1"].focus == "Melanoma"


def test_a_passage_round_trips_to_its_xml() -> None:
    """The id names the XML pair, and the text is the XML answer with only the indentation
    of the file removed: paragraphs, ``- item`` lists and entities as the site wrote them."""
    passages = {p.id: p for p in read_corpus(MINI)}
    for pid in ("NIDDK:0000001-1", "NIDDK:0000001-2", "NINDS:0000003-1", "CDC:0000004-2"):
        source, qid = pid.split(":")
        for path in MINI.glob("*/*.xml"):
            root = ET.parse(path).getroot()
            if (root.get("source") or root.get("corpus")) != source:
                continue
            for q in root.iter():
                if q.tag in ("Question", "question") and q.get("qid") == qid:
                    pair = next(p for p in root.iter() if q in list(p))
                    answer = pair.find("Answer") if pair.find("Answer") is not None else (
                        pair.find("answer"))
                    lines = [line.strip() for line in answer.text.splitlines()]
                    xml_text = "\n".join(lines).strip()
                    while "\n\n\n" in xml_text:
                        xml_text = xml_text.replace("\n\n\n", "\n\n")
                    assert passages[pid].text == xml_text
    assert passages["NIDDK:0000001-1"].text == (
        "Gallstones are hard pieces of material that form in the gallbladder, a small organ "
        "under the liver.\n\nMany people with gallstones have no symptoms & need no treatment.")


def test_a_malformed_file_is_one_clear_error(corpus: Path) -> None:
    (corpus / "5_NIDDK_QA" / "0000002.xml").write_text("<Document><oops>", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"0000002\.xml: not valid XML .*restore the file"):
        list(read_corpus(corpus))


def test_build_once_then_rebuild_when_the_corpus_changes(corpus: Path, home: Path) -> None:
    first = build_library(corpus, say=quiet)
    assert first.built and first.stats["passages"] == 11 and first.stats["no_answer"] == 2
    library = open_library()
    assert library.size == 11 and library.dense is not None and library.dense.shape == (11, 384)
    library.close()
    assert not build_library(corpus, say=quiet).built  # same sha256: nothing to do
    answer = corpus / "5_NIDDK_QA" / "0000002.xml"
    answer.write_text(answer.read_text(encoding="utf-8").replace(
        "plenty of water", "plenty of water (two litres a day)"), encoding="utf-8")
    second = build_library(corpus, say=quiet)
    assert second.built and second.stats["corpus_sha256"] != first.stats["corpus_sha256"]
    assert current_dir() == second.directory and not first.directory.exists()
    library = open_library()
    text = library.passages([library.row_of("NIDDK:0000002-1")])[0].text
    assert "two litres a day" in text
    library.close()


def test_an_interrupted_build_resumes_and_keeps_the_old_library(
        corpus: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Vectors are committed chunk by chunk: a build killed half way leaves the library in
    use untouched, and the next build encodes only what was not encoded yet."""
    from hera_core.encoder import minilm

    monkeypatch.setattr(library_module, "_CHUNK", 4)
    real_embed = minilm.SentenceEncoder.embed
    calls: list[int] = []

    def failing(self, texts):
        calls.append(len(texts))
        if len(calls) == 2:
            raise KeyboardInterrupt  # the person pressed Ctrl-C
        return real_embed(self, texts)

    monkeypatch.setattr(minilm.SentenceEncoder, "embed", failing)
    with pytest.raises(KeyboardInterrupt):
        build_library(corpus, say=quiet)
    assert current_dir() is None and not list(home.glob(".library-*"))
    calls.clear()
    monkeypatch.setattr(minilm.SentenceEncoder, "embed",
                        lambda self, texts: calls.append(len(texts)) or real_embed(self, texts))
    assert build_library(corpus, say=quiet).built
    assert sum(calls) == 11 - 4  # the first chunk came from the cache
    library = open_library()
    dense = np.array(library.dense)
    library.close()
    fresh = real_embed(minilm.load_encoder(), [library_module.embedding_text(p)
                                               for p in read_corpus(corpus)])
    assert np.allclose(dense, fresh, atol=1e-6)


def test_no_library_is_a_one_line_error_naming_the_fix(home: Path) -> None:
    with pytest.raises(LibraryError, match="hera sources build"):
        open_library()


@pytest.fixture
def built(corpus: Path, home: Path) -> Retriever:
    build_library(corpus, say=quiet)
    retriever = open_retriever()
    yield retriever
    retriever.library.close()


def test_retrieval_finds_the_passage_a_consumer_asks_about(built: Retriever) -> None:
    """Misspelled, polite, long: the page is found by the focus it names and the answer by
    the kind of question (a treatment question gets the treatment pair)."""
    message = ("Dear sir, I was told on my scan that I have gall stones and I get bad pain "
               "after fatty meals. what are my options, do I need an operation? thank you")
    hits = built.search(message, top=3)
    assert hits[0].passage.id == "NIDDK:0000001-2"
    message = "my son keeps scratching his head and we found lice, how do we get rid of them"
    assert built.search(message, top=1)[0].passage.id == "CDC:0000004-1"
    synonym = built.search("is cholelithiasis serious?", top=1)[0]
    assert synonym.passage.focus == "Gallstones" and synonym.focus_named


def test_each_retriever_alone_ranks_by_its_own_score(built: Retriever) -> None:
    bm25 = built.search("kidney stones prevent salt", top=3, mode="bm25")
    assert bm25[0].passage.id == "CancerGov:0000005_1-2"  # the kept copy of the pair
    dense = built.search("restless legs at night", top=2, mode="dense")
    assert dense[0].passage.focus == "Restless Legs Syndrome"
    assert dense[0].similarity >= dense[1].similarity


def test_search_json_output(built: Retriever, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sources", "search", "how are head lice treated", "--top", "2",
                 "--json"]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert len(results) == 2
    assert set(results[0]) == {"id", "focus", "qtype", "source", "url", "score", "text"}
    assert results[0]["id"] == "CDC:0000004-1"
    assert results[0]["source"] == "Centers for Disease Control and Prevention (CDC)"
    assert results[0]["score"] >= results[1]["score"]


def test_build_command_and_its_missing_corpus_note(
        corpus: Path, home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["sources", "build", str(corpus)]) == 0
    assert "built: 11 passages, hybrid" in capsys.readouterr().err
    assert main(["sources", "build", str(corpus)]) == 0
    assert "up to date" in capsys.readouterr().err
    monkeypatch.setenv("HERA_DATA_DIR", str(tmp_path / "no-data"))
    assert main(["sources", "build", "--if-available"]) == 0  # make setup's call
    assert "library: not built" in capsys.readouterr().err
    assert main(["sources", "build"]) == 2
    assert "MedQuAD folder not found" in capsys.readouterr().err
