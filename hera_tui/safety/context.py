"""Is a finding asserted *now*? Negation, history, general-question and learning cues.

Why each cue is scoped: an earlier version searched a history cue on the whole clause and a
question cue on the whole message, so "I have a history of depression and I want to kill
myself" and "how do I know if he is ok? he collapsed and is not breathing" raised nothing.
Here a cue cancels only the finding it governs:

- a **negation** ("no", "don't", "denies") in the few words before the finding, in its
  clause;
- a **resolution** right after it ("... was normal", "... went away");
- a **history** cue: a time phrase ("years ago", "as a kid", "used to") in the finding's
  clause with no present-time marker ("now", "again", "just"), or a history noun phrase
  ("history of", "in recovery from", "survivor of") whose object is the finding itself;
- a **general question**, lesson or story ("what are the signs of", "first aid course",
  "in the film") in the finding's sentence that names no particular person: "what should I
  do if my child swallowed a button battery?" names one, so it fires.

Some findings are never cancelled by history, question or lesson cues, only by a negation
directly before them: a first-person statement of intent to die or to harm, and
swallowed / took / collapsed / not breathing told as happening now. Those are the findings
whose silencing costs a life.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_I = re.IGNORECASE

# a full stop ends a sentence unless it sits between two digits (38.5): "when I was 19. I'm
# 34 now" is two sentences (the first version kept them together, so the "now" of the second
# cancelled the history cue of the first)
SENTENCE_SPLIT = re.compile(r"[.](?!\d)|(?<!\d)[.]|[!?;\n]+")
# clause boundaries: commas, contrast words, and "and" when a new subject or time follows
_CLAUSE_SPLIT = re.compile(
    r",|\b(?:but|although|though|however|except|whereas)\b|\band\s+(?=(?:now|then|today|"
    r"tonight|this|i|i'?m|im|he|he'?s|she|she'?s|they|they'?re|we|my|his|her|it|there|"
    r"suddenly|just|since)\b)",
    _I,
)

NEGATION = re.compile(
    r"\b(no|not|never|without|denies|denied|negative for|free of|ruled out|nor|"
    r"don'?t|dont|doesn'?t|doesnt|didn'?t|didnt|isn'?t|wasn'?t|aren'?t|haven'?t|hasn'?t|"
    r"hadn'?t|no longer|none|nothing like|zero|nobody|nobody'?s|no-one|noone)\b",
    _I,
)
_RESOLVED_AFTER = re.compile(
    r"\b(was|were|is|came back|came out|looked|looks|turned out|tested|tests|checked|reads|"
    r"showed|shows)\b.{0,20}\b(normal|fine|"
    r"clear|negative|ok|okay|nothing)\b|\b(went away|gone(?! (black|blue|grey|gray|white|pale|"
    r"purple|numb|dead|cold|yellow|floppy|limp|stiff|quiet))|resolved|cleared up|is over|"
    r"are over|passed(?! out)|settled|all sorted|sorted now|back to normal|(made a )?full recovery|"
    r"fully recovered)\b",
    _I,
)
# a number that is a threshold or a target, not a reading ("call if it goes over 38")
THRESHOLD_BEFORE = re.compile(
    r"\b(above|below|over|under|less than|more than|greater than|at least|target|aim|"
    r"keep (it|them)|should be|supposed to be|normal is|normal range|range|between|"
    r"goal|if (it|its|it'?s|temp|the temp|my temp|her temp|his temp)( \w+)? (gets|goes|drops|"
    r"falls|hits|reaches))\b[^\d]{0,12}$", _I)
# time phrases that put a finding in the past
_PAST_TIME = re.compile(
    r"\b(\d+|a few|few|several|many|two|three|four|five|ten) (years?|months?|weeks?) ago\b|"
    r"\b(years|months|ages|a long time|long) ago\b|\blast (year|month|summer|winter|spring|"
    r"autumn|christmas)\b|\bas a (kid|child|teen\w*|baby|toddler|student)\b|\bwhen (i|he|she|"
    r"they) (was|were) (young|little|small|a kid|a child|a baby|a teen\w*|\d+)\b|"
    r"\bused to\b|\bback in\b|\bin (19|20)\d\d\b|\bin the past\b|\bchildhood\b|"
    r"\b(years|months|a while|ages) back\b|\bas a teen(ager)?\b|\bin (my|his|her) (teens|"
    r"twenties|thirties|20s|30s)\b|\bwhen (i|he|she) was younger\b|\blong since\b|"
    r"\bwell controlled\b|\bunder control\b",
    _I,
)
# history noun phrases: they govern only their own object
_HISTORY_NOUN = re.compile(
    r"\b(history of|hx of|in recovery from|recovering from|recovered from|survivor of|"
    r"survived (a|an|my)|diagnosed with|treated for|on medication for)"
    r"(\s+(?!(and|but|or|is|are|was|were|now|who|which|then|has|had)\b)[\w'-]+){0,3}\s*$",
    _I,
)
_PRESENT = re.compile(
    r"\b(now|right now|currently|at the moment|again|just|today|tonight|this (morning|"
    r"afternoon|evening)|since|suddenly|started|starting|keeps?|still|is having|are having|"
    r"i'?m having|im having|happening)\b",
    _I,
)
# general questions about a condition ...
_QUESTION = re.compile(
    r"\b(signs? of|symptoms? of|what (is|are|causes|happens|does|do)|how (do|can|would|should) "
    r"(i|you|we|one|people) (know|tell|recogni[sz]e|spot|prevent|treat|help)|risk (of|factors?)|"
    r"how to (prevent|recogni[sz]e|spot|treat|help|do|perform|give)|what should (i|you|we|one) "
    r"do (if|when)|what to do (if|when)|what do you do (if|when)|difference between|how common|"
    r"statistics|is it true|can you explain|explain|in general|why (do|does|would|is|are) "
    r"(people|patients|kids|children|babies|men|women|someone|cancer patients|you)|what'?s the "
    r"best way|how (do|can|should|would) (you|one|people|we) (\w+ ){1,2}(someone|somebody|"
    r"a person|a child|a baby|people)|how (do|can|should) (you|one|we) (give|use|inject|"
    r"administer|do|perform)|why (is|are|do|does) (\w+ ){1,3}(so )?(dangerous|bad|serious|"
    r"important|harmful)|what'?s|at what (\w+ ){0,3}(does|do|is|are|should|can|would)|"
    r"what (actually|really|exactly) (happens|is|are)|how (does|do|can|could) (that|this|it) "
    r"happen|how (long|quickly|fast) (does|do|can|would) (it|this|that|\w+) (take|last|kill|"
    r"develop|set in)|can (you|one|people|someone|a person) (get|catch|develop) (\w+ ){1,4}from|"
    r"tell (the )?difference|how (do|can|should|would) (i|you|one|we) (do|perform|give|"
    r"practi[cs]e) "
    r"(back blows|chest thrusts|cpr|chest compressions|compressions|rescue breaths|the heimlich|"
    r"abdominal thrusts)|tell (\w+ ){1,4}(from|apart)|how (do|can|should|would) (i|we) "
    r"(teach|train|show|prepare))\b",
    _I,
)
# lessons, stories and hypotheticals: nobody is in danger now
_STORY = re.compile(
    r"\b(hypothetical\w*|what if|would (it|that) be|first[- ]aid (course|class|training|kit|"
    r"book|manual)|cpr (course|class|training|dummy|manikin|mannequin)|(learning|learn|practis\w*|"
    r"practic\w*|teach\w*|taught|studying|revising) (cpr|first aid|about)|course|lecture|exam|"
    r"essay|homework|assignment|module|quiz|in (a|the|my|this) (\w+ )?(film|movie|show|series|"
    r"book|novel|story|game|episode|drama|play|dream|scene|video|thriller|soap|sitcom|cartoon|"
    r"comic)|on (tv|the news)|writing (a|an|my) (\w+ )?"
    r"(novel|story|book|script|scene|essay|leaflet|guide|article|blog|post)|character|"
    r"documentary|podcast|training|newspaper|if (someone|somebody|anyone|a person|a child|"
    r"a baby|a kid|a patient|a customer|one|you)|in the news|news (story|report|article|item)|"
    r"video ?game|watching (a|an|the) (\w+ ){0,2}(film|movie|show|series|drama|programme|program|"
    r"documentary|episode|soap|video)|(the|his|her|my|a) (game|film|movie|show|book|programme|"
    r"program|series|"
    r"novel) (says|said|shows|showed)|how (accurate|realistic|true|real|likely) (is|was) "
    r"(that|this|it)|(?<!as )if (i|we|he|she|they) (was|were|ever)|if (my|our) (\w+ ){1,2}(gets|"
    r"ever gets|were to|should ever|ever)|what would (the|a|you|"
    r"they|happen|i|we)|how (do|can|should|would) (i|we) explain|explain (it|this|that) to)\b",
    _I,
)
# ... unless the sentence is about a particular person
_PARTICULAR = re.compile(
    r"\b(my|his|her|our|their|i|i'?m|im|i'?ve|me|he|she|he'?s|she'?s|we|we'?re|they'?re|"
    r"husband|wife|partner|mum|mom|dad|son|daughter|baby|brother|sister|friend|neighbou?r|"
    r"grandma|grandad|grandpa|nan)\b",
    _I,
)
_NOW = re.compile(r"\b(right now|now|just now|at the moment|currently|help)\b", _I)
_PARTICULAR_EXCEPT_SELF_IN_QUESTION = re.compile(
    r"\b(how (do|can|would|should) i (know|tell|recogni[sz]e|spot)|what should i do|"
    r"i('?m| am) (learning|doing|taking|studying|writing|reading|watching|revising)|"
    r"i (learn\w*|did|took|watched|read|wrote|teach|taught)|how (do|can|should|would) (i|we) "
    r"(teach|train|show|prepare) (my|our) \w+|how (do|can|should|would) i (do|perform|give|"
    r"practi[cs]e))\b",
    _I,
)
#: "a choking baby", "any child": a generic person named in a general question
_GENERIC_PERSON = re.compile(
    r"\b(a|an|any|every) (\w+ )?(baby|child|kid|toddler|person|adult|patient)\b", _I)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_SPLIT.split(text) if s and s.strip()]


def _spans(pattern: re.Pattern, text: str) -> list[tuple[int, str]]:
    """The pieces of ``text`` between matches of ``pattern``, stripped, with their offsets."""
    pieces, start = [], 0
    for match in [*pattern.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[start:end]
        if piece.strip():
            pieces.append((start + len(piece) - len(piece.lstrip()), piece.strip()))
        if match:
            start = match.end()
    return pieces


@dataclass(frozen=True)
class SentenceCues:
    """One sentence with what every check asks of it, worked out once: its clauses (and
    where each starts in the sentence), and whether it is a story or a general question.
    A long message is checked against a hundred patterns; splitting it again each time was
    most of the rules' cost."""

    text: str
    #: where the sentence starts in the message
    offset: int
    clauses: tuple[str, ...]
    clause_starts: tuple[int, ...]
    story: bool
    question: bool

    def clause_at(self, position: int) -> tuple[str, int]:
        """The clause holding ``position`` of the sentence, and the position within it."""
        for start, clause in zip(reversed(self.clause_starts), reversed(self.clauses),
                                 strict=True):
            if position >= start:
                return clause, position - start
        return self.clauses[0], 0


#: a question about whether what was just told is realistic: the sentence before it is a
#: story too ("In House they diagnosed lithium toxicity from a tremor. How accurate is that?")
_ABOUT_THE_STORY = re.compile(
    r"\b(how (accurate|realistic|true|real|likely) (is|was) (that|this|it)|(is|was) (that|this|"
    r"it) (accurate|realistic|true to life|what really happens|how it really works))\W*$", _I)


def sentence_cues(text: str) -> list[SentenceCues]:
    out = []
    for offset, sentence in _spans(SENTENCE_SPLIT, text):
        pieces = _spans(_CLAUSE_SPLIT, sentence) or [(0, sentence)]
        story = is_story(sentence)
        if out and _ABOUT_THE_STORY.search(sentence) and not _NOW.search(out[-1].text):
            previous = out.pop()
            out.append(SentenceCues(previous.text, previous.offset, previous.clauses,
                                    previous.clause_starts, True, previous.question))
        out.append(SentenceCues(
            sentence, offset, tuple(c for _, c in pieces), tuple(s for s, _ in pieces),
            story, is_general_question(sentence)))
    return out


def clauses(sentence: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_SPLIT.split(sentence) if c and c.strip()]


def is_general_question(sentence: str) -> bool:
    """A question about a condition in general, not about a particular person."""
    if not _QUESTION.search(sentence):
        return False
    plain = _PARTICULAR_EXCEPT_SELF_IN_QUESTION.sub(" ", _GENERIC_PERSON.sub(" ", sentence))
    return not _PARTICULAR.search(plain)


def is_story(sentence: str) -> bool:
    """A lesson, a story or a hypothetical, unless it also says something is happening now."""
    return bool(_STORY.search(sentence)) and not _NOW.search(sentence)


_OR = re.compile(r"\b(or|nor)\b", _I)
#: words that start a clause of its own (a new subject, a verb, a question), not an item of a
#: list: "no fever, she's fitting" is not "no fever, no fitting"
_NOT_AN_ITEM = re.compile(
    r"^(i|i'?m|im|i'?ve|he|she|he'?s|she'?s|they|they'?re|we|we'?re|you|my|his|her|their|our|it|"
    r"it'?s|there|but|now|then|just|only|still|is|are|was|were|has|have|had|can|could|will|"
    r"would|should|do|does|did|what|why|how|when|where|who|so|yes|ok|okay|please|and then|"
    r"today|tonight|suddenly|since)\b", _I)


def negated(clause: str, start: int) -> bool:
    """A negation cue in the few words before position ``start`` of ``clause``; across an
    or-list the cue reaches further ("no swelling in my face or throat", "not having any
    thoughts of harming myself or ending my life")."""
    words = clause[:start].split()
    if NEGATION.search(" ".join(words[-5:])):
        return True
    return bool(_OR.search(" ".join(words[-8:])) and NEGATION.search(" ".join(words[-12:])))


def list_item(clause: str) -> bool:
    """A short clause that names findings, not one with a subject or a verb of its own."""
    return len(clause.split()) <= 6 and not _NOT_AN_ITEM.search(clause.strip())


def negated_by_list(clauses: tuple[str, ...], index: int) -> bool:
    """Clause ``index`` is an item of a negated or-list that began in an earlier clause:
    "no fever, rash or stiff neck", "the skin isn't red, hot or painful". The list must
    end with "or"/"nor" in this clause or the items after it (without it, "no fever,
    vomiting blood" is two statements, and the second is not negated)."""
    if index == 0 or not list_item(clauses[index]):
        return False
    end = index
    while end + 1 < len(clauses) and list_item(clauses[end + 1]) and not _OR.search(
            clauses[end]):
        end += 1
    if not any(_OR.search(clauses[k]) for k in range(index, end + 1)):
        return False
    for k in range(index - 1, -1, -1):
        if NEGATION.search(clauses[k]):
            return True
        if not list_item(clauses[k]):
            return False
    return False


def negated_within(match_text: str, pattern: re.Pattern) -> bool:
    """A negation inside the matched words, between the parts the finding needs: "ribs not
    sucking in", "her lips are not blue". A negation the pattern itself needs ("not
    breathing") or one after the finding is already complete ("chest pain that doesn't go
    away, it hurts") does not count."""
    for cue in NEGATION.finditer(match_text):
        if cue.start() == 0 or pattern.search(match_text[: cue.start()]):
            continue
        # the negation is one the pattern skips over (not one it spells out, as in "a rash
        # that doesn't go away") when the finding ends at the same word with it blanked out
        blanked = match_text[: cue.start()] + "x" * (cue.end() - cue.start()) + match_text[
            cue.end():]
        if _shortest_end(pattern, blanked) == _shortest_end(pattern, match_text):
            return True
    return False


def _shortest_end(pattern: re.Pattern, text: str) -> int | None:
    """Where the shortest prefix of ``text`` (cut at a word's end) that ``pattern`` matches
    ends; None when none does."""
    for end in [m.end() for m in re.finditer(r"\S+", text)]:
        if pattern.search(text[:end]):
            return end
    return None


def resolved(clause: str, end: int) -> bool:
    after = clause[end:].lstrip(" ,")
    return bool(_RESOLVED_AFTER.match(after) or _RESOLVED_AFTER.search(after[:40]))


def in_history(clause: str, start: int, *, nouns: bool = True) -> bool:
    """A past-time phrase governs the clause (unless it says "now"), or a history phrase
    names this very finding as its object."""
    if nouns and _HISTORY_NOUN.search(clause[:start]):
        return True
    return bool(_PAST_TIME.search(clause)) and not _PRESENT.search(clause)
