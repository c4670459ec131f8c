"""Emergency red-flag detection on what the user types, independent of any model.

Why rules and not the model: the check must work with the starter model, a broken model or
no model at all, must run before the reply starts, and must be auditable. Each category is
a set of regular expressions over colloquial phrasing. A match counts only if it is
*asserted*: not negated in its clause ("no chest pain", "I don't have a fever", "my ECG
was normal"), not in the past and resolved ("had a seizure as a kid"), and not a general
question about a condition ("what are the signs of a stroke?") unless the message also
says it is happening now. Some categories need two findings together (an infant *and* a
fever; a fever *and* a stiff neck). Recall comes first: a false alarm costs a glance,
a missed emergency can cost a life. Measured on ``cases.jsonl`` by ``python -m
hera_tui.safety.evaluate``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DISCLAIMER = (
    "HERA is not a doctor: general information only, not a diagnosis or treatment. "
    "In an emergency call your local emergency number (911, 112, 999)."
)

_CALL = "Call your local emergency number now (911 in the US, 112 in Europe, 999 in the UK)."


@dataclass(frozen=True)
class RedFlag:
    """One emergency category found in a message, with what to do now."""

    category: str
    title: str
    guidance: str


@dataclass(frozen=True)
class _Rule:
    category: str
    title: str
    guidance: str
    #: any of these, asserted, fires the rule ...
    patterns: tuple[re.Pattern, ...]
    #: ... and, when given, one of these must be asserted too
    with_patterns: tuple[re.Pattern, ...] = ()


def _rx(*patterns: str) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


_RULES: tuple[_Rule, ...] = (
    _Rule(
        "heart",
        "Possible heart attack",
        f"{_CALL} Stop what you are doing and sit down; do not drive yourself. If you are not "
        "allergic and no doctor has told you otherwise, chew one regular aspirin (300 mg).",
        _rx(
            r"\bchest\b.{0,30}\b(pain|pains|hurts?|hurting|ache|aching|pressure|tight|"
            r"tightness|squeez\w*|crush\w*|heavy|heaviness|burning)",
            r"\b(pain|pressure|tightness|squeezing|crushing|heaviness|ache)\b.{0,25}\bchest\b",
            r"\b(elephant|weight|someone) (is )?(sitting|standing) on my chest",
            r"\bheart attack\b",
            r"\bpain\b.{0,40}\b(down|into|to|spreading to|radiating to) (my |the )?"
            r"(left )?(arm|jaw|shoulder)",
        ),
    ),
    _Rule(
        "stroke",
        "Possible stroke (think FAST)",
        f"{_CALL} Note the time the symptoms started. Face drooping, Arm weakness, Speech "
        "difficulty: Time to call. Do not give food, drink or medicines.",
        _rx(
            r"\b(face|mouth|smile)\b.{0,30}\b(droop\w*|drop\w*|lopsided|sagging|crooked|numb)",
            r"\bdroop\w*\b.{0,20}\b(face|mouth|side)",
            r"\b(slurr\w*|garbled|can'?t (speak|talk|get (my|the) words out)|words (are|came) "
            r"out wrong|speech is (off|weird|strange))",
            r"\b(can'?t|cannot|unable to) (lift|raise|move|feel) (my|his|her|their) "
            r"(left|right)? ?(arm|leg|hand)",
            r"\b(one|left|right) side of (my|his|her|their) (body|face)\b.{0,30}"
            r"\b(numb|weak|dead|droop\w*|limp|tingl\w*)",
            r"\b(numb|weak|limp)\w*\b.{0,30}\bone side\b",
            r"\bstroke\b",
            r"\bworst headache (of|in) (my|his|her) life\b",
            r"\bthunderclap headache\b",
        ),
    ),
    _Rule(
        "anaphylaxis",
        "Possible severe allergic reaction (anaphylaxis)",
        f"{_CALL} Use an adrenaline (epinephrine) auto-injector now if there is one, lie down "
        "with legs raised (sit up if breathing is hard), and use a second dose after 5 minutes "
        "if no better.",
        _rx(
            r"\b(throat|tongue|lips?|face)\b.{0,30}\b(swell\w*|swollen|closing|tight\w*|puff\w*)",
            r"\b(swell\w*|swollen)\b.{0,25}\b(throat|tongue|lips?)\b",
            r"\banaphyla\w*",
            r"\b(epi-?pen|adrenaline pen|epinephrine)\b",
            r"\ballergic reaction\b.{0,60}\b(breath\w*|wheez\w*|swallow\w*|dizzy|faint\w*)",
        ),
    ),
    _Rule(
        "breathing",
        "Severe difficulty breathing",
        f"{_CALL} Sit upright, loosen tight clothing, use a prescribed reliever inhaler if "
        "there is one.",
        _rx(
            r"\b(can'?t|cannot|can not|unable to|struggling to|hard to|barely) "
            r"(breathe|breath|catch (my|his|her) breath|get (any )?air)",
            r"\bgasping\b",
            r"\b(lips?|face|fingers?)\b.{0,20}\b(turn\w* )?(blue|grey|gray)\b",
            r"\bnot breathing\b",
            r"\bstopped breathing\b",
            r"\bchoking\b",
            r"\bshort(ness)? of breath\b.{0,40}\b(rest|sitting|lying|talk\w*|worse|severe|bad)",
        ),
    ),
    _Rule(
        "suicide",
        "Thoughts of suicide or self-harm",
        "You matter, and help is there right now. If you might act on these thoughts, call "
        "your local emergency number. You can also call or text a crisis line: 988 in the US, "
        "116 123 (Samaritans) in the UK and Ireland, or your country's crisis line. If you "
        "can, stay with someone you trust.",
        _rx(
            r"\b(kill|killing|hurt|hurting|harm|harming) myself\b",
            r"\bsuicid\w*",
            r"\b(end|ending|take|taking) my (own )?life\b",
            r"\b(want|wanna|wish|going|plan\w*) to die\b",
            r"\b(don'?t|do not) want to (live|be alive|be here|wake up)( anymore)?\b",
            r"\bbetter off (dead|without me)\b",
            r"\bno (reason|point) (to|in) (live|living|going on)\b",
            r"\bcut(ting)? myself\b",
        ),
    ),
    _Rule(
        "overdose",
        "Possible overdose or poisoning",
        f"{_CALL} Or call your poison control centre (US: 1-800-222-1222). Do not make the "
        "person vomit. Keep the packaging to show the responders.",
        _rx(
            r"\bover-?dos\w*",
            r"\b(took|taken|take|swallowed|ate|had|drank)\b.{0,30}\b(too many|too much|whole "
            r"(bottle|pack|packet|box|strip)|handful|all (my|of (my|the|his|her)))\b.{0,30}"
            r"\b(pills?|tablets?|meds|medication|medicine|paracetamol|tylenol|ibuprofen|"
            r"sleeping|insulin|oxy\w*|opioids?|fentanyl|dose)",
            r"\b(swallowed|drank|ate|drinking)\b.{0,30}\b(bleach|antifreeze|detergent|pods?|"
            r"button batter\w*|batter(y|ies)|poison\w*|rat poison|weed ?killer|pesticide)",
            r"\bpoison(ed|ing)\b",
        ),
    ),
    _Rule(
        "bleeding",
        "Severe bleeding",
        f"{_CALL} Press firmly on the wound with a clean cloth and keep pressing; do not lift "
        "it to look. Raise the injured part if you can.",
        _rx(
            r"\bbleed\w*\b.{0,30}\b(won'?t|will not|doesn'?t|does not|can'?t|isn'?t) "
            r"(stop\w*|slow\w*)",
            r"\b(won'?t|will not|doesn'?t|can'?t) stop (the )?bleed\w*",
            r"\b(bleeding|blood)\b.{0,30}\b(heavily|a lot|everywhere|pouring|gushing|spurting|"
            r"soak\w*|pool\w*)",
            r"\b(heavy|severe|massive|lots of) (bleeding|blood loss)\b",
            r"\b(vomit\w*|throw\w* up|threw up|cough\w* up|puk\w*)\b.{0,20}\bblood\b",
            r"\bblood\b.{0,15}\bin (my|his|her) vomit\b",
            r"\bpregnant\b.{0,60}\bbleed\w*",
        ),
    ),
    _Rule(
        "infant_fever",
        "Fever in a baby under 3 months",
        "A fever (38 °C / 100.4 °F or higher) in a baby under 3 months needs a doctor now: "
        f"call your doctor's urgent line or go to the emergency department. {_CALL} if the "
        "baby is floppy, hard to wake, breathing fast or has a rash.",
        _rx(
            r"\b(newborn|new-born|neonate)\b",
            r"\b([1-9]|1[0-2]|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
            r"[- ](week|wk)s?[- ]old\b",
            r"\b([0-2]|one|two)[- ]months?[- ]old\b",
        ),
        _rx(
            r"\b(fever\w*|feverish|temperature|temp of|hot to (the )?touch|burning up)",
            r"\b(3[89]|4[01])([.,]\d)? ?°? ?c\b",
            r"\b(100\.[4-9]|10[1-6](\.\d)?) ?°? ?f?\b",
        ),
    ),
    _Rule(
        "seizure",
        "Seizure",
        f"{_CALL} if the seizure lasts more than 5 minutes, repeats, happens in water, or it "
        "is the first one. Move hard things away, cushion the head, do not hold them down or "
        "put anything in their mouth; afterwards turn them on their side.",
        _rx(
            r"\bseiz\w*",
            r"\bconvuls\w*",
            r"\b(having|had|having a|in) (a )?fit\b",
            r"\b(shaking|jerking|twitching) (all over|uncontrollabl\w*)\b",
            r"\b(shaking|jerking)\b.{0,40}\b(won'?t respond|not responding|unresponsive|"
            r"eyes rolled)",
        ),
    ),
    _Rule(
        "unresponsive",
        "Unconscious or hard to wake",
        f"{_CALL} Check breathing. If breathing, put them on their side (recovery position); "
        "if not, start CPR if you can: push hard and fast in the middle of the chest.",
        _rx(
            r"\b(won'?t|will not|can'?t|cannot|not) (wake (up|him|her|them)|be woken|respond\w*)",
            r"\bunresponsive\b",
            r"\b(passed|passes|passing) out\b",
            r"\bunconscious\b",
            r"\bcollaps\w*",
            r"\bno pulse\b",
        ),
    ),
    _Rule(
        "meningitis",
        "Possible meningitis or sepsis",
        f"{_CALL} or go to the emergency department now. A rash that does not fade under a "
        "pressed glass, a stiff neck with fever, or a very sick, confused person needs care "
        "at once.",
        _rx(
            r"\bstiff neck\b",
            r"\bneck\b.{0,20}\bstiff\w*",
            r"\brash\b.{0,40}\b(glass|doesn'?t fade|won'?t fade|not fad\w*|purple|blotch\w*)",
            r"\bconfus\w*",
        ),
        _rx(r"\b(fever\w*|temperature|burning up|hot)\b", r"\brash\b"),
    ),
    _Rule(
        "head_injury",
        "Serious head injury",
        f"{_CALL} Keep the person still (do not move the neck if a spine injury is possible) "
        "and watch their breathing.",
        _rx(r"\b(hit|bang\w*|bump\w*|knock\w*|fell on|struck) (my|his|her|their) head\b"),
        _rx(
            r"\b(vomit\w*|throw\w* up|threw up|confus\w*|drows\w*|sleepy|passed out|knocked "
            r"out|blacked out|won'?t wake|clear fluid|unequal pupils|seiz\w*)"
        ),
    ),
)

# A negation cue before a finding, in the same clause, cancels it.
_NEGATION = re.compile(
    r"\b(no|not|never|without|denies|denied|negative for|free of|ruled out|nor|"
    r"don'?t|doesn'?t|didn'?t|isn'?t|wasn'?t|aren'?t|haven'?t|hasn'?t|hadn'?t|"
    r"no longer|none)\b",
    re.IGNORECASE,
)
# A finding followed by one of these in its clause is normal or gone.
_RESOLVED_AFTER = re.compile(
    r"\b(was|were|is|came back|came out|looked|looks)\b.{0,20}\b(normal|fine|clear|negative|"
    r"ok|okay)\b|\b(went away|gone|resolved|cleared up|is over|are over)\b",
    re.IGNORECASE,
)
# Long-past events ("as a kid", "years ago") are history, not an emergency now.
_HISTORY = re.compile(
    r"\b(years? ago|months? ago|last year|as a (kid|child|teen\w*|baby)|when i was "
    r"(young|little|a kid|a child|\d+)|history of|in the past|childhood)\b",
    re.IGNORECASE,
)
# Asking about a condition in general ...
_GENERAL_QUESTION = re.compile(
    r"\b(signs? of|symptoms? of|what (is|are|causes|happens)|how (do|can|would) (i|you|we|"
    r"one) (know|tell|recogni[sz]e|spot|prevent)|risk (of|factors)|how to (prevent|"
    r"recogni[sz]e|spot|treat|help)|what should (i|you) do if|what to do if|"
    r"difference between|how common|statistics)\b",
    re.IGNORECASE,
)
# ... unless the message says it is happening now.
_HAPPENING_NOW = re.compile(
    r"\b(right now|now|currently|at the moment|suddenly|just (started|happened|now)|"
    r"i'?m having|i am having|he'?s having|she'?s having|they'?re having|i think i'?m|"
    r"i have|i've got|my (\w+ )?(is|has|are)|started|since (this|an hour|yesterday|"
    r"last night))\b",
    re.IGNORECASE,
)
_CLAUSE_SPLIT = re.compile(
    r"(?<!\d)[.,](?!\d)|[!?;\n]+|\b(?:but|although|though|however|except)\b", re.IGNORECASE
)


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_SPLIT.split(text) if c and c.strip()]


def _asserted(pattern: re.Pattern, clause: str) -> bool:
    """True when ``pattern`` matches in ``clause`` and the finding is not negated/resolved."""
    for match in pattern.finditer(clause):
        before = clause[: match.start()]
        after = clause[match.end() :]
        negated = _NEGATION.search(" ".join(before.split()[-6:]))
        if negated or _RESOLVED_AFTER.match(after.lstrip(" ,")) or _RESOLVED_AFTER.search(
            after[:40]
        ):
            continue
        if _HISTORY.search(clause):
            continue
        return True
    return False


def _any_asserted(patterns: tuple[re.Pattern, ...], clauses: list[str]) -> bool:
    return any(_asserted(p, c) for p in patterns for c in clauses)


def check_message(text: str) -> list[RedFlag]:
    """The emergency categories asserted in ``text``, in rule order (empty: none)."""
    clauses = _clauses(text)
    if _GENERAL_QUESTION.search(text) and not _HAPPENING_NOW.search(text):
        return []
    flags = []
    for rule in _RULES:
        if _any_asserted(rule.patterns, clauses) and (
            not rule.with_patterns or _any_asserted(rule.with_patterns, clauses)
        ):
            flags.append(RedFlag(rule.category, rule.title, rule.guidance))
    return flags
