"""From retrieved hits to the sources a reply is written with, and back to its citations.

Three rules keep every shown citation honest:

1. **Only relevant passages go in.** A hit is used when its page is named in the message
   and the message is close to its question (cosine >= :data:`NAMED_SIMILARITY`), or when
   the two are very close (>= :data:`CLOSE_SIMILARITY`) and share a word with the page's
   focus. Chosen on the LiveQA dev set and a list of off-topic messages ("what is 17 times
   23", "my car makes a squeaking noise"): every relevant top-3 hit of the dev set passes,
   none of the off-topic ones does. When none passes, the reply is written with no
   sources and says so.
2. **Passages are trimmed to what answers the question** (:func:`excerpt`): the sentences
   sharing most stems with the message and with the pair's own question, in their
   original order, within :data:`EXCERPT_WORDS` words, so a prompt with three sources stays
   short enough for a fast first token on a laptop CPU.
3. **A source is cited only if it supports the reply** (:func:`citations`): at least one
   sentence of the reply must have :data:`SUPPORT_SHARE` of its content stems in that
   source's text, and every word it negates ("not effective", "no fever") negated there
   too. A source that supports nothing is listed as retrieved, never cited. Run G's
   sample reply "No, ibuprofen and paracetamol are not effective for back pain" passed
   the 60% share of the first version with a page that names neither medicine and says
   nothing is ineffective: both rules now refuse it, and no quoted sentence of run G's dev
   replies is lost to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hera_core.formats import SAFETY_LINES, SOURCE_LEAD_PATTERN, ContextPassage

from .medquad import Passage
from .retrieve import Hit
from .text import content_stems, negated_stems, sentences

#: at most this many sources in a prompt
MAX_SOURCES = 3
#: words of a passage's excerpt in the prompt
EXCERPT_WORDS = 100
#: similarity a hit whose page the message names must reach
NAMED_SIMILARITY = 0.35
#: similarity a hit whose page is not named must reach (and share a word with its focus)
CLOSE_SIMILARITY = 0.45
#: share of a sentence's content stems a source must hold for the sentence to be supported
#: (on the untrained model's dev replies, 0.75 refuses 44 loose sentences more than 0.6)
SUPPORT_SHARE = 0.75


@dataclass(frozen=True)
class Source:
    """A passage as a numbered source of one reply, with the excerpt the model read."""

    number: int
    passage: Passage
    excerpt: str

    @property
    def title(self) -> str:
        """MedQuAD has no page titles: a page is named by its focus."""
        return self.passage.focus

    @property
    def citation(self) -> str:
        return citation_line(self.to_json())

    def context(self) -> ContextPassage:
        return ContextPassage(self.number, f"{self.passage.site}: {self.title}", self.excerpt)

    def to_json(self) -> dict:
        p = self.passage
        return {"number": self.number, "id": p.id, "site": p.site, "title": self.title,
                "qtype": p.qtype, "url": p.url, "excerpt": self.excerpt}


def citation_line(source: dict) -> str:
    """``[1] MedlinePlus Health Topics: Acne (information). https://...`` from a source's
    JSON (as stored with a reply)."""
    return (f"[{source['number']}] {source['site']}: {source['title']} ({source['qtype']}). "
            f"{source['url']}")


def relevant(hit: Hit, message: str) -> bool:
    """Rule 1 of the module docstring."""
    if hit.focus_named:
        return hit.similarity >= NAMED_SIMILARITY
    shared = set(content_stems(hit.passage.focus)) & set(content_stems(message))
    return hit.similarity >= CLOSE_SIMILARITY and bool(shared)


def excerpt(message: str, passage: Passage, budget: int = EXCERPT_WORDS) -> str:
    """The passage's sentences that best answer the message, in order, within ``budget``
    words. Whole sentences only: a chosen sentence longer than what is left is skipped
    (only one longer than the whole budget, with nothing before it, is cut at a word and
    marked with "…"). Why: a reply quotes its source's excerpt to its end and then cites
    it; an excerpt ending mid-sentence left HERA-mini run H nothing to quote to, and three
    of its four replies that never ended their turn copied on past it into the next
    source."""
    asked = set(content_stems(message))
    own = set(content_stems(passage.question))
    # a page that restates the question first ("What are the signs of X?") wastes words
    parts = [p for p in sentences(passage.text) if not p.endswith("?")]
    scored = []
    for i, sentence in enumerate(parts):
        stems = set(content_stems(sentence))
        score = len(stems & asked) + 0.5 * len(stems & own) + (1.0 if i == 0 else 0.0)
        scored.append((-score, i))
    chosen: list[int] = []
    left = budget
    for _, i in sorted(scored):
        if left <= 0:
            break
        chosen.append(i)
        left -= len(parts[i].split())
    out = []
    room = budget
    for i in sorted(chosen):
        words = parts[i].split()
        if len(words) <= room:
            out.append(parts[i])
            room -= len(words)
        elif not out:
            return " ".join(words[:budget]) + " …"
    return " ".join(out)


def select_sources(message: str, hits: Sequence[Hit]) -> list[Source]:
    """The relevant hits, best first, numbered from 1, each with its excerpt."""
    kept = [h for h in hits if relevant(h, message)][:MAX_SOURCES]
    return [Source(n, h.passage, excerpt(message, h.passage)) for n, h in enumerate(kept, 1)]


def claim_sentences(reply: str) -> list[str]:
    """The reply's sentences that state something: HERA's fixed safety lines (the same
    words in every reply, defined in ``formats``) are advice, not claims to source, and
    the opening that names the source quoted (``formats.SOURCE_LEAD``) is not part of
    the claim it opens."""
    fixed = {" ".join(line.split()).casefold() for line in SAFETY_LINES}
    claims = (SOURCE_LEAD_PATTERN.sub("", s) for s in sentences(reply))
    return [s for s in claims if s.casefold() not in fixed and content_stems(s)]


def supports(sentence: str, text: str) -> bool:
    """Rule 3 for one sentence: enough of its content stems are in ``text``, and what it
    negates, ``text`` negates too (the stems alone cannot tell "is effective" from "is not
    effective")."""
    stems = set(content_stems(sentence))
    return (bool(stems) and len(stems & set(content_stems(text))) >= SUPPORT_SHARE * len(stems)
            and negated_stems(sentence) <= negated_stems(text))


def citations(reply: str, sources: Sequence[Source]) -> list[Source]:
    """The sources that support at least one claim of the reply (rule 3)."""
    claims = claim_sentences(reply)
    return [s for s in sources if any(supports(c, s.passage.text) for c in claims)]


def supported_share(reply: str, sources: Sequence[Source]) -> tuple[int, int]:
    """How many of the reply's claims the cited sources support, and how many there are."""
    claims = claim_sentences(reply)
    cited = " ".join(s.passage.text for s in citations(reply, sources))
    return sum(1 for c in claims if cited and supports(c, cited)), len(claims)
