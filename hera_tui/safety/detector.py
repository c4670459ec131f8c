"""The emergency check the chat app runs on every message: rules plus the learned layer.

``triage(text)`` returns the :class:`Alert` the banner shows, or None. How a message is
judged (measured in docs/safety.md; the choices come from ``train.py``'s cross-validation):

1. The rules run (``redflags``): precise, auditable, no encoder needed; they include what
   the numbers the message states show (``vitals``: NEWS2, NICE's sepsis and paediatric
   thresholds, glucose, potassium).
2. If the encoder and the trained weights are installed, the message is embedded, and so
   is each pair of neighbouring sentences of a long message (``pieces``: an emergency
   buried in a rambling message would be diluted in one mean-pooled vector). The classifier scores
   each piece from its embedding and its words (``classifier``); the message scores as its
   most alarming piece.
3. The message is flagged when that score reaches the shipped threshold, or a lower one
   when a rule fired too, or whenever a decisive rule fired: one that must never be
   silenced (intent to die, an overdose, a collapse, a child and an adult's medicine), one
   a triage nurse acts on however calmly it is told (saddle numbness with back pain), or a
   number past a published threshold (NEWS2 of 7 or more).

Which guidance: the most likely condition's, when one condition is clearly ahead.
When two conditions are possible (two rules for different conditions, or a runner-up
the classifier rates close), or the classifier is not sure which condition it is, the
banner shows the general block, whose steps are right in every emergency, with the call
instruction first.

Without the encoder (an install that skipped ``make setup``) the rules alone decide and
:func:`status` says so.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from hera_core.encoder import EncoderMissingError, SentenceEncoder, load_encoder

from .classifier import NONE, TrainedDetector
from .conditions import GENERAL_ID, Guidance, conditions, general_guidance
from .pieces import embed_pieces, piece_texts
from .redflags import DENIALS, RuleHit, denials, rule_hits
from .vitals import VitalFinding, VitalSigns, assess, read

DISCLAIMER = (
    "HERA is not a doctor: general information only, not a diagnosis or treatment. "
    "In an emergency call your local emergency number (911, 112, 999)."
)
#: the weights ``make setup`` builds (``python -m hera_tui.safety.train --if-stale``)
WEIGHTS = "detector.npz"
#: a runner-up condition with at least this share of the emergency probability is
#: "also possible": the banner then shows the general block
RUNNER_UP_SHARE = 0.3


@dataclass(frozen=True)
class Finding:
    """One reason a message looks like an emergency: a rule, or a classifier score."""

    condition: str
    source: str  # "rule" or "classifier"
    detail: str
    score: float = 1.0


@dataclass(frozen=True)
class Alert:
    """What the emergency banner shows, and why."""

    guidance: Guidance
    #: condition ids considered, most likely first (one, unless the block is general)
    possible: tuple[str, ...]
    findings: tuple[Finding, ...]
    #: the classifier's emergency probability (None when the rules alone decided)
    score: float | None = None

    @property
    def condition(self) -> str:
        """The condition the banner names, or ``"general"`` for the general block."""
        return self.guidance.id

    @property
    def general(self) -> bool:
        return self.guidance.id == GENERAL_ID

    @property
    def title(self) -> str:
        return self.guidance.title

    def possible_titles(self) -> str:
        table = conditions()
        return "; ".join(table[c].title for c in self.possible if c in table)

    def prompt_context(self) -> tuple[str, str, tuple[str, ...]]:
        """The title, call instruction and steps the reply is generated with
        (``hera_core.formats.emergency_context`` turns them into the prompt's text)."""
        return self.guidance.title, self.guidance.call, self.guidance.steps


@dataclass
class Assessment:
    """Everything the check computed for one message (``hera safety check`` prints it)."""

    text: str
    hits: list[RuleHit]
    #: the numbers read from the message (vital signs, glucose, age...) and what they show
    vitals: VitalSigns = field(default_factory=VitalSigns)
    vital_findings: list[VitalFinding] = field(default_factory=list)
    #: per piece scored: (piece, emergency probability, class probabilities)
    pieces: list[tuple[str, float, np.ndarray]] = field(default_factory=list)
    #: red flags the message names only to deny them (counted when no rule fired)
    denials: int = 0
    flagged: bool = False
    alert: Alert | None = None


MODES = ("combined", "rules", "classifier")


class Detector:
    """The check in one of three modes: ``rules`` alone, the ``classifier`` alone (no rules
    at all), or ``combined`` (what the app uses; the others are there to measure it)."""

    def __init__(self, encoder: SentenceEncoder | None = None,
                 trained: TrainedDetector | None = None, mode: str = "combined") -> None:
        if mode not in MODES:
            raise ValueError(f"unknown detector mode {mode!r}; use one of {', '.join(MODES)}")
        self.encoder, self.trained = encoder, trained
        if encoder is None or trained is None:
            self.encoder, self.trained = None, None
            mode = "rules"
        self.mode = mode

    def assess(self, text: str) -> Assessment:
        if self.mode == "classifier":
            result = Assessment(text, [])
        else:
            signs = read(text)
            result = Assessment(text, rule_hits(text, signs), signs, assess(signs))
        hits = result.hits
        if self.mode == "rules" or self.encoder is None or self.trained is None:
            result.flagged = bool(hits)
            if hits:
                result.alert = _alert_from_rules(hits)
            return result
        trained = self.trained
        texts = piece_texts(text)
        [embeddings] = embed_pieces(self.encoder, [text])
        probabilities = trained.model.probabilities(trained.features(embeddings, texts))
        emergency = trained.model.emergency_probability(probabilities)
        result.pieces = [(p, float(e), probabilities[i])
                         for i, (p, e) in enumerate(zip(texts, emergency, strict=True))]
        best = int(np.argmax(emergency))
        score = float(emergency[best])
        decisive = [h for h in hits if h.decisive]
        threshold = trained.threshold
        if self.mode == "combined" and not hits:
            result.denials = denials(text)
            if result.denials >= DENIALS:
                threshold = trained.threshold_when_denied
        result.flagged = (
            score >= threshold
            or bool(hits and score >= trained.rule_threshold)
            or bool(decisive)
        )
        if result.flagged:
            result.alert = _alert_from_scores(probabilities[best], score, trained, hits,
                                              decisive)
        return result


def _rule_findings(hits: list[RuleHit]) -> list[Finding]:
    return [Finding(h.condition, "rule", f"{h.rule}: \u201c{h.evidence}\u201d") for h in hits]


def _choose(possible: list[str], clear: bool) -> Guidance:
    table = conditions()
    if clear and len(possible) == 1 and possible[0] in table:
        return table[possible[0]]
    return general_guidance()


def _alert_from_rules(hits: list[RuleHit]) -> Alert:
    """Hits that name no condition (NEWS2 without a suspected infection: the numbers say
    "emergency", not which) count only when nothing else names one. A decisive rule's
    condition ranks first, as it does with the classifier (a dislodged tracheostomy before
    the breathlessness it causes)."""
    ranked = sorted(hits, key=lambda h: not h.decisive)  # stable: rule order within each
    named = list(dict.fromkeys(h.condition for h in ranked if h.condition != GENERAL_ID))
    possible = named or [GENERAL_ID]
    return Alert(_choose(possible, True), tuple(possible), tuple(_rule_findings(hits)))


def _alert_from_scores(probabilities: np.ndarray, score: float, trained: TrainedDetector,
                       hits: list[RuleHit], decisive: list[RuleHit]) -> Alert:
    """Rank conditions by the classifier's share of the emergency probability, plus one for
    each condition a rule asserted (rules are precise; a decisive rule ranks first)."""
    classes = trained.model.classes
    share = {c: float(probabilities[i]) / max(score, 1e-9)
             for i, c in enumerate(classes) if c != NONE}
    evidence = dict(share)
    for hit in hits:
        if hit.condition != GENERAL_ID:
            evidence[hit.condition] = (share.get(hit.condition, 0.0)
                                       + (2.0 if hit in decisive else 1.0))
    ranked = sorted(evidence, key=lambda c: -evidence[c])
    possible = [c for c in ranked if evidence[c] >= RUNNER_UP_SHARE][:3] or ranked[:1]
    top = possible[0]
    findings = [Finding(c, "classifier", f"{share.get(c, 0.0):.0%} of emergency probability "
                        f"{score:.2f}", share.get(c, 0.0) * score) for c in possible]
    clear = len(possible) == 1 and (
        share.get(top, 0.0) >= trained.condition_confidence or evidence[top] >= 1.0)
    return Alert(_choose(possible, clear), tuple(possible),
                 (*_rule_findings(hits), *findings), score)


def weights_path() -> Path:
    return Path(str(resources.files(__package__).joinpath("model", WEIGHTS)))


_LOADING = threading.Lock()


def _default() -> tuple[Detector, str]:
    with _LOADING:  # the preload thread and a first message never load it twice
        return _load_default()


@cache
def _load_default() -> tuple[Detector, str]:
    try:
        encoder = load_encoder()
    except EncoderMissingError as exc:
        return Detector(), f"rules only: {exc}"
    if not weights_path().exists():
        return Detector(), ("rules only: the learned layer is not built; fix: make setup "
                            "(or python -m hera_tui.safety.train)")
    trained = TrainedDetector.load(weights_path())
    return Detector(encoder, trained), (
        f"rules + learned layer (all-MiniLM-L6-v2 on {encoder.runtime} and word n-grams, "
        f"{len(trained.model.classes) - 1} conditions, "
        f"threshold {trained.threshold:.2f})"
    )


def preload() -> None:
    """Load the check now, so that the first message is not held up while the encoder and
    onnxruntime load (about a second): the chat app calls it in a background thread as it
    starts. A failure is left for the first real check, which shows it in the chat."""
    try:
        _default()
    except Exception:  # reported by the first triage() instead
        return


def default_detector() -> Detector:
    """The check the app uses: loaded once, with the learned layer when it is installed."""
    return _default()[0]


def status() -> str:
    """One line saying what the check runs on (rules only when the encoder is missing)."""
    return _default()[1]


def triage(text: str) -> Alert | None:
    """The emergency banner for ``text``, or None when nothing suggests an emergency."""
    return default_detector().assess(text).alert
