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


# Vocabularies shared by several rules (stems, so "swelling"/"swollen" and "vomits" match).
_PAIN = (r"(pain\w*|hurt\w*|ach(e|es|ing)|sore|pressure|tight\w*|squeez\w*|crush\w*|heav(y|iness)"
         r"|burn\w*|vice|stabbing|agony)")
_SEVERE_BLEED = (r"(won'?t stop|will not stop|doesn'?t stop|not stopping|can'?t stop|keeps? (on )?"
                 r"(bleeding|coming|pouring|going)|pour\w*|gush\w*|spurt\w*|soak\w*|everywhere|"
                 r"heav(y|ily)|a lot|lots|so much|pool\w*|clots?)")
_CHILD = r"(son|daughter|toddler|kid|child|baby|boy|girl|little one|grandson|granddaughter)"
_DRUGS = (r"(pills?|tablets?|meds|medication|medicine|capsules?|paracetamol|tylenol|acetaminophen|"
          r"ibuprofen|advil|aspirin|sleeping pills|insulin|oxy\w*|opioids?|fentanyl|heroin|"
          r"xanax|benzo\w*|valium|diazepam|codeine|tramadol|antidepressants?|sertraline|"
          r"lithium|iron tablets|gummies|painkillers?|pain ?killers?|analgesics?|antihistamines?|"
          r"blood thinners?|warfarin|heart pills|diabetes pills|edibles)")
_CHEMICALS = (r"(bleach|antifreeze|detergent|dishwasher|washing|cleaner|cleaning|pods?|"
              r"button batter\w*|batter(y|ies)|poison\w*|weed ?killer|pesticide|lamp oil|"
              r"paraffin|methanol|drain|chemicals?|lye|mouthwash|e-?liquid|vape juice)")
_FEVER = (r"(fever\w*|feverish|temp(erature)?\b|hot to (the )?touch|burning up|"
          r"\b(3[89]|4[01])([.,]\d)? ?°? ?c?\b|\b(100\.[4-9]|10[1-6](\.\d)?) ?°? ?f?\b)")

_RULES: tuple[_Rule, ...] = (
    _Rule(
        "heart",
        "Possible heart attack",
        f"{_CALL} Stop what you are doing and sit down; do not drive yourself. If you are not "
        "allergic and no doctor has told you otherwise, chew one regular aspirin (300 mg).",
        _rx(
            rf"\b(chest|breastbone|sternum)\b.{{0,40}}\b{_PAIN}",
            rf"\b{_PAIN}\b.{{0,30}}\b(chest|breastbone|sternum)\b",
            r"\b(elephant|weight|someone) (is )?(sitting|standing) on my chest",
            r"\bheart attack\b",
            r"\b(clutch\w*|grabb\w*|holding|gripping) (his|her|my|their|the) chest\b",
            r"\bpain\b.{0,40}\b(down|into|to|spreading to|radiating to) (my |the )?"
            r"(left )?(arm|jaw|shoulder)",
            r"\b(spread\w*|radiat\w*|going|moving|shooting)\b.{0,15}\b(into|to|down|up)\b.{0,15}"
            r"\b(neck|jaw|left arm|arms?|shoulders?)\b",
        ),
    ),
    _Rule(
        "stroke",
        "Possible stroke (think FAST)",
        f"{_CALL} Note the time the symptoms started. Face drooping, Arm weakness, Speech "
        "difficulty: Time to call. Do not give food, drink or medicines.",
        _rx(
            r"\b(face|mouth|smile|lip|eye|eyelid)s?\b.{0,30}\b(droop\w*|lopsided|sagg?\w*|"
            r"crooked|wonky|uneven|twisted|hang\w* down|fall\w* down|slump\w*|numb|one side)",
            r"\bdroop\w*\b.{0,20}\b(face|mouth|side|smile)",
            r"\b(slurr\w*|garbl\w*|jumbl\w*|muddled (words|speech)|gibberish|nonsense words|"
            r"words (are|were|came|come) out (wrong|all wrong|funny|weird)|speech is (off|weird|"
            r"strange|funny|slurred)|can'?t (speak|talk|get (my|the|his|her) words out|find "
            r"(my|the|his|her) words|smile properly|understand (me|us|anyone)))",
            r"\b(can'?t|cannot|unable to|couldn'?t) (lift|raise|move|feel|use) (my|his|her|their) "
            r"(left|right)? ?(arm|leg|hand|foot|side)",
            r"\b(one|left|right) side of (my|his|her|their) (body|face|mouth)\b",
            r"\b(left|right) (hand|arm|leg|side)\b.{0,25}\b(dead|numb|weak|limp|heavy|useless|"
            r"won'?t move|paraly\w*)",
            r"\b(numb|weak|limp|paraly)\w*\b.{0,30}\bone side\b",
            r"\bstroke\b",
            r"\bspeech\b.{0,20}\b(funny|weird|strange|off|slurr\w*|wrong|garbl\w*|jumbl\w*|"
            r"gone|changed)",
            r"\bworst headache (of|in) (my|his|her) life\b",
            r"\bthunderclap headache\b",
            r"\b(sudden\w*|suddenly)\b.{0,30}\b(blind|can'?t see|lost (the )?(sight|vision)|"
            r"double vision|vision (is )?double)",
            r"\b(double vision|vision (is )?double)\b.{0,40}\b(can'?t move|weak|numb|slurr\w*)",
            r"\b(can'?t move|weak|numb)\b.{0,40}\b(double vision|vision (is )?double)\b",
        ),
    ),
    _Rule(
        "anaphylaxis",
        "Possible severe allergic reaction (anaphylaxis)",
        f"{_CALL} Use an adrenaline (epinephrine) auto-injector now if there is one, lie down "
        "with legs raised (sit up if breathing is hard), and use a second dose after 5 minutes "
        "if no better.",
        _rx(
            r"\banaphyla\w*",
            r"\b(epi-?pen|adrenaline pen|epinephrine|auto-?injector)\b",
            r"\bthroat\b.{0,25}\b(closing|swell\w*|swollen|tight\w*|shut\w*)",
            r"\ballergic reaction\b.{0,60}\b(breath\w*|wheez\w*|swallow\w*|dizzy|faint\w*|throat|"
            r"tongue)",
            r"\b(throat|tongue|lips?|face|mouth|eyes)\b.{0,30}\b(swell\w*|swollen|huge|puff\w*|"
            r"blow\w* up|ballooning|closing|tight\w*)",
            r"\b(swell\w*|swollen|puff\w*)\b.{0,25}\b(throat|tongue|lips?|face|mouth)\b",
        ),
        _rx(
            r"\b(allerg\w*|ate|eaten|eating|sting|stung|bitten|peanuts?|nuts?|cashews?|"
            r"almonds?|shellfish|shrimp|prawns?|crab|lobster|fish|eggs?|milk|sesame|bee|wasp|"
            r"hornet|hives|rash|penicillin|antibiotic|injection|new (medicine|medication|drug))\b",
            r"\b(breath\w*|wheez\w*|cough\w*|swallow\w*|throat|dizzy|faint\w*)",
            r"\banaphyla\w*|\bepi-?pen\b|\bepinephrine\b|\bauto-?injector\b",
        ),
    ),
    _Rule(
        "breathing",
        "Severe difficulty breathing",
        f"{_CALL} Sit upright, loosen tight clothing, use a prescribed reliever inhaler if "
        "there is one.",
        _rx(
            r"\b(can'?t|cannot|can not|unable to|struggling to|struggles to|hard to|barely|"
            r"fighting to) (breathe|breath|catch (my|his|her) breath|get (any |enough )?air)",
            r"\b(can'?t|cannot) get (enough )?(air|a breath|my breath)\b",
            r"\bgasping\b",
            r"\b(can only|can'?t) (say|speak|get out) (a few|two|one|\d+|more than (a few|two|"
            r"one|\d+)) words?\b",
            r"\bcan'?t (finish|complete) (a|my|his|her) sentences?\b",
            r"\b(lips?|face|fingers?|tongue|skin)\b.{0,25}\b(turn\w* |going |look\w* |are |is )?"
            r"(blue|grey|gray|purple)\b",
            r"\b(not|stopped|stops) breathing\b",
            r"\bchoking\b",
            r"\bgrunt\w*\b.{0,30}\bbreath\w*",
            r"\b(sucking|pulling|caving) in\b.{0,30}\b(ribs?|chest|neck|throat)\b",
            r"\bwheez\w*\b.{0,40}\b(can'?t (talk|speak|breathe)|so hard|badly|blue|inhaler "
            r"(isn'?t|not|doesn'?t) (working|helping))",
            r"\bshort(ness)? of breath\b.{0,40}\b(rest|sitting|lying|in bed|talk\w*|worse|severe|"
            r"bad|sudden\w*)",
            r"\bbreathing (really |very |so )?(fast|hard|weird)\b.{0,40}\b(can'?t|blue|lips|"
            r"air|dizzy)",
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
            r"\bself[- ]?harm\w*",
            r"\b(end|ending|take|taking) my (own )?life\b",
            r"\b(end|ending) (it all|things|everything)\b",
            r"\b(going to|gonna|want to|wanna|will|i'?ll) end it\b",
            r"\b(want|wanna|wish|going|plan\w*|ready) to die\b",
            r"\b(don'?t|do not) want to (live|be alive|be here|wake up|exist)( anymore)?\b",
            r"\bbetter off (dead|without me)\b",
            r"\bno (reason|point) (to|in) (live|living|going on)\b",
            r"\b(what'?s|what is) the point (of|in) (living|life|going on|being alive)\b",
            r"\bno way out\b",
            r"\bcut(ting)? myself\b",
            r"\b(jump\w*|throw\w* myself) (off|from|in front of)\b",
            r"\b(goodbye|suicide) (letters?|notes?)\b",
            r"\bnot (want|wanting) to wake up\b",
            rf"\b{_DRUGS}\b.{{0,20}}\b(lined up|saved up|stockpil\w*|hoard\w*)",
            rf"\b(take|swallow) (them|all of them|the lot|all (my|the) {_DRUGS})\b.{{0,20}}"
            r"\b(tonight|now|today|at once)",
        ),
    ),
    _Rule(
        "overdose",
        "Possible overdose or poisoning",
        f"{_CALL} Or call your poison control centre (US: 1-800-222-1222). Do not make the "
        "person vomit. Keep the packaging to show the responders.",
        _rx(
            r"\bover-?dos\w*",
            r"\bpoison(ed|ing)\b",
            rf"\b(took|taken|take|swallowed|ate|had|drank|necked)\b.{{0,30}}\b(too many|too much|"
            r"whole (bottle|pack|packet|box|strip)|handful|bunch|lots|loads|all (my|of (my|the|"
            rf"his|her))|(like |about |around )?([1-9]\d|1\d\d))\b.{{0,30}}\b{_DRUGS}",
            rf"\b{_CHILD}\b.{{0,30}}\b(ate|swallowed|got into|drank|chewed|had|sucked)\b.{{0,40}}"
            rf"\b({_DRUGS}|{_CHEMICALS}|medicine cabinet)",
            rf"\b(swallowed|drank|ate|drinking|eaten)\b.{{0,30}}\b{_CHEMICALS}",
            rf"\bmix\w*\b.{{0,30}}\b{_DRUGS}\b.{{0,30}}\b(alcohol|vodka|drink\w*|booze|beer|wine|"
            r"whisk(e)?y)",
            r"\b(alcohol|vodka|drink\w*|booze)\b.{0,30}\b(with|and) (xanax|benzo\w*|valium|"
            r"opioids?|oxy\w*|sleeping pills|fentanyl|heroin)",
        ),
    ),
    _Rule(
        "bleeding",
        "Severe bleeding",
        f"{_CALL} Press firmly on the wound with a clean cloth and keep pressing; do not lift "
        "it to look. Raise the injured part if you can.",
        _rx(
            rf"\b(bleed\w*|blood)\b.{{0,40}}\b{_SEVERE_BLEED}",
            rf"\b{_SEVERE_BLEED}\b.{{0,20}}\b(bleed\w*|blood)\b",
            r"\b(heavy|severe|massive|lots of) (bleeding|blood loss)\b",
            r"\b(vomit\w*|throw\w* up|threw up|cough\w* up|puk\w*|spit\w* up)\b.{0,20}\bblood\b",
            r"\bblood\b.{0,15}\bin (my|his|her) (vomit|sick)\b",
            r"\bpregnant\b.{0,60}\bbleed\w*",
            r"\bsoak\w* (through )?(a|one|my) (pad|tampon)s?\b",
            r"\b(big|large|huge|golf ball) (blood )?clots\b",
            r"\bblood\b.{0,60}\b(faint\w*|dizzy|light-?headed|pass(ing)? out)\b",
            r"\bnosebleed\b.{0,40}\b([3-9]\d|\d{3}) (minutes|mins)\b",
            r"\b(vomit\w*|throw\w* up|threw up|sick)\b.{0,40}\bcoffee grounds\b",
            r"\b(black|tarry)\b.{0,15}\b(tarry|sticky)?\s?(stools?|poo|poop)\b",
        ),
    ),
    _Rule(
        "infant_fever",
        "Fever in a baby under 3 months",
        "A fever (38 °C / 100.4 °F or higher) in a baby under 3 months needs a doctor now: "
        f"call your doctor's urgent line or go to the emergency department. {_CALL} if the "
        "baby is floppy, hard to wake, breathing fast or has a rash.",
        _rx(
            r"\b(newborn|new-born|neonate)",
            r"\b([1-9]|1[0-2]|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
            r"[- ](day|week|wk)s?[- ]old\b",
            r"\b([0-2]|one|two)[- ]months?[- ]old\b",
            r"\bbaby\b.{0,20}\b(is|was) (only )?([1-9]|1[0-2]) (days|weeks)\b",
        ),
        _rx(_FEVER),
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
            r"\b(fitting|having a fit|had a fit|in a fit)\b",
            r"\b(shaking|jerking|twitching) (all over|uncontrollabl\w*)\b",
            r"\b(shaking|jerking|twitching)\b.{0,40}\b(won'?t respond|not responding|"
            r"unresponsive|eyes (rolled|rolling))",
            r"\beyes (rolled|rolling) (back|up)\b",
        ),
    ),
    _Rule(
        "unresponsive",
        "Unconscious or hard to wake",
        f"{_CALL} Check breathing. If breathing, put them on their side (recovery position); "
        "if not, start CPR if you can: push hard and fast in the middle of the chest.",
        _rx(
            r"\b(won'?t|will not|can'?t|cannot|not|isn'?t|hasn'?t been) (wake (up|him|her|them)|"
            r"waking( up)?|be woken|rouse|respond\w*)",
            r"\b(can'?t|cannot|couldn'?t) (rouse|wake|get (him|her|them) to wake)\b",
            r"\bunresponsive\b",
            r"\bunrous\w*",
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
            r"\b(can'?t|cannot|unable to) (bend|move|turn|touch (his|her|my) chin to)\b.{0,15}"
            r"\bneck\b",
            r"\b(rash|spots|dots|marks|blotch\w*)\b.{0,60}\b(glass|don'?t fade|won'?t fade|"
            r"doesn'?t fade|not fad\w*|don'?t go|won'?t go|doesn'?t go)",
            r"\b(purple|dark red)\b.{0,20}\b(rash|spots|dots|blotch\w*)",
            r"\bconfus\w*",
        ),
        _rx(r"\b(fever\w*|temp(erature)?|burning up|hot|rash|spots|glass)\b"),
    ),
    _Rule(
        "head_injury",
        "Serious head injury",
        f"{_CALL} Keep the person still (do not move the neck if a spine injury is possible) "
        "and watch their breathing.",
        _rx(
            r"\b(hit|bang\w*|bump\w*|knock\w*|fell on|struck|smash\w*) (my|his|her|their) head\b",
            r"\b(fell|fallen|fall|thrown|knocked)\b.{0,40}\b(on|onto|landed on|hit) (my|his|her|"
            r"their|the) head\b",
            r"\bhead (injury|knock|bang|trauma)\b",
        ),
        _rx(
            r"\b(vomit\w*|throw\w* up|threw up|being sick|confus\w*|drows\w*|sleepy|passed out|"
            r"knocked out|blacked out|won'?t wake|clear fluid|unequal pupils|seiz\w*|"
            r"asking the same|repeat\w* (himself|herself|themselves|the same)|slurr\w*|"
            r"can'?t remember|memory)"
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
    r"(young|little|a kid|a child|\d+)|history of|in the past|childhood|rehab\w*|recovery|"
    r"recovering from|survivor|well controlled|under control|for (the last |the past )?"
    r"(two|three|several|many|\d+) years)\b",
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
