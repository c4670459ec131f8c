"""Emergency red-flag rules: auditable regular expressions, one or more per condition.

Why rules alongside the learned layer: they are precise where the phrasing is known, they
work with no encoder at all (an install without ``make setup``), and a person can read
exactly why a message fired (``hera safety check``). Each rule names its condition (ids
from ``conditions.toml``). A match counts only if it is asserted now (see ``context``:
not negated, not resolved, not history, not a general question or a story). Some rules need
two findings together (an infant *and* a fever; a swollen calf *and* breathlessness).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import context


@dataclass(frozen=True)
class Rule:
    """One way a condition shows in words; ``name`` says which, in ``hera safety check``."""

    condition: str
    name: str
    #: any of these, asserted, fires the rule ...
    patterns: tuple[re.Pattern, ...]
    #: ... and, when given, one of these must be asserted too (anywhere in the message)
    with_patterns: tuple[re.Pattern, ...] = ()
    #: findings no history, question or story cue may silence (intent to die; an overdose,
    #: a collapse or stopped breathing told as happening): only a negation before them does
    immediate: bool = False
    #: when one of these is asserted in the message, the finding is better explained by
    #: another condition (a heavy arm with crushing chest pain is the heart, not a stroke)
    unless: tuple[re.Pattern, ...] = ()


@dataclass(frozen=True)
class RuleHit:
    """A rule that fired, with the words that fired it."""

    condition: str
    rule: str
    evidence: str


def _rx(*patterns: str) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


# Vocabularies shared by several rules (stems, so "swelling"/"swollen" and "vomits" match).
_PAIN = (r"(pain\w*|hurt\w*|ach(e|es|ing)|sore|pressure|tight\w*|squeez\w*|crush\w*|heav(y|iness)"
         r"|burn\w*|vice|stabbing|agony|discomfort)")
_SEVERE = (r"(sudden\w*|severe\w*|worst|unbearable|excruciating|agony|agonising|agonizing|"
           r"terrible|really bad|intense)")
_SEVERE_BLEED = (r"(won'?t stop|will not stop|doesn'?t stop|not stopping|can'?t stop|keeps? (on )?"
                 r"(bleeding|coming|pouring|going)|pour\w*|gush\w*|spurt\w*|soak\w*|everywhere|"
                 r"heav(y|ily)|a lot|lots|so much|pool\w*|clots?)")
_WHO = (r"(he|she|they|i|we|someone|somebody|man|woman|guy|lady|person|husband|wife|partner|"
        r"mum|mom|dad|father|mother|son|daughter|child|kid|baby|boy|girl|friend|brother|sister|"
        r"grandma|grandad|grandpa|granny|nan|colleague|coworker|neighbou?r|patient|teacher|"
        r"player|boss|uncle|aunt|roommate|flatmate|him|her)")
_CHILD = (r"(son|daughter|toddler|kid|child|baby|boy|girl|little one|grandson|granddaughter|"
          r"infant|newborn|lo)")
_DRUGS = (r"(pills?|tablets?|meds|medication|medicine|capsules?|paracetamol|tylenol|acetaminophen|"
          r"ibuprofen|advil|aspirin|sleeping pills|insulin|oxy\w*|opioids?|fentanyl|heroin|"
          r"xanax|benzo\w*|valium|diazepam|codeine|tramadol|antidepressants?|sertraline|"
          r"lithium|iron tablets|gummies|painkillers?|pain ?killers?|analgesics?|antihistamines?|"
          r"blood thinners?|warfarin|heart pills|diabetes pills|edibles|methadone|morphine|"
          r"amitriptyline|propranolol|citalopram|vitamins)")
_CHEMICALS = (r"(bleach|antifreeze|detergent|dishwasher|washing|cleaner|cleaning|pods?|"
              r"button batter\w*|batter(y|ies)|magnets?|poison\w*|weed ?killer|pesticide|lamp oil|"
              r"paraffin|methanol|drain|chemicals?|lye|mouthwash|e-?liquid|vape juice|"
              r"white spirit|petrol|turpentine|rat poison|slug pellets)")
_FEVER = (r"(fever\w*|feverish|temp(erature)?\b|hot to (the )?touch|burning up|"
          r"\b(3[89]|4[01])([.,]\d)? ?°? ?c?\b|\b(100\.[4-9]|10[1-6](\.\d)?) ?°? ?f?\b)")
_BREATHLESS = (r"(breathless\w*|short(ness)? of breath|out of breath|can'?t (catch (my|his|her) "
               r"breath|breathe)|struggling to breathe|hard to breathe|gasping|"
               r"breathing (fast|hard))")


RULES: tuple[Rule, ...] = (
    Rule("heart_attack", "chest pain or pressure", _rx(
        rf"\b(chest|breastbone|sternum)\b.{{0,40}}\b{_PAIN}",
        rf"\b{_PAIN}\b.{{0,30}}\b(chest|breastbone|sternum)\b",
        r"\b(elephant|weight|someone|brick) (is )?(sitting|standing|pressing|on) (on )?my chest",
        r"\b(having|had|think \w+ (is having|having)|is this) a heart attack\b",
        r"\b(clutch\w*|grabb\w*|holding|gripping) (his|her|my|their|the) chest\b",
    )),
    Rule("heart_attack", "pain spreading to the arm or jaw", _rx(
        r"\bpain\b.{0,40}\b(down|into|to|spreading to|radiating to) (my |the |his |her )?"
        r"(left )?(arm|jaw|shoulder)",
        r"\b(spread\w*|radiat\w*|going|moving|shooting)\b.{0,15}\b(into|to|down|up)\b.{0,15}"
        r"\b(neck|jaw|left arm|arms?|shoulders?)\b",
    )),
    Rule("cardiac_arrest", "collapsed or not breathing", _rx(
        r"\b(not|stopped|stops|isn'?t|is not|aren'?t|no longer) breathing\b",
        r"\bno (pulse|heartbeat|breathing)\b(?! (problems?|issues?|difficult\w*|trouble))",
        rf"\b{_WHO}\b( \w+){{0,3}} (has |had |just |suddenly |has just )?collaps\w*",
        r"\bfound (him|her|them|\w+) collaps\w*",
        r"\b(dropped|fell|went) (down|to the (floor|ground)) .{0,30}\b(not moving|limp|"
        r"lifeless|gasping)",
    ), immediate=True, unless=_rx(
        r"\b(is|he'?s|she'?s|they'?re|i'?m|am|are) breathing (fine|normally|ok|okay|normal)\b",
        r"\b(in|during) (his|her|my|their) sleep\b|\bsnor\w*|\bsleep apno?ea\b",
    )),
    Rule("cardiac_arrest", "unconscious or cannot be woken", _rx(
        r"\bunresponsive\b",
        r"\bunconscious\b",
        r"\b(won'?t|will not|can'?t|cannot|not|isn'?t|hasn'?t been) (wake (up|him|her|them)|"
        r"waking( up)?|be woken|rouse|respond\w*)",
        r"\b(can'?t|cannot|couldn'?t) (rouse|wake|get (him|her|them) to wake)\b",
    ), immediate=True),
    Rule("stroke", "face, arm or speech signs (FAST)", _rx(
        r"\b(face|mouth|smile|lip|eye|eyelid)s?\b.{0,30}\b(droop\w*|lopsided|sagg?\w*|"
        r"crooked|wonky|uneven|twisted|hang\w* down|fall\w* down|slump\w*|numb|one side)",
        r"\bdroop\w*\b.{0,20}\b(face|mouth|side|smile)",
        r"\b(slurr\w*|garbl\w*|jumbl\w*|muddled (words|speech)|gibberish|nonsense words|"
        r"words (are|were|came|come) out (wrong|all wrong|funny|weird)|speech is (off|weird|"
        r"strange|funny|slurred)|can'?t (speak|talk|get (my|the|his|her) words out|find "
        r"(my|the|his|her) words|smile properly|understand (me|us|anyone)))",
        r"\b(one|left|right) side of (my|his|her|their) face\b",
        r"\b(having|had|think \w+ (is having|having)|is this) a stroke\b",
        r"\bspeech\b.{0,20}\b(funny|weird|strange|off|slurr\w*|wrong|garbl\w*|jumbl\w*|"
        r"gone|changed)",
    )),
    Rule("stroke", "sudden weakness or numbness on one side", _rx(
        r"\b(can'?t|cannot|unable to|couldn'?t) (lift|raise|move|feel|use) (my|his|her|their) "
        r"(left|right)? ?(arm|leg|hand|foot|side)",
        r"\b(one|left|right) side of (my|his|her|their) (body|mouth)\b",
        r"\b(left|right) (hand|arm|leg|side)\b.{0,25}\b(dead|numb|weak|limp|heavy|useless|"
        r"won'?t move|paraly\w*)",
        r"\b(numb|weak|limp|paraly)\w*\b.{0,30}\bone side\b",
    ), unless=_rx(rf"\b(chest|breastbone|sternum)\b.{{0,40}}\b{_PAIN}",
                  rf"\b{_PAIN}\b.{{0,30}}\b(chest|breastbone|sternum)\b")),
    Rule("seizure", "fitting or convulsing", _rx(
        r"\bseiz\w*",
        r"\bconvuls\w*",
        r"\b(fitting|having a fit|had a fit|in a fit)\b",
        r"\b(shaking|jerking|twitching) (all over|uncontrollabl\w*)\b",
        r"\b(shaking|jerking|twitching)\b.{0,40}\b(won'?t respond|not responding|"
        r"unresponsive|eyes (rolled|rolling))",
        r"\beyes (rolled|rolling) (back|up)\b",
    )),
    Rule("sudden_severe_headache", "worst-ever or thunderclap headache", _rx(
        r"\bworst headache\b",
        r"\bthunderclap\b",
        r"\bheadache\b.{0,40}\b(came on|hit|started|out of nowhere|like (a|being)|in (a few )?"
        r"seconds|exploded|explosion|sudden\w*)",
        rf"\b{_SEVERE}\b.{{0,20}}\b(headache|head pain|pain in (my|his|her) head)\b",
        r"\b(hit|struck) (on|in) the (back of the )?head\b.{0,30}\b(nothing|no one|out of "
        r"nowhere)",
    )),
    Rule("meningitis", "fever with a stiff neck or a rash that does not fade", _rx(
        r"\bstiff neck\b",
        r"\bneck\b.{0,20}\bstiff\w*",
        r"\b(can'?t|cannot|unable to) (bend|move|turn|touch (his|her|my) chin to)\b.{0,15}"
        r"\bneck\b",
        r"\b(rash|spots|dots|marks|blotch\w*)\b.{0,60}\b(glass|don'?t fade|won'?t fade|"
        r"doesn'?t fade|not fad\w*|don'?t go|won'?t go|doesn'?t go)",
        r"\b(purple|dark red)\b.{0,20}\b(rash|spots|dots|blotch\w*)",
        r"\b(light|brightness)\b.{0,20}\b(hurts?|hurting|painful)\b.{0,10}\beyes?\b",
        r"\bmeningitis\b",
    ), _rx(r"\b(fever\w*|temp(erature)?|burning up|hot|rash|spots|glass|meningitis)\b")),
    Rule("breathing_difficulty", "cannot breathe or speak in sentences", _rx(
        r"\b(can'?t|cannot|can not|unable to|struggling to|struggles to|hard to|barely|"
        r"fighting to) (breathe|breath|catch (my|his|her) breath|get (any |enough )?air)",
        r"\b(can'?t|cannot) get (enough )?(air|a breath|my breath)\b",
        r"\bgasping\b",
        r"\b(can only|can'?t) (say|speak|get out) (a few|two|one|\d+|more than (a few|two|"
        r"one|\d+)) words?\b",
        r"\bcan'?t (finish|complete) (a|my|his|her) sentences?\b",
        r"\b(lips?|face|fingers?|tongue|skin)\b.{0,25}\b(turn\w* |going |look\w* |are |is )?"
        r"(blue|grey|gray|purple)\b",
        r"\bgrunt\w*\b.{0,30}\bbreath\w*",
        r"\b(sucking|pulling|caving) in\b.{0,30}\b(ribs?|chest|neck|throat)\b",
        r"\bwheez\w*\b.{0,40}\b(can'?t (talk|speak|breathe)|so hard|badly|blue|inhaler "
        r"(isn'?t|not|doesn'?t) (working|helping))",
        r"\binhaler\b.{0,30}\b(isn'?t|not|doesn'?t|no) (working|helping|help|difference)",
        r"\bshort(ness)? of breath\b.{0,40}\b(rest|sitting|lying|in bed|talk\w*|worse|severe|"
        r"bad|sudden\w*)",
    )),
    Rule("choking", "something stuck in the throat", _rx(
        r"\bchok(ing|ed|es)\b",
        r"\b(stuck|lodged)\b.{0,20}\b(throat|windpipe|airway)\b",
        r"\b(throat|windpipe)\b.{0,20}\b(stuck|lodged|blocked)\b",
    )),
    Rule("anaphylaxis", "swelling of the throat, tongue or lips after an allergen", _rx(
        r"\banaphyla\w*",
        r"\b(epi-?pen|adrenaline pen|epinephrine|auto-?injector)\b",
        r"\bthroat\b.{0,25}\b(closing|swell\w*|swollen|tight\w*|shut\w*)",
        r"\ballergic reaction\b.{0,60}\b(breath\w*|wheez\w*|swallow\w*|dizzy|faint\w*|throat|"
        r"tongue)",
        r"\b(throat|tongue|lips?|face|mouth|eyes)\b.{0,30}\b(swell\w*|swollen|huge|puff\w*|"
        r"blow\w* up|ballooning|closing|tight\w*)",
        r"\b(swell\w*|swollen|puff\w*)\b.{0,25}\b(throat|tongue|lips?|face|mouth)\b",
    ), _rx(
        r"\b(allerg\w*|ate|eaten|eating|sting|stung|bitten|peanuts?|nuts?|cashews?|"
        r"almonds?|shellfish|shrimp|prawns?|crab|lobster|fish|eggs?|milk|sesame|bee|wasp|"
        r"hornet|hives|rash|penicillin|antibiotic|injection|new (medicine|medication|drug))\b",
        r"\b(breath\w*|wheez\w*|cough\w*|swallow\w*|throat|dizzy|faint\w*)",
        r"\banaphyla\w*|\bepi-?pen\b|\bepinephrine\b|\bauto-?injector\b",
    )),
    Rule("severe_bleeding", "bleeding that will not stop", _rx(
        rf"\b(bleed\w*|blood)\b.{{0,40}}\b{_SEVERE_BLEED}",
        rf"\b{_SEVERE_BLEED}\b.{{0,20}}\b(bleed\w*|blood)\b",
        r"\b(heavy|severe|massive|lots of) (bleeding|blood loss)\b",
        r"\b(cut|chopped|sliced|severed|ripped|torn) (off|through)\b.{0,20}\b(finger|thumb|toe|"
        r"hand|arm|leg|foot)",
        r"\b(finger|thumb|toe|hand|foot)\b.{0,20}\b(cut|chopped|sliced|came|hanging) off\b",
        r"\bnosebleed\b.{0,40}\b([3-9]\d|\d{3}) (minutes|mins)\b",
    )),
    Rule("gi_bleed", "vomiting blood or black stools", _rx(
        r"\b(vomit\w*|throw\w* up|threw up|cough\w* up|puk\w*|spew\w*)\b.{0,20}\bblood\b",
        r"\bblood\b.{0,15}\bin (my|his|her) (vomit|sick)\b",
        r"\b(vomit\w*|throw\w* up|threw up|sick)\b.{0,40}\bcoffee grounds?\b",
        r"\b(black|tarry)\b.{0,15}\b(tarry|sticky)?\s?(stools?|poo|poop)\b",
        r"\b(lots of|a lot of|so much|pure) blood\b.{0,30}\b(bum|bottom|back passage|rectum|"
        r"poo|stool|toilet)",
    )),
    Rule("surgical_abdomen", "sudden severe belly pain", _rx(
        rf"\b{_SEVERE}\b.{{0,30}}\b(stomach|belly|tummy|abdo\w*)\b.{{0,10}}\b{_PAIN}",
        r"\b(stomach|belly|tummy|abdo\w*)\b.{0,20}\b(rigid|hard as a board|board-?like|"
        r"distended|swollen and (tight|hard))",
        r"\bpain\b.{0,40}\b(moved|moving|gone|went) (to|down to) (the |my )?(lower )?right\b",
        r"\b(haven'?t|not|can'?t|no) (pooed|pooped|had a poo|passed wind|farted|been able to "
        r"(poo|fart|pass wind))\b.{0,60}\b(vomit\w*|throw\w* up|being sick)",
    )),
    Rule("pregnancy_emergency", "bleeding, severe pain or warning signs in pregnancy", _rx(
        r"\bpregnan\w*\b.{0,80}\b(bleed\w*|blood|severe pain|cramp\w*|agony|waters|vision|"
        r"headache|swell\w*)",
        r"\b(bleed\w*|blood|severe pain|waters)\b.{0,80}\bpregnan\w*",
        r"\b\d{1,2} ?(weeks?|wks?)\b.{0,60}\b(bleed\w*|blood|waters (broke|have broken|gone)|"
        r"severe pain|cramp\w*)",
        r"\bectopic\b",
        r"\bbaby\b.{0,30}\b(moving less|not moving|stopped moving|hasn'?t moved|no kicks|isn'?t "
        r"moving)",
        r"\b(after|since) (giving birth|the birth|delivery|having the baby)\b.{0,60}\b(bleed\w*|"
        r"soak\w*|clots?)",
    )),
    Rule("urological_emergency", "sudden testicle pain, no urine or a long erection", _rx(
        r"\b(testic\w*|testes|testis|balls?|scrotum|nut)\b.{0,40}\b(pain\w*|swell\w*|swollen|"
        r"agony|hurt\w*)",
        r"\b(can'?t|cannot|unable to|haven'?t been able to|not able to) (pee|wee|urinate|pass "
        r"(urine|water)|go to the toilet)\b",
        r"\berection\b.{0,40}\b(hours|won'?t go (down|away))\b",
        r"\bpriapism\b",
        r"\bcatheter\b.{0,30}\b(block\w*|not draining|nothing coming)",
    )),
    Rule("vascular_emergency", "tearing pain, a clot or a cold limb", _rx(
        rf"\b(tearing|ripping|torn)\b.{{0,40}}\b(chest|back|{_PAIN})",
        r"\baortic dissection\b|\baneurysm\b",
        r"\b(leg|foot|arm|hand)\b.{0,30}\b(cold|white|pale|blue)\b.{0,30}\b(numb|pain\w*|"
        r"hurt\w*|no pulse|can'?t feel)",
        r"\b(pulsing|pulsating|throbbing) (lump|mass|feeling)\b.{0,30}\b(stomach|belly|tummy)",
    )),
    Rule("vascular_emergency", "a swollen calf with breathlessness (blood clot)", _rx(
        r"\b(calf|leg)\b.{0,30}\b(swell\w*|swollen|red|hot|tender|pain\w*)",
        r"\b(swell\w*|swollen)\b.{0,20}\b(calf|leg)\b",
        r"\b(dvt|blood clot)\b",
    ), _rx(rf"\b{_BREATHLESS}", r"\bchest\b.{0,30}\bpain", r"\bcough\w* (up )?blood\b")),
    Rule("diabetic_emergency", "very low or very high blood sugar", _rx(
        r"\b(blood )?(sugar|glucose|bg|bm|levels?)\b.{0,30}\b(low|high|\d+(\.\d)? ?(mmol|mg)|"
        r"\bhi\b|reading)",
        r"\bhypo\w*\b",
        r"\bketo\w*\b|\bdka\b",
    ), _rx(
        r"\b(confus\w*|shak\w*|sweat\w*|vomit\w*|throw\w* up|can'?t eat|won'?t eat|drows\w*|"
        r"fruity|pear drops|deep breath\w*|not making sense|unconscious|passed out|can'?t "
        r"swallow|slurr\w*|aggressive|very thirsty)",
    )),
    Rule("sepsis", "infection with confusion, mottled skin or fast breathing", _rx(
        r"\bseps\w*|\bseptic\b",
        r"\b(mottled|blotchy|blue|grey|gray)\b.{0,20}\b(skin|knees|legs)\b",
        r"\bchemo\w*\b.{0,60}\b(fever\w*|temp\w*|shiver\w*|rigors?)",
        r"\b(no|not|haven'?t) (pee|peed|wee|weed|urine)\b.{0,20}\b(all day|in a day|since "
        r"(yesterday|this morning)|\d+ hours)",
        r"\bfeel\w* like (i'?m|i am|he'?s|she'?s) (going to )?(dying|die)\b",
    ), _rx(
        r"\b(infect\w*|fever\w*|temp\w*|shiver\w*|rigors?|uti|pneumonia|wound|chemo\w*|"
        r"cellulitis|flu|burning up|seps\w*|septic)\b",
    )),
    Rule("head_spine_injury", "head injury with warning signs", _rx(
        r"\b(hit|bang\w*|bump\w*|knock\w*|fell on|struck|smash\w*|whack\w*) (my|his|her|their) "
        r"head\b",
        r"\b(fell|fallen|fall|thrown|knocked)\b.{0,40}\b(on|onto|landed on|hit) (my|his|her|"
        r"their|the) head\b",
        r"\bhead (injury|knock|bang|trauma)\b",
    ), _rx(
        r"\b(vomit\w*|throw\w* up|threw up|being sick|confus\w*|drows\w*|sleepy|passed out|"
        r"knocked out|blacked out|won'?t wake|clear fluid|unequal pupils|seiz\w*|"
        r"asking the same|repeat\w* (himself|herself|themselves|the same)|slurr\w*|"
        r"can'?t remember|memory|blood thinners?|warfarin|apixaban|rivaroxaban)",
    )),
    Rule("head_spine_injury", "neck or back injury with numbness or weakness", _rx(
        r"\b(fell|fall|fallen|crash\w*|dived|diving|landed|thrown|accident)\b.{0,80}\b(neck|back|"
        r"spine)\b",
        r"\b(neck|back|spine)\b.{0,40}\b(injur\w*|hurt|crack\w*|snap\w*)",
    ), _rx(r"\b(numb\w*|tingl\w*|pins and needles|can'?t (feel|move) (my|his|her) (legs|arms|"
           r"feet|hands)|weak\w*|paraly\w*)")),
    Rule("major_trauma", "a serious injury (crash, fall from height, stab or gunshot)", _rx(
        r"\b(car|motorbike|bike|motorcycle|motorway|road|head-?on) (crash|accident|collision|"
        r"smash)\b",
        r"\b(hit|run over|knocked (down|over)) by a (car|bus|truck|lorry|van|train|motorbike)\b",
        r"\b(stabbed|stab wound|knife wound|been knifed)\b",
        r"\b(been|got|was|were|is) shot\b|\bgunshot\b|\bshot (in|through) the\b",
        r"\b(fell|fallen|fall) (off|from|out of) (a |the |his |her |my )?(roof|ladder|balcony|"
        r"scaffold\w*|window|cliff|tree|horse|building|bridge)\b",
        r"\bbone\b.{0,20}\b(sticking|poking|coming|through|out of)\b.{0,10}\b(out|skin)\b",
        r"\b(crushed|trapped|pinned) (under|by|beneath)\b",
    )),
    Rule("burns_chemical", "a serious burn, chemical injury or smoke", _rx(
        r"\b(burn\w*|scald\w*)\b.{0,40}\b(face|hands?|genitals|groin|chest|whole|entire|huge|"
        r"big|large|deep|white|charred|black|leathery|blister\w* all|back|legs?|arms?)\b",
        r"\b(chemical|acid|caustic|alkali|lye|oven cleaner) (burn\w*|splash\w*|spill\w*|on (my|"
        r"his|her) skin)",
        r"\b(smoke inhalation|breath\w* in (a lot of |so much )?smoke|house fire|kitchen fire)\b",
        r"\belectrical burn\b",
    )),
    Rule("poisoning_overdose", "took too many pills or swallowed a poison", _rx(
        rf"\b(took|taken|take|swallowed|ate|had|drank|necked|downed)\b.{{0,30}}\b(too many|too "
        r"much|whole (bottle|pack|packet|box|strip)|handful|bunch|lots|loads|all (my|of (my|the|"
        rf"his|her))|(like |about |around )?([1-9]\d|1\d\d))\b.{{0,30}}\b{_DRUGS}",
        rf"\b{_CHILD}\b.{{0,30}}\b(ate|swallowed|got into|drank|chewed|had|sucked)\b.{{0,40}}"
        rf"\b({_DRUGS}|{_CHEMICALS}|medicine cabinet)",
        rf"\b(swallowed|drank|ate|drinking|eaten)\b.{{0,30}}\b{_CHEMICALS}",
        rf"\bmix\w*\b.{{0,30}}\b{_DRUGS}\b.{{0,30}}\b(alcohol|vodka|drink\w*|booze|beer|wine|"
        r"whisk(e)?y)",
        r"\b(alcohol|vodka|drink\w*|booze)\b.{0,30}\b(with|and) (xanax|benzo\w*|valium|"
        r"opioids?|oxy\w*|sleeping pills|fentanyl|heroin)",
    ), immediate=True),
    Rule("poisoning_overdose", "an overdose, poisoning or gas", _rx(
        r"\bover-?dos\w*",
        r"\b(?<!food )poison(ed|ing)\b",
        r"\bcarbon monoxide\b|\bco alarm\b|\b(smell\w* (of )?gas|gas leak)\b.{0,60}\b(dizzy|"
        r"headache|sick|drowsy|confus\w*|faint\w*)",
    )),
    Rule("suicide_self_harm", "a statement of intent to die", _rx(
        r"\b(kill|killing|hurt|hurting|harm|harming) myself\b(?! (laughing|with laughter))",
        r"\b(end|ending|take|taking) my (own )?life\b",
        r"\b(end|ending) (it all|things|everything)\b",
        r"\b(going to|gonna|want to|wanna|will|i'?ll) end it\b",
        r"\b(want|wanna|wish|going|plan\w*|ready) to die\b",
        r"\b(don'?t|do not) want to (live|be alive|be here|wake up|exist)( anymore)?\b",
        r"\bbetter off (dead|without me)\b",
        r"\bno (reason|point) (to|in) (live|living|going on)\b",
        r"\b(jump\w*|throw\w* myself) (off|from|in front of) (a |the |my )?(bridge|building|roof|"
        r"cliff|balcony|car park|train|tower|multi.?storey)",
        rf"\b{_DRUGS}\b.{{0,20}}\b(lined up|saved up|stockpil\w*|hoard\w*)",
        rf"\b(take|swallow) (them|all of them|the lot|all (my|the) {_DRUGS})\b.{{0,20}}"
        r"\b(tonight|now|today|at once)",
    ), immediate=True),
    Rule("suicide_self_harm", "suicidal thoughts or self-harm", _rx(
        r"\bsuicid\w*",
        r"\bself[- ]?harm\w*",
        r"\bno way out\b",
        r"\bcut(ting)? myself\b(?! (shaving|on|while|by accident|accidentally|when|slightly))",
        r"\b(goodbye|suicide) (letters?|notes?)\b",
    )),
    Rule("harm_to_others", "intent to harm someone, or danger from a violent person", _rx(
        r"\b(?<!could )(?<!would )(kill|hurt|stab|shoot|strangle|attack) (him|her|them|someone|"
        r"somebody|my (\w+ )?(husband|wife|partner|boss|dad|mum|mom|son|daughter|baby|"
        r"neighbou?r|brother|sister))\b",
        r"\bthreaten\w* (to kill|to hurt|me|us|my)\b",
        r"\b(has|with|holding|waving|grabbed) a (knife|gun|weapon|machete|bat)\b",
        r"\b(hitting|beating|punching|kicking|strangling|choking) (me|us|my)\b",
        r"\b(afraid|scared|terrified) (he|she|they)('?ll| will| is going to| are going to) "
        r"(kill|hurt)",
        r"\b(trying to (break|get) in|breaking (in|down the door))\b",
    ), immediate=True),
    Rule("acute_psychosis_delirium", "voices urging harm, or sudden severe confusion", _rx(
        r"\bvoices?\b.{0,30}\b(tell\w*|say\w*|order\w*|command\w*)\b.{0,20}\b(to|me|him|her)\b",
        r"\b(doesn'?t|does not|didn'?t|don'?t) (know|recogni[sz]e) (where (he|she|they|i) "
        r"(is|are|am)|me|us|(his|her|their) (own )?(wife|husband|family|kids|children|name))",
        r"\b(sudden\w*|very|really|completely) confused\b",
        r"\b(hallucinat\w*|seeing things that aren'?t there|paranoid and|out of control)\b",
    )),
    Rule("child_red_flags", "fever in a baby under 3 months", _rx(
        r"\b(newborn|new-born|neonate)",
        r"\b([1-9]|1[0-2]|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
        r"[- ](day|week|wk)s?[- ]old\b",
        r"\b([0-2]|one|two)[- ]months?[- ]old\b",
        r"\bbaby\b.{0,20}\b(is|was) (only )?([1-9]|1[0-2]) (days|weeks)\b",
    ), _rx(_FEVER)),
    Rule("child_red_flags", "a floppy, unresponsive or struggling child", _rx(
        rf"\b{_CHILD}\b.{{0,40}}\b(floppy|limp|hard to wake|won'?t wake|not waking|unresponsive|"
        r"high[- ]pitched (cry|scream)|bulging|blue|grey|grunt\w*|no wet nappies|no wet diapers)",
        r"\b(soft spot|fontanelle)\b.{0,20}\b(bulg\w*|swollen|sunken)",
        r"\b(ribs|chest|tummy)\b.{0,20}\b(sucking|pulling|caving) in\b",
    )),
    Rule("eye_emergency", "sudden loss of vision or an eye injury", _rx(
        r"\b(sudden\w*|suddenly)\b.{0,30}\b(blind|can'?t see|lost (the )?(sight|vision)|"
        r"double vision|vision (is )?double|black(ed)? out in)",
        r"\b(lost|losing|loss of) (all |the )?(vision|sight) in\b",
        r"\b(curtain|shadow|veil)\b.{0,30}\b(over|across|coming (down|up)|in) (my |his |her |the )?"
        r"(vision|eye|sight)",
        rf"\b(chemical|bleach|acid|cleaner|oven cleaner|lime|cement|{_CHEMICALS})\b.{{0,30}}"
        r"\b(in|into) (my|his|her|their) eyes?\b",
        r"\b(splash\w*|spray\w*|squirt\w*)\b.{0,30}\b(in|into) (my|his|her|their) eyes?\b",
        r"\b(something|glass|metal|nail|wire|stick|fish ?hook|splinter)\b.{0,20}\b(in|into|stuck "
        r"in|went into|poked|pierced) (my|his|her|their) eye",
        r"\beye\b.{0,40}\b(halos?|rainbow rings)\b",
    )),
    Rule("environmental", "heatstroke, hypothermia, drowning or electric shock", _rx(
        r"\bheat ?stroke\b",
        r"\b(stopped|not|isn'?t) sweating\b",
        r"\bhypotherm\w*",
        r"\b(pulled|dragged|fished|rescued|got) (\w+ )?out of (the )?(water|pool|river|lake|sea|"
        r"bath|canal)\b",
        r"\b(nearly drowned|near[- ]drowning|drowning|drowned)\b",
        r"\b(electric shock|electrocut\w*|shocked by|struck by lightning|lightning strike|hit "
        r"by lightning)\b",
    )),
)


@dataclass(frozen=True)
class _Sentence:
    """One sentence of the message with what every rule asks of it, worked out once (a long
    message is checked against a hundred patterns: splitting it again each time was most of
    the rules' cost)."""

    text: str
    clauses: tuple[str, ...]
    story: bool
    question: bool


def _asserted(rule: Rule, pattern: re.Pattern, sentence: _Sentence) -> str | None:
    """The matched words when ``pattern`` is asserted now in ``sentence``, else None."""
    if sentence.story or (sentence.question and not rule.immediate):
        return None
    if not pattern.search(sentence.text):
        return None
    for clause in sentence.clauses:
        for match in pattern.finditer(clause):
            if context.negated(clause, match.start()) or context.resolved(clause, match.end()):
                continue
            if context.in_history(clause, match.start(), nouns=not rule.immediate):
                continue
            return match.group(0)
    return None


def _first_asserted(rule: Rule, patterns: tuple[re.Pattern, ...],
                    sentences: list[_Sentence], text: str) -> str | None:
    for pattern in patterns:
        if not pattern.search(text):  # most patterns match nowhere: one search says so
            continue
        for sentence in sentences:
            evidence = _asserted(rule, pattern, sentence)
            if evidence is not None:
                return evidence
    return None


def rule_hits(text: str) -> list[RuleHit]:
    """Every rule asserted in ``text`` (several per condition possible), in rule order."""
    sentences = [_Sentence(s, tuple(context.clauses(s)), context.is_story(s),
                           context.is_general_question(s)) for s in context.sentences(text)]
    hits = []
    for rule in RULES:
        def asserted(patterns: tuple[re.Pattern, ...], rule: Rule = rule) -> str | None:
            return _first_asserted(rule, patterns, sentences, text)

        evidence = asserted(rule.patterns)
        if evidence is None:
            continue
        if rule.with_patterns and asserted(rule.with_patterns) is None:
            continue
        if rule.unless and asserted(rule.unless) is not None:
            continue
        hits.append(RuleHit(rule.condition, rule.name, evidence))
    return hits
