"""Words, stems and sentences: the text rules shared by retrieval, trimming and the support
check, so that "a word of the question" means the same thing in each.

Stems come from the Snowball English stemmer (``snowballstemmer``, the Porter 2
algorithm), so "treatments", "treated" and "treating" meet; FTS5's own ``porter``
tokenizer stems the lexical index the same way.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# a sentence ends at . ! ? (or a line break) followed by space and a capital, digit or list
# mark; a citation marker after the stop ("... elderly. [1]") stays with its sentence
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?!\[\d)(?=[\"'(\[]?[A-Z0-9-])|"
                           r"(?<=\])\s+(?=[\"'(]?[A-Z0-9-])|\n+")
#: a citation marker of a reply: ``[1]``, ``[2, 3]``
CITATION = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")

#: words that carry no content: English function words plus the politeness and framing of
#: consumer messages ("dear sir", "please let me know", "thank you")
_STOPWORD_TEXT = """
a about above after again against all also am an and any are aren't as at be because been
before being below between both but by can can't cannot could couldn't did didn't do does
doesn't doing don't down during each few for from further get gets getting got had hadn't has
hasn't have haven't having he he'd he'll he's her here here's hers herself him himself his how
how's i i'd i'll i'm i've if in into is isn't it it's its itself just let's like me more most
much must mustn't my myself no nor not now of off on once only or other ought our ours
ourselves out over own same shan't she she'd she'll she's should shouldn't so some such than
that that's the their theirs them themselves then there there's these they they'd they'll
they're they've this those through to too under until up upon us very was wasn't we we'd we'll
we're we've were weren't what what's when when's where where's which while who who's whom why
why's will with won't would wouldn't you you'd you'll you're you've your yours yourself
yourselves
dear sir madam hello hi hey doctor dr thanks thank regards please kindly help know let tell
want wanted wondering wonder question questions ask asking anyone someone something thing
things really etc yes ok okay may might one two shall
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer().stemWord(word)


def words(text: str) -> list[str]:
    """Lower-cased words and numbers, apostrophes inside words kept (``don't``)."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def content_stems(text: str) -> list[str]:
    """The stems of the words that carry content, in order (repeats kept); citation
    markers are not content."""
    return [stem(w.removesuffix("'s")) for w in words(CITATION.sub(" ", text))
            if w not in STOPWORDS]


#: words that negate what follows them ("not", "no", "never", "cannot", "doesn't"...)
_NEGATIONS = frozenset(["no", "not", "never", "none", "cannot", "neither", "nor", "without"])
#: how far after a negation its word may be, past function words ("not more than")
NEGATION_REACH = 4


def negated_stems(text: str) -> set[str]:
    """The stem of the first content word after each negation of ``text`` ("not
    effective" gives "effect"): what the text says is not so."""
    found = words(CITATION.sub(" ", text))
    out: set[str] = set()
    for i, word in enumerate(found):
        if word in _NEGATIONS or word.endswith("n't"):
            following = (w for w in found[i + 1 : i + 1 + NEGATION_REACH] if w not in STOPWORDS)
            if (first := next(following, None)) is not None:
                out.add(stem(first.removesuffix("'s")))
    return out


def sentences(text: str) -> list[str]:
    """The text's sentences (list items and lines count as sentences), whitespace folded."""
    pieces = (" ".join(p.split()) for p in _SENTENCE_END.split(text))
    return [p for p in pieces if p]
