"""The emergency check: the silencing fixes of issue 9, the right guidance, long messages,
and the rules-only fallback when the encoder is not installed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hera_tui.safety import status, triage
from hera_tui.safety.conditions import conditions
from hera_tui.safety.detector import Detector, default_detector
from hera_tui.safety.pieces import piece_texts
from hera_tui.safety.redflags import rule_hits

# The six messages of issue 9 that the first version silenced, and the condition each is
# (a button battery has had its own condition since issue 16: its guidance differs).
SILENCED_BEFORE = [
    ("I have a history of depression and I want to kill myself", "suicide_self_harm"),
    ("I am in recovery from addiction and I just took 30 pills", "poisoning_overdose"),
    ("What should I do if my child swallowed a button battery?", "button_battery_magnet"),
    ("how do I know if he is ok? he collapsed and is not breathing", "cardiac_arrest"),
    ("my dad had a stroke years ago and now his face is drooping again", "stroke"),
    ("how to help my son, he is having a seizure", "seizure"),
]
CHEST_AND_ARM = "crushing pressure in my chest and my left arm feels heavy and numb"


@pytest.fixture(scope="module")
def rules_only() -> Detector:
    return Detector()


@pytest.mark.parametrize(("text", "condition"), SILENCED_BEFORE)
def test_the_rules_alone_flag_the_six_silenced_messages_as_the_right_condition(
        rules_only: Detector, text: str, condition: str) -> None:
    alert = rules_only.assess(text).alert
    assert alert is not None and alert.possible[0] == condition, text


@pytest.mark.parametrize(("text", "condition"), [*SILENCED_BEFORE, (CHEST_AND_ARM, "heart_attack")])
def test_the_app_check_names_the_right_condition_first(text: str, condition: str) -> None:
    alert = triage(text)
    assert alert is not None and alert.possible[0] == condition, (text, alert)
    assert alert.guidance.text().splitlines()[0] == alert.guidance.call


def test_chest_pressure_with_an_arm_symptom_is_a_heart_attack_not_a_stroke() -> None:
    assert {h.condition for h in rule_hits(CHEST_AND_ARM)} == {"heart_attack"}
    alert = triage(CHEST_AND_ARM)
    assert alert.condition == "heart_attack" and "stroke" not in alert.possible
    assert "aspirin" in alert.guidance.text()


@pytest.mark.parametrize(
    "text",
    [
        "my ECG was normal last year",
        "no chest pain at all",
        "I don't have chest pain, just a cough",
        "denies any chest pressure",
        "what are the signs of a stroke?",
        "I had a seizure as a kid",
        "my doctor ruled out a heart attack",
        "Took an overdose when I was 17, got help, I'm doing well now",
        "In the film the guy collapsed and stopped breathing, is CPR really like that?",
    ],
)
def test_rules_do_not_fire_on_negated_past_general_or_story_mentions(text: str) -> None:
    assert rule_hits(text) == []


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("No fever. But my chest hurts and it goes down my left arm", "heart_attack"),
        ("what are the signs of a stroke, my dad suddenly can't lift his arm", "stroke"),
        ("my 3 week old has a temp of 38.4", "child_red_flags"),
        ("I used to self-harm years ago and now I want to kill myself again",
         "suicide_self_harm"),
        ("she has a history of seizures and is fitting right now, it's been 6 minutes",
         "seizure"),
    ],
)
def test_a_cue_silences_only_the_finding_it_governs(text: str, condition: str) -> None:
    assert condition in {h.condition for h in rule_hits(text)}, text


def test_two_conditions_from_the_rules_give_the_general_block_with_the_call_first(
        rules_only: Detector) -> None:
    alert = rules_only.assess("my husband's face is drooping and he took a whole bottle of "
                              "his sleeping pills").alert
    assert alert.general and set(alert.possible) == {"stroke", "poisoning_overdose"}
    lines = alert.guidance.text().splitlines()
    assert "emergency number" in lines[0]
    assert "Possible stroke" in alert.possible_titles()


def test_one_condition_shows_its_own_guidance(rules_only: Detector) -> None:
    alert = rules_only.assess("my husband's face is drooping and his speech is slurred").alert
    assert alert.condition == "stroke" and not alert.general
    assert alert.guidance is conditions()["stroke"]


def test_long_messages_are_also_scored_by_pairs_of_sentences() -> None:
    chatter = ("We moved house last month. The kids are settling in at school. I have been "
               "meaning to ask about vitamin D for the winter. ")
    assert piece_texts("chest pain") == ["chest pain"]
    long = chatter * 3 + "Anyway right now my dad is on the floor, he is not responding. " + chatter
    assert len(piece_texts(long)) > 5
    assert triage(long) is not None
    assert triage(chatter * 4) is None


def test_without_the_encoder_the_check_runs_on_rules_and_says_so(tmp_path) -> None:
    code = (
        "from hera_tui.safety import status, triage\n"
        "alert = triage('my husband collapsed and is not breathing')\n"
        "print(alert.condition)\n"
        "print(status())\n"
    )
    env = {"HERA_ENCODER_DIR": str(tmp_path / "none"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout.splitlines()
    assert out[0] == "cardiac_arrest"
    assert out[1].startswith("rules only:") and "make setup" in out[1]


def test_the_app_check_uses_the_learned_layer_and_imports_no_torch() -> None:
    assert default_detector().mode == "combined", status()
    code = (
        "import sys\n"
        "from hera_tui.safety import triage\n"
        "assert triage('my chest is crushing and my arm is numb') is not None\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_preload_loads_the_check_before_the_first_message(monkeypatch) -> None:
    from hera_tui.safety import detector

    detector._load_default.cache_clear()
    detector.preload()
    assert detector._load_default.cache_info().currsize == 1
    # a check that cannot load is left for the first message, which reports it
    detector._load_default.cache_clear()
    monkeypatch.setenv("HERA_ENCODER_THREADS", "many")
    detector.preload()
    assert detector._load_default.cache_info().currsize == 0
    with pytest.raises(Exception, match="HERA_ENCODER_THREADS"):
        triage("chest pain")
    monkeypatch.delenv("HERA_ENCODER_THREADS")
    detector._load_default.cache_clear()


# The nine misses of issue 16, told as the issue tells them: calmly, about someone else, in
# numbers, with a routine question at the end; each fires its own condition.
ISSUE_16_MISSES = [
    ("I've had a bulging disc for a while and the physio is on Thursday. Since yesterday "
     "there's new numbness between my legs and I haven't felt myself pass urine today. "
     "Should I wait for the physio on Thursday?", "cauda_equina"),
    ("My son's arm went in a new cast today. His fingers are pale, cold and numb and the pain "
     "keeps rising even with Calpol. Anything else we can try tonight?",
     "compartment_syndrome"),
    ("Positive pregnancy test last week, now one-sided low pain, pain in my shoulder tip and "
     "I nearly fainted. Is this normal early pregnancy stuff?", "ectopic_pregnancy"),
    ("My elderly neighbour has had no heating for days. She's ice cold, drowsy, mumbling and "
     "not shivering. Should I just put more blankets on her?", "hypothermia"),
    ("I'm on lithium and I've been vomiting for three days, now I'm shaking, unsteady and "
     "muddled. Should I take my usual dose tonight?", "drug_toxicity"),
    ("Our 10 day old baby is vomiting bright green after feeds, is it reflux?",
     "bowel_obstruction"),
    ("My toddler got into his grandad's amlodipine and metoprolol, two tablets are missing. "
     "He seems fine. Do we just watch him?", "child_medicine_ingestion"),
    ("My 2 year old swallowed a button battery but he seems fine, can we wait and see?",
     "button_battery_magnet"),
    ("Community nurse: T 38.9, HR 128, RR 28, BP 84/50, SpO2 91%, new confusion and no urine "
     "since the morning. Review tomorrow?", "sepsis"),
]


@pytest.mark.parametrize(("text", "condition"), ISSUE_16_MISSES)
def test_the_rules_alone_flag_issue_16s_misses_as_their_own_condition(
        rules_only: Detector, text: str, condition: str) -> None:
    alert = rules_only.assess(text).alert
    assert alert is not None and alert.possible[0] == condition, (text, alert)
    assert any(h.decisive for h in rules_only.assess(text).hits)  # no classifier needed


@pytest.mark.parametrize(("text", "condition"), ISSUE_16_MISSES)
def test_the_app_check_flags_issue_16s_misses_with_their_guidance(text: str,
                                                                  condition: str) -> None:
    alert = triage(text)
    assert alert is not None and alert.possible[0] == condition, (text, alert)
    assert alert.guidance is conditions()[condition]
    assert "emergency number" in alert.guidance.text().splitlines()[0]


@pytest.mark.parametrize(
    "text",
    [
        "I've had a bulging disc for a while and the physio is on Thursday. No numbness and "
        "my bladder is normal. Should I wait for the physio on Thursday?",
        "My son's arm went in a new cast today. His fingers are pink and warm and the pain is "
        "easing with Calpol. Anything else we can try tonight?",
        "My toddler had grandad's pill box in his hands but it was locked and nothing is "
        "missing. How do I childproof it?",
        "My elderly neighbour's heating broke, she's staying with us, warm and chatty. How do "
        "I get the boiler fixed?",
    ],
)
def test_the_same_calm_wording_with_a_benign_finding_does_not_fire(text: str) -> None:
    assert triage(text) is None, text


# Issue 16, second round: the rules the third frozen set showed missing. Each message fires
# its condition with the rules alone (decisively: however calmly it is told), and its benign
# twin, the same wording with a benign finding, fires nothing.
NEW_RULES = [
    ("Gran takes apixaban. She slipped on the step and banged her head, just a small lump, "
     "says she feels fine. Can we keep an eye on her at home?",
     "Gran takes apixaban. She slipped on the step and bruised her knee, she didn't hit her "
     "head. Can we keep an eye on her at home?", "head_spine_injury"),
    ("I'm on rivaroxaban after a clot last year and I walked into a shelf and hit my forehead. "
     "Feel ok. Do I need a plaster?",
     "I'm not on any blood thinners and I walked into a shelf and hit my forehead. Feel ok. "
     "Do I need a plaster?", "head_spine_injury"),
    ("Fell down the last two stairs at work, GCS 14, a bit slow answering questions",
     "Fell down the last two stairs at work, GCS 15, answering questions normally",
     "head_spine_injury"),
    ("Came off my scooter at speed on the way home. My ribs on the left are sore and I feel "
     "lightheaded. Ice or heat?",
     "Came off my scooter on the way home, hardly moving at the time. Just grazed my palm. "
     "Ice or heat?", "major_trauma"),
    ("I've been taking about 12 paracetamol a day for my toothache since Saturday, I feel ok. "
     "Is there something stronger?",
     "I've been taking 8 paracetamol a day, the most the packet allows, for my toothache since "
     "Saturday, I feel ok. Is there something stronger?", "poisoning_overdose"),
    ("The blister pack had Dad's methotrexate every day this week instead of weekly. He has "
     "a sore mouth. Should we just skip next week's?",
     "Dad takes his methotrexate every Monday as prescribed and folic acid on the other days. "
     "He has a sore mouth. Should we ask the dentist?", "drug_toxicity"),
    ("My 7 month old has had a tummy bug for two days, no wet nappies since the morning and "
     "she's floppy. Can I try diluted juice?",
     "My 7 month old has had a tummy bug for two days, lots of wet nappies and she's playing. "
     "Can I try diluted juice?", "child_red_flags"),
    ("I'm 71. New headache at my temple, my scalp is tender and today my vision went blurry "
     "in my right eye. Optician on Friday?",
     "I'm 71. New headache at my temple after a long drive, and my vision is completely "
     "normal. Optician on Friday?", "eye_emergency"),
    ("My son has a VP shunt. He's had a headache and vomited twice today and he's really "
     "sleepy. Could it be a virus?",
     "My son has a VP shunt. He had a mild headache after football, no vomiting, not sleepy. "
     "Could it be a virus?", "shunt_blockage"),
    ("I have hepatitis B. My eyes have gone yellow this week and today I'm confused and my gums "
     "keep bleeding. Should I rest?",
     "I have hepatitis B. My liver tests were stable at clinic, no yellowing, I feel well. "
     "Should I rest?", "acute_liver_failure"),
    ("Mum has myeloma. She's so thirsty, constipated, being sick and muddled since yesterday. "
     "More water?",
     "Mum has myeloma in remission. She's thirsty after gardening in the heat and otherwise "
     "her usual self. More water?", "hypercalcaemia"),
    ("After a bad cold the tingling in my feet has crept up to my knees, my legs are weak and "
     "swallowing is harder tonight. B12?",
     "I'm diabetic and my feet have tingled for a few months, no weakness, walking fine. B12?",
     "guillain_barre"),
    ("After a heavy gym session my arms are swollen and really painful and my pee is dark "
     "brown. Stretching?",
     "After a heavy gym session my arms are stiff and achy and my pee is a normal pale "
     "yellow. Stretching?", "rhabdomyolysis"),
]


#: the patterns behind the fourth frozen set's misses, each written anew (not a set's line),
#: with a benign twin in nearly the same words: the finding, not the wording, decides
THIRD_ROUND = [
    ("Half an hour after starting a new antibiotic I've come out in hives and I'm wheezing. Is "
     "it worth taking an antihistamine?",
     "Half an hour after starting a new antibiotic I've got a few itchy spots on my wrist. Is "
     "it worth taking an antihistamine?", "anaphylaxis"),
    ("I've used my blue inhaler about 15 times since breakfast and I get breathless walking up "
     "the stairs. Should I see the nurse next week?",
     "I've used my blue inhaler twice since breakfast and I can walk up the stairs fine. "
     "Should I see the nurse next week?", "breathing_difficulty"),
    ("Two weeks after my knee operation, sats 88% and I'm breathless at rest. Anxiety?",
     "Two weeks after my knee operation, sats 98% and I'm breathing easily. Anxiety?",
     "breathing_difficulty"),
    ("Routine bloods on clozapine: ANC 0.4, and tonight he has a temp of 38.3 and a sore "
     "throat. Wait for the clinic?",
     "Routine bloods on clozapine: ANC 3.9, and tonight he is well with no sore throat. Wait "
     "for the clinic?", "neutropenic_sepsis"),
    ("Mum's pulse is 36 and she fainted getting out of bed. Should she skip her bisoprolol?",
     "Mum's pulse is 66 and she felt fine getting out of bed. Should she skip her bisoprolol?",
     "dangerous_heart_rhythm"),
    ("My father has an LVAD and the controller is showing a red warning and he says he feels "
     "faint. Call the clinic in the morning?",
     "My father has an LVAD and the controller showed a battery message until we plugged it "
     "into the mains. He feels well. Call the clinic in the morning?", "medical_device_failure"),
    ("Her tracheostomy tube has come out and we can't get the new one in, she's struggling to "
     "breathe",
     "Her tracheostomy tube was changed by the nurse this morning and she is comfortable",
     "medical_device_failure"),
    ("A week after my hernia operation the wound has split open and something is bulging "
     "through it. Cover it with a dressing?",
     "A week after my hernia operation the wound is closed and dry with a little bruising. "
     "Cover it with a dressing?", "surgical_abdomen"),
    ("I had an ERCP two days ago and now the pain in my upper tummy is severe and I keep "
     "vomiting. Is that normal?",
     "I had an ERCP two days ago and my throat is a bit sore but I'm eating and feel well. Is "
     "that normal?", "surgical_abdomen"),
    ("Dad hasn't passed any wind for two days, his belly is distended and he's vomiting. Would "
     "a laxative help?",
     "Dad hasn't had a poo for two days but is passing wind and eating well. Would a laxative "
     "help?", "bowel_obstruction"),
    ("My 4 year old won't put any weight on his right leg and has a fever of 39. No injury. "
     "Calpol and rest?",
     "My 4 year old is limping a little after a fall at nursery, no fever, running around "
     "again. Calpol and rest?", "child_red_flags"),
    ("I'm diabetic and my big toe has turned black over the weekend. Podiatry can see me in two "
     "weeks, is that ok?",
     "I'm diabetic and my big toe has a small callus, no colour change. Podiatry can see me in "
     "two weeks, is that ok?", "diabetic_foot"),
    ("Type 2 diabetes, ulcer on my heel, and now I've a fever and the redness is spreading up "
     "my leg.",
     "Type 2 diabetes, ulcer on my heel is shrinking each week, no fever, no redness.",
     "diabetic_foot"),
    ("My 10 year old knocked out a permanent front tooth playing football. Can it wait until "
     "Monday?",
     "My 5 year old's wobbly front tooth came out playing football. Can it wait until Monday?",
     "knocked_out_tooth"),
    ("I woke up and I can't see anything out of my left eye. It doesn't hurt. Should I see the "
     "optician?",
     "I woke up and my left eye is a bit sticky but I can see normally. Should I see the "
     "optician?", "eye_emergency"),
    ("My heart was pounding and then I passed out on the bus. I feel ok now, GP next week?",
     "My heart was pounding after two espressos, no fainting, it settled in ten minutes. GP "
     "next week?", "dangerous_heart_rhythm"),
    ("On enalapril. My tongue has been swelling for an hour and it's getting hard to swallow. "
     "No itch, no rash. Antihistamine?",
     "On enalapril. My tongue feels a bit sore where I bit it, swallowing is fine. No itch, no "
     "rash. Antihistamine?", "anaphylaxis"),
    ("My ring caught on a nail as I fell and the skin was ripped off my finger, it looks pale",
     "My ring was tight after a hot day, I eased it off with soap and my finger is pink",
     "major_trauma"),
    ("hCG was 1500, and now I've got sharp right-sided pelvic pain and feel dizzy",
     "hCG was 1500 and rising, and the scan showed the pregnancy in the womb. I feel fine",
     "ectopic_pregnancy"),
]


@pytest.mark.parametrize(("text", "twin", "condition"), NEW_RULES + THIRD_ROUND)
def test_each_new_rule_fires_its_condition_and_its_benign_twin_does_not(
        rules_only: Detector, text: str, twin: str, condition: str) -> None:
    assessment = rules_only.assess(text)
    assert condition in {h.condition for h in assessment.hits if h.decisive}, text
    assert assessment.alert.possible[0] == condition
    assert rules_only.assess(twin).hits == [], twin


@pytest.mark.parametrize(("text", "twin", "condition"), NEW_RULES + THIRD_ROUND)
def test_the_app_check_flags_each_new_rules_message_with_its_guidance(
        text: str, twin: str, condition: str) -> None:
    alert = triage(text)
    assert alert is not None and condition in alert.possible, (text, alert)
    assert "emergency number" in alert.guidance.text().splitlines()[0]


# Negation, history, story and question cues: each silences the finding it governs and the
# same finding without the cue still fires.
CUES = [
    # negation reaching across an or-list
    ("temperature normal, no rash, stiff neck or headache", "meningitis"),
    ("no swelling of her tongue or throat after the peanut", "anaphylaxis"),
    ("I'm not having any thoughts of hurting myself or ending my life", "suicide_self_harm"),
    ("the skin round the bite isn't red, hot or spreading quickly", "necrotising_fasciitis"),
    # a negation between a finding's parts
    ("my 2 month old has a snotty nose, ribs not sucking in when he breathes",
     "child_red_flags"),
    ("her face isn't drooping and she can talk", "stroke"),
    # "not breathing fast" is not "not breathing"
    ("my baby has a cold, not breathing fast, feeding fine", "cardiac_arrest"),
    # history that is over: a number ends its sentence
    ("I tried to kill myself when I was 22. I'm 40 now and well.", "suicide_self_harm"),
    # stories, films, games, hypotheticals, general questions
    ("In the news a teenager died of heatstroke at a festival. How common is it?",
     "heat_stroke"),
    ("On Grey's Anatomy someone had lithium toxicity. How accurate is that?", "drug_toxicity"),
    ("If I was on a train and someone collapsed, what would the guard do?", "cardiac_arrest"),
    ("At what temperature does hypothermia set in?", "hypothermia"),
    # spots that fade under a glass
    ("he has a cold and a few spots that fade when I press a glass on them", "meningitis"),
    # a head knock is not violence
    ("headache since hitting my head on the car door yesterday, feels better today",
     "harm_to_others"),
]
CUES_ABSENT = [
    ("temperature 39, a rash and a stiff neck", "meningitis"),
    ("swelling of her tongue and throat after the peanut", "anaphylaxis"),
    ("I'm having thoughts of ending my life", "suicide_self_harm"),
    ("my 2 month old has a snotty nose and his ribs are sucking in when he breathes",
     "child_red_flags"),
    ("her face is drooping on one side", "stroke"),
    ("he collapsed and is not breathing", "cardiac_arrest"),
    ("I tried to kill myself last night. I'm at home now.", "suicide_self_harm"),
    ("my son is at a festival with a fever, confused and not sweating in this heat",
     "heat_stroke"),
    ("my daughter has a high temperature and spots that don't fade when I press a glass",
     "meningitis"),
    ("my partner is hitting me and I'm scared", "harm_to_others"),
]


@pytest.mark.parametrize(("text", "condition"), CUES)
def test_a_negation_history_story_or_question_cue_silences_its_finding(
        text: str, condition: str) -> None:
    assert condition not in {h.condition for h in rule_hits(text)}, (text, rule_hits(text))


@pytest.mark.parametrize(("text", "condition"), CUES_ABSENT)
def test_the_same_finding_without_the_cue_still_fires(text: str, condition: str) -> None:
    assert condition in {h.condition for h in rule_hits(text)}, text


def test_a_decided_plan_is_a_statement_of_intent(rules_only: Detector) -> None:
    text = "things have been bad for months and now I've decided when I'm going to do it"
    assert "suicide_self_harm" in {h.condition for h in rules_only.assess(text).hits
                                   if h.decisive}
    assert rule_hits("we've decided when we're going to do the kitchen") == []


def test_red_flags_named_only_to_be_denied_are_counted() -> None:
    from hera_tui.safety.redflags import DENIALS, denials

    denied = "Cold for a week: no stiff neck, no rash, no fever, and no trouble breathing."
    assert denials(denied) >= DENIALS and rule_hits(denied) == []
    assert denials("stiff neck, a rash and a fever") == 0
    assert denials("no fever") < DENIALS


def test_a_message_that_only_denies_red_flags_needs_the_higher_threshold() -> None:
    detector = default_detector()
    if detector.mode == "rules":
        pytest.skip("the learned layer is not built")
    trained = detector.trained
    assert trained.threshold_when_denied >= trained.threshold
    denied = detector.assess("Cold for a week: no stiff neck, no rash, no fever, and no "
                             "trouble breathing. Any remedies?")
    assert denied.denials >= 2 and not denied.flagged
    # a rule that fires is never overruled by the denials around it
    mixed = detector.assess("No fever and no rash, but he collapsed and is not breathing")
    assert mixed.flagged and mixed.alert.possible[0] == "cardiac_arrest"


# Fixes behind the fourth set's false alarms: each cue, and the finding without it.
NOT_FIRING_NOW = [
    # a general first-aid question about a generic person ("a choking infant")
    ("How should I give chest thrusts to a choking infant? Revising before my babysitting job.",
     "choking"),
    ("Can you get serotonin syndrome from mixing tramadol and sertraline? Asking for a leaflet.",
     "drug_toxicity"),
    ("How do I train my team to tell heat exhaustion from heat stroke?", "heat_stroke"),
    # family history is not a heart attack now
    ("My dad had a heart attack at 58 and I want to know my own risk", "heart_attack"),
    # a burning feeling is a sensation, not a burn
    ("Burning feeling in my chest after a spicy meal", "burns_chemical"),
    # a swallow that is over: the battery was taken out
    ("My son swallowed a button battery and it was removed by endoscopy the same day. He's "
     "fine now, any follow-up needed?", "button_battery_magnet"),
    # a sip of mouthwash
    ("swallowed a little bit of mouthwash while rinsing, feel fine", "poisoning_overdose"),
    ("my 2 year old swallowed one of my mini pill tablets, she's fine", "child_medicine_ingestion"),
]
FIRING_NOW = [
    ("My infant is choking and back blows haven't worked", "choking"),
    ("He has serotonin syndrome, he's twitching, sweating and confused on tramadol and "
     "sertraline", "drug_toxicity"),
    ("I think he just had a heart attack, crushing chest pain", "heart_attack"),
    ("My son swallowed a button battery an hour ago, he seems fine", "button_battery_magnet"),
    ("drank half a bottle of mouthwash", "poisoning_overdose"),
    ("my 2 year old swallowed one of my amlodipine tablets, she's fine",
     "child_medicine_ingestion"),
]


@pytest.mark.parametrize(("text", "condition"), NOT_FIRING_NOW)
def test_the_fourth_sets_false_alarm_patterns_do_not_fire_their_rule(text: str,
                                                                     condition: str) -> None:
    assert condition not in {h.condition for h in rule_hits(text)}, text


@pytest.mark.parametrize(("text", "condition"), FIRING_NOW)
def test_the_same_findings_told_as_happening_still_fire(text: str, condition: str) -> None:
    assert condition in {h.condition for h in rule_hits(text)}, text
