"""Vital signs and a few blood results read as numbers, and the published scores applied.

Why: a community nurse writes "T 38.9, HR 128, RR 28, BP 84/50, SpO2 91%, new confusion"
and never the word "sepsis"; a parent writes "my 6 week old is 38.4". Words-only checks miss
both. This module reads the numbers (torch-free, a few regular expressions) and applies:

- **NEWS2** (Royal College of Physicians, 2017) for adults: every parameter band of the
  chart, SpO2 on scale 1. An aggregate of 7 or more (NEWS2's emergency-response threshold)
  flags; 5-6, and a single parameter scoring 3, are reported but do not flag on their own.
- **NICE NG51** high-risk sepsis criteria: with a suspected infection, any one of new
  altered mental state, respiratory rate 25 or more, heart rate over 130, systolic 90 or
  less, no urine for 18 hours, or (read as NG51's new need for oxygen to keep saturation
  above 92%) an SpO2 below 92%. Children by age band (NG51's tables for under 5 and 5-11).
- **Paediatric thresholds by age**: a baby under 3 months at 38 °C or more (NICE NG143 red),
  and NG51's respiratory and heart rates by age.
- **Low oxygen from a pulse oximeter**: 92% or below, at rest, in someone without a chronic
  lung disease (NHS England pulse-oximetry guidance: 92% or below, go to A&E or call 999).
- **A very slow or very fast pulse with adverse features** (Resuscitation Council UK
  bradycardia and tachycardia algorithms: fainting, chest pain, breathlessness, shock), and a
  pulse below 40 in an eating disorder (RCPsych MEED 2022, a red-risk finding by itself).
- **A neutrophil count of 0.5 or less with a fever or signs of infection** (NICE CG151's
  definition of neutropenic sepsis), whatever the cause: chemotherapy, clozapine, carbimazole.
- Single numbers that guidance treats as emergencies by themselves: blood glucose below
  3.0 mmol/L (54 mg/dL), a glucose of 33.3 mmol/L (600 mg/dL) or "HI", blood ketones of
  3 mmol/L or more, potassium of 6.5 or more, a lithium level of 1.5 or more, a
  temperature below 35 °C, and very high blood pressure with warning symptoms (and in
  pregnancy 160/110, NICE NG133).

Every number comes with the words it was read from, so ``hera safety check`` can show
exactly what the check used. Readings in a story, a general question, a past-time clause
("in 2019") or a threshold phrase ("keep it above 94") are not read. When a parameter is
given twice, the later reading is the current one (a baby's fever counts at any reading).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import context

_I = re.IGNORECASE
_NUM = r"(\d{1,3}(?:[.,]\d{1,2})?)"
# words between a label and its number: no digits, no sentence end, a few words at most
_GAP = r"[^\d\n.!?;]{0,24}?"
# thermometer readings of the weather, a room, a bath or an oven are not body temperatures
_AMBIENT = re.compile(
    r"\b(outside|weather|forecast|room|bedroom|indoors|thermostat|bath|pool|sea|oven|"
    r"fridge|freezer|shade|heatwave|climate|degrees out|in here|water temp\w*)\b", _I)


@dataclass(frozen=True)
class Reading:
    """One number read from the message, in the unit the scores use."""

    name: str
    value: float
    unit: str
    #: the words it was read from
    evidence: str
    #: read with a one-letter label ("T 38.9", "P 128"): kept only beside other readings
    shorthand: bool = False
    #: for blood pressure: the diastolic pressure
    second: float | None = None

    def describe(self) -> str:
        label = _LABELS.get(self.name, self.name)
        if self.name == "blood_pressure":
            value = f"{self.value:g}/{self.second:g} mmHg"
        elif self.name == "consciousness":
            value = {"C": "new confusion", "V": "responds to voice", "P": "responds to pain",
                     "U": "unresponsive"}[self.unit]
        elif self.name == "oxygen":
            value = "supplemental oxygen" if self.value else "air"
        elif self.name in ("urine", "glucose_flag"):
            value = self.unit
        else:
            value = f"{self.value:g}{' ' + self.unit if self.unit else ''}"
        return f"{label} {value} (\u201c{self.evidence}\u201d)"


_LABELS = {
    "temperature": "temperature", "heart_rate": "heart rate", "respiratory_rate":
    "respiratory rate", "blood_pressure": "blood pressure", "spo2": "SpO2", "oxygen":
    "breathing", "glucose": "blood glucose", "glucose_flag": "glucose meter", "ketones":
    "blood ketones", "potassium": "potassium", "lithium": "lithium level", "consciousness":
    "consciousness", "gcs": "GCS", "age": "age", "urine": "urine",
    "neutrophils": "neutrophil count",
}


def _number(text: str) -> float:
    return float(text.replace(",", "."))


@dataclass(frozen=True)
class _Pattern:
    """A labelled number: the regex, the reading it gives, and how to convert it."""

    name: str
    regex: re.Pattern
    convert: Callable[[re.Match, str], Reading | None]
    shorthand: bool = False


def _simple(name: str, unit: str, low: float, high: float,
            decimals_only: bool = False) -> Callable[[re.Match, str], Reading | None]:
    def convert(match: re.Match, text: str) -> Reading | None:
        raw = match.group("num")
        if decimals_only and not re.search(r"[.,]", raw):
            return None
        value = _number(raw)
        if not low <= value <= high:
            return None
        return Reading(name, value, unit, match.group(0).strip())
    return convert


def _temperature(match: re.Match, text: str) -> Reading | None:
    value = _number(match.group("num"))
    unit = (match.groupdict().get("unit") or "").lower().replace("\u00b0", "").replace(
        "\u00ba", "").strip()
    fahrenheit = unit.startswith("f") or unit.endswith("f") or "fahr" in unit
    scale_given = fahrenheit or unit.startswith("c") or unit.endswith("c") or "cels" in unit
    if not scale_given:
        if unit and not (34 <= value <= 43.5 or 93 <= value <= 110):
            return None  # "45 degrees" of a bend, not a body
        fahrenheit = not 30 <= value <= 45 and 86 <= value <= 113  # the number tells
    if fahrenheit:
        if not 86 <= value <= 113:
            return None
        value = round((value - 32) * 5 / 9, 1)
    if not 30 <= value <= 45:
        return None
    return Reading("temperature", value, "\u00b0C", match.group(0).strip())


def _heart_rate(match: re.Match, text: str) -> Reading | None:
    before = match.string[: match.start()]
    if match.group(0)[:2].lower() == "hr" and re.search(r"\d\s*$", before):
        return None  # "2 hr 30": hours, not a heart rate
    return _simple("heart_rate", "/min", 20, 250)(match, text)


def _blood_pressure(match: re.Match, text: str) -> Reading | None:
    systolic, diastolic = float(match.group("sys")), float(match.group("dia"))
    if not (50 <= systolic <= 300 and 20 <= diastolic <= 200 and systolic > diastolic):
        return None
    return Reading("blood_pressure", systolic, "mmHg", match.group(0).strip(), second=diastolic)


def _glucose(match: re.Match, text: str) -> Reading | None:
    raw, unit = match.group("num"), (match.group("unit") or "").lower()
    value = _number(raw)
    decimal = bool(re.search(r"[.,]", raw))
    american = bool(re.search(r"mg/dl|\u00b0\s?f\b|fahrenheit|\b911\b|\bER\b|tylenol|motrin",
                              text, _I))
    if unit.startswith("mg") or (not unit and not decimal and (
            value > 35 or (american and value >= 20))):
        if not 10 <= value <= 1500:
            return None
        words = match.group(0).strip()
        return Reading("glucose", round(value / 18.0, 1), "mmol/L",
                       words if unit.startswith("mg") else f"{words}: read as {value:g} mg/dL")
    if not 0.5 <= value <= 60:
        return None
    return Reading("glucose", value, "mmol/L", match.group(0).strip())


def _glucose_flag(match: re.Match, text: str) -> Reading:
    word = match.group("flag").upper()
    return Reading("glucose_flag", 1.0 if word == "HI" else 0.0,
                   "HI (above the meter's range)" if word == "HI" else "LO (below its range)",
                   match.group(0).strip())


def _spo2(match: re.Match, text: str) -> Reading | None:
    return _simple("spo2", "%", 50, 100)(match, text)


def _oxygen(match: re.Match, text: str) -> Reading:
    on_air = re.search(r"\b(air|ra)\b", match.group(0), _I)
    return Reading("oxygen", 0.0 if on_air else 1.0, "", match.group(0).strip())


def _avpu(match: re.Match, text: str) -> Reading:
    words = match.group(0).lower()
    if "pain" in words or re.search(r"\bp\b", words):
        level = "P"
    elif "voice" in words or re.search(r"\bv\b", words) or re.search(r"drows|hard to wake",
                                                                         words):
        level = "V"
    elif re.search(r"\bu\b|unresponsive", words):
        level = "U"
    elif re.search(r"\ba\b|alert", words) and "avpu" in words:
        level = "A"
    else:
        level = "C"
    return Reading("consciousness", 0.0 if level == "A" else 1.0, level, match.group(0).strip())


def _gcs(match: re.Match, text: str) -> Reading | None:
    return _simple("gcs", "/15", 3, 15)(match, text)


def _age(match: re.Match, text: str) -> Reading | None:
    groups = match.groupdict()
    for name, per_year in (("years", 1.0), ("months", 12.0), ("weeks", 52.0), ("days", 365.0)):
        if groups.get(name):
            value = float(groups[name]) / per_year
            if value > 110:
                return None
            return Reading("age", round(value, 3), "years", match.group(0).strip())
    return None


def _urine(match: re.Match, text: str) -> Reading:
    return Reading("urine", 1.0, "none for many hours", match.group(0).strip())


_PATTERNS: tuple[_Pattern, ...] = (
    _Pattern("temperature", re.compile(
        rf"\b(?:temp(?:erature)?'?s?|tmp|pyrexial|febrile|fever(?: of)?|running at|"
        rf"thermometer)\b{_GAP}"
        rf"(?P<num>\d{{2,3}}(?:[.,]\d{{1,2}})?)(?!\s*(?:/|%|mg|ml|kg|hours?|hrs?|mins?|"
        r"minutes?|days?|weeks?|years?|months?))\s*(?P<unit>[\u00b0\u00ba]\s*[cf]\b|"
        r"deg(?:rees?)?\s*[cf]?\b|celsius|fahrenheit|[cf]\b)?", _I), _temperature),
    _Pattern("temperature", re.compile(
        r"\b(?P<num>\d{2,3}(?:[.,]\d{1,2})?)\s*(?P<unit>[\u00b0\u00ba]\s*[cf]?|degrees?\s*"
        r"(?:[cf]\b|celsius|fahrenheit)?|deg\s*[cf]\b|[cf]\b(?!\s*\d))", _I), _temperature),
    _Pattern("temperature", re.compile(
        r"\bT\s*:?\s*(?P<num>\d{2,3}(?:[.,]\d{1,2})?)\s*(?P<unit>[\u00b0\u00ba]?\s*[cf]\b)?"),
        _temperature, shorthand=True),
    _Pattern("blood_pressure", re.compile(
        rf"\b(?:bp|b/p|nibp|rr|blood pressure|pressure)\b{_GAP}(?P<sys>\d{{2,3}})\s*(?:/|over)"
        r"\s*(?P<dia>\d{2,3})\b", _I), _blood_pressure),
    _Pattern("blood_pressure", re.compile(
        r"\b(?P<sys>\d{2,3})\s*/\s*(?P<dia>\d{2,3})\s*mm ?hg\b", _I), _blood_pressure),
    _Pattern("heart_rate", re.compile(
        rf"\b(?:hr|heart ?rate|pulse(?: rate)?|puls|heart (?:is )?(?:beating|going|racing|"
        rf"hammering|pounding)(?: away)?(?: at)?)"
        rf"\b{_GAP}(?P<num>\d{{2,3}})\b(?!\s*(?:/|%|mg|kg|years?|yrs?))", _I), _heart_rate),
    _Pattern("heart_rate", re.compile(
        r"\b(?P<num>\d{2,3})\s*(?:bpm|beats (?:a|per) min\w*|beats/min)\b", _I), _heart_rate),
    _Pattern("heart_rate", re.compile(r"\bP\s*:?\s*(?P<num>\d{2,3})\b(?!\s*/)"), _heart_rate,
             shorthand=True),
    _Pattern("respiratory_rate", re.compile(
        rf"\b(?:rr|resp(?:iratory)?(?: rate)?|resps|breathing rate|respirations?)\b{_GAP}"
        r"(?P<num>\d{1,2})\b(?!\s*/)", _I), _simple("respiratory_rate", "/min", 4, 90)),
    _Pattern("respiratory_rate", re.compile(
        r"\b(?:breathing|breathes|breaths?)\D{0,12}?(?P<num>\d{1,2})\s*(?:times |breaths )?"
        r"(?:a|per|/|an?) ?min(?:ute)?\b|\b(?P<num2>\d{1,2})\s*breaths\s*(?:a|per|/) ?"
        r"min(?:ute)?\b", _I), lambda m, t: _simple("respiratory_rate", "/min", 4, 90)(
            _Renamed(m), t)),
    _Pattern("respiratory_rate", re.compile(r"\bR\s*:?\s*(?P<num>\d{1,2})\b(?!\s*/)"),
             _simple("respiratory_rate", "/min", 4, 90), shorthand=True),
    _Pattern("spo2", re.compile(
        rf"\b(?:sp ?o2|sp02|sao2|o2 sats?|o2|sats?|saturations?|saturating|oxygen (?:sats?|"
        rf"saturations?|levels?)|oxygen|pulse ?ox\w*|oximeter|ox)\b{_GAP}"
        r"(?P<num>\d{2,3})\s*%?(?!\s*(?:l\b|litres?|liters?|lpm|mg|/))", _I), _spo2),
    _Pattern("spo2", re.compile(
        r"\b(?P<num>\d{2,3})\s*%\s*(?:on (?:room )?air|on ra\b|on \d+ ?l|on oxygen|on o2|"
        r"sats?|spo2|oxygen|o2)", _I), _spo2),
    _Pattern("oxygen", re.compile(
        r"\bon (?:\d+(?:[.,]\d)? ?(?:l|litres?|liters?|lpm|l/min)\b(?: ?(?:of )?(?:o2|oxygen))?|"
        r"(?:home |supplemental |extra )?oxygen\b|o2\b|nasal (?:cannula|specs|prongs)|"
        r"(?:a )?(?:non-?rebreather|venturi|face) mask|high[- ]flow|(?:room )?air\b|ra\b)", _I),
        _oxygen),
    _Pattern("glucose", re.compile(
        rf"\b(?:bm|cbg|bg|blood sugars?|sugars?|sugar levels?|glucose(?: level)?|blood glucose|"
        rf"glucometer|cgm|libre|dexcom)\b{_GAP}(?P<num>\d{{1,4}}(?:[.,]\d)?)\s*"
        r"(?P<unit>mmol(?:/l)?|mmols?|mg/dl|mg)?(?!\s*(?:g\b|grams?|spoons?|teaspoons?|tsp|"
        r"cubes?|sachets?|%|units?|iu\b|years?|weeks?|days?))", _I), _glucose),
    _Pattern("glucose_flag", re.compile(
        r"\b(?:meter|glucometer|monitor|bm|sugar|reading|libre|dexcom|cgm)\b[^\n.!?]{0,20}?"
        r"(?<![a-z])(?P<flag>HI|LO)\b"), _glucose_flag),
    _Pattern("ketones", re.compile(
        rf"\bketones?\b{_GAP}(?P<num>\d(?:[.,]\d)?)\b(?!\s*\+)", _I),
        _simple("ketones", "mmol/L", 0, 9)),
    _Pattern("potassium", re.compile(
        rf"\b(?:potassium|k\+|k)\b{_GAP}(?P<num>\d(?:[.,]\d)?)\b", _I),
        _simple("potassium", "mmol/L", 1.5, 10, decimals_only=True)),
    # "ANC 0.3", "neutrophils 0.4 x10^9/L", "neuts 0.2": a count in 10^9/L (always below 30)
    _Pattern("neutrophils", re.compile(
        rf"\b(?:anc|neut(?:rophil)?s?(?: count)?|absolute neutrophils?(?: count)?)\b{_GAP}"
        r"(?P<num>\d{1,2}(?:[.,]\d{1,2})?)\b(?!\s*(?:%|/|mg|kg|years?|hours?|days?))", _I),
        _simple("neutrophils", "x10^9/L", 0, 30)),
    _Pattern("lithium", re.compile(
        rf"\blithium (?:level|levels|blood level|result)s?\b{_GAP}(?P<num>\d(?:[.,]\d{{1,2}})?)\b",
        _I), _simple("lithium", "mmol/L", 0, 6)),
    _Pattern("gcs", re.compile(
        r"\bgcs\b[^\d.]{0,25}?(?P<first>\d{1,2})(?:\s*/\s*15)?\s*(?:to|->|\u2192|>|down to|now)\s*"
        r"(?P<num>\d{1,2})\b(?:\s*/\s*15)?", _I), _gcs),
    _Pattern("gcs", re.compile(r"\bgcs\b\D{0,10}?(?P<num>\d{1,2})\b(?:\s*/\s*15)?", _I), _gcs),
    _Pattern("consciousness", re.compile(
        r"\bavpu\b\W{0,5}(?:is\W{0,3})?[avpu]\b|\b[vpu] on avpu\b|\b(?:only )?(?:responds?|"
        r"responding|responsive) (?:only )?to (?:voice|pain)\b|\bunresponsive\b|"
        r"\bnew(?:ly)?[- ]onset confusion\b|\bnew(?:ly)? confus\w*|\bacute(?:ly)? confus\w*|"
        r"\bconfused (?:today|since|now|this morning|tonight)\b|\b(?:more|very|really|"
        r"suddenly|quite|so) confused\b|\bconfusion\b|\bnot making sense\b|\btalking nonsense\b|"
        r"\bdisorientat\w*|\bdelirious\b|\bdrowsy\b|\bhard to (?:wake|rouse)\b|"
        r"\b(?:is|are|was|became|become|gone|getting|seems?|she'?s|he'?s|and|now) "
        r"(?:a bit |a little )?confused\b(?! (?:about|by|as to|why|what|whether|how|if|with)\b)",
        _I), _avpu),
    _Pattern("urine", re.compile(
        r"\b(?:no|not (?:passed|had) any|hasn'?t (?:passed|had) any|not passed|hasn'?t passed|"
        r"hasn'?t (?:peed|weed)|not (?:peed|weed)|no wee|no pee) ?(?:urine|water|output|pee|wee)?"
        r"(?: output)? (?:since (?:this morning|yesterday|last night|breakfast|lunch)|for "
        r"(?:1[89]|[2-9]\d) ?(?:hours|hrs)|all day|in (?:1[89]|[2-9]\d) ?(?:hours|hrs))", _I),
        _urine),
    _Pattern("age", re.compile(
        r"\b(?P<years>\d{1,3})[- ]?(?:years?|yrs?)[- ]old\b|\b(?P<years2>\d{1,3}) ?(?:yo|y/o|"
        r"y\.o\.)\b|\baged? (?P<years3>\d{1,3})\b|\b(?P<months>\d{1,2})[- ]?(?:months?|mths?|"
        r"mo)[- ]old\b|\b(?P<weeks>\d{1,2})[- ]?(?:weeks?|wks?)[- ]old\b|\b(?P<days>\d{1,2})"
        r"[- ]?days?[- ]old\b|\b(?:dad|father|mum|mom|mother|husband|wife|partner|son|daughter|"
        r"he|she|patient|pt|man|woman|lady|gentleman|gent|resident|client|neighbou?r|grandma|"
        r"grandad|grandpa|granny|nan|brother|sister|friend|uncle|aunt|boy|girl)\s*\(\s*"
        r"(?P<years4>\d{1,3})\s*\)|\b(?P<years5>\d{2}) ?(?:male|female)\b", _I),
        lambda m, t: _age(_AgeMatch(m), t)),
    # "baby is 10 weeks", "she's only 5 days"
    _Pattern("age", re.compile(
        r"\b(?:baby|son|daughter|he|she|infant|newborn|little one|lo|child|boy|girl)(?:'s| is| "
        r"was)\s+(?:only\s+|just\s+)?(?:(?P<weeks>\d{1,2})\s*(?:weeks?|wks?)|(?P<months>\d{1,2})"
        r"\s*(?:months?|mths?)|(?P<days>\d{1,2})\s*days?)\b(?! (?:pregnant|ago|gestation))", _I),
        lambda m, t: _age(_AgeMatch(m), t)),
    # nurses' shorthand "67M", "F 84": capitals only ("10 m" is ten metres)
    _Pattern("age", re.compile(r"\b(?P<years5>[1-9]\d) ?[MF]\b|\b[MF] ?(?P<years4>[1-9]\d)\b"),
             lambda m, t: _age(_AgeMatch(m), t)),
)


class _Renamed:
    """A match whose number sits in ``num`` or ``num2`` (two phrasings in one regex)."""

    def __init__(self, match: re.Match) -> None:
        self._match = match

    def group(self, name: str | int = 0) -> str:
        if name == "num":
            return self._match.group("num") or self._match.group("num2")
        return self._match.group(name)


class _AgeMatch(_Renamed):
    """An age match: the years may sit in any of several groups."""

    def groupdict(self) -> dict[str, str | None]:
        found = self._match.groupdict()
        years = next((found[k] for k in ("years", "years2", "years3", "years4", "years5")
                      if found.get(k)), None)
        return {"years": years, **{k: found.get(k) for k in ("months", "weeks", "days")}}


_NEWBORN = re.compile(r"\b(newborn|new-born|neonate)\b", _I)
_INFANT = re.compile(r"\b(baby|infant|little one|lo)\b", _I)
_TODDLER = re.compile(r"\btoddler\b", _I)
_CHILD = re.compile(r"\b(son|daughter|child|kid|boy|girl|grandson|granddaughter)\b", _I)
_PREGNANT = re.compile(r"\b(pregnan\w*|\d{1,2} ?(weeks?|wks?) (pregnant|gestation)|"
                       r"gestation|postpartum|post-partum|gave birth|given birth|"
                       r"(days?|weeks?) after (the birth|delivery|giving birth))\b", _I)
# a suspected infection (a measured fever counts too: see read(); the bare word "temp" in a
# list of observations does not)
_INFECTION = re.compile(
    r"\b(infect\w*|fever\w*|feverish|high temp\w*|shiver\w*|rigou?rs?|uti|chest infection|"
    r"water infection|pneumonia|cellulitis|wound|flu|covid|sepsis|septic|cough\w*|"
    r"antibiotics?|abscess|burning up|hot and cold|pus|phlegm|sputum|catheter)\b", _I)
_HEAT = re.compile(r"\b(heat\w*|sun|hot (day|weather|car)|sauna|marathon|working outside|"
                   r"roof|festival|exertion)\b", _I)
_SEVERE_BP_SYMPTOM = re.compile(
    r"\b(chest pain|chest tight\w*|breathless\w*|short of breath|can'?t breathe|headache|"
    r"vision|blurr\w*|seeing (spots|stars|flashing)|confus\w*|weak\w*|numb\w*|slurr\w*|"
    r"nosebleed|back pain|fit|seizure)\b", _I)
#: what the words say beside the numbers, by name: (pattern, whether it must be asserted, not
#: denied). ``adverse``: the adverse features of the Resuscitation Council UK bradycardia and
#: tachycardia algorithms (syncope, myocardial ischaemia, heart failure, shock) as people tell
#: them; ``breathless`` (a low saturation then names the breathing emergency); ``exertion``:
#: the pulse was taken in exercise; ``usual_low_sats``: a low saturation that is someone's
#: usual (COPD and other chronic lung disease aim for 88-92%, BTS) or a sleeping smartwatch's,
#: not the NHS's "92% or below" alarm; ``infection_sign``: a sore throat, mouth ulcers or
#: shivers (beside a low neutrophil count)
_CUES: dict[str, tuple[re.Pattern, bool]] = {name: (re.compile(rx, _I), asserted) for name, rx,
                                              asserted in (
    ("adverse", r"\b(faint\w*|passed out|pass(ing)? out|blacked out|black(ing)? out|collaps\w*|"
     r"syncop\w*|chest pain|chest tight\w*|pain in (my|his|her) chest|breathless\w*|short of "
     r"breath|can'?t (catch (my|his|her) )?breath\w*|grey|gray|clammy|cold and (grey|pale|"
     r"clammy))\b", True),
    ("breathless", r"\b(breathless\w*|short of breath|out of breath|can'?t (catch (my|his|her) "
     r")?breath\w*|struggl\w* to breathe|hard to breathe|gasping)\b", True),
    ("exertion", r"\b(running|run|jog\w*|sprint\w*|workout|working out|exercis\w*|gym|spin "
     r"class|training|cycling|race|hiit|treadmill)\b", False),
    ("eating_disorder", r"\b(anorexi\w*|eating disorder|bulimi\w*|arfid|restrict\w* (her|his|"
     r"my)? ?(food|eating|intake))\b", False),
    ("usual_low_sats", r"\b(copd|emphysema|chronic bronchitis|pulmonary fibrosis|ild|"
     r"interstitial|bronchiectasis|cystic fibrosis|home oxygen|usual\w*|baseline|normal for (me|"
     r"him|her)|always (is|runs|sits|around)|target|smart ?watch|apple watch|fitbit|garmin|"
     r"asleep|sleep(ing)? study|overnight)\b", False),
    # at altitude a saturation in the high 80s or low 90s is the usual (Wilderness Medical
    # Society): the NHS's "92% or below" is for people at home
    ("altitude", r"\b(altitude|at (\d,?\d{3}|\d\.\d) ?(m|km|metres|meters|ft|feet)\b|"
     r"\d,?\d{3} ?(m|metres|meters|ft|feet) up|high camp|base camp|mountain hut|hut-to-hut|"
     r"summit|trek\w*|everest|kilimanjaro|himalaya\w*|andes|alps)\b", False),
    ("infection_sign", r"\b(sore throat|mouth ulcers?|shiver\w*|rigou?rs?|shak(ing|y)|chills?|"
     r"hot and cold|cough\w*|infect\w*|fever\w*|feverish|unwell|burning up)\b", True),
)}
_PRE_ECLAMPSIA_SYMPTOM = re.compile(
    r"\b(headache|vision|blurr\w*|flashing|spots|pain (under|below) (my|her|the) ribs|"
    r"swollen|swelling|puffy|protein)\b", _I)


@dataclass
class VitalSigns:
    """Every reading accepted from one message, in text order, and what it says about who."""

    readings: list[Reading] = field(default_factory=list)
    #: age in years when stated ("6 week old" is 0.115)
    age: float | None = None
    #: a child is named but no age given ("my son")
    child: bool = False
    pregnant: bool = False
    infection: bool = False
    heat: bool = False
    severe_bp_symptom: bool = False
    pre_eclampsia_symptom: bool = False
    #: the names of the ``_CUES`` the words state (what the numbers are read beside)
    cues: frozenset[str] = frozenset()

    def last(self, name: str) -> Reading | None:
        found = [r for r in self.readings if r.name == name]
        return found[-1] if found else None

    def all(self, name: str) -> list[Reading]:
        return [r for r in self.readings if r.name == name]

    @property
    def adult(self) -> bool:
        """NEWS2 is for adults (16 and over): the age says so, or no child is named."""
        return self.age >= 16 if self.age is not None else not self.child

    def used(self) -> list[Reading]:
        """The readings the scores read (the age too), for ``hera safety check``."""
        return [r for r in self.readings if r.name != "oxygen" or r.value]


# "sugar 2.6, treated, 10 minutes later 5.4": an unlabelled later number continues the
# reading before it (a glucose or a temperature), so the later one is the current one
_CONTINUATION = re.compile(
    r"\b(?:now|later|up to|back (?:up )?to|came (?:back )?up to|rose to|gone up to|went up to|"
    r"risen to|gone down to|went down to|down to|dropped to|then|after that|still)\s+"
    r"(?:it'?s\s+|at\s+|is\s+|was\s+)?(?P<num>\d{1,2}[.,]\d)\b(?!\s*(?:/|%|mg|kg))", _I)
_CONTINUES = {"glucose": (0.5, 60.0), "temperature": (30.0, 45.0)}

_CHRONIC_CONFUSION = re.compile(r"\b(usual|always|baseline|normal for (him|her)|dementia|"
                                r"alzheimer\w*|as usual|known)\b", _I)


def _accepted(match: re.Match, name: str, sentence: context.SentenceCues) -> bool:
    """A number is read unless it is a threshold, in a story or a general question, in a
    past-time clause, negated, or (for temperatures) a thermometer reading of something
    other than a body; confusion only when it is new."""
    if sentence.story or sentence.question:
        return False
    digit = re.search(r"\d", match.group(0))
    number_at = match.start() + (digit.start() if digit else 0)
    if context.THRESHOLD_BEFORE.search(sentence.text[max(0, number_at - 40): number_at]):
        return False
    clause, start = sentence.clause_at(match.start())
    if name == "temperature" and _AMBIENT.search(clause):
        return False
    if name == "consciousness" and _CHRONIC_CONFUSION.search(sentence.text):
        return False
    return not (context.in_history(clause, start) or context.negated(clause, start))


def _readings(text: str, sentences: list[context.SentenceCues]) -> list[Reading]:
    """Every reading in text order (``sentences``: the text's, as ``context`` splits them);
    one-letter shorthand ("T 38.9") only beside others."""
    found: list[tuple[int, Reading]] = []
    for sentence in sentences:
        taken: dict[str, list[tuple[int, int]]] = {}
        for pattern in _PATTERNS:
            spans = taken.setdefault(pattern.name, [])
            for match in pattern.regex.finditer(sentence.text):
                a, b = match.span()
                if any(a < end and start < b for start, end in spans):
                    continue  # another phrasing already read these words
                if not _accepted(match, pattern.name, sentence):
                    continue
                reading = pattern.convert(match, text)
                if reading is None:
                    continue
                if pattern.shorthand:
                    reading = Reading(reading.name, reading.value, reading.unit,
                                      reading.evidence, True, reading.second)
                spans.append((a, b))
                found.append((sentence.offset + a, reading))
        found += _continued(sentence, found, taken)
    readings = [r for _, r in sorted(found, key=lambda pair: pair[0])]
    if not any(not r.shorthand and r.name not in ("age", "oxygen") for r in readings):
        readings = [r for r in readings if not r.shorthand]
    return readings


def _continued(sentence: context.SentenceCues, found: list[tuple[int, Reading]],
               taken: dict[str, list[tuple[int, int]]]) -> list[tuple[int, Reading]]:
    """Unlabelled later numbers that continue the glucose or temperature read before them."""
    out = []
    for match in _CONTINUATION.finditer(sentence.text):
        at = sentence.offset + match.start("num")
        if any(a <= match.start("num") < b for spans in taken.values() for a, b in spans):
            continue
        before = [(pos, r) for pos, r in found + out if pos < at and r.name in _CONTINUES]
        if not before or not _accepted(match, before[-1][1].name, sentence):
            continue
        name = max(before, key=lambda pair: pair[0])[1].name
        low, high = _CONTINUES[name]
        value = _number(match.group("num"))
        if low <= value <= high:
            unit = "mmol/L" if name == "glucose" else "\u00b0C"
            out.append((at, Reading(name, value, unit, match.group(0).strip())))
    return out


def read(text: str) -> VitalSigns:
    """The vital signs, blood results and age stated in ``text``."""
    sentences = context.sentence_cues(text)  # split once, read by the numbers and the cues
    readings = _readings(text, sentences)
    ages = [r for r in readings if r.name == "age"]
    age = ages[0].value if ages else (
        0.02 if _NEWBORN.search(text) else 2.0 if _TODDLER.search(text) else None)
    return VitalSigns(
        readings, age,
        child=age is None and bool(_INFANT.search(text) or _CHILD.search(text)),
        pregnant=bool(_PREGNANT.search(text)),
        infection=bool(_INFECTION.search(text)) or any(
            r.name == "temperature" and not 36.0 <= r.value < 38.0 for r in readings),
        heat=bool(_HEAT.search(text)),
        severe_bp_symptom=bool(_SEVERE_BP_SYMPTOM.search(text)),
        pre_eclampsia_symptom=bool(_PRE_ECLAMPSIA_SYMPTOM.search(text)),
        cues=frozenset(name for name, (pattern, asserted) in _CUES.items()
                       if (_asserted_cue(pattern, sentences) if asserted
                           else pattern.search(text))),
    )


def _asserted_cue(pattern: re.Pattern, sentences: list[context.SentenceCues]) -> bool:
    """``pattern`` is told as happening, not denied ("not breathless, no chest pain" is no
    adverse feature): a negation in the few words before it cancels it."""
    for sentence in sentences:
        for clause in sentence.clauses:
            for match in pattern.finditer(clause):
                if not context.negated(clause, match.start()):
                    return True
    return False


# --- NEWS2 (Royal College of Physicians, 2017), every band of the chart ------------------

def _band(value: float, bands: tuple[tuple[float, int], ...], top: int) -> int:
    """Points for ``value``: the first band whose upper limit it does not exceed."""
    for upper, points in bands:
        if value <= upper:
            return points
    return top


def news2_points(parameter: str, value: float) -> int:
    """The NEWS2 points of one parameter (``oxygen``: 1 for supplemental oxygen, 0 for air;
    ``consciousness``: 1 for new confusion, V, P or U, 0 for alert)."""
    if parameter == "respiratory_rate":
        return _band(value, ((8, 3), (11, 1), (20, 0), (24, 2)), 3)
    if parameter == "spo2":  # scale 1
        return _band(value, ((91, 3), (93, 2), (95, 1)), 0)
    if parameter == "oxygen":
        return 2 if value else 0
    if parameter == "systolic":
        return _band(value, ((90, 3), (100, 2), (110, 1), (219, 0)), 3)
    if parameter == "heart_rate":
        return _band(value, ((40, 3), (50, 1), (90, 0), (110, 1), (130, 2)), 3)
    if parameter == "consciousness":
        return 3 if value else 0
    if parameter == "temperature":
        return _band(value, ((35.0, 3), (36.0, 1), (38.0, 0), (39.0, 1)), 2)
    raise ValueError(f"NEWS2 has no parameter {parameter!r}")


@dataclass(frozen=True)
class News2:
    total: int
    #: (what was scored, points), in the chart's order
    parts: tuple[tuple[str, int], ...]

    @property
    def red(self) -> tuple[str, ...]:
        """Parameters scoring 3 on their own (NEWS2's "red score")."""
        return tuple(label for label, points in self.parts if points == 3)

    def describe(self) -> str:
        return f"NEWS2 {self.total}: " + ", ".join(f"{label} \u2192 {points}"
                                                   for label, points in self.parts)


def _conscious(signs: VitalSigns) -> Reading | None:
    level = signs.last("consciousness")
    gcs = signs.last("gcs")
    if gcs is not None and gcs.value < 15 and (level is None or not level.value):
        return Reading("consciousness", 1.0, "C", gcs.evidence)
    return level


def news2(signs: VitalSigns) -> News2 | None:
    """The NEWS2 score of the readings, or None when fewer than two parameters were read."""
    parts: list[tuple[str, int]] = []
    rr, spo2, oxygen = (signs.last(n) for n in ("respiratory_rate", "spo2", "oxygen"))
    bp, hr, temp = (signs.last(n) for n in ("blood_pressure", "heart_rate", "temperature"))
    conscious = _conscious(signs)
    if rr:
        parts.append((f"respiratory rate {rr.value:g}", news2_points("respiratory_rate",
                                                                     rr.value)))
    if spo2:
        parts.append((f"SpO2 {spo2.value:g}%", news2_points("spo2", spo2.value)))
    if oxygen and oxygen.value:
        parts.append(("supplemental oxygen", 2))
    if bp:
        parts.append((f"systolic {bp.value:g}", news2_points("systolic", bp.value)))
    if hr:
        parts.append((f"pulse {hr.value:g}", news2_points("heart_rate", hr.value)))
    if conscious and conscious.value:
        parts.append((_LABELS["consciousness"] + f" {conscious.unit}", 3))
    if temp:
        parts.append((f"temperature {temp.value:g} \u00b0C", news2_points("temperature",
                                                                          temp.value)))
    if len(parts) < 2:
        return None
    return News2(sum(points for _, points in parts), tuple(parts))


# --- findings ---------------------------------------------------------------------------

@dataclass(frozen=True)
class VitalFinding:
    """What the numbers say: the condition id (or ``general``), the published rule, the
    numbers it used, and whether it flags the message or is reported only."""

    condition: str
    rule: str
    evidence: str
    flags: bool = True


#: the readings that are measured numbers (NG51's criteria from words alone are the rules' job)
_NUMERIC = {"temperature", "heart_rate", "respiratory_rate", "blood_pressure", "spo2"}

#: NICE NG51 high-risk thresholds for children, by age band (years): respiratory rate at or
#: above, heart rate at or above
_CHILD_BANDS = (
    (1.0, 60, 160), (3.0, 50, 150), (5.0, 40, 140), (6.0, 29, 130), (8.0, 27, 120),
    (12.0, 25, 115),
)


def _child_band(age: float | None) -> tuple[float, int, int]:
    if age is None:  # a child of unknown age: the most lenient band (babies breathe fastest)
        return _CHILD_BANDS[0]
    return next(band for band in _CHILD_BANDS if age < band[0])


def _mental_state(signs: VitalSigns) -> Reading | None:
    conscious = _conscious(signs)
    return conscious if conscious is not None and conscious.value else None


def _ng51_adult(signs: VitalSigns) -> list[str]:
    criteria = []
    rr, hr, bp, spo2 = (signs.last(n) for n in ("respiratory_rate", "heart_rate",
                                                "blood_pressure", "spo2"))
    mental = _mental_state(signs)
    if mental:
        criteria.append(f"new altered mental state ({mental.unit}: \u201c{mental.evidence}\u201d)")
    if rr and rr.value >= 25:
        criteria.append(f"respiratory rate {rr.value:g} (25 or more)")
    if hr and hr.value > 130:
        criteria.append(f"heart rate {hr.value:g} (over 130)")
    if bp and bp.value <= 90:
        criteria.append(f"systolic {bp.value:g} (90 or less)")
    if spo2 and spo2.value < 92:
        criteria.append(f"SpO2 {spo2.value:g}% (below 92%)")
    if signs.last("urine"):
        criteria.append(f"no urine (\u201c{signs.last('urine').evidence}\u201d)")
    return criteria


def _paediatric(signs: VitalSigns) -> list[VitalFinding]:
    findings = []
    age = signs.age
    temps = signs.all("temperature")
    if age is not None and age < 0.25 and temps:
        hottest = max(temps, key=lambda r: r.value)
        if hottest.value >= 38.0:
            findings.append(VitalFinding(
                "child_red_flags", "a baby under 3 months at 38 \u00b0C or more (NICE NG143 red)",
                f"age {age * 52:.0f} weeks, temperature {hottest.value:g} \u00b0C "
                f"(\u201c{hottest.evidence}\u201d)"))
        coldest = min(temps, key=lambda r: r.value)
        if age < 0.08 and coldest.value < 36.0:
            findings.append(VitalFinding(
                "child_red_flags", "a newborn below 36 \u00b0C (NHS newborn red flag)",
                f"temperature {coldest.value:g} \u00b0C (\u201c{coldest.evidence}\u201d)"))
    if age is not None and age >= 12:
        return findings
    upper, rr_limit, hr_limit = _child_band(age)
    band = "under 1 year" if upper == 1.0 else f"age band to {upper:g} years"
    if age is None:
        band = "age not given: the under-1 band"
    rr, hr, spo2 = (signs.last(n) for n in ("respiratory_rate", "heart_rate", "spo2"))
    criteria = []
    if rr and rr.value >= rr_limit:
        criteria.append(f"respiratory rate {rr.value:g} ({rr_limit} or more)")
    if hr and signs.infection and (hr.value >= hr_limit or hr.value < 60):
        criteria.append(f"heart rate {hr.value:g} ({hr_limit} or more, or under 60)")
    if spo2 and spo2.value < 90:
        criteria.append(f"SpO2 {spo2.value:g}% (below 90%)")
    if criteria:
        findings.append(VitalFinding(
            "child_red_flags", f"NICE NG51 high risk for a child ({band})", "; ".join(criteria)))
    return findings


def _adult(signs: VitalSigns) -> list[VitalFinding]:
    findings = []
    score = news2(signs)
    if score is not None and (score.total >= 5 or score.red):
        if score.total >= 7:
            why = "7 or more: emergency response"
        elif score.total >= 5:
            why = "5-6: urgent review, reported, not flagged by itself"
        else:
            why = "a single red score of 3: reported, not flagged by itself"
        findings.append(VitalFinding("sepsis" if signs.infection else "general",
                                     f"NEWS2 {score.total} ({why})", score.describe(),
                                     score.total >= 7))
    numbers = any(r.name in _NUMERIC for r in signs.readings)
    criteria = _ng51_adult(signs) if signs.infection and numbers else []
    if criteria and (signs.age is None or signs.age >= 12):
        findings.append(VitalFinding(
            "sepsis", "NICE NG51 high risk of severe illness or death from sepsis "
            "(suspected infection with a high-risk criterion)", "; ".join(criteria)))
    return findings


def _single_numbers(signs: VitalSigns) -> list[VitalFinding]:
    """Single readings guidance treats as emergencies on their own."""
    findings = []
    glucose, flag = signs.last("glucose"), signs.last("glucose_flag")
    if glucose and glucose.value < 3.0:
        findings.append(VitalFinding(
            "diabetic_emergency", "blood glucose below 3.0 mmol/L (54 mg/dL)",
            glucose.describe()))
    if (glucose and glucose.value >= 33.3) or (flag and flag.value):
        used = glucose if glucose and glucose.value >= 33.3 else flag
        findings.append(VitalFinding(
            "diabetic_ketoacidosis", "blood glucose of 33.3 mmol/L (600 mg/dL) or more",
            used.describe()))
    elif flag and not flag.value and not glucose:
        findings.append(VitalFinding(
            "diabetic_emergency", "glucose meter reads LO (below its range)", flag.describe()))
    for name, limit, condition, rule in (
            ("ketones", 3.0, "diabetic_ketoacidosis", "blood ketones of 3 mmol/L or more"),
            ("potassium", 6.5, "hyperkalaemia", "potassium of 6.5 mmol/L or more"),
            ("lithium", 1.5, "drug_toxicity", "a lithium level of 1.5 mmol/L or more")):
        reading = signs.last(name)
        if reading and reading.value >= limit:
            findings.append(VitalFinding(condition, rule, reading.describe()))
    findings += _oxygen_pulse_neutrophils(signs)
    gcs = signs.last("gcs")
    if gcs and gcs.value <= 12:
        # NICE NG232: a GCS below 13 needs emergency assessment (imaging within the hour after
        # a head injury); NEWS2 scores any new fall in consciousness as a red 3
        findings.append(VitalFinding(
            "general", "a Glasgow Coma Scale of 12 or below (NICE NG232)", gcs.describe()))
    temp = signs.last("temperature")
    if temp and temp.value < 35.0 and not (signs.age is not None and signs.age < 0.08):
        findings.append(VitalFinding("hypothermia", "a body temperature below 35 \u00b0C",
                                     temp.describe()))
    if temp and temp.value >= 40.0 and signs.heat and _mental_state(signs):
        findings.append(VitalFinding(
            "heat_stroke", "40 \u00b0C or more with altered mental state in the heat",
            f"{temp.describe()}; {_mental_state(signs).describe()}"))
    bp = signs.last("blood_pressure")
    if bp and signs.pregnant and (bp.value >= 160 or bp.second >= 110 or (
            (bp.value >= 140 or bp.second >= 90) and signs.pre_eclampsia_symptom)):
        findings.append(VitalFinding(
            "pre_eclampsia", "in pregnancy: 160/110 or more, or 140/90 with symptoms "
            "(NICE NG133)", bp.describe()))
    elif bp and (bp.value >= 180 or bp.second >= 120) and signs.severe_bp_symptom:
        findings.append(VitalFinding(
            "hypertensive_emergency", "180/120 or more with warning symptoms (AHA)",
            bp.describe()))
    return findings


def _oxygen_pulse_neutrophils(signs: VitalSigns) -> list[VitalFinding]:
    """A saturation of 92% or below, a pulse past the RCUK algorithms' limits with an adverse
    feature, and a neutrophil count of 0.5 or less with a fever: each is an emergency
    whatever the cause, so none waits for a NEWS2 aggregate of 7."""
    findings = []
    cues = signs.cues
    adult = signs.age is None or signs.age >= 12
    spo2 = signs.last("spo2")
    if spo2 and spo2.value <= 92 and adult and "usual_low_sats" not in cues and not (
            "altitude" in cues and spo2.value >= 85 and "breathless" not in cues):
        # the number says "emergency"; which one, only with words: an infection (NICE NG51's
        # criterion) or breathlessness
        condition = ("sepsis" if signs.infection else
                     "breathing_difficulty" if "breathless" in cues else "general")
        findings.append(VitalFinding(
            condition, "an oxygen saturation of 92% or below (NHS England pulse-oximetry "
            "guidance)", spo2.describe()))
    hr, bp = signs.last("heart_rate"), signs.last("blood_pressure")
    adverse = "adverse" in cues or bool(bp and bp.value < 90)
    if hr and adult and hr.value < 40 and (adverse or "eating_disorder" in cues):
        why = ("with fainting, chest pain, breathlessness or shock (Resuscitation Council UK "
               "bradycardia algorithm)" if adverse else
               "in an eating disorder (RCPsych MEED: red risk)")
        findings.append(VitalFinding("dangerous_heart_rhythm", f"a pulse below 40 {why}",
                                     hr.describe()))
    elif hr and adult and hr.value >= 150 and adverse and "exertion" not in cues:
        findings.append(VitalFinding(
            "dangerous_heart_rhythm", "a pulse of 150 or more at rest with fainting, chest "
            "pain, breathlessness or shock (Resuscitation Council UK tachycardia algorithm)",
            hr.describe()))
    anc = signs.last("neutrophils")
    fever = any(r.value >= 38.0 for r in signs.all("temperature"))
    if anc and anc.value <= 0.5 and (fever or "infection_sign" in cues):
        findings.append(VitalFinding(
            "neutropenic_sepsis", "a neutrophil count of 0.5 or less with a fever or signs "
            "of infection (NICE CG151)", anc.describe()))
    return findings


def assess(signs: VitalSigns) -> list[VitalFinding]:
    """Every finding the numbers support; the ones with ``flags`` flag the message."""
    findings = _single_numbers(signs)
    if signs.adult:
        findings += _adult(signs)
    else:
        findings += _paediatric(signs)
        if signs.age is not None and signs.age >= 12:
            findings += [f for f in _adult(signs) if f.rule.startswith("NICE NG51")]
    return findings
