"""Does the model's reply undercut the emergency guidance? A torch-free check of the text.

Why: when the emergency check fires, the pinned guidance says "call now", and a small model
may still answer the question as asked: "Yes, based on your symptoms ... We'll need to do
some tests" to "ok to give calpol and check in the morning?". A parent reads "Yes". This
module reads a reply the way that parent would and says whether it reads as reassurance or
as permission to wait, with the words that make it so, so the app can withhold it and show
the guidance in its place, with the reason.

What counts, sentence by sentence:

- **Reassurance** ("nothing to worry about", "it's fine", "not serious", "no need to go",
  "should settle on its own", "safe to wait") always counts, unless negated ("it is *not*
  fine to wait").
- **Permission to wait** ("wait until the morning", "see your GP next week", "monitor at
  home", "keep an eye on", "we'll need to do some tests", "if it gets worse, call") counts
  unless the reply has already told the person to call or go now: "Call 999 now. In the
  morning, tell your GP what happened" is follow-up, not permission.
- **A "yes" opening** ("Yes", "Sure", "Of course", "That's fine") counts unless the same
  first sentence tells them to call or go now ("Yes, call 999 now").
- A reply that tells the person to call now ("call 999", "go to A&E now", "this could be an
  emergency") is never flagged for that instruction, and "don't wait until the morning" is
  an instruction, not permission.

Each sentence is judged with only the sentences before it, so a verdict on the text so far
never changes as more arrives (``complete=False`` ignores the unfinished last sentence): a
streaming reply can be stopped at the first sentence that undercuts the guidance.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .detector import Alert

_I = re.IGNORECASE

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")

# an instruction to get emergency help now
_URGENT = re.compile(
    r"\b(call|ring|phone|dial|contact)\b.{0,40}\b(999|911|112|000|emergency (number|services|"
    r"line)|(an )?ambulance|paramedics|poison (control|centre|center)|(your|the) (midwife|"
    r"maternity (unit|triage|line)|dialysis unit|kidney unit|renal unit|cancer team|"
    r"oncology (team|line)|24-hour (line|helpline|number)|chemotherapy (line|helpline)))\b|"
    r"\b(go|get|head|take (him|her|them|your \w+|the baby)) (straight |right |immediately |now )?"
    r"(to|into) (a&e|the er\b|an? er\b|the emergency (department|room)|an emergency department|"
    r"(the )?hospital|eye casualty|(the )?emergency care)|"
    r"\b(seek|get) (emergency|urgent|immediate) (medical )?(help|care|attention|treatment)|"
    r"\b(this|it|that|these) (is|are|could be|may be|might be|sounds like|needs to be treated as)"
    r" (a medical |an )?emergency\b|\bemergency (care|help|treatment) (now|immediately|right away)|"
    r"\bfollow the (guidance|instructions|advice|steps) (above|shown|on (the )?screen|pinned)|"
    r"\bneeds? (to be seen|urgent|emergency|immediate)\b.{0,25}\b(now|immediately|right away|"
    r"urgently|straight away|tonight)\b|\b(now|immediately|right away|straight away)\b.{0,15}\b"
    r"(call|ring|dial) (999|911|112)", _I)
# a call or visit made conditional on things getting worse: watchful waiting, not "now"
_CONDITIONAL = re.compile(
    r"\b(if|should|once|when|in case)\b.{0,40}\b(gets?|become|becomes|start|starts|develops?|"
    r"worsen|worsens|persist|persists|continue|continues|don'?t (improve|get better|settle)|"
    r"doesn'?t (improve|get better|settle)|any (other|new|more)|still|worse|returns?|comes back)",
    _I)
_REASSURANCE = re.compile(
    r"\bnothing (serious|to worry about|to be (concerned|worried) about|to worry)\b|"
    r"\bno need to (worry|be (worried|alarmed|concerned)|go|call|see|seek|rush|visit|contact|"
    r"phone|ring|get (it|him|her|them) (checked|seen))\b|\bno need for (a doctor|an ambulance|"
    r"hospital|a&e|the er|emergency)\b|\bdon'?t (need|have) to (go|call|see|worry|rush)\b|"
    r"\b(it'?s|it is|that'?s|that is|this is|this'?s|they'?re|he'?s|she'?s|you'?re|you are|"
    r"sounds|seems|looks)( (probably|likely|most likely|usually|just|only|perfectly|completely|"
    r"totally|quite|very))? (fine|normal|ok|okay|harmless|nothing|common|not serious|not "
    r"dangerous|not urgent|not an emergency|not a (concern|problem)|expected|manageable)\b|"
    r"\b(not|isn'?t) (an emergency|urgent|serious|dangerous|a cause for concern)\b|"
    r"\b(should|will|usually|often|tends? to) (settle|pass|go away|resolve|clear up|ease|improve|"
    r"get better|be fine)\b|\b(safe|fine|ok|okay|reasonable) to (wait|sleep|stay (at )?home|"
    r"leave it|give|continue)\b|\b(can|could) (safely )?(wait|stay at home|sleep it off|leave it|"
    r"be (managed|treated) at home)\b|\bno cause for (concern|alarm)\b|"
    r"\b(common|usual|normal) (and|in|for|after|during)\b.{0,30}\b(harmless|normal|babies|"
    r"pregnancy|recovery)", _I)
_WAITING = re.compile(
    r"\bwait(ing)? (until|till|til|for|and see)\b|\b(in|by|tomorrow) (the )?morning\b|"
    r"\btomorrow\b|\bnext (week|few days|appointment|visit)\b|\bovernight\b|"
    r"\b(see|contact|ring|call|speak to|visit|check with|book (in )?with) (your|a|the) (gp|doctor|"
    r"physio\w*|optician|midwife|health visitor|pharmacist|nurse|dentist|specialist|"
    r"consultant|clinic)\b(?!.{0,20}\b(now|immediately|tonight|right away|urgently)\b)|"
    r"\b(book|make|schedule|arrange) (an |a )?(appointment|check-?up|visit|review)\b|"
    r"\bmonitor(ing)? (at home|it|them|him|her|the (symptoms|temperature|situation)|closely|"
    r"(his|her|their|your) (symptoms|temperature))\b|\bkeep (an eye on|watching|monitoring)\b|"
    r"\bwatch(ful)? (and wait|waiting)\b|\bsee how (it|they|he|she|you|things) (goes|go|get on|"
    r"feels?|develops?)\b|\bgive it (a few|a couple of|some|another) (days|hours|time|day)\b|"
    r"\b(sleep it off|rest and (fluids|drink)|plenty of (rest|fluids))\b|"
    r"\b(home remedies|at-home|over-the-counter|otc)\b|"
    r"\bwe'?ll need to (do|run|carry out|arrange) (some )?(tests|investigations|blood tests)\b|"
    r"\b(follow(ing)? up|follow-up) (with|in|next)\b", _I)
_YES_OPENING = re.compile(
    r"^\W*(yes|yeah|yep|yup|sure|of course|certainly|absolutely|definitely|ok|okay|that'?s "
    r"(fine|ok|okay|alright|a good idea)|it'?s (fine|ok|okay|alright)|that should be fine|"
    r"you can|go ahead)\b", _I)
# a negation right before the phrase turns it into an instruction ("do not wait until")
_NEGATED_BEFORE = re.compile(
    r"\b(don'?t|do not|not|never|cannot|can'?t|shouldn'?t|should not|without|rather than|"
    r"instead of|no time to|isn'?t|is not|it'?s not|it is not|won'?t|will not|must not|"
    r"mustn'?t|please do not|please don'?t)\b[^.;:!?]{0,25}$", _I)


@dataclass(frozen=True)
class ReplyCheck:
    """The verdict on one reply: whether it undercuts the guidance, why, and the words."""

    contradicts: bool
    reason: str = ""
    evidence: tuple[str, ...] = ()


def _sentences(reply: str, complete: bool) -> list[str]:
    parts = [p.strip() for p in _SENTENCE_END.split(reply.strip()) if p and p.strip()]
    if not complete and parts and not re.search(r"[.!?]\W*$", reply.rstrip()):
        parts = parts[:-1]  # still being written: judge it when it ends
    return parts


def _asserted(pattern: re.Pattern, sentence: str) -> list[str]:
    """Matches of ``pattern`` in ``sentence`` that are not negated just before."""
    found = []
    for match in pattern.finditer(sentence):
        if not _NEGATED_BEFORE.search(sentence[: match.start()]):
            found.append(match.group(0))
    return found


def _urgent(sentence: str) -> bool:
    """The sentence tells the person to get emergency help now (not only if it worsens)."""
    for match in _URGENT.finditer(sentence):
        before = sentence[: match.start()]
        if _CONDITIONAL.search(before) or _NEGATED_BEFORE.search(before):
            continue
        return True
    return False


def check_reply(reply: str, alert: Alert | None, *, complete: bool = True) -> ReplyCheck:
    """Whether ``reply`` reads as reassurance or permission to wait, when ``alert`` fired.

    ``alert`` is what the emergency check showed for the person's message (None when it did
    not fire: then nothing is withheld). ``complete=False`` is for a reply still streaming:
    the unfinished last sentence is not judged yet.
    """
    if alert is None:
        return ReplyCheck(False)
    sentences = _sentences(reply, complete)
    urged = False
    for index, sentence in enumerate(sentences):
        urgent_here = _urgent(sentence)
        found: list[tuple[str, str]] = []
        if index == 0 and not urgent_here:
            opening = _YES_OPENING.match(sentence)
            if opening:
                found.append(("a yes to the question", opening.group(0).strip(" ,.!-")))
        found += [("reassurance", words) for words in _asserted(_REASSURANCE, sentence)]
        if not (urged or urgent_here):
            found += [("permission to wait", words) for words in _asserted(_WAITING, sentence)]
            conditional = _CONDITIONAL.search(sentence)
            if conditional and re.search(r"\b(call|go|ring|see|seek|contact)\b", sentence, _I):
                found.append(("permission to wait", conditional.group(0)))
        if found:
            kinds = list(dict.fromkeys(kind for kind, _ in found))
            words = tuple(dict.fromkeys(w for _, w in found))
            quoted = ", ".join(f"\u201c{w}\u201d" for w in words)
            return ReplyCheck(True, (
                f"the reply says {quoted}, which reads as {' and '.join(kinds)}, while the "
                f"emergency check found: {alert.title}"), words)
        urged = urged or urgent_here
    return ReplyCheck(False)


def withheld_notice(check: ReplyCheck, alert: Alert) -> str:
    """What the app shows in place of a withheld reply: why, then the call instruction."""
    return (f"HERA's reply was withheld because {check.reason}. Follow the emergency "
            f"guidance: {alert.guidance.call}")


class StreamGuard:
    """A streaming reply passed on one judged sentence at a time, when an alert fired.

    Why: the chat shows a reply as it is written, and a parent reads "Yes" the moment it
    appears. With no alert every piece passes straight through. With one, text is held
    until its sentence ends and :func:`check_reply` has judged it; the first sentence that
    undercuts the guidance calls ``on_contradiction`` (the caller stops the model there)
    and nothing after it is passed on. :meth:`close` judges the last sentence.
    """

    def __init__(self, alert: Alert | None, emit: Callable[[str], None],
                 on_contradiction: Callable[[], None] = lambda: None) -> None:
        self.alert, self._emit, self._on_contradiction = alert, emit, on_contradiction
        self._text = ""
        self._released = 0
        #: the verdict once a sentence undercut the guidance (then nothing more passes)
        self.withheld: ReplyCheck | None = None

    @property
    def text(self) -> str:
        """Everything the model wrote, withheld part included."""
        return self._text

    def feed(self, piece: str) -> None:
        self._text += piece
        if self.alert is None:
            self._release(len(self._text))
        elif self.withheld is None:
            self._judge(complete=False)

    def close(self) -> ReplyCheck | None:
        """The reply has ended: judge what is left; the verdict if it is withheld."""
        if self.alert is not None and self.withheld is None:
            self._judge(complete=True)
        return self.withheld

    def _judge(self, complete: bool) -> None:
        check = check_reply(self._text, self.alert, complete=complete)
        if check.contradicts:
            self.withheld = check
            self._on_contradiction()
            return
        if complete:
            self._release(len(self._text))
            return
        ends = list(_SENTENCE_END.finditer(self._text))
        if ends:
            self._release(ends[-1].start())

    def _release(self, upto: int) -> None:
        if upto > self._released:
            self._emit(self._text[self._released:upto])
            self._released = upto


def opens_with_guidance(reply: str) -> bool:
    """The reply's first sentence tells the person to get emergency help now (what the
    emergency context asks a reply to open with)."""
    first = _sentences(reply, True)[:1]
    return bool(first) and _urgent(first[0])
