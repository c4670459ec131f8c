"""The rules between retrieval and a reply: which passages go in, how they are trimmed, which
are cited, how a reply is scored, what counts as doctor voice, and how stage 2's grounded
examples are drawn (split by focus)."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from hera_core.formats import (
    CLINICIAN_LINE,
    NO_SOURCES_LINE,
    SOURCE_LEAD_PATTERN,
    Message,
    grounded_question,
)
from hera_core.sources.answering import ReplyPlan, finish_reply
from hera_core.sources.grounding import (
    EXCERPT_WORDS,
    Source,
    citations,
    claim_sentences,
    excerpt,
    relevant,
    supported_share,
    supports,
)
from hera_core.sources.library import build_library
from hera_core.sources.medquad import Passage, read_corpus
from hera_core.sources.retrieve import Hit, open_retriever
from hera_core.sources.text import negated_stems
from hera_core.sources.trainset import (
    gold_position,
    grounded_examples,
    held_out_foci,
    reply_from,
    reword,
)
from hera_core.sources.voice import doctor_voice

MINI = Path(__file__).parent / "support" / "medquad_mini"


def passage(text: str, focus: str = "Gallstones", qtype: str = "treatment") -> Passage:
    return Passage("NIDDK:1-1", "NIDDK", "https://example.org/g", focus, qtype,
                   f"What are the treatments for {focus} ?", text)


def test_the_relevance_gate() -> None:
    p = passage("Gallstones are removed in an operation.")
    assert relevant(Hit(p, 0.05, focus_named=True, similarity=0.40), "my gallstones hurt")
    assert not relevant(Hit(p, 0.05, focus_named=True, similarity=0.20), "good novels")
    # not named: must be very close and share a word with the page's focus
    assert relevant(Hit(p, 0.05, similarity=0.50), "what can be done for gallstones pain")
    assert not relevant(Hit(p, 0.05, similarity=0.50), "what is 17 times 23")
    assert not relevant(Hit(p, 0.05, similarity=0.40), "gallstones")


def test_an_excerpt_keeps_what_answers_the_question_within_its_words() -> None:
    text = ("What are the treatments for gallstones? Gallstones are common. Many people never "
            "notice them. The usual treatment for painful gallstones is an operation to remove "
            "the gallbladder. " + "Unrelated filler sentence about the liver and bile. " * 12)
    cut = excerpt("how are painful gallstones treated", passage(text))
    assert "operation to remove the gallbladder" in cut  # the answering sentence
    assert "What are the treatments" not in cut  # the page restating the question
    assert cut.startswith("Gallstones are common.")  # original order, the opening kept
    assert len(cut.split()) <= EXCERPT_WORDS + 1
    assert cut.endswith("liver and bile.")  # whole sentences: none is cut to fit


def test_an_excerpt_cuts_only_a_first_sentence_longer_than_its_words() -> None:
    long = "Gallstones " + "and more words " * 60 + "end."
    cut = excerpt("gallstones", passage(long + " Short second sentence."))
    assert cut.endswith(" …") and len(cut.split()) == EXCERPT_WORDS + 1
    # a chosen sentence that does not fit is left out, a shorter one after it still fits
    text = ("Gallstones are common. Gallstones " + "long " * 100 + "sentence. Gallstones pain "
            "comes after meals.")
    kept = excerpt("gallstones pain", passage(text))
    assert kept == "Gallstones are common. Gallstones pain comes after meals."


def test_citations_need_a_supported_claim() -> None:
    gall = Source(1, passage("Gallstones are usually treated by removing the gallbladder in "
                             "an operation called cholecystectomy."), "…")
    kidney = Source(2, passage("Small kidney stones pass on their own with plenty of water.",
                               "Kidney Stones"), "…")
    reply = ("Gallstones are usually treated by removing the gallbladder [1].\n\n"
             + CLINICIAN_LINE)
    assert citations(reply, [gall, kidney]) == [gall]
    assert claim_sentences(reply) == ["Gallstones are usually treated by removing the "
                                      "gallbladder [1]."]  # the fixed line is not a claim
    assert supported_share(reply, [gall, kidney]) == (1, 1)
    assert citations("Bananas are yellow [1].", [gall, kidney]) == []
    assert supported_share("Bananas are yellow. Gallstones are treated by removing the "
                           "gallbladder.", [gall]) == (1, 2)
    assert citations(f"{NO_SOURCES_LINE}\n\n{CLINICIAN_LINE}", [gall]) == []


def test_a_sentence_the_source_does_not_say_is_not_supported() -> None:
    # run G's sample reply: three of its five stems ("back", "pain", "effect") are on the
    # NINDS page, which names neither medicine and calls nothing ineffective
    page = passage("Most low back pain can be treated without surgery. Effective pain relief "
                   "may involve a combination of prescription drugs and over-the-counter "
                   "remedies. Exercise may be the most effective way to speed recovery from "
                   "low back pain.", "Back Pain")
    back = Source(3, page, "…")
    wrong = "No, ibuprofen and paracetamol are not effective for back pain. [3]"
    assert citations(wrong, [back]) == []
    # all its stems are on the page, but the page does not say it is not effective
    assert not supports("Exercise is not effective for low back pain.", page.text)
    assert supports("Exercise is effective for low back pain.", page.text)
    # a negation the page makes is supported when quoted
    assert supports("Most low back pain can be treated without surgery.", page.text)
    assert citations("Back pain can be treated without surgery [3].", [back]) == [back]


def test_negated_stems() -> None:
    assert negated_stems("It is not usually effective, and there is no fever.") == {
        "usual", "fever"}
    assert negated_stems("He doesn't sleep; they cannot eat.") == {"sleep", "eat"}
    assert negated_stems("It is no more than a cold.") == {"cold"}
    assert negated_stems("It helps [1]. Not") == set()


def test_the_context_block() -> None:
    from hera_core.formats import ContextPassage

    block = grounded_question("  how are they treated? ", [
        ContextPassage(1, "NIDDK: Gallstones", "Removed in an operation.\n"),
        ContextPassage(2, "CDC: Head lice", "Lotion.")])
    assert block == ("Sources (NIH health information):\n[1] NIDDK: Gallstones\nRemoved in "
                     "an operation.\n[2] CDC: Head lice\nLotion.\nQuestion: how are they "
                     "treated?")
    assert grounded_question("hello", []) == (
        "Sources: none found in HERA's NIH library for this question.\nQuestion: hello")


@pytest.mark.parametrize(("text", "doctor"), [
    ("Yes, based on your symptoms, you may have a bacterial infection in your intestines. "
     "We'll need to do some tests to confirm.", True),
    ("It sounds like your baby might have whooping cough.", True),
    ("I suspect that you may be experiencing asthma.", True),
    ("I would prescribe amoxicillin for a week.", True),
    ("As your doctor, I advise rest.", True),
    ("I'm a physician and this is common.", True),
    ("Im a doctor so trust me", True),
    ("I am Dr. Smith.", True),
    ("We will also need to do some tests to check your kidneys.", True),
    ("I'd like to examine your throat.", True),
    ("Acne is a common skin disease that causes pimples [1].", False),
    ("If you have pain and stiffness in your body, you might have arthritis.", False),
    ("Take all medicines regularly, as your doctor prescribes.", False),
    ("Please see a doctor if it gets worse.", False),
    ("Your doctor can examine you; I am an AI assistant, not a doctor.", False),
    ("A doctor may need to run some tests.", False),
    ("Diagnosis is based on the symptoms present in the patient.", False),
    ("You could ask your GP whether they would like to examine it.", False),
])
def test_doctor_voice(text: str, doctor: bool) -> None:
    assert doctor_voice(text) is doctor


def test_hera_s_replies_name_their_source_quote_its_excerpt_and_end_with_the_line() -> None:
    source = Source(2, passage("x"), "Gallstones are hard pieces of material. They form in "
                    "the gallbladder. Pain comes after meals.")
    reply = reply_from(source)
    # the source named first, its excerpt whole, the clinician line last
    site = source.passage.site
    assert reply == (f"According to {site} [2]: Gallstones are hard pieces of material. They "
                     "form in the gallbladder. Pain comes after meals.\n" + CLINICIAN_LINE)
    # the opening is not part of the claim: each quoted sentence is supported by the page
    page = Source(2, passage(source.excerpt), source.excerpt)
    assert claim_sentences(reply)[0] == "Gallstones are hard pieces of material."
    assert supported_share(reply, [page]) == (3, 3)
    cut = Source(1, passage("x"), "A very long single sentence cut at the budget …")
    assert reply_from(cut).startswith(f"According to {site} [1]: A very long single sentence "
                                      "cut at the budget\n")
    assert not doctor_voice(reply)
    rng = random.Random(3)
    worded = {reword("What are the treatments for Gallstones ?", passage("x"), rng)
              for _ in range(30)}
    assert len(worded) > 10 and all("gallstones" in w or "gallstone" in w or len(w) > 10
                                    for w in worded)


def test_the_right_source_is_numbered_where_the_retriever_ranks_it() -> None:
    pages = [Passage(f"NIDDK:{n}-1", "NIDDK", f"https://example.org/{n}", f"F{n}",
                     "treatment", "q", "t") for n in range(4)]
    hits = [Hit(p, 1.0 - i / 10) for i, p in enumerate(pages)]
    rng = random.Random(0)
    # ranked second: after the first distractor, before the third page
    assert gold_position(pages[1], [pages[0], pages[2]], hits, rng) == 1
    assert gold_position(pages[0], [pages[2], pages[3]], hits, rng) == 0
    assert gold_position(pages[3], [pages[0], pages[1]], hits, rng) == 2
    # a distractor the retriever did not return counts as ranked after every hit
    outside = Passage("CDC:9-1", "CDC", "https://example.org/9", "F9", "treatment", "q", "t")
    assert gold_position(pages[2], [outside], hits, rng) == 0
    # the retriever missed the right page: any place, all of them used
    missed = Passage("GARD:8-1", "GARD", "https://example.org/8", "F8", "treatment", "q", "t")
    assert {gold_position(missed, pages[:2], hits, rng) for _ in range(60)} == {0, 1, 2}


def test_grounded_examples_are_split_by_focus(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """No page about a held-out focus is trained on; about one example in seven has its
    right passage taken out, and then says the sources do not answer it."""
    monkeypatch.setenv("HERA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HERA_CACHE_DIR", str(tmp_path / "cache"))
    corpus = Path(shutil.copytree(MINI, tmp_path / "medquad"))
    build_library(corpus, say=lambda _: None)
    passages = list(read_corpus(corpus))
    retriever = open_retriever()
    from hera_core.sources.liveqa import ConsumerQuestion

    held = held_out_foci([ConsumerQuestion("q", "m", ("gallstones",), ("treatment",), ("a",))])
    examples, report = grounded_examples(retriever, passages, held, set(), 50, seed=1)
    retriever.library.close()
    assert report["held_out_pairs"] >= 3  # the three gallstone pairs
    assert all(not e.id.startswith("NIDDK:0000001") for e in examples)
    assert {e.id for e in examples} <= {p.id for p in passages}
    for e in examples:
        system, user, reply = e.messages
        assert system.role == "system" and isinstance(reply, Message)
        assert reply.content.endswith(CLINICIAN_LINE)
        if e.answerable:
            assert user.content.startswith("Sources (NIH health information)")
            # named by the number the context block gives the right page
            lead = SOURCE_LEAD_PATTERN.match(reply.content)
            assert lead and f"[{lead.group(1)}] " in user.content
        else:
            assert reply.content.startswith(NO_SOURCES_LINE)
    assert 0 < report["unanswerable"] < len(examples)
    # asked with no context block, as `ollama run hera` asks: never answered from memory
    from hera_core.sources import trainset

    monkeypatch.setattr(trainset, "PLAIN_SHARE", 0.5)
    retriever = open_retriever()
    examples, _ = grounded_examples(retriever, passages, held, set(), 50, seed=2)
    retriever.library.close()
    plain = [e for e in examples if not e.messages[1].content.startswith("Sources")]
    assert plain and all(not e.answerable for e in plain)
    assert all(e.messages[2].content.startswith(NO_SOURCES_LINE) for e in plain)


def test_a_reply_names_a_source_only_where_that_source_supports_it() -> None:
    gall = Source(1, passage("Gallstones are usually treated by removing the gallbladder."),
                  "…")
    kidney = Source(2, passage("Small kidney stones pass on their own with plenty of water.",
                               "Kidney Stones"), "…")
    plan = ReplyPlan((Message("user", "q"),), True, (gall, kidney))
    quoted = f"According to {gall.passage.site} [1]: Gallstones are usually treated by "
    honest = finish_reply(plan, quoted + "removing the gallbladder.\n" + CLINICIAN_LINE)
    assert honest.text.startswith(quoted) and [s.number for s in honest.cited] == [1]
    # named as source [2], which says nothing of the kind: the opening and marker go
    wrong = finish_reply(plan, f"According to {kidney.passage.site} [2]: Gallstones are "
                         "usually treated by removing the gallbladder. Bananas are yellow [2].")
    assert wrong.text == ("Gallstones are usually treated by removing the gallbladder. "
                          "Bananas are yellow.")
    assert [s.number for s in wrong.cited] == [1]
