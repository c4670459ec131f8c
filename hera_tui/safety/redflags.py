"""Emergency red-flag rules: auditable regular expressions, one or more per condition.

Why rules alongside the learned layer: they are precise where the phrasing is known, they
work with no encoder at all (an install without ``make setup``), and a person can read
exactly why a message fired (``hera safety check``). Each rule names its condition (ids
from ``conditions.toml``). A match counts only if it is asserted now (see ``context``:
not negated, not resolved, not history, not a general question or a story). Some rules need
two findings together (an infant *and* a fever; a swollen calf *and* breathlessness), and
some a background that history does not cancel ("I have sickle cell", "I had breast cancer
in 2019": what matters is that it is so, not when it began).

The numbers a message states (vital signs, glucose, potassium) are read by ``vitals`` and
their findings join the rules' hits, so that "T 38.9, HR 128, RR 28, BP 84/50" counts like
the words "septic shock".

Why some rules are *decisive*: a finding a triage nurse acts on by itself however calmly it
is told (saddle numbness with back pain; a toddler and an adult's heart tablets; a number
past a published threshold) flags the message without the learned layer's agreement. The
others are precise only with it: they flag when the classifier agrees a little.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import context, vitals


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
    #: one of these must be present, asserted or not: a background condition that history
    #: or a question does not cancel (cancer, dialysis, pregnancy); a negation still does
    background: tuple[re.Pattern, ...] = ()
    #: further groups, each needing one asserted match (a third finding)
    also: tuple[tuple[re.Pattern, ...], ...] = ()
    #: flags without the classifier's agreement (still subject to every context cue)
    sure: bool = False

    @property
    def decisive(self) -> bool:
        """Flags the message by itself (immediate, or sure)."""
        return self.immediate or self.sure


@dataclass(frozen=True)
class RuleHit:
    """A rule that fired, with the words that fired it."""

    condition: str
    rule: str
    evidence: str
    #: flags the message by itself (an immediate or sure rule, or a number past a threshold)
    decisive: bool = False


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
          r"infant|newborn|lo|nephew|niece|([1-9]|1[01])[- ]?(years?|yrs?)[- ]old|"
          r"([1-9]|1[01]) ?yo|\d{1,2}[- ]?months?[- ]old|\d{1,2} ?(m|mo|mos|mths?)[- ]old)")
_DRUGS = (r"(pills?|(?<!dishwasher )(?<!washing )(?<!toilet )(?<!cleaning )tablets?|meds|"
          r"medication|medicine|capsules?|paracetamol|tylenol|acetaminophen|"
          r"ibuprofen|advil|aspirin|sleeping pills|insulin|oxy\w*|opioids?|fentanyl|heroin|"
          r"xanax|benzo\w*|valium|diazepam|codeine|tramadol|antidepressants?|sertraline|"
          r"lithium(?! batter\w*)|iron tablets|gummies|painkillers?|pain ?killers?|analgesics?|"
          r"antihistamines?|blood thinners?|warfarin|heart pills|diabetes pills|edibles|methadone|"
          r"morphine|amitriptyline|nortriptyline|propranolol|citalopram|vitamins|amlodipine|"
          r"nifedipine|diltiazem|verapamil|metoprolol|atenolol|bisoprolol|carvedilol|"
          r"beta[- ]?blockers?|gliclazide|glipizide|glibenclamide|glimepiride|metformin|"
          r"buprenorphine|subutex|clonidine|ferrous|patch(es)?|blood pressure (pills|tablets|meds)|"
          r"heart (tablets|meds|medicine)|diabetes (tablets|meds|medicine)|water tablets?|"
          r"digoxin|quetiapine|olanzapine|mirtazapine|zopiclone|melatonin|nicotine (gum|pouch\w*))")
_CHEMICALS = (r"(bleach|antifreeze|detergent|dishwasher|washing|cleaner|cleaning|pods?|"
              r"poison\w*|weed ?killer|pesticide|lamp oil|"
              r"paraffin|methanol|drain|chemicals?|lye|mouthwash|e-?liquid|vape juice|laundry|"
              r"liquitabs?|"
              r"white spirit|petrol|turpentine|rat poison|slug pellets)")
_BATTERY = (r"(button batter\w*|coin batter\w*|coin cells?|batter(y|ies)|magnets?|"
            r"magnetic (balls?|beads?))")
_FAINT = (r"(faint\w*|dizz\w*|light-?headed|woozy|passed out|pass out|collaps\w*|blacked out|"
          r"black out|keel\w* over|grey|gray|clammy)")
# fainting itself, not only feeling lightheaded
_FAINTED = (r"(fainted|fainting|nearly fainted|almost fainted|feel(ing)? (like )?(i'?m |she'?s |"
            r"i am )?(going to |gonna )?faint|passed out|pass(ing)? out|collaps\w*|blacked out|"
            r"keel\w* over|"
            r"grey|gray|clammy|very dizzy|really dizzy)")
_PREGNANT = (r"(pregnan\w*|positive (pregnancy )?test|(missed|late) (my |her )?period|period "
             r"(is|was) (late|overdue)|\d{1,2} ?(weeks?|wks?) (pregnant|gone|gestation)|ivf|"
             r"embryo)")
_EARLY = (r"(\b([4-9]|1[0-3]) ?(weeks?|wks?)\b(?! old| ago)|positive (pregnancy )?test|"
          r"(missed|late) (my |her )?period|period (is|was) (late|overdue)|early pregnancy|"
          r"first trimester|\b(beta[- ]?)?hcg\b|pregnancy of unknown location|\bpul\b|"
          r"(nothing|no (baby|sac|pregnancy)) (seen |showing |visible )?(in|inside) (the |my |"
          r"her )?"
          r"(womb|uterus)|empty (womb|uterus)|"
          r"just found out (i'?m|she'?s|i am|she is) pregnant)")
_POSTPARTUM = (r"(gave birth|given birth|had (the|my|our|her) baby|after (the )?(birth|delivery)|"
               r"since (the )?(birth|delivery)|delivered|c-?section|caesarean|cesarean|postpartum|"
               r"post-?natal|post-?partum|new mum|\d{1,2}[- ]?(days?|weeks?)[- ](after|since) "
               r"(birth|giving birth|delivery|having (the|my|her) baby))")
_NEURO_LEGS = (r"(legs?\b.{0,25}\b(weak\w*|heavy|numb\w*|wobbly|jelly|giving way|gave way|"
               r"buckl\w*|tingl\w*|dead|useless|like jelly|not working|won'?t work)|(can'?t|"
               r"cannot|couldn'?t|unable to) (walk|stand|feel (my|his|her) (legs|feet))|unsteady|"
               r"numb\w* from the "
               r"(waist|chest|belly button) down|(wet|wetting|leak\w*) (myself|himself|herself)|"
               r"(bladder|bowels?|peeing|weeing)\b.{0,20}\b(problem\w*|changed|not working|trouble|"
               r"accident\w*|control))")
_FEVER = (r"(fever\w*|feverish|temp(erature)?\b|hot to (the )?touch|burning up|"
          r"\b(3[89]|4[01])([.,]\d)? ?°? ?c?\b|\b(100\.[4-9]|10[1-6](\.\d)?) ?°? ?f?\b)")
# a fever that is stated, not a bare mention of "temperature" (people on chemotherapy or with
# sickle cell are told to check theirs)
_REAL_FEVER = (r"(fever\w*|feverish|high temp\w*|(a|got a|have a|has a|had a|running a|spiked a) "
               r"(temp|temperature)\b|spik\w*|hot to (the )?touch|burning up|"
               r"\b(3[89]|4[01])([.,]\d)? ?°? ?c?\b|\b(100[.,][4-9]|10[1-6]([.,]\d)?) ?°? ?f?\b)")
# the threshold of cancer teams' 24-hour lines (UKONS): 37.5 °C or 99.5 °F
# a threshold as the alert card states it ("ring at 37.5 or above") is not a reading
_NOT_A_LIMIT = r"(?! ?°? ?[cf]? (or|and) (above|over|higher|more|up)\b)"
_NOT_AFTER = r"(?<!at )(?<!over )(?<!above )"
_CHEMO_FEVER = (rf"({_REAL_FEVER}|{_NOT_AFTER}\b37[.,][5-9] ?°? ?c?\b{_NOT_A_LIMIT}|"
                rf"{_NOT_AFTER}\b99[.,][5-9] ?°? ?f?\b{_NOT_A_LIMIT}|shiver\w*|"
                r"shak(ing|y)|rigou?rs?|hot and cold|(feel\w*|felt|feeling) (really |very |so )?"
                r"(awful|terrible|unwell|rough|ill|horrible|dreadful|grim))")
_INFECTION = _rx(
    r"\b(infect\w*|fever\w*|temp\w*|shiver\w*|rigou?rs?|uti|pneumonia|wound|chemo\w*|"
    r"cellulitis|flu|flu-?like|burning up|seps\w*|septic|chest infection|kidney infection|"
    r"water infection|covid|abscess|antibiotics)\b",
)
_BREATHLESS = (r"(breathless\w*|short(ness)? of breath|out of breath|can'?t (catch (my|his|her) "
               r"breath|breathe)|struggling to breathe|hard to breathe|gasping|"
               r"breathing (fast|hard))")

# anticoagulants (NICE NG232 names them, not antiplatelets alone)
_ANTICOAG = (r"(warfarin|apixaban|eliquis|rivaroxaban|xarelto|edoxaban|lixiana|dabigatran|pradaxa|"
             r"heparin|enoxaparin|clexane|dalteparin|fragmin|blood[- ]?thinners?|anticoagula\w*|"
             r"coumadin|doac|noac)")
_HEAD_KNOCK = (r"(hit|hitting|bang\w*|bump\w*|knock\w*|struck|smack\w*|whack\w*|clonk\w*|"
               r"crack\w*) (his |her |my |their |the )?(head|forehead|temple|skull|(back|side) of "
               r"(his|her|my|their|the) head)\b")
# NHS (hydrocephalus) and Shine: the signs of a blocked or infected shunt
_SHUNT_SIGNS = (
    r"\b(drows\w*|sleep\w*|hard to wake|seeing double|double vision|blurr\w*|seiz\w*|fit|"
    r"fitting|confus\w*|irritab\w*|not (himself|herself)|(eyes?|looking) (\w+ )?(down|downwards)|"
    r"sunset\w*|bulg\w*|fever\w*|high temp\w*|(vision|sight) (went|gone|going|is|was) (double|"
    r"blurry|blurred)|worse (when )?(i |he |she )?(lie|lying) down|worse in the mornings?)\b")
_SHUNT = _rx(r"\b(shunt|hydrocephalus|ventriculo\w*|ventriculoperitoneal)\b")
_NOT_A_BRAIN_SHUNT = _rx(r"\b(dialysis|fistula|av shunt|arteriovenous)\b")

# a procedure on the gut, the bile ducts or the belly (BSG and NHS after-care leaflets)
_ABDOMINAL_PROCEDURE = _rx(
    r"\b(ercp|endoscop\w*|colonoscop\w*|gastroscop\w*|ogd|sigmoidoscop\w*|polypectomy|polyps? "
    r"(removed|taken out)|laparoscop\w*|keyhole|(bowel|abdominal|stomach|gallbladder|appendix|"
    r"hernia|gastric|liver) (surgery|op|operation|procedure)|liver biopsy|(bile duct|biliary) "
    r"stent)\b")
_DIABETES = _rx(r"\b(diabet\w*|type [12]\b|t[12]dm|insulin|metformin|gliclazide|blood "
                r"sugars?|sugars)\b")
# a ring caught as someone falls, or skin stripped off a finger (BSSH: ring avulsion)
_DEGLOVING = _rx(
    r"\bdeglov\w*|\bring avulsion\b",
    r"\b(ring|wedding ring)\b.{0,40}\b(caught|snagged|hooked)\b",
    r"\b(skin|flesh)\b.{0,20}\b(pulled|ripped|torn|stripped|peeled) (off|away)\b.{0,30}"
    r"\b(finger|hand|thumb)\b|\b(finger|hand|thumb)\b.{0,30}\b(skin|flesh)\b.{0,15}"
    r"\b(pulled|ripped|torn|stripped|came) (off|away)\b",
)
_LVAD = _rx(r"\b(lvad|l-?vad|vad|ventricular assist( device)?|heart ?mate|heart ?ware|hvad|"
            r"heart pump)\b")

RULES: tuple[Rule, ...] = (
    Rule("heart_attack", "chest pain or pressure", _rx(
        rf"\b(chest|breastbone|sternum)\b.{{0,40}}\b{_PAIN}",
        rf"\b{_PAIN}\b.{{0,30}}\b(chest|breastbone|sternum)\b",
        r"\b(elephant|weight|someone|brick) (is )?(sitting|standing|pressing|on) (on )?my chest",
        # "my dad had a heart attack at 60" is family history: "had" counts only with the
        # person it is happening to (I, he, she) as its subject
        r"\b(having|think \w+ (is having|having)|is this) a heart attack\b",
        r"(^|\b(i|he|she|they) (just |might have |may have |think (i|he|she) )?)had a heart "
        r"attack\b",
        r"\b(clutch\w*|grabb\w*|holding|gripping) (his|her|my|their|the) chest\b",
    )),
    Rule("heart_attack", "pain spreading to the arm or jaw", _rx(
        r"\bpain\b.{0,40}\b(down|into|to|spreading to|radiating to) (my |the |his |her )?"
        r"(left )?(arm|jaw|shoulder)",
        r"\b(spread\w*|radiat\w*|going|moving|shooting)\b.{0,15}\b(into|to|down|up)\b.{0,15}"
        r"\b(neck|jaw|left arm|arms?|shoulders?)\b",
    )),
    Rule("cardiac_arrest", "collapsed or not breathing", _rx(
        r"\b(not|stopped|stops|isn'?t|is not|aren'?t|no longer) breathing\b(?! (fast|quickly|"
        r"rapidly|hard|heavily|noisily|loudly|too fast|any faster|through (his|her|the) mouth))",
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
        r"\b((?<!mask )(?<!kitchen )(?<!carpet )(?<!boiler )(?<!dress )fitting|having a fit|had a "
        r"fit|in a fit)\b(?! (room|appointment|instructions|properly|correctly|tightly|well))",
        r"\b(shaking|jerking|twitching) (all over|uncontrollabl\w*)\b",
        r"\b(shaking|jerking|twitching)\b.{0,40}\b(won'?t respond|not responding|"
        r"unresponsive|eyes (rolled|rolling))",
        r"\beyes (rolled|rolling) (back|up)\b",
    )),
    Rule("sudden_severe_headache", "worst-ever or thunderclap headache", _rx(
        r"\bworst headache\b",
        r"\bthunderclap\b",
        r"\bheadache\b.{0,40}\b(came on|hit(?! (my|his|her|their) (head|forehead))|started|out of "
        r"nowhere|like (a|being)|in (a few )?seconds|exploded|explosion|sudden\w*)\b",
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
    ), _rx(r"\b(fever\w*|temp(erature)?|burning up|hot|rash|spots|glass|meningitis)\b"),
        # the glass test passed: spots that fade under a pressed glass are not the rash of
        # meningococcal sepsis (NHS)
        unless=_rx(r"\b(fade[sd]?|fading|disappear\w*|go(es)? away|went away|blanch\w*|go(es)? "
                   r"white|went white)\b.{0,10}\b(completely |fully |right away )?"
                   r"(when|under|with)\b"
                   r".{0,25}\b(glass|press\w*|tumbler)\b")),
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
        # "a blood clot" (a thrombosis feared) is not clots passed with bleeding
        rf"\b(bleed\w*|blood)\b(?! clot)(?! clots? (in|on) (my|his|her|the) (leg|calf|lung))"
        rf".{{0,40}}\b{_SEVERE_BLEED}",
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
    )),
    Rule("pregnancy_emergency", "bleeding, severe pain or warning signs in pregnancy", _rx(
        r"\bpregnan\w*\b.{0,80}\b(bleed\w*|blood|severe pain|cramp\w*|agony|waters|vision|"
        r"headache|swell\w*)",
        r"\b(bleed\w*|blood|severe pain|waters)\b.{0,80}\bpregnan\w*",
        r"\b\d{1,2} ?(weeks?|wks?)\b.{0,60}\b(bleed\w*|blood|waters (broke|have broken|gone)|"
        r"severe pain|cramp\w*)",
        r"\bbaby\b.{0,30}\b(moving less|not moving|stopped moving|hasn'?t moved|no kicks|isn'?t "
        r"moving)",
        r"\b(cord|baby'?s? (head|foot|feet|bottom))\b.{0,20}\b(coming out|hanging|showing|out|"
        r"can see|visible)\b",
    ), unless=_rx(_EARLY, _POSTPARTUM)),
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
        r"\baortic dissection\b",
    )),
    Rule("vascular_emergency", "a swollen calf with breathlessness (blood clot)", _rx(
        r"\b(calf|leg)\b.{0,30}\b(swell\w*|swollen|red|hot|tender|pain\w*)",
        r"\b(swell\w*|swollen)\b.{0,20}\b(calf|leg)\b",
        r"\b(dvt|blood clot)\b",
    ), _rx(rf"\b{_BREATHLESS}", r"\bchest\b.{0,30}\bpain", r"\bcough\w* (up )?blood\b")),
    Rule("diabetic_emergency", "a low blood sugar with confusion or drowsiness", _rx(
        r"\b(blood )?(sugar|glucose|bg|bm|levels?)\b.{0,30}\b(low|dropp\w*|crash\w*|\blo\b|"
        r"[0-3]([.,]\d)? ?(mmol)?\b)",
        r"\bhypo(s|glyc\w*)?\b",
    ), _rx(
        r"\b(confus\w*|shak\w*|sweat\w*|can'?t eat|won'?t eat|drows\w*|not making sense|"
        r"unconscious|passed out|can'?t swallow|slurr\w*|aggressive|fit|seiz\w*|won'?t wake|"
        r"not waking|still (low|\d)|isn'?t (coming|going) up|not (coming|going) up|"
        r"can'?t think|strange|drunk)",
    ), unless=_rx(r"\b(ketones?|dka|ketoacidosis)\b")),
    Rule("diabetic_ketoacidosis", "high sugar or ketones with vomiting or deep breathing", _rx(
        r"\bketones?\b|\bketoacidosis\b|\bdka\b",
        r"\b(fruity|pear[- ]drops?|nail varnish|acetone|sweet)\b.{0,20}\bbreath|\bbreath\b.{0,20}"
        r"\b(fruity|pear[- ]drops?|nail varnish|acetone|sweet)",
        r"\b(blood )?(sugar|glucose|bg|bm|levels?|reading)s?\b.{0,30}\b(high|through the roof|"
        r"\bhi\b|over (2\d|3\d|[3-9]\d\d)|in the (high )?(20s|30s|twenties|thirties)|"
        r"(2[0-9]|3\d)([.,]\d)?\b|[3-9]\d\d\b)",
    ), _rx(
        r"\b(vomit\w*|throw\w* up|threw up|being sick|been sick|sick (all|since|every)|"
        r"tummy (pain|ache)|stomach (pain|ache)|belly (pain|ache)|deep breath\w*|breathing "
        r"(fast|heavy|deep|hard|funny|weird)|breath\w* (really )?(deep|heavy|hard)|drows\w*|"
        r"confus\w*|fruity|pear[- ]drops?|can'?t keep|very thirsty|so thirsty|sleepy|lethargic|"
        r"ketones? (is|are|of)? ?[3-9])",
    ), unless=_rx(r"\bketo (diet|genic)|\bketogenic\b|\b(on|doing) keto\b")),
    Rule("sepsis", "infection with confusion, mottled skin or fast breathing", _rx(
        # "the sepsis risk", "a sepsis card" name the word, not the illness
        r"\b(?<!risk of )(?<!signs of )seps\w*\b(?! (risk|card|alert|leaflet|awareness|info\w*|"
        r"signs|screening|training|campaign))|\bseptic\b",
        r"\b(mottled|blotchy|blue|grey|gray|ashen|purple blotch\w*|purple patch\w*|"
        r"blotches)\b.{0,20}\b(skin|knees|legs|arms|body|tummy)\b",
        r"\b(no|not|haven'?t|hasn'?t|not passed any|hasn'?t passed any|hasn'?t passed|not passed) "
        r"(pee|peed|wee|weed|urine|water)\b.{0,20}\b(all day|in a day|since (yesterday|this "
        r"morning|last night)|\d+ hours|for hours)",
        r"\bfeel\w* like (i'?m|i am|he'?s|she'?s) (going to )?(dying|die)\b",
    ), _INFECTION),
    Rule("sepsis", "infection with new confusion or drowsiness (NICE NG51)", _rx(
        r"\b(not making sense|talking nonsense|delirious|disorientat\w*|very sleepy|so sleepy|"
        r"really sleepy|drowsy|hard to wake|barely awake|not with it|out of it|new(ly)? confus\w*|"
        r"(very|really|suddenly|so|more) confused|confused(?! (about|by|as to|why|what|whether|"
        r"how|if|with)\b))",
    ), _INFECTION),
    Rule("head_spine_injury", "head injury with warning signs", _rx(
        r"\b(hit|bang\w*|bump\w*|knock\w*|fell on|struck|smash\w*|whack\w*) (my|his|her|their) "
        r"(fore)?head\b",
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
        r"\b(burn(?!ing (feeling|sensation|pain|ache))\w*|scald\w*)\b.{0,40}\b(face|hands?|"
        r"genitals|groin|chest|whole|entire|huge|"
        r"big|large|deep|white|charred|black|leathery|blister\w* all|back|legs?|arms?)\b",
        r"\b(chemical|acid|caustic|alkali|lye|oven cleaner) (burn\w*|splash\w*|spill\w*|on (my|"
        r"his|her) skin)",
        r"\b(smoke inhalation|breath\w* in (a lot of |so much )?smoke|house fire|kitchen fire)\b",
        r"\belectrical burn\b",
    )),
    Rule("poisoning_overdose", "took too many pills or swallowed a poison", _rx(
        rf"\b(took|taken|take|swallowed|ate|had|drank|necked|downed)\b.{{0,30}}\b(too many|too "
        r"much|whole (bottle|pack|packet|box|strip)|handful|bunch|lots|loads|all (my|of (my|the|"
        rf"his|her))|(like |about |around )?(?<!instead of )([1-9]\d|1\d\d))\b.{{0,30}}\b{_DRUGS}",
        rf"\b{_CHILD}\b.{{0,30}}\b(ate|swallowed|got into|drank|chewed|had|sucked|bit( into)?|"
        rf"bitten|licked)\b.{{0,40}}"
        rf"\b{_CHEMICALS}",
        # a sip of mouthwash while gargling is harmless (NPIS): only a child's swallow of it,
        # above, or more than a mouthful, counts
        rf"\b(swallowed|drank|ate|drinking|eaten)\b(?! (a (little bit|bit|little|sip|drop|"
        rf"small \w+|tiny \w+|"
        rf"mouthful)|some|a bit) of (the |my |his |her )?(mouthwash|toothpaste|shampoo|soap|"
        rf"washing[- ]up liquid|hand soap|bubble bath|bubbles)).{{0,30}}\b{_CHEMICALS}",
        rf"\bmix\w*\b.{{0,30}}\b{_DRUGS}\b.{{0,30}}\b(alcohol|vodka|drink\w*|booze|beer|wine|"
        r"whisk(e)?y)",
        r"\b(alcohol|vodka|drink\w*|booze)\b.{0,30}\b(with|and) (xanax|benzo\w*|valium|"
        r"opioids?|oxy\w*|sleeping pills|fentanyl|heroin)",
    ), immediate=True, unless=_rx(
        # only the wrapper, or a capsule still sealed: nothing was swallowed
        r"\b(wrapper|packaging|empty (box|packet|bottle|tub))\b.{0,30}\b(but|not|didn'?t|"
        r"without)\b|\b(tablet|capsule|pod|it)\b.{0,10}\b(is|was|'?s) (still )?(intact|sealed|"
        r"unopened|whole)\b|\bstill sealed\b")),
    Rule("poisoning_overdose", "an overdose, poisoning or gas", _rx(
        r"\bover-?dos\w*",
        r"\b(?<!food )poison(ed|ing)\b",
        r"\b(so|too|very|blind|paralytic|really) drunk\b.{0,40}\b(can'?t (wake|stand)|won'?t wake|"
        r"unconscious|passed out|not respond\w*|vomit\w* (while|in (his|her) sleep)|blue|"
        r"breathing (slow\w*|funny|weird|strange))",
        r"\balcohol poisoning\b",
    ), unless=_rx(
        # an adult's own usual dose taken a second time by mistake ("took it twice", "100mg
        # instead of 50"): NHS advice is to ring 111 or a pharmacist, not 999
        r"\b(took|taken|had)\b.{0,40}\b(twice|two doses)\b.{0,30}\b(by mistake|forgot|"
        r"accident\w*|this morning|today|tonight)\b",
        r"\b(accident\w*|by mistake|forgot\w*)\b.{0,60}\b(twice|a double dose|an extra dose|a "
        r"second dose|two doses)\b",
        r"\b(accident\w*|by mistake)\b.{0,60}\b\d+ ?(mg|mcg)\b.{0,3}\binstead of\b.{0,3}\d+",
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
        # a plan decided: "I've decided how I'm going to do it and when"
        r"\b(i'?ve|i have|i'?m|i am) (decided|worked out|planned|made up my mind|sure) (on )?(how|"
        r"when|where) (i'?m|i am|i'?ll|i will|to)( going to| gonna)? (do it|end it|go through "
        r"with it)\b",
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
        r"\b(hitting|beating|punching|kicking|strangling|choking) (me|us|my)\b(?! (own )?(head|"
        r"forehead|face|hand|knee|elbow|toe|foot|arm|leg|shin|funny bone)\b)",
        r"\b(afraid|scared|terrified) (he|she|they)('?ll| will| is going to| are going to) "
        r"(kill|hurt)",
        r"\b(trying to (break|get) in|breaking (in|down the door))\b",
    ), unless=_rx(r"\b(baby|bump|foetus|fetus|twins)\b.{0,40}\bkick\w*",
                  r"\bkick\w* (me )?(in )?(my )?(ribs|bladder|tummy|belly|bump)\b"),
        immediate=True),
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
        rf"\b{_CHILD}\b.{{0,40}}\b(floppy|limp(?!ing|ed|s)|hard to wake|won'?t wake|not waking|"
        rf"unresponsive|"
        r"high[- ]pitched (cry|scream)|bulging|blue|grey|grunt\w*|no wet nappies|no wet diapers)",
        r"\b(soft spot|fontanelle)\b.{0,20}\b(bulg\w*|swollen|sunken)",
        r"\b(ribs|chest|tummy)\b.{0,20}\b(sucking|pulling|caving) in\b",
    )),
    Rule("eye_emergency", "sudden loss of vision or an eye injury", _rx(
        r"\b(sudden\w*|suddenly)\b.{0,30}\b(blind|can'?t see|lost (the )?(sight|vision)|"
        r"double vision|vision (is )?double|black(ed)? out in)",
        r"\b(lost|losing|loss of) (all |the )?(vision|sight) in\b",
        rf"\b(chemical|bleach|acid|cleaner|oven cleaner|lime|cement|{_CHEMICALS})\b.{{0,30}}"
        r"\b(in|into) (my|his|her|their) eyes?\b",
        r"\b(splash\w*|spray\w*|squirt\w*)\b.{0,30}\b(in|into) (my|his|her|their) eyes?\b",
        r"\b(something|glass|metal|nail|wire|stick|fish ?hook|splinter)\b.{0,20}\b(in|into|stuck "
        r"in|went into|poked|pierced) (my|his|her|their) eye",
    )),
    Rule("environmental", "drowning or electric shock", _rx(
        r"\b(pulled|dragged|fished|rescued|got) (\w+ )?out of (the )?(water|pool|river|lake|sea|"
        r"bath|canal)\b",
        r"\b(nearly drowned|near[- ]drowning|drowning|drowned)\b",
        r"\b(electric shock|electrocut\w*|shocked by|struck by lightning|lightning strike|hit "
        r"by lightning)\b",
    )),
    # --- issue 16: emergencies the first list did not name ---------------------------------
    Rule("cauda_equina", "back pain with saddle numbness, or bladder or bowel changes", _rx(
        r"\bsaddle (numb\w*|an(a)?esthesia|area|region|sensation)",
        r"\bcauda equina\b",
        r"\bnumb\w*\b.{0,25}\b(between (my|his|her|the) legs|(round|around|in) (my|his|her|the) "
        r"(bum|bottom|buttocks?|backside|genitals|privates|groin|back passage|inner thighs?|"
        r"crotch|perineum|vagina|penis))",
        r"\b(bum|bottom|buttocks?|backside|genitals|privates|groin|back passage|inner thighs?|"
        r"crotch|perineum|between (my|his|her) legs)\b.{0,25}\b(numb\w*|no feeling|can'?t feel|"
        r"tingl\w*|pins and needles|gone dead|feels? dead|feels? odd|feels? strange)",
        r"\b(can'?t|cannot|couldn'?t|don'?t|didn'?t|not able to) (feel|tell|notice|know) (when )?"
        r"(myself |i'?m |i am |he'?s |she'?s )?(pee\w*|wee\w*|urinat\w*|passing (urine|water)|"
        r"(need|needing) (to go|a wee|a pee)|(my|his|her|the) bladder|the (toilet|loo) paper|"
        r"wiping|the wee|the pee)",
        r"\b(lost|losing|no|loss of) (control of )?(my|his|her) (bladder|bowels?)( control)?\b",
        r"\b(wet|leaked|wetting|leaking)\b.{0,15}\b(without|and didn'?t|and did not|didn'?t) "
        r"(notic\w*|feel\w*|realis\w*|realiz\w*|know)",
        r"\b(trouble|struggl\w*|hard|can'?t get (it|the flow) (going|started)|difficult\w*) "
        r"(to |with )?(start\w* )?(pee\w*|wee\w*|urinat\w*)",
    ), _rx(
        r"\b((my|his|her|their|lower|low|bad|the) back|back (pain|ache|problems?|injury|is|has|"
        r"went|gave|hurts|hurting|spasm)|backache|spine|spinal|lumbar|disc|discs|sciatica|"
        r"slipped|prolapse\w*|physio\w*|chiropract\w*|osteopath\w*|l[45]|s1)\b",
    ), sure=True),
    Rule("spinal_cord_compression", "back pain with weak or numb legs in someone with cancer", _rx(
        rf"\b(back|spine|spinal|neck)\b.{{0,30}}\b{_PAIN}",
        rf"\b{_PAIN}\b.{{0,30}}\b(back|spine|neck)\b",
        r"\bband (of pain )?(round|around) (my|his|her) (chest|ribs|body|middle|tummy)",
        r"\bspinal cord compression\b|\bmscc\b",
    ), _rx(_NEURO_LEGS), background=_rx(
        r"\b(cancer|tumou?r|metasta\w*|secondar(y|ies)|myeloma|lymphoma|leuk(a)?emia|"
        r"oncolog\w*|chemo\w*|radiotherapy|hospice|palliative)\b",
    ), sure=True),
    Rule("compartment_syndrome", "a cast or injury with numbness, colour change or rising pain",
         _rx(
        r"\b(cast|plaster|pot|splint|back ?slab)\b.{0,60}\b(numb\w*|tingl\w*|pins and needles|"
        r"pale|white|cold|blue|purple|can'?t (move|feel|wiggle) (my|his|her) (fingers|toes)|"
        r"agony|unbearable|excruciating|screaming|getting worse|worse and worse|really tight|"
        r"too tight|so tight)",
        r"\b(numb\w*|tingl\w*|pins and needles|pale|white|cold|blue|purple)\b.{0,40}\b(fingers|"
        r"toes)\b.{0,40}\b(cast|plaster|pot|splint|back ?slab)\b",
        r"\bcompartment syndrome\b",
        r"\bpain\b.{0,40}\b(out of proportion|way (worse|more) than|much worse than|more than "
        r"(it|the injury) (looks|should))",
        r"\b(stretch\w*|mov\w*|wiggl\w*|straighten\w*|bend\w*|touch\w*) (my|his|her) (fingers|toes|"
        r"foot|ankle|wrist)\b.{0,30}\b(agony|excruciating|screams?|scream\w*|unbearable|kills|"
        r"hurts so|makes (him|her|me) (scream|cry))",
    ), _rx(
        r"\b(cast|plaster|pot|splint|back ?slab|fractur\w*|broke\w*|broken|crush\w*|injur\w*|"
        r"kick\w*|tackle\w*|fell|fall|accident|surgery|operation|bandage|tight|swollen|"
        r"swelling|hit|trapped)\b",
    ), sure=False),
    # NHS plaster-cast advice: fingers or toes that are numb, tingling, pale, blue or cold
    # under a cast need A&E now; a sentence of its own is enough ("new cast today. His
    # fingers are pale, cold and numb")
    Rule("compartment_syndrome", "a cast with numb, pale, blue or cold fingers or toes", _rx(
        r"\b(fingers?|toes?|thumb)\b(?:(?!\b(not|no|never|nor)\b|n'?t\b).){0,30}\b(numb\w*|"
        r"tingl\w*|pins and needles|pale|white|cold|"
        r"icy|blue|bluish|purple|dusky|grey|gray)\b",
        r"\b(numb\w*|tingl\w*|pale|white|cold|icy|blue|bluish|purple|dusky)\b.{0,30}\b(fingers?|"
        r"toes?|thumb)\b",
    ), _rx(r"\b(cast|plaster cast|in plaster|splint|back ?slab)\b"), sure=True),
    Rule("necrotising_fasciitis", "a wound with pain out of proportion or skin changes spreading "
         "fast", _rx(
        r"\bnecroti[sz]ing\b|\bflesh[- ]eating\b",
        r"\bpain\b.{0,40}\b(out of proportion|way (worse|more) than|much worse than|more than "
        r"(it|the (wound|cut|bite|scratch|graze)) (looks|should))",
        r"\b(redness|red|swelling|swollen|dark|purple|black|blister\w*|bruis\w*)\b.{0,40}\b"
        r"(spread\w*|moving|growing|creeping|getting bigger)\b.{0,20}\b(fast|quickly|rapidly|"
        r"by the hour|within hours|in (a few|an|two|2) hours?|up (my|his|her) (leg|arm)|as I "
        r"watch)",
        r"\b(skin|wound|cut|leg|arm)\b.{0,30}\b(turn\w*|gone|going|is) (dark purple|purple|black|"
        r"grey|dusky)\b",
    ), _rx(
        r"\b(wound|cut|bite|bitten|scratch\w*|graze\w*|operation|surgery|injection|incision|"
        r"c-?section|stitch\w*|boil|blister|skin|splinter|thorn|insect|spot|leg|arm)\b",
    ), also=(_rx(
        r"\b(fever\w*|temp\w*|shiver\w*|shak(ing|y)|unwell|awful|ill|dizz\w*|confus\w*|vomit\w*|"
        r"sick|faint\w*|spread\w*|agony|unbearable|excruciating|numb)\b"),)),
    Rule("ectopic_pregnancy", "early pregnancy with one-sided or shoulder-tip pain, heavy "
         "bleeding or fainting", _rx(
        r"\bectopic\b",
        r"\bshoulder[- ]?tip\b|\b(tip of|top of) (my|her|the) shoulder\b",
        rf"\b(one[- ]sided|one side|left[- ]sided|right[- ]sided|(low|lower) (down )?on (the |my |"
        rf"her )?(left|right)|lower (left|right)|left side|right side)\b.{{0,30}}\b{_PAIN}",
        rf"\b{_PAIN}\b.{{0,30}}\b(one side|left side|right side|(low|lower) (down )?on (the |my |"
        r"her )?(left|right)|lower (left|right))\b",
        rf"\b(left|right)[- ](sided |side )?(pelvic|pelvis|iliac( fossa)?|groin|ovary|lower "
        rf"(tummy|belly|abdo\w*|stomach))\b.{{0,15}}\b{_PAIN}",
    ), _rx(
        rf"\b{_FAINT}", r"\bshoulder\b", r"\b(bleed\w*|blood|spotting)\b",
        r"\b(sharp|stabbing|severe|agony|really bad|terrible|worst|strong)\b",
    ), background=_rx(_EARLY), sure=True),
    Rule("ectopic_pregnancy", "early pregnancy with heavy bleeding, or fainting with pain", _rx(
        rf"\b(bleed\w*|blood)\b.{{0,40}}\b{_SEVERE_BLEED}",
        rf"\b{_FAINTED}",
    ), _rx(
        rf"\b{_PAIN}|\bcramp\w*|\b(bleed\w*|blood)\b.{{0,40}}\b{_SEVERE_BLEED}",
        rf"\b{_FAINT}",
    ), also=(_rx(rf"\b{_PAIN}|\bcramp\w*|\b{_FAINTED}|\bclots?\b"),),
        background=_rx(_EARLY), sure=True),
    Rule("pre_eclampsia", "headache, vision changes, swelling or rib pain late in pregnancy or "
         "after the birth", _rx(
        r"\bpre-?eclampsia\b|\beclampsia\b|\bhellp\b",
        r"\b(blurr\w*|flashing lights|flashes|flickering|seeing (spots|stars|sparkles)|spots (in|"
        r"before) (my|her) (eyes|vision)|sparkl\w* (in|before)|zig-?zags?|"
        r"vision (is |has gone |went )?(blurry|funny|weird|strange|fuzzy|wavy|dim|double))\b",
        r"\bpain\b.{0,20}\b(under|below|just below|beneath) (my|her|the) (right )?ribs\b",
        r"\b(sudden\w*|really|very|so|massively|hugely)\b.{0,10}\b(swollen|puffy|swelling)\b.{0,20}"
        r"\b(face|hands|feet|ankles|fingers|eyes|legs)\b",
        r"\b(face|hands|feet|ankles|fingers|eyes)\b.{0,25}\b(suddenly|really|very|so) (puffy|"
        r"swollen)\b",
        r"\b(severe|bad|terrible|pounding|worst|splitting|awful|thumping|horrible)\b.{0,15}"
        r"\bheadache\b|\bheadache\b.{0,40}\b(won'?t go|not going|doesn'?t go|paracetamol (isn'?t|"
        r"hasn'?t|didn'?t|not|doesn'?t)|for (two|2|three|3) days)",
        r"\b(fit|fitting|seizure|seizing|convuls\w*)\b",
        r"\bprotein in (my|her) (urine|wee|pee)\b",
    ), _rx(
        r"\b(headache|blurr\w*|vision|flashing|seeing spots|swollen|swelling|puffy|ribs|sick|"
        r"vomit\w*|"
        r"pre-?eclampsia|eclampsia|hellp|fit|fitting|seizure|protein|blood pressure|bp)\b",
    ), background=_rx(
        r"\bpregnan\w*|\b(2\d|3\d|4[0-2]) ?(weeks?|wks?)\b(?! old| ago)|\bmaternity\b|\bmidwife\b|"
        rf"\b{_POSTPARTUM}",
    ), also=(_rx(
        r"\bpre-?eclampsia\b|\beclampsia\b|\bhellp\b|\b(fit|fitting|seizure|seizing|convuls\w*)\b|"
        r"\bpain\b.{0,20}\b(under|below|beneath) (my|her|the) (right )?ribs\b|\bprotein\b|"
        r"\b(blurr\w*|flashing|flashes|flickering|seeing spots|sparkl\w*|zig-?zags?|seeing stars|"
        r"vision)\b|"
        r"\b(swollen|swelling|puffy)\b.{0,20}\b(face|hands|fingers|eyes)\b|\b(face|hands|"
        r"fingers|eyes)\b.{0,25}\b(puffy|swollen)\b|\bblood pressure\b|\bbp\b"),),
        unless=_rx(r"\b([4-9]|1[0-9]) ?(weeks?|wks?) (pregnant|gone)\b")),
    Rule("postpartum_haemorrhage", "heavy bleeding after giving birth", _rx(
        r"\b(soak\w*|drench\w*|fill\w*|through)\b.{0,20}\b(a |the |my |her |one |another |two |"
        r"several |maternity )*(pads?|towels?|sheets?|bed|nighties?)\b",
        r"\bclots?\b.{0,30}\b(size of|big as|bigger than|large|huge|massive|golf ?ball|fist|"
        r"plum|egg|orange|lemon|palm)",
        rf"\b(bleed\w*|blood)\b.{{0,40}}\b{_SEVERE_BLEED}",
        r"\b(heavy|heavier|massive) (bleeding|blood loss)\b|\bhaemorrhag\w*|\bhemorrhag\w*|\bpph\b",
    ), background=_rx(_POSTPARTUM)),
    Rule("hypothermia", "very cold with drowsiness, confusion or no shivering", _rx(
        r"\bhypotherm\w*",
        r"\b(ice|icy|freezing|stone|frozen|really|very|so|deathly|bitterly)[- ]cold\b.{0,60}\b"
        r"(drows\w*|sleepy|confus\w*|mumbl\w*|slurr\w*|not making sense|slow|clumsy|not "
        r"shivering|stopped shivering|won'?t wake|barely (awake|responding|respond\w*)|hard to "
        r"wake|stiff|grey|blue|pale|muddled|incoherent|vague|not herself|not himself)",
        r"\b(drows\w*|sleepy|confus\w*|mumbl\w*|slurr\w*|not making sense|clumsy|muddled|"
        r"incoherent|barely (awake|responding))\b.{0,60}\b(ice|icy|freezing|stone|frozen|really|"
        r"very|so|deathly)[- ]cold\b",
        r"\b(stopped|not|isn'?t|no longer|has stopped|'?s stopped) shivering\b",
    ), _rx(
        r"\b(cold|freezing|icy|ice|frozen|heating|outside|outdoors|snow\w*|frost\w*|winter|"
        r"night|hypotherm\w*|water|river|lake|sea|floor|hours)\b",
    ), sure=True),
    Rule("heat_stroke", "heatstroke: hot and confused, or no longer sweating, in the heat", _rx(
        r"\bheat ?stroke\b|\bsun ?stroke\b",
        r"\b(stopped|not|isn'?t|no longer|has stopped|'?s stopped|can'?t) sweat(ing)?\b",
        r"\b(hot|heat\w*|sun|sauna|boiling|scorching|baking|roasting)\b.{0,80}\b(confus\w*|"
        r"collaps\w*|not making sense|talking nonsense|seiz\w*|fit|fitting|passed out|delirious|"
        r"unresponsive|incoherent|stagger\w*|can'?t stand|slurr\w*|muddled|not with it|out of it|"
        r"disorientat\w*)",
    ), _rx(
        r"\b(heat\w*|sun|hot|sauna|boiling|scorching|baking|roasting|temperature|outside|"
        r"run|running|race|marathon|roof|field|festival|car|site|greenhouse|kitchen|bakery|"
        r"exercise|training|degrees)\b",
    ), also=(_rx(
        r"\b(confus\w*|collaps\w*|not making sense|nonsense|seiz\w*|fit|fitting|passed out|"
        r"delirious|unresponsive|incoherent|stagger\w*|can'?t stand|slurr\w*|muddled|not with it|"
        r"out of it|disorientat\w*|vomit\w*|being sick|throwing up|heat ?stroke|sun ?stroke|"
        r"drows\w*|faint\w*|(stopped|not|isn'?t|no longer) sweating|dry skin|hot and dry|"
        r"burning hot|red hot)\b"),), sure=True),
    Rule("bowel_obstruction", "green vomit in a child, or vomiting with no poo or wind", _rx(
        r"\b(green|bright green|dark green|yellow-?green|greenish|bile|bilious)\b.{0,25}\b("
        r"vomit\w*|sick|puk\w*|throw\w* up|threw up|spit\w* up|spew\w*|possett?\w*)",
        r"\b(vomit\w*|sick|puk\w*|throw\w* up|threw up|throwing up|spit\w* up|spew\w*)\b.{0,40}"
        r"\b(green|bile|bilious)\b",
    ), _rx(rf"\b{_CHILD}\b|\bweeks?[- ]old\b|\bdays?[- ]old\b|\bmonths?[- ]old\b|\bfeeds?\b|"
           r"\bbottle\b|\bbreast\w*\b"), sure=True),
    Rule("bowel_obstruction", "vomiting with a swollen tummy and no poo or wind", _rx(
        r"\b(haven'?t|hasn'?t|not|can'?t|no|couldn'?t|unable to) (pooed|pooped|had a poo|had a "
        r"bowel movement|passed (any )?wind|farted|been able to (poo|fart|pass wind|go)|poo\w*|"
        r"fart\w*|pass\w* (wind|gas|stool)|opened (my|his|her) bowels)\b",
        r"\b(vomit\w*|sick|throw\w* up)\b.{0,30}\b(poo|faec\w*|fec\w*|smells? like (poo|sewage))\b",
        r"\b(redcurrant|red currant|jam|jelly)[- ]?(like )?(jelly )?(poo|stool|nappy)\b",
        r"\bbowel (obstruction|blockage)\b|\bblocked bowel\b|\bvolvulus\b|\bintussusception\b",
        r"\b(no|not passing|not passed|hasn'?t passed|haven'?t passed) (any )?flatus\b",
        r"\bbowels? (not|haven'?t|hasn'?t) (been )?open(ed)?\b|\bbno\b",
    ), _rx(
        r"\b(vomit\w*|being sick|been sick|throw\w* up|threw up|puk\w*|swollen|distended|bloated|"
        r"hard|drawing (his|her|their) (legs|knees) up|scream\w*|pain\w*|cramp\w*)\b",
    ), also=(_rx(
        r"\b(vomit\w*|being sick|been sick|throw\w* up|threw up|puk\w*|swollen|distended|"
        r"drawing (his|her|their) (legs|knees) up|redcurrant|jelly|obstruction|blockage|volvulus|"
        r"intussusception)\b"),)),
    Rule("drug_toxicity", "signs of lithium, digoxin, serotonin or antipsychotic toxicity", _rx(
        r"\bserotonin (syndrome|toxicity)\b|\bneuroleptic malignant\b|\bnms\b",
        r"\b(lithium|digoxin|phenytoin|carbamazepine|theophylline)\b.{0,30}\b(toxic\w*|level\w*? "
        r"(is |was |came back )?(too )?high|overdose)",
        r"\b(coarse|bad|really bad|severe|new)? ?(tremor|shak\w*|trembl\w*)\b.{0,40}\b(unsteady|"
        r"wobbl\w*|stagger\w*|can'?t walk|confus\w*|muddled|slurr\w*|drows\w*|jerk\w*|twitch\w*)",
        r"\b(unsteady|wobbl\w*|stagger\w*|confus\w*|muddled|slurr\w*|drows\w*|jerk\w*|twitch\w*|"
        r"rigid|stiff)\b.{0,60}\b(tremor|shak\w*|trembl\w*|vomit\w*|diarrh\w*|fever|temp\w*|"
        r"sweat\w*)",
        r"\b(vomit\w*|diarrh\w*|sick)\b.{0,60}\b(shak\w*|tremor|unsteady|wobbl\w*|confus\w*|"
        r"muddled|slurr\w*|blurr\w*)",
        r"\b(yellow|green)\b.{0,15}\b(vision|tinge|halos?)\b|\bseeing (yellow|green)\b",
        r"\b(twitch\w*|jerk\w*|clonus|rigid|stiff)\b.{0,40}\b(sweat\w*|fever|hot|temp\w*|"
        r"agitat\w*|confus\w*)",
    ), background=_rx(
        r"\b(lithium(?! batter\w*| ion)|priadel|camcolit|digoxin|lanoxin|phenytoin|carbamazepine|"
        r"tegretol|theophylline|sertraline|fluoxetine|citalopram|escitalopram|venlafaxine|"
        r"duloxetine|mirtazapine|paroxetine|tramadol|linezolid|ssris?|maois?|antidepressants?|"
        r"antipsychotics?|olanzapine|haloperidol|risperidone|quetiapine|clozapine|aripiprazole|"
        r"amitriptyline|st john'?s wort|triptans?|sumatriptan|mdma|ecstasy)\b",
    ), sure=True),
    # lithium toxicity (BNF, NHS lithium leaflet): vomiting, diarrhoea or a coarse tremor with
    # unsteadiness or confusion; each finding may stand in a clause of its own
    Rule("drug_toxicity", "on lithium: vomiting or shaking with unsteadiness or confusion", _rx(
        r"\b(vomit\w*|being sick|throwing up|diarrh\w*|tremor|shak(ing|y|es)|trembl\w*)\b",
    ), _rx(
        r"\b(unsteady|wobbl\w*|stagger\w*|can'?t walk (straight|properly)|confus\w*|muddled|"
        r"slurr\w*|drows\w*|not making sense|jerk\w*|twitch\w*)\b",
    ), background=_rx(r"\b(lithium(?! batter\w*| ion)|priadel|camcolit|liskonum)\b"), sure=True),
    Rule("button_battery_magnet", "a swallowed button battery or magnets", _rx(
        rf"\b({_CHILD}|he|she|they|i|we|someone|somebody|my \w+|his \w+|her \w+)\b.{{0,40}}\b("
        rf"swallowed|ate|eaten|chewed|gulped|sucking on|put (it|one|them) in (his|her|their) "
        rf"mouth|in (his|her|their) mouth)\b.{{0,40}}\b{_BATTERY}",
        rf"\b{_BATTERY}\b.{{0,50}}\b((was|were|has been|have been|has|have|may have|might have|"
        r"think (he|she|they)|he|she|they) (swallowed|eaten)|missing|in (his|her|their) (tummy|"
        r"stomach|mouth|throat|nose|ear)|stuck in|gone down)",
    ), unless=_rx(r"\b(battery|car battery) acid\b",
                  # taken out by endoscopy, or passed: told of a swallow that is over
                  r"\b(was|were|been|got|had (it|them)) (removed|taken out|retrieved|fished out)\b|"
                  r"\b(came|come) out in (his|her|their|the) (nappy|poo|stool)|\bpassed (it|them) "
                  r"in (his|her|their|the) (nappy|poo|stool)\b",
                  r"\bspat (it|them|the \w+) (straight |right |back )?out\b|\b(i|we) (have|found|"
                  r"got) "
                  r"(it|them|the \w+) (here|back)\b|\b(all|both) (the )?(batteries|magnets) "
                  r"(are )?(accounted for|still there|there)\b"), immediate=True),
    Rule("child_medicine_ingestion", "a child and an adult's medicine", _rx(
        rf"\b{_CHILD}\b.{{0,40}}\b(ate|eaten|swallowed|got into|got hold of|grabbed|drank|chewed|"
        rf"sucked|"
        rf"got at|((had|took|taken) (some|a few|a handful|one|two|three|\d+|several|half|a couple|"
        rf"a go at)( of)?))\b.{{0,50}}\b({_DRUGS}|medicine cabinet)",
        rf"\b({_DRUGS})\b.{{0,40}}\b(missing|gone|chewed|in (his|her|their) mouth|on the floor)\b"
        rf".{{0,60}}\b{_CHILD}\b",
        rf"\b(found|caught)\b.{{0,10}}\b{_CHILD}\b.{{0,30}}\b(with|eating|chewing|sucking)\b"
        rf".{{0,30}}\b{_DRUGS}",
        rf"\b{_CHILD}\b.{{0,20}}\b(found|caught) (with|eating|chewing|sucking)\b.{{0,30}}"
        rf"\b{_DRUGS}",
    ), unless=_rx(r"\b(own|his|her|their) (children'?s |kids'? )?(vitamins?|gumm(y|ies)|calpol|"
                  r"medicine|inhaler)\b|\b(one|an) extra\b|\b(correct|normal|usual|right|"
                  r"prescribed) "
                  r"dose\b|\bwithin the (limit|dose)\b|\bnothing (is )?missing\b|\b(all|every) "
                  r"(the )?(tablets?|pills?) (are )?(accounted for|still there)\b",
                  # low-toxicity in a child's accidental swallow (TOXBASE, NPIS): no emergency
                  r"\b(contraceptive|birth control|mini[- ]?pill|progestogen[- ]only|homeopathic|"
                  r"arnica|silica|nappy cream|"
                  r"zinc oxide|"
                  r"crayons?|chalk|play-?doh|sudocrem|pencil( lead)?|graphite|glow ?sticks?|"
                  r"bubble (mixture|solution)|emollient|moisturi[sz]er|lip ?balm|petroleum jelly|"
                  r"vaseline)\b",
                  # vitamins with no iron (TOXBASE: a few tablets are low-risk in a child)
                  r"\b(vitamins?|multivitamins?|gumm(y|ies))\b.{0,60}\b(iron[- ]free|(has|have|"
                  r"contains?|with) no iron|no iron in)\b|\biron[- ]free\b"),
        immediate=True),
    Rule("acute_glaucoma", "a painful red eye with halos, blurred vision or vomiting", _rx(
        r"\b(halos?|haloes|rainbow (rings|circles|halos?)|rings) (a?round|round|around) "
        r"(the )?(lights?|lamps?|street ?lights?|bulbs?|headlights)",
        r"\beye\b.{0,60}\b(halos?|haloes|rainbow)",
        r"\b(acute|angle[- ]closure|closed[- ]angle) glaucoma\b|\bglaucoma attack\b",
    ), _rx(rf"\b({_PAIN}|red|blurr\w*|vomit\w*|sick|nause\w*|headache|glaucoma)\b")),
    Rule("retinal_detachment", "a curtain or shadow over the vision, or a shower of floaters",
         _rx(
        r"\b(curtain|shadow|veil|blind|dark (patch|area|shape|cloud)|black (patch|area|cloud)|"
        r"grey (patch|area|cloud)|cobweb)\b.{0,40}\b(over|across|coming (down|up|in|across)|"
        r"creeping|moving|spreading|in|at the (edge|side|top|bottom) of) (my |his |her |the |one |"
        r"part of )?(vision|eye|sight|view)",
        r"\b(shower|burst|cloud|loads|lots|swarm|hundreds|dozens|sudden\w*|tons|flurry) (of )?"
        r"(new )?(floaters|(black |dark )?(dots|specks|spots|flecks))",
        r"\b(new|sudden\w*)\b.{0,20}\b(floaters|flashes|flashing lights)\b.{0,40}\b(floaters|"
        r"flashes|shadow|curtain|vision|eye)",
        r"\b(retinal (detachment|tear)|detached retina|retina (has )?(detached|torn|tear))\b",
    ), _rx(r"\b(eye|vision|sight|floaters|flashes|see)\b")),
    Rule("hyperkalaemia", "missed dialysis or high potassium with weakness or palpitations", _rx(
        r"\b(missed|skipp\w*|miss|cancel\w*|didn'?t go to|couldn'?t get to|no) (my |his |her |"
        r"the |a |two |2 )?(dialysis|haemo\w*|hemo\w*|sessions?|treatments?|runs?)\b",
        r"\bpotassium\b.{0,20}\b(high|very high|too high|dangerous\w*|through the roof)",
        r"\b(hyperkal(a)?emia|high potassium)\b",
    ), _rx(
        r"\b(weak\w*|heavy (legs|arms)|legs (feel )?(heavy|like jelly)|palpitat\w*|heart "
        r"(racing|pounding|fluttering|skipping|missing|irregular|funny|slow|jumping)|tingl\w*|"
        r"numb\w*|faint\w*|dizz\w*|breathless\w*|short of breath|can'?t breathe|chest|called|"
        r"told (me|us|him|her) to|result|blood test|potassium|swollen|swelling|sick|vomit\w*)",
    ), background=_rx(
        r"\b(dialysis|haemodialysis|hemodialysis|kidney failure|renal failure|ckd|fistula|"
        r"kidney unit|renal unit|nephrolog\w*|transplant list|potassium)\b",
    ), sure=True),
    Rule("neutropenic_sepsis", "a temperature or feeling unwell during chemotherapy", _rx(
        rf"\b{_CHEMO_FEVER}",
    ), _rx(
        r"\b(chemo\w*|neutropeni\w*|(cancer|leuk(a)?emia|lymphoma|myeloma|tumou?r) "
        r"(treatment|therapy|drugs)|immunotherapy|stem cell transplant|bone marrow transplant|"
        r"low (white (blood )?(cell|count)|neutrophils?)|neutrophils)\b",
    ), unless=_rx(
        r"\b(finished|completed|ended|stopped|last)\b.{0,30}\bchemo\w*\b.{0,25}\b(([7-9]|[1-9]\d) "
        r"weeks|(seven|eight|nine|ten|eleven|twelve) weeks|(\w+ )?months?|(\w+ )?years?) ago\b",
        r"\b(blood )?counts? (have |had |has )?(recovered|back to normal|are normal)\b",
    ), sure=True),
    Rule("adrenal_crisis", "vomiting, fainting or collapse with Addison's disease or daily "
         "steroids", _rx(
        r"\b(vomit\w*|being sick|been sick|throw\w* up|threw up|diarrh\w*|can'?t keep (anything|"
        r"tablets|pills|meds|it|them|steroids|hydrocortisone|(his|her|my) (tablets|pills|meds)) "
        r"down|faint\w*|collaps\w*|dizz\w*|very weak|so weak|really weak|confus\w*|drows\w*|"
        r"floppy|grey|gray|pale and)\b",
        r"\badrenal crisis\b|\baddisonian crisis\b|\bemergency (injection|hydrocortisone|kit)\b",
    ), background=_rx(
        r"\b(addison'?s?|adrenal (insufficiency|failure)|hypoadrenal\w*|hypopituitar\w*|"
        r"congenital adrenal|cah|steroid (emergency )?card|hydrocortisone|adrenalectomy)\b",
        r"\b(long[- ]term|daily|every day|for years|high[- ]dose)\b.{0,20}\b(steroids?|"
        r"prednisolone|prednisone|dexamethasone)\b|\b(steroids?|prednisolone|prednisone|"
        r"dexamethasone)\b"
        r".{0,25}\b(for years|long[- ]term|every day|daily|since (\d+|childhood))\b",
    ), sure=True),
    Rule("sickle_cell_crisis", "fever, chest pain, severe pain or priapism with sickle cell "
         "disease", _rx(
        rf"\b{_REAL_FEVER}",
        rf"\bchest\b.{{0,30}}\b{_PAIN}|\b{_PAIN}\b.{{0,30}}\bchest\b|\b{_BREATHLESS}",
        r"\bpain\b.{0,40}\b(worst|unbearable|not (helping|working|touching)|isn'?t (helping|"
        r"working|touching)|agony|severe|excruciating|10/10|ten out of ten)\b",
        r"\b(sickle|pain|painful|vaso-?occlusive) crisis\b|\bcrisis\b",
        r"\b(erection|priapism)\b",
        r"\b(tummy|belly|spleen|stomach)\b.{0,20}\b(swollen|big|bigger|hard|huge|bloated)\b",
        r"\b(face|mouth)\b.{0,20}\b(droop\w*|lopsided)|\bslurr\w*|\bweak\w* (arm|leg|side)\b",
        r"\b(pale|floppy|yellow)\b.{0,20}\b(and|with)\b.{0,20}\b(floppy|sleepy|tired|pale)\b",
    ), background=_rx(r"\b(sickle|scd|hbss|hbsc)\b"), sure=True),
    Rule("ovarian_torsion", "sudden severe one-sided pelvic pain with vomiting", _rx(
        r"\b(ovar\w* (torsion|twist\w*)|twisted ovary|torsion of (the|my|her) ovary)\b",
        rf"\b(sudden\w*|severe|really bad|agony|agonising|excruciating|stabbing|sharp|terrible|"
        rf"worst)\b.{{0,30}}\b{_PAIN}\b.{{0,40}}\b(one side|left side|right side|lower (left|"
        r"right)|low (down )?on the (left|right)|pelvis|pelvic|ovary|groin)\b",
        rf"\b(ovary|ovarian|cyst)\b.{{0,40}}\b({_PAIN}|agony)\b",
    ), _rx(
        r"\b(vomit\w*|being sick|been sick|throw\w* up|threw up|nause\w*|feel sick|cyst|ovar\w*|"
        r"can'?t (stand|walk)|doubled over|faint\w*|sudden\w*)\b",
    ), also=(_rx(r"\b(vomit\w*|being sick|been sick|throw\w* up|threw up|nause\w*|feel sick|"
                 r"doubled over|can'?t (stand|walk)|faint\w*|torsion|twist\w*|agony|"
                 r"excruciating|sudden\w*)\b"),),
        unless=_rx(_PREGNANT)),
    Rule("aortic_aneurysm", "a known aneurysm, or sudden belly and back pain with collapse", _rx(
        r"\b(aortic aneurysm|aaa|triple a|aneurysm)\b",
        r"\b(pulsing|pulsating|throbbing|beating) (lump|mass|feeling|thing)\b.{0,30}\b(stomach|"
        r"belly|tummy|abdo\w*)",
        r"\b(sudden\w*|severe|terrible|agony|agonising|excruciating|worst)\b.{0,30}\b(back|"
        r"tummy|belly|stomach|abdo\w*)\b.{0,20}\b(and|with|into|to|going to)\b.{0,10}\b("
        r"back|tummy|belly|stomach|abdo\w*|groin)\b",
    ), _rx(
        rf"\b({_PAIN}|collaps\w*|faint\w*|grey|gray|pale|sweat\w*|dizz\w*|clammy|passed out|"
        r"pulse (racing|weak))\b",
    ), also=(_rx(
        r"\b(aneurysm|aaa|triple a|pulsing|pulsating|collaps\w*|faint\w*|grey|gray|pale|"
        r"sweat\w*|dizz\w*|clammy|passed out|racing)\b"),),
        unless=_rx(r"\b(brain|head|cerebral|berry)\b.{0,20}\baneurysm|\baneurysm\b.{0,20}"
                   r"\b(in|on) (the|his|her|my) (brain|head)|\bheadache\b")),
    Rule("acute_limb_ischaemia", "a suddenly cold, pale, painful or numb limb", _rx(
        r"\b(leg|foot|arm|hand|toes|fingers)\b.{0,30}\b(cold|white|pale|blue|mottled|icy)\b.{0,30}"
        r"\b(numb\w*|pain\w*|hurt\w*|agony|no pulse|can'?t (feel|move))",
        r"\b(cold|white|pale|blue|mottled|icy)\b.{0,20}\b(leg|foot|arm|hand)\b.{0,40}\b(numb\w*|"
        r"pain\w*|hurt\w*|agony|no pulse|can'?t (feel|move))",
        r"\bno pulse (in|at) (my|his|her|the) (foot|ankle|wrist|leg|arm)\b",
    ), unless=_rx(r"\braynaud\w*|\bchilblain\w*|\bfrostbite\b|\b(cast|plaster|splint)\b|"
                  r"\bice ?(pack|bath|cube)s?\b|\bcold water\b|\bsnow\w*|"
                  r"\b(in|from) the cold\b|\bwhen (it'?s|its|it is) cold\b")),
    Rule("epiglottitis", "drooling, stridor or not able to swallow saliva", _rx(
        r"\bepiglott\w*",
        r"\bstridor\b",
        r"\bdrool\w*\b.{0,60}\b(can'?t (swallow|breathe)|breath\w*|muffled|sitting forward|leaning "
        r"forward|won'?t (swallow|lie)|noisy)",
        r"\b(can'?t|cannot|won'?t|unable to|struggling to) swallow (his|her|their|my)? ?(own )?"
        r"(spit|saliva|dribble)",
        r"\bmuffled (voice|speech)\b|\bhot potato voice\b",
        r"\b(high[- ]pitched|squeaky|whistling|crowing|harsh|rasping)\b.{0,15}\b(noise|sound|"
        r"breath\w*)\b.{0,30}\b(breath\w* in|in|inhal\w*|every breath)",
        r"\bnoisy breathing\b.{0,30}\b(rest|resting|sitting|asleep|calm|still)\b",
        r"\b(tongue|floor of (the|his|her|my) mouth|under (his|her|my) tongue|neck)\b.{0,20}"
        r"\b(swollen|swelling)\b.{0,40}\b(tooth|teeth|dental|abscess|can'?t (swallow|open))",
    )),
    Rule("carbon_monoxide", "carbon monoxide, or a fuel appliance, with symptoms", _rx(
        r"\bcarbon monoxide\b",
        r"\b(co|carbon monoxide) (alarm|detector|monitor|tester)\b.{0,30}\b(going off|gone off|"
        r"went off|sounding|beeping|alarming|keeps going|high|red)\b",
        r"\b(boiler|gas fire|heater|stove|generator|flue|chimney|fireplace|log burner|wood ?burner|"
        r"barbecue|bbq|paraffin heater|camping stove|engine|car running|exhaust|fumes|gas (leak|"
        r"smell)|smell\w* (of )?gas)\b",
    ), _rx(
        r"\b(headache\w*|dizz\w*|feel\w* sick|being sick|nause\w*|drows\w*|sleepy|confus\w*|"
        r"faint\w*|collaps\w*|vomit\w*|breathless\w*|chest pain|unwell|ill|poorly|passed out|"
        r"groggy|woozy|tired)\b",
    ), also=(_rx(
        r"\b(everyone|every one|all of us|whole family|we all|we'?re all|both of us|the kids|"
        r"the children|the dog|the cat|pets?|us both|the family|my family|alarm|detector|"
        r"better (outside|when (i|we) (go|leave))|carbon monoxide|tent|garage|caravan|boat|"
        r"collaps\w*|(he|she|they|we|i) (all )?(both )?(have|has|had|feel|felt)|"
        r"and (i|we|my))\b"),),
        unless=_rx(r"\b(mixed|mixing)\b.{0,30}\b(bleach|cleaner|chemicals?)\b",
                   r"\b(tested|checked|serviced|inspected)\b.{0,50}\b(fine|ok|okay|safe|no (leak|"
                   r"problem|fault))\b", r"\b(engineer|gas safe)\b.{0,60}\b(tested|checked|"
                   r"serviced)\b"), sure=True),
    Rule("hypertensive_emergency", "very high blood pressure with warning symptoms", _rx(
        r"\b(blood pressure|bp)\b.{0,25}\b(through the roof|sky[- ]high|very high|really high|"
        r"dangerously high|so high|extremely high)\b",
        r"\bhypertensive (crisis|emergency|urgency)\b|\bmalignant hypertension\b",
    ), _rx(
        r"\b(chest pain|chest tight\w*|breathless\w*|short of breath|can'?t breathe|(severe|bad|"
        r"pounding|splitting|worst) headache|vision|blurr\w*|seeing (spots|stars)|confus\w*|"
        r"weak\w*|numb\w*|slurr\w*|nosebleed|back pain)\b",
    )),
    # --- issue 16, second round: presentations the frozen sets showed missing --------------
    # NICE NG232 (head injury, 2023): anyone on an anticoagulant who has hit their head needs
    # a CT scan within 8 hours, however well they seem; an unwitnessed fall counts, since a
    # knock to the head cannot be ruled out
    Rule("head_spine_injury", "a head injury on an anticoagulant (NICE NG232)", _rx(
        rf"\b{_HEAD_KNOCK}",
        r"\b(head|forehead|scalp|occiput|occipital|temple)\b.{0,10}\b(injury|wound|lac\w*|cut|"
        r"bump|lump|haematoma|hematoma|gash|graze|bruis\w*|trauma|knock|bang)\b",
        r"\b(haematoma|hematoma|lump|bump|egg|cut|gash|graze|laceration|bruise)\b.{0,15}\b(on|to) "
        r"(the |his |her |my |their )?(head|forehead|scalp|occiput|temple|back of (the|his|her|my) "
        r"head)\b",
        r"\bunwitnessed fall\b|\bfound (\w+ )?on the floor\b",
    ), background=_rx(rf"\b{_ANTICOAG}"), sure=True),
    # NICE NG232: a GCS below 15 after a head injury (or in major trauma) needs emergency care
    Rule("head_spine_injury", "a GCS below 15 after an injury (NICE NG232)", _rx(
        r"\bgcs\b(\s*(of|is|was|now|about|around|approx\w*|roughly|=|:|~))*\s*([3-9]|1[0-4])\b"
        r"(?![.,]\d)",
    ), _rx(
        r"\b(fall|fell|fallen|hit|injur\w*|rtc|rta|mvc|mva|crash\w*|collision|accident|trauma|head|"
        r"assault\w*|knock\w*|c-?spine|amnes\w*)\b",
    ), sure=True),
    # a fall or a crash at speed is a "significant mechanism of injury" (Manchester Triage
    # System; NICE NG39 major trauma): with pain in the chest, belly or neck, breathlessness or
    # faintness, internal injury is possible however well the person got home
    Rule("major_trauma", "a crash or fall at speed with pain, breathlessness or faintness", _rx(
        r"\b(at|at high|at full|at top) speed\b|\bhigh[- ]speed\b|\bflat out\b",
        r"\b([3-9]\d|1\d\d) ?(mph|km/?h|kph|miles an hour)\b",
        r"\b(over|off) the handlebars\b|\b(car|van|truck|lorry) (rolled|flipped)\b",
    ), _rx(
        r"\b(breathless\w*|short of breath|out of breath|light-?headed|dizz\w*|faint\w*|passed out|"
        r"knocked out|blacked out|confus\w*|vomit\w*|tender\w*|pale|clammy|numb\w*|"
        r"(chest|belly|tummy|stomach|abdo\w*|ribs?|neck|back|hip|pelvis|side)\b.{0,25}\b(pain\w*|"
        r"sore|"
        r"hurt\w*|tender\w*|agony)|can'?t (move|feel|walk|stand|breathe))\b",
    ), sure=True),
    # NHS and MHRA: no more than 8 x 500 mg tablets (4 g) of paracetamol in 24 hours; more,
    # even spread over days (a "staggered overdose"), needs A&E now (TOXBASE: treatment works
    # best early, before any symptom)
    Rule("poisoning_overdose", "paracetamol above the maximum daily dose", _rx(
        # a leading "at least" or "about" is part of the reading, not a threshold
        r"\b((at least|about|around|roughly|up to|over|more than|maybe|probably|like|nearly|"
        r"almost) )?(9|[1-9]\d)( \w+)? ?(tablets?|pills?|caplets?|capsules?|of them)? ?(a|per|each|"
        r"every|in (a|one|24 hours?|a single)|/) ?(day|24 ?h(ou)?rs?|d)\b",
        r"\b([5-9]|[1-9]\d)([.,]\d+)? ?(g|grams?)( of \w+)? (a|per|each|every|in (a|one)) day\b",
        r"\b(4[1-9]\d\d|[5-9]\d{3}|[1-9]\d{4}) ?mg (a|per|each|every|in (a|one)) day\b",
        r"\b(more than|over|above|double|twice|exceed\w*) (the )?(max\w*|recommended|safe|daily) "
        r"(\w+ )?(dose|amount|limit)\b",
    ), _rx(r"\b(paracetamol|acetaminophen|tylenol|panadol|calpol|co-?codamol|solpadeine|"
           r"co-?dydramol|lemsip|beechams)\b"), sure=True),
    # MHRA Drug Safety Update and NPSA alert: methotrexate for arthritis or psoriasis is taken
    # once a week; taken daily it causes fatal bone-marrow and gut toxicity (mouth ulcers and
    # a sore throat are early signs): emergency assessment and blood counts now
    Rule("drug_toxicity", "methotrexate taken daily instead of weekly", _rx(
        r"\bmethotrexate\b(?:(?!\bfolic|\bfolate).){0,80}\b(every day|daily|each day|"
        r"(?<!for )(?<!in )a day(?! (or two|afterwards|after|later))|every "
        r"(morning|night|evening)|(\d+|several|a few|two|three|four|five|six|seven) days (in a row|"
        r"running|straight))\b",
        r"\b(every day|daily|each day)\b.{0,60}\bmethotrexate\b",
        r"\bmethotrexate\b.{0,80}\binstead of (once )?(a |per |every )?week(ly)?\b",
        r"\b(extra|double|too much|too many|overdose\w*)\b.{0,30}\bmethotrexate\b",
    ), sure=True),
    # NICE CG84 (diarrhoea and vomiting in under 5s): red flags of dehydration and signs of
    # shock (reduced urine, sunken eyes or fontanelle, no tears, altered responsiveness,
    # mottled skin, slow capillary refill) need emergency care
    Rule("child_red_flags", "a child with diarrhoea or vomiting and red flags of dehydration "
         "(NICE CG84)", _rx(
        r"\b(no|0|zero|not (had )?(a|any)|hasn'?t had (a|any)) wet (nappy|nappies|diapers?)\b",
        r"\b(nappy|nappies|diapers?)\b.{0,25}\bdry\b",
        r"\bdry (nappy|nappies|diapers?)\b",
        r"\bsunken (eyes|soft spot|fontanelle)\b|\b(eyes|soft spot|fontanelle)\b.{0,30}\bsunken\b",
        r"\bno tears\b",
        r"\b(floppy|lethargic|listless|very sleepy|hard to wake|unresponsive|mottled)\b",
        r"\bcap(illary)? refill\b.{0,20}\b([3-9]|\d\d) ?(s|secs?|seconds)\b",
        r"\bnot crying much\b|\bweak cry\b",
    ), _rx(
        r"\b(vomit\w*|diarrh\w*|gastro\w*|tummy bug|stomach bug|d ?(&|and) ?v|being sick|throwing "
        r"up|dehydrat\w*|not (drinking|feeding)|won'?t (drink|feed)|runny poos?)\b",
    ), also=(_rx(rf"\b{_CHILD}\b|\b(months?|weeks?)[- ]old\b|\b\d{{1,2}} ?(mo|mos|mths?)\b"),),
        sure=True),
    # British Society for Rheumatology guideline (2020): suspected giant cell arteritis with
    # visual symptoms needs same-day emergency assessment: sight can be lost for good
    Rule("eye_emergency", "giant cell arteritis signs with vision symptoms (BSR guideline)", _rx(
        r"\b(blurr\w*|double vision|seeing double|dim vision|(lost|losing|loss of|lose) (the |my |"
        r"her |his )?(vision|sight)|vision (went|goes|has gone|was|is) (dark|black|grey|blurry|dim|"
        r"double)|(went|goes|gone) (blind|dark|black) in|curtain|"
        r"(sight|vision) (keeps |is |has been )?"
        r"(going|goes|went|gone) (dim|dark|black|blurry|blurred|grey|misty)|"
        r"can'?t see (out of|properly|with))",
    ), _rx(
        r"\b(temple|temporal|giant cell arteritis|gca|polymyalgia|pmr)\b",
        r"\bscalp\b.{0,25}\b(sore|tender|pain\w*|hurt\w*)|\b(sore|tender|painful) scalp\b",
        r"\bjaw\b.{0,40}\b(chew\w*|eat\w*|talk\w*)\b|\b(chew\w*|eat\w*)\b.{0,40}\bjaw\b",
        r"\bheadache\b.{0,30}\bside of (my|her|his) head\b",
    ), sure=True),
    # NHS (hydrocephalus) and Shine: with a shunt, headache or vomiting with drowsiness, double
    # vision, eyes looking down or a fit can be a blocked shunt: A&E now
    Rule("shunt_blockage", "a shunt with headache and vomiting, drowsiness or vision signs", _rx(
        r"\b(headache\w*|head pain|head hurts|head is pounding|pounding head)\b",
        r"\b(swelling|swollen|red\w*|fluid)\b.{0,20}\b(along|over|around|on) (the |his |her |my )?"
        r"(shunt|tube|valve)\b",
        r"\b(along|over|around) (the |his |her |my )?(shunt|tube|valve)\b.{0,30}\b(red\w*|swollen|"
        r"swelling|fluid|leak\w*)\b",
    ), _rx(_SHUNT_SIGNS, r"\b(vomit\w*|being sick|been sick|throwing up|thrown up|threw up|"
           r"feel\w* sick|nause\w*)\b"),
        background=_SHUNT, unless=_NOT_A_BRAIN_SHUNT, sure=True),
    Rule("shunt_blockage", "a shunt with vomiting and drowsiness, irritability or vision signs",
         _rx(r"\b(vomit\w*|being sick|been sick|throwing up|thrown up|threw up|bringing (feeds|"
             r"milk) back( up)?)\b"),
         _rx(_SHUNT_SIGNS), background=_SHUNT, unless=_NOT_A_BRAIN_SHUNT, sure=True),
    # NHS (acute liver failure) and NICE CKS: jaundice with new confusion or drowsiness, or
    # with bleeding or bruising, is liver failure until shown otherwise
    Rule("acute_liver_failure", "yellow skin or eyes with confusion, drowsiness or bleeding", _rx(
        r"\bjaundic\w*",
        r"\b(gone|going|turned|turning|looks?|looking|been|am|is|are|she'?s|he'?s|i'?m|skin|eyes|"
        r"whites of (his|her|my|the) eyes)\b.{0,15}\byellow\b(?! (vomit|sick|poo|phlegm|mucus|"
        r"snot|discharge|stain))",
        r"\byellow (skin|eyes)\b",
    ), _rx(
        r"\b(confus\w*|talking nonsense|not making sense|drows\w*|sleepy|muddled|disorientat\w*|"
        r"bleed\w*|nosebleeds?|bruis\w* (easily|everywhere|all over)|gums? bleed\w*|vomit\w* "
        r"blood|swollen (belly|tummy|stomach)|flapp\w*)\b",
    ), sure=True),
    # UKONS triage tool and Macmillan: a high calcium, or thirst with confusion and sickness or
    # constipation in someone with cancer (myeloma above all), is an emergency
    Rule("hypercalcaemia", "a high calcium with symptoms, or thirst and confusion with cancer", _rx(
        r"\b(high|raised|very high|elevated|high corrected) (corrected )?calcium\b",
        r"\bhypercalc\w*",
        r"\b(corrected )?calcium (of |is |was |at |level |levels )?(3[.,]\d\d?|[4-9][.,]\d\d?)\b",
        r"\bcalcium\b.{0,15}\b(high|raised|up)\b",
    ), _rx(
        r"\b(confus\w*|muddled|drows\w*|sleepy|vomit\w*|being sick|sick|thirst\w*|drinking "
        r"(constantly|loads|lots|all the time)|constipat\w*|wee\w* (loads|a lot|constantly)|"
        r"pee\w* (loads|a lot|constantly)|repeating|doesn'?t know what day|not making sense)\b",
    ), sure=True),
    Rule("hypercalcaemia", "thirst and confusion with sickness or constipation in cancer", _rx(
        r"\b(thirst\w*|drinking (constantly|loads|lots|all the time|gallons)|(so|really|very) "
        r"thirsty)\b",
    ), _rx(
        r"\b(confus\w*|muddled|drows\w*|sleepy|doesn'?t know what day|not making sense|"
        r"disorientat\w*|repeating (himself|herself|myself))\b",
    ), also=(_rx(r"\b(vomit\w*|being sick|sick|constipat\w*|wee\w* (loads|a lot|constantly)|"
                 r"pee\w* (loads|a lot|constantly)|weeing)\b"),),
        background=_rx(r"\b(myeloma|cancer|tumou?r|metasta\w*|secondar(y|ies)|oncolog\w*|chemo\w*|"
                       r"lymphoma|parathyroid)\b"), sure=True),
    # NHS (Guillain-Barre syndrome): weakness or tingling spreading up from the feet, with
    # trouble breathing or swallowing or not being able to stand, needs A&E now
    Rule("guillain_barre", "weakness or tingling spreading upwards, with breathing, swallowing "
         "or standing affected", _rx(
        r"\b(guillain|gbs)\b",
        r"\b(tingl\w*|numb\w*|pins and needles|weak\w*)\b.{0,60}\b(crept|creeping|spread\w*|mov\w*|"
        r"gone|travel\w*|climb\w*|risen|rising|working|come) up\b",
        r"\b(legs?|feet)\b.{0,30}\b(weak\w*)\b.{0,80}\b(arms?|hands)\b.{0,20}\b(weak\w*|going|too|"
        r"as well)\b",
        r"\b(legs?|feet)\b.{0,30}\b(got|getting|gone|grown|become) weak\w*\b.{0,60}\b(can'?t|"
        r"cannot|unable to) (stand|walk)\b",
        r"\b(feet|toes|hands|fingers)\b.{0,20}\b(tingl\w*|numb\w*)\b.{0,60}\b(legs?|arms?)\b.{0,15}"
        r"\b(weak\w*|heavy|giving way)\b",
        r"\bweaker (and weaker|each|every|by the) ?(day|hour)?\b",
        r"\b(arms?|hands)\b.{0,15}\b(going|gone|getting|are|now)\b.{0,10}\b(weak\w*|numb|too|as "
        r"well)\b",
        r"\b(legs?|arms?)\b.{0,15}\b(are |is |have |has )?(got |gone |getting |become )?(weak\w*|"
        r"heavy|giving way)\b",
    ), _rx(
        r"\b(swallow\w*|short of breath|breathless\w*|breathing (is |feels |has got |getting )?"
        r"(shallow|harder|difficult|hard|weak\w*)|hard(er)? to breathe|chok\w*|face|facial|"
        r"double vision|"
        r"can'?t (stand|walk)|cannot (stand|walk)|arms?|hands|guillain|gbs)\b",
    ), also=(_rx(
        r"\b(swallow\w*|short of breath|breathless\w*|breathing (is |feels |has got |getting )?"
        r"(shallow|harder|difficult|hard|weak\w*)|hard(er)? to breathe|chok\w*|face|facial|"
        r"double vision|"
        r"can'?t (stand|walk)|cannot (stand|walk)|unable to (stand|walk)|guillain|gbs|speak\w*|"
        r"talk\w*|two to stand|needs help to stand)\b"),
              _rx(r"\b(legs?|feet|toes|knees|thighs)\b|\bguillain|\bgbs\b"),
              _rx(r"\b(tingl\w*|numb\w*|pins and needles|crept|creeping|spread\w*|weaker|arms?|"
                  r"hands|guillain|gbs)\b")),
        unless=_rx(r"\b(panic\w*|anxiety|anxious|hyperventilat\w*)\b"), sure=True),
    # NHS inform and MedlinePlus (rhabdomyolysis): very painful, swollen or weak muscles with
    # dark brown (cola or tea coloured) urine, after hard exercise, a crush or a long lie,
    # needs emergency care: the kidneys can fail
    Rule("rhabdomyolysis", "muscle pain or swelling with cola-coloured urine", _rx(
        r"\b(urine|wee|pee|piss)\b.{0,30}\b(cola|coke|coca-?cola|tea|dark brown|brown|black|"
        r"red-?brown|rusty|port)\b",
        r"\b(cola|coke|tea|dark brown|brown|rust)[- ]?(colou?red|like|coloured)?\b.{0,15}"
        r"\b(urine|wee|"
        r"pee)\b",
        r"\bdark (brown )?(urine|wee|pee)\b",
    ), _rx(
        r"\b(muscles?|thighs?|arms?|legs?|calf|calves|biceps|quads?|shoulders?|back|"
        r"glutes?)\b.{0,40}"
        r"\b(swollen|swell\w*|agon\w*|excruciating|painful|sore|can'?t (move|walk|lift|straighten|"
        r"bend)|rock hard|tight|hurt\w*|pain\w*|weak\w*)\b",
        r"\b(swollen|agon\w*|excruciating|painful|sore|weak|cramp\w*)\b.{0,20}\b(muscles?|thighs?|"
        r"arms?|legs?|calf|calves)\b",
        r"\bmuscles?\b.{0,10}\bcramp\w*",
    ), sure=True),
    # --- issue 16, third round: the patterns behind the fourth frozen set's misses ---------
    # Resuscitation Council UK (2021) anaphylaxis: sudden skin or mucosal changes (hives,
    # urticaria) with a breathing problem (wheeze, breathlessness, a tight throat) or a
    # circulation problem (faintness, a systolic below 90) after a trigger is anaphylaxis,
    # whether or not the lips or tongue swell
    Rule("anaphylaxis", "hives with wheeze, breathlessness or low blood pressure after a trigger "
         "(Resuscitation Council UK)", _rx(
        r"\b(hives|urticaria\w*|welts|wheals|nettle rash|itchy (red )?(rash|bumps|lumps) (all "
        r"over|everywhere|spreading)|(rash|blotches) all over)\b",
    ), _rx(
        r"\b(wheez\w*|breathless\w*|short of breath|tight (chest|throat)|(chest|throat) (feels |is "
        r"|going )?tight|breathing (feels |is |gets |getting |has got )?(tight|hard|difficult|"
        r"laboured|labored)|throat (closing|swelling)|hoarse|stridor|struggl\w* to breathe|"
        r"faint\w*|"
        r"dizz\w*|light-?headed|collaps\w*|passed out|pale and (clammy|floppy)|clammy)\b",
        r"\b(bp|blood pressure)\b\D{0,12}\b([4-8]\d|90) ?/ ?\d{2}\b",
    ), also=(_rx(
        r"\b(ate|eaten|eating|sting|stung|bitten|bite|peanuts?|nuts?|shellfish|prawns?|sesame|"
        r"allerg\w*|dose|infusion|injection|antibiotic\w*|penicillin|amoxicillin|co-?amoxiclav|"
        r"contrast|vaccine|jab|drip|iv|started|new (medicine|medication|tablets?|drug))\b"),),
        sure=True),
    # NHS and Asthma + Lung UK: needing the reliever more often than every 4 hours, or a
    # reliever whose help lasts only minutes, is an asthma attack; with breathlessness on
    # a few steps or at rest it needs emergency care
    Rule("breathing_difficulty", "a reliever inhaler needed far more than every 4 hours, with "
         "breathlessness (asthma attack)", _rx(
        r"\b(reliever|inhaler|salbutamol|ventolin|blue (inhaler|pump)|puffer|nebuli[sz]er)\b.{0,50}"
        r"\b(([6-9]|[1-4]\d|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty) (times|goes|"
        r"lots)|every (hour|half (an )?hour|(few|\d+|ten|twenty|thirty) (minutes|mins)))\b",
        r"\b(used|using|taken|taking|needed|needing|had|on)\b.{0,25}\b(reliever|inhaler|salbutamol|"
        r"ventolin|blue (inhaler|pump)|puffer)\b.{0,30}\b([6-9]|[1-4]\d) ?(times|x|puffs|goes)\b",
        r"\b(reliever|inhaler|salbutamol|ventolin|blue (inhaler|pump)|puffer|nebuli[sz]er)\b.{0,50}"
        r"\bonly (helps|works|lasts|last|helped|worked)\b.{0,25}\b(\d+ (minutes|mins)|an hour|a "
        r"few minutes|a short (while|time)|minutes)\b",
    ), _rx(
        rf"\b{_BREATHLESS}",
        r"\b(struggl\w*|can'?t|cannot|hard to|barely) (to )?(walk|talk|speak|climb|get up|"
        r"finish)\b",
        r"\bwheez\w*|\btight (chest|in my chest)\b|\bchest (is |feels )?tight\b",
    ), sure=True),
    # Royal College of Surgeons and NHS post-operative advice: a wound that opens with
    # something showing or bulging through it is an emergency (evisceration): call 999
    Rule("surgical_abdomen", "a surgical wound that has opened with something bulging through",
         _rx(
        r"\b(wound|incision|scar|stitches|staples|cut)\b.{0,40}\b(opened|open(ed)? up|split|burst|"
        r"come apart|came apart|coming apart|gaping|pulled apart|broken open|bust open|popped "
        r"open|come undone|came undone)\b",
        r"\b(burst|split) (wound|incision|stitches)\b|\bdehisc\w*|\beviscerat\w*",
    ), _rx(
        r"\b(bulg\w*|poking (out|through)|coming (out|through)|sticking out|protrud\w*|see "
        r"(my |his |her |the )?(insides|bowel|guts|intestines?|something|fat|tissue)|"
        r"something (pink|red|shiny))\b",
    ), background=_rx(r"\b(surgery|operation|op|laparotomy|laparoscop\w*|keyhole|c-?section|"
                      r"caesarean|hernia repair|stitches|staples|incision)\b"), sure=True),
    # BSG and NHS after-care for ERCP, endoscopy, colonoscopy and abdominal surgery: severe
    # belly pain, vomiting or a fever in the days after the procedure can be pancreatitis or a
    # perforation: go to A&E now
    Rule("surgical_abdomen", "severe belly pain with vomiting or back pain in the days after an "
         "abdominal procedure", _rx(
        rf"\b{_SEVERE}\b.{{0,30}}\b(stomach|belly|tummy|abdo\w*|epigastr\w*)\b.{{0,10}}\b{_PAIN}",
        rf"\b(stomach|belly|tummy|abdo\w*|epigastr\w*)\b.{{0,20}}\b(pain|ache|sore\w*)\b.{{0,25}}"
        rf"\b(is|was|has been|got|getting|gone|became|now)\b.{{0,10}}\b{_SEVERE}",
        rf"\bpain (in|across|over|around) (my |the |his |her )?(upper |lower |whole )?(stomach|"
        rf"belly|"
        rf"tummy|abdo\w*)\b.{{0,15}}\b(is|was|has been|got|getting|gone|became|now)\b.{{0,10}}"
        rf"\b{_SEVERE}",
        rf"\b{_SEVERE} (\w+ )?{_PAIN} (in|across|over|around) (my |the |his |her )?(upper |lower |"
        rf"whole )?(stomach|belly|tummy|abdo\w*)\b",
    ), _rx(
        r"\b(vomit\w*|being sick|been sick|throw\w* up|threw up|can'?t keep (anything|water|"
        r"fluids|food|it) down|fever\w*|temp\w*|shiver\w*|rigid|hard as a board|(through|into|"
        r"to) (my |his |her |the )?back|faint\w*|dizz\w*|swollen|distended)\b",
    ), background=_ABDOMINAL_PROCEDURE, sure=True),
    # NHS (bowel obstruction): not passing poo or wind, with a swollen tummy and vomiting, needs
    # A&E now; all three together are sure however calmly they are told
    Rule("bowel_obstruction", "no poo or wind, a swollen tummy and vomiting together", _rx(
        r"\b(haven'?t|hasn'?t|not|can'?t|no|couldn'?t|unable to) (pooed|pooped|had a poo|had a "
        r"bowel movement|passed (any )?(wind|flatus)|farted|been able to (poo|fart|pass wind|go)|"
        r"pass\w* (wind|gas|stool|flatus)|opened (my|his|her) bowels|flatus)\b",
        r"\bbowels? (not|haven'?t|hasn'?t) (been )?open(ed)?\b|\bbno\b",
    ), _rx(r"\b(vomit\w*|being sick|been sick|throw\w* up|threw up|puk\w*)\b"),
        also=(_rx(r"\b(swollen|distended|tympanic|bloated and (hard|tight)|tight as a drum|"
                  r"(hard|tight) and (swollen|bloated))\b"),), sure=True),
    # NICE CKS (acute childhood limp): a child with a limp or who will not bear weight and has
    # a fever may have septic arthritis or osteomyelitis: emergency assessment
    Rule("child_red_flags", "a child who will not bear weight, or limps, with a fever (NICE CKS)",
         _rx(
        r"\b(won'?t|will not|can'?t|cannot|refus\w* to|isn'?t|is not|not) (walk\w*|"
        r"weight[- ]bear\w*|"
        r"bear (any )?weight|put (any )?weight (on|through)|stand (on|up)|use (his|her|their) "
        r"(leg|arm))\b",
        r"\blimp\w*\b",
        r"\bnon[- ]weight[- ]bearing\b",
        r"\bscreams? (if|when|whenever) (i|you|we|anyone) (move|touch|bend)\w* (his|her|their) "
        r"(hip|leg|knee|ankle|arm)\b",
    ), _rx(_REAL_FEVER), also=(_rx(rf"\b{_CHILD}\b|\btoddler\b"),), sure=True),
    # NICE NG19 (diabetic foot problems): ulceration with fever or signs of sepsis, spreading
    # infection or gangrene needs immediate referral to acute services
    Rule("diabetic_foot", "a diabetic foot or toe turning black (gangrene, NICE NG19)", _rx(
        r"\bgangren\w*",
        r"\b(toes?|foot|feet|heel|sole)\b.{0,30}\b(gone|going|turned|turning|is|are|looks?|"
        r"looking) (black|dark purple|blue-?black)\b",
        r"\b(black|blackened) (toe|toes|heel|patch on (my|his|her) (foot|toe|heel))\b",
    ), background=_DIABETES, sure=True),
    Rule("diabetic_foot", "a diabetic foot ulcer or wound with fever, pus or spreading redness "
         "(NICE NG19)", _rx(
        r"\b(ulcer\w*|wound|sore|blister|cut|cellulitis|infect\w*)\b",
    ), _rx(
        rf"\b{_REAL_FEVER}",
        r"\b(shiver\w*|rigou?rs?|pus|oozing|red (streaks?|lines?)|redness\b.{0,20}\b(spread\w*|"
        r"up to|"
        r"moving up|creeping|past)|spreading (redness|red|up))\b",
    ), also=(_rx(r"\b(toes?|foot|feet|heel|sole)\b"),), background=_DIABETES, sure=True),
    # NHS dental emergencies and IADT: a knocked-out adult (permanent) tooth needs an emergency
    # dentist or A&E at once; a baby tooth is not put back and is not an emergency
    Rule("knocked_out_tooth", "an adult tooth knocked out", _rx(
        r"\b(tooth|teeth|incisors?)\b.{0,30}\b(knocked|came|come|fell|fallen|popped|flew|"
        r"smashed) (clean |right |completely |straight |fully )?out\b",
        r"\bknock\w* (out )?(his|her|my|their|an?|one of (his|her|my|their)) ((front|adult|"
        r"permanent|top|bottom) ){0,2}(tooth|teeth)( clean)? out\b|\bknock\w* out (his|her|my|"
        r"their|an?|one of (his|her|my|their)) ((front|adult|permanent|top|bottom) ){0,2}"
        r"(tooth|teeth)\b",
        r"\bavuls\w*",
    ), _rx(
        r"\b(adult|permanent|grown[- ]up|second|big) (front )?(tooth|teeth)\b",
        r"\b(knock\w*|hit|fell|fall|hockey|football|rugby|cricket|punch\w*|accident|smack\w*|"
        r"face ?plant\w*|trampoline|bike|fight|elbow\w*|ball|bat|stick|avuls\w*)\b",
    ), unless=_rx(r"\b(wobbly|loose|baby|milk|primary) (front )?(tooth|teeth)\b|\btooth fairy\b|"
                  r"\b([1-5]|one|two|three|four|five)[- ]?(years?|yrs?)[- ]old\b|\btoddler\b|"
                  r"\b\d{1,2}[- ]?months?[- ]old\b|\b(denture|crown|veneer|implant|bridge)\b"),
        sure=True),
    # NHS (sudden loss of vision: call 999 or go to A&E) and the Royal College of
    # Ophthalmologists: sudden painless loss of sight in one eye can be a retinal artery
    # occlusion, an eye stroke, treatable only within hours
    Rule("eye_emergency", "sudden loss of most of the sight of one eye", _rx(
        r"\b(almost |nearly |virtually |practically )?(no|hardly any|barely any|very little) "
        r"(vision|sight)\b(?! (problems?|issues?|changes?|loss|disturbance))\b.{0,10}\b(in|out of|"
        r"from|with) (my|his|her|their|the|one) (left |right )?eye\b",
        r"\b(can'?t|couldn'?t|cannot|could not) see (anything |much |a thing )?(out of|with|in|"
        r"from) "
        r"(my|his|her|their|the|one) (left |right )?eye\b",
        r"\bsudden\w* (dimness|dimming|darkness|darkening|blackness|greying|loss|blurring) (over|"
        r"of|in)"
        r" (most of |all of |half of |part of )?(the |my |his |her )?(vision|sight)\b",
        r"\b(woke|waking|woken|came on|went) (up )?.{0,20}\b(blind|unable to see|can'?t see) in "
        r"(my|his|her|one|the) (left |right )?eye\b",
        r"\b(like|as if) (i'?m |i am |she'?s |he'?s )?(looking|seeing) (through|thru) (milk|fog|"
        r"frosted glass|smoke|a (thick )?veil|wax paper)\b",
    ), _rx(r"\b(eye|vision|sight)\b"), sure=True),
    # UK VAD centres (HeartMate 3 and HVAD patient handbooks): a red or hazard alarm, a
    # low-flow alarm or a stopped pump is an emergency: call the VAD team and 999
    Rule("medical_device_failure", "a heart pump (LVAD) alarm, low flow or stopped pump", _rx(
        r"\b(red (alarm|light|heart|warning|hazard|symbol|triangle)|hazard alarm|low[- ]flow|"
        r"flow (alarm|warning|is low|has dropped|dropped|reading is low)|(pump|device|vad|lvad|"
        r"controller|motor) (has )?(stopped|cut out|failed|switched off|gone quiet)|stopped "
        r"(working|running|humming|pumping)|no hum\w*|can'?t hear (the |its |it )?hum\w*|"
        r"continuous (alarm|tone)|constant (alarm|beep\w*)|alarm\w* (won'?t|will not) stop)\b",
    ), background=_LVAD, sure=True),
    Rule("medical_device_failure", "a heart pump (LVAD) alarm with dizziness, fainting, "
         "breathlessness or chest pain", _rx(r"\b(alarm\w*|beep\w*|warning)\b"), _rx(
        r"\b(dizz\w*|faint\w*|sweat\w*|clammy|breathless\w*|short of breath|chest pain|confus\w*|"
        r"collaps\w*|pale|grey|blacked out|passed out|drows\w*)\b",
    ), background=_LVAD, sure=True),
    # National Tracheostomy Safety Project: a tracheostomy tube that is blocked, has come out
    # or cannot be suctioned, with difficulty breathing, is an airway emergency: call 999
    Rule("medical_device_failure", "a blocked or dislodged tracheostomy, or a home ventilator "
         "failing, with breathing difficulty", _rx(
        r"\b(trach\w*|tube)\b.{0,30}\b(block\w*|came out|come out|fallen out|fell out|pulled out|"
        r"dislodg\w*|displaced|can'?t (get|pass) (the )?suction|won'?t (suction|pass))\b",
        r"\b(ventilator|vent|bipap|niv machine|cpap machine)\b.{0,30}\b(alarm\w*|stopped|failed|"
        r"not working|broken|power cut|lost power|disconnect\w*)\b",
    ), _rx(
        rf"\b{_BREATHLESS}",
        r"\b(struggl\w* to breathe|can'?t breathe|blue|grey|gray|pale|drows\w*|distress\w*|"
        r"sats? (dropp\w*|falling|low)|agitated|panick\w*|not breathing)\b",
    ), background=_rx(r"\b(trach\w*|tracheostomy|laryngectomy|stoma|home ventilat\w*|ventilator|"
                      r"bipap|niv)\b"), sure=True),
    # NHS (heart palpitations): call 999 for palpitations with fainting or a blackout; British
    # Heart Foundation (ICDs): more than one shock in a day, or a shock with feeling unwell,
    # is an emergency
    Rule("dangerous_heart_rhythm", "palpitations with a faint or blackout, or repeated ICD shocks",
         _rx(
        r"\b(palpitat\w*|heart (was |is |kept |started |suddenly |went |suddenly went )?(racing|"
        r"pounding|hammering|fluttering|"
        r"going like the clappers|beating (really |very |so )?(fast|hard|irregularly))|"
        r"racing heart|"
        r"pounding heart)\b",
    ), _rx(r"\b(fainted|passed out|blacked out|collaps\w*|lost consciousness|came round|"
           r"keeled over)\b"),
        unless=_rx(r"\b(panic\w*|anxiety|anxious|hyperventilat\w*)\b"), sure=True),
    Rule("dangerous_heart_rhythm", "repeated shocks from an implanted defibrillator (ICD)", _rx(
        r"\b(icd|defib\w*|implanted defibrillator)\b.{0,30}\b(shock\w*|went off|fired|gone off|"
        r"zapped)\b.{0,30}\b(twice|again|two|three|several|\d+ times|more than once|repeatedly)\b",
        r"\b(shocked|zapped)\b.{0,15}\b(twice|two|three|several|\d+ times|more than once|"
        r"repeatedly)\b.{0,30}\b(icd|defib\w*)\b",
    ), background=_rx(r"\b(icd|defib\w*|implanted defibrillator)\b"), sure=True),
    # NHS (angioedema) and MHRA (ACE inhibitors): a swelling tongue or throat with trouble
    # breathing, swallowing or talking is an emergency with or without an allergen, itch or rash
    # (ACE-inhibitor and hereditary angioedema cause no hives)
    Rule("anaphylaxis", "a swelling tongue or throat with trouble breathing, swallowing or "
         "talking (angioedema)", _rx(
        r"\b(tongue|throat)\b.{0,40}\b(swell\w*|swollen|bigger|huge|puff\w*|thick\w*)\b",
        r"\b(swell\w*|swollen|puff\w*)\b.{0,25}\b(tongue|throat)\b",
    ), _rx(
        r"\b(breath\w*|swallow\w*|talk\w*|speak\w*|voice|drool\w*|chok\w*|stridor|getting bigger|"
        r"keeps (getting|growing) bigger)\b",
    ), sure=True),
    # British Society for Surgery of the Hand and NHS: a ring avulsion (degloving) injury, the
    # skin pulled off a finger by a caught ring, or a finger left white, needs A&E now
    Rule("major_trauma", "a degloving or ring avulsion injury", _DEGLOVING, _rx(
        r"\b(pulled|ripped|torn|stripped|peeled|deglov\w*|white|pale|cold|bone|avulsion|off)\b"),
        also=(_rx(r"\b(finger|hand|thumb|ring)\b"),), sure=True),
    # MHRA (clozapine, carbimazole): a sore throat, mouth ulcers or a fever on a drug that can
    # stop the bone marrow making white cells means an urgent blood count: with a fever it is
    # neutropenic sepsis until shown otherwise (NICE CG151)
    Rule("neutropenic_sepsis", "a fever with a sore throat or mouth ulcers on clozapine or "
         "carbimazole", _rx(rf"\b{_REAL_FEVER}"), _rx(
        r"\b(sore throat|mouth ulcers?|ulcers in (my|his|her) mouth|shiver\w*|rigou?rs?|flu-?like|"
        r"unwell|low (white (blood )?(cell|count)|neutrophils?|anc))\b",
    ), background=_rx(r"\b(clozapine|clozaril|denzapine|zaponex|carbimazole|propylthiouracil|ptu|"
                      r"sulfasalazine|deferiprone)\b"), sure=True),
)


def _asserted(rule: Rule, pattern: re.Pattern, sentence: context.SentenceCues) -> str | None:
    """The matched words when ``pattern`` is asserted now in ``sentence``, else None."""
    if sentence.story or (sentence.question and not rule.immediate):
        return None
    if not pattern.search(sentence.text):
        return None
    for index, clause in enumerate(sentence.clauses):
        for match in pattern.finditer(clause):
            if context.negated(clause, match.start()) or context.resolved(clause, match.end()):
                continue
            if context.negated_within(match.group(0), pattern) or context.negated_by_list(
                    sentence.clauses, index):
                continue
            if match.group(0)[:1].isdigit() and context.THRESHOLD_BEFORE.search(
                    clause[max(0, match.start() - 40): match.start()]):
                continue  # "call if it goes over 38" names a threshold, not a reading
            if context.in_history(clause, match.start(), nouns=not rule.immediate):
                continue
            return match.group(0)
    return None


def _present(pattern: re.Pattern, sentence: context.SentenceCues) -> str | None:
    """The matched words when a background ``pattern`` is stated (history and questions
    count; a negation or a story does not)."""
    if sentence.story or not pattern.search(sentence.text):
        return None
    for index, clause in enumerate(sentence.clauses):
        for match in pattern.finditer(clause):
            if not (context.negated(clause, match.start())
                    or context.negated_by_list(sentence.clauses, index)):
                return match.group(0)
    return None


def _first(patterns: tuple[re.Pattern, ...], sentences: list[context.SentenceCues], text: str,
           found) -> str | None:
    for pattern in patterns:
        if not pattern.search(text):  # most patterns match nowhere: one search says so
            continue
        for sentence in sentences:
            evidence = found(pattern, sentence)
            if evidence is not None:
                return evidence
    return None


def _rule_hit(rule: Rule, sentences: list[context.SentenceCues], text: str) -> RuleHit | None:
    def asserted(patterns: tuple[re.Pattern, ...]) -> str | None:
        return _first(patterns, sentences, text,
                      lambda pattern, sentence: _asserted(rule, pattern, sentence))

    evidence = asserted(rule.patterns)
    if evidence is None:
        return None
    for group in (rule.with_patterns, *rule.also):
        if group and asserted(group) is None:
            return None
    if rule.background and _first(rule.background, sentences, text, _present) is None:
        return None
    if rule.unless and asserted(rule.unless) is not None:
        return None
    return RuleHit(rule.condition, rule.name, evidence, rule.decisive)


#: a message that names this many red flags only to deny them ("no stiff neck, no rash, no
#: fever") and asserts none is told about what is *not* happening: the learned layer, which
#: reads the words of the red flags more than their negations, then needs a higher score
#: (``denied_threshold``, chosen by cross-validation like every threshold)
DENIALS = 2


def denials(text: str) -> int:
    """How many red-flag findings ``text`` names only to deny them (negated right before, in
    an or-list, or between the finding's parts), counted once per place in the message."""
    sentences = context.sentence_cues(text)
    places: set[int] = set()
    for rule in RULES:
        for pattern in (*rule.patterns, *rule.with_patterns):
            if not pattern.search(text):
                continue
            for sentence in sentences:
                for index, clause in enumerate(sentence.clauses):
                    for match in pattern.finditer(clause):
                        if (context.negated(clause, match.start())
                                or context.negated_within(match.group(0), pattern)
                                or context.negated_by_list(sentence.clauses, index)):
                            places.add(sentence.offset + sentence.clause_starts[index]
                                       + match.start())
    return len(places)


def vital_hits(signs: vitals.VitalSigns) -> list[RuleHit]:
    """The numbers' findings that flag a message, as hits (decisive: a number past a
    published threshold needs no second opinion)."""
    return [RuleHit(f.condition, f.rule, f.evidence, True) for f in vitals.assess(signs)
            if f.flags]


def rule_hits(text: str, signs: vitals.VitalSigns | None = None) -> list[RuleHit]:
    """Every rule asserted in ``text`` (several per condition possible), in rule order, then
    what the numbers it states show (``signs``: already read, or read here)."""
    sentences = context.sentence_cues(text)
    hits = [hit for rule in RULES if (hit := _rule_hit(rule, sentences, text)) is not None]
    return hits + vital_hits(signs if signs is not None else vitals.read(text))
