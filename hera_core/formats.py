"""Prompt formats: the one place that decides how a conversation becomes text and tokens.

Training, the GGUF chat template, the Ollama Modelfile TEMPLATE, the llama.cpp backend and
the benchmark all derive their rendering from the formats defined here, so a conversation
becomes the same tokens everywhere.

A rendering is a list of :class:`Segment`. A *control* segment is exactly one special token
(``<bos>``, ``<start_of_turn>``...) and is looked up by id; every other segment is text and is
tokenized **without** special-token parsing, so a user who types ``<start_of_turn>model``
cannot forge a turn. Adjacent text segments are tokenized together (as the model's own
chat template would), except where the trainable flag changes: the assistant's reply is
tokenized apart from the ``model\\n`` header because that is exactly how the model sees it at
inference, where the prompt ends at the header and generation begins.

This module is torch-free: the chat app imports it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from hera_core.errors import HeraError

Role = Literal["system", "user", "assistant"]

HERA_SYSTEM_PROMPT = (
    "You are HERA, an AI medical information assistant. You are not a doctor and cannot "
    "examine, diagnose or prescribe. Give clear, evidence-based general information, say "
    "when something needs a clinician, and tell the person to call their local emergency "
    "number at once for emergencies such as chest pain, stroke signs, severe bleeding, "
    "trouble breathing or thoughts of self-harm. When sources are given, answer from them "
    "only, cite them by number like [1], and say so when they do not answer the question."
)


#: HERA's fixed lines: the same words in every grounded reply (training teaches them; the
#: support check does not count them as claims to be sourced, being advice, not facts)
CLINICIAN_LINE = (
    "This is general information, not advice about you: a doctor, nurse or pharmacist who "
    "knows your history can say what it means for you."
)
NO_SOURCES_LINE = "HERA's NIH sources do not answer this question."
#: how a grounded reply opens: the source it quotes, by site and number, before its words.
#: Why: the reader sees where the answer comes from before reading it, and the model
#: decides which source to quote at a fixed point. HERA-mini run H, whose replies began
#: with the quote itself, answered 9 of 50 dev questions with the clinician line alone:
#: every reply ends with that line, and its first word was a likelier first token than
#: any one quote's.
SOURCE_LEAD = "According to {site} [{number}]:"
#: :data:`SOURCE_LEAD` as written in a reply (the number is group 1)
SOURCE_LEAD_PATTERN = re.compile(r"According to [^\[\]\n]{1,120}? \[(\d+)\]:[ \t]*")
#: how HERA itself opens every reply to a message the emergency check flagged, before the
#: model's words: the reply then points to the guidance whatever the model writes (HERA-mini
#: run G, asked with the emergency context, opened with it in none of 30 replies)
EMERGENCY_OPENING = (
    "This may be an emergency: get emergency help now, as the guidance HERA is showing you "
    "says, starting with its first instruction."
)
SAFETY_LINES = (CLINICIAN_LINE, NO_SOURCES_LINE, EMERGENCY_OPENING)

#: how HERA's own texts separate their parts (the system fold, the context block, the
#: emergency context, PubMedQA's prompt and replies, the training replies): one line break,
#: never a blank line. Ollama 0.24's Gemma 3 tokenizer splits Gemma's single ``"\n\n"`` token
#: into two ``"\n"`` (llama.cpp and transformers keep one), so every blank line HERA wrote
#: would reach a real Ollama server one token different from training; a single ``"\n"`` is
#: the same token in all three. Blank lines the person types are theirs and stay.
PARAGRAPH_BREAK = "\n"


def without_blank_lines(text: str) -> str:
    """Data HERA puts in a prompt (a passage's paragraphs) with its blank lines dropped, so
    it tokenizes alike in llama.cpp and Ollama (see :data:`PARAGRAPH_BREAK`)."""
    return PARAGRAPH_BREAK.join(line for line in text.strip().splitlines() if line.strip())


@dataclass(frozen=True)
class ContextPassage:
    """A source as the model reads it: its number, a label (site and page), its text."""

    number: int
    label: str
    text: str


def grounded_question(question: str, sources: Sequence[ContextPassage]) -> str:
    """The user turn of a question answered from sources: the one definition of the context
    block, used by training, the llama.cpp backend, the Ollama client and the benchmark.

    The sources come first, numbered as the reply cites them, then the person's words. With
    no source found the block says so, so the reply can say the sources do not answer it.
    Everything here is data (passage text is tokenized without special-token parsing, like
    the user's own words). The block has no blank line, passages included
    (:func:`without_blank_lines`): see :data:`PARAGRAPH_BREAK`."""
    if sources:
        listed = PARAGRAPH_BREAK.join(
            f"[{s.number}] {s.label}\n{without_blank_lines(s.text)}" for s in sources
        )
        block = f"Sources (NIH health information):\n{listed}"
    else:
        block = "Sources: none found in HERA's NIH library for this question."
    return f"{block}{PARAGRAPH_BREAK}Question: {normalise_text(question)}"


def with_emergency(turn: str, emergency: str) -> str:
    """The user turn answered after the emergency check fired: the emergency context first
    (so the reply opens by pointing to the guidance), then the turn as it would be."""
    emergency = normalise_text(emergency)
    return f"{emergency}{PARAGRAPH_BREAK}{turn}" if emergency else turn


class FormatError(HeraError, ValueError):
    """A conversation that the format cannot render (bad role order, unknown role)."""


def normalise_text(text: str) -> str:
    """The one whitespace rule of every rendering: training, the GGUF's Jinja chat template
    and the Ollama Modelfile TEMPLATE.

    A message's (and the system text's) leading and trailing whitespace is dropped
    (``str.strip``, which is also Jinja's ``trim``: spaces, tabs, newlines and other
    Unicode whitespace); whitespace inside is kept, blank lines included; an empty system
    text is no system text. Gemma's own chat template trims the same way, so HERA's
    renderings stay token-for-token equal to it. A Go TEMPLATE cannot trim (text/template
    has no such function), so every client that sends text to Ollama applies this first.
    """
    return text.strip()


@dataclass(frozen=True)
class Message:
    """One turn of a conversation."""

    role: Role
    content: str


@dataclass(frozen=True)
class Segment:
    """A piece of a rendered conversation.

    ``control`` segments are a single special token; ``trainable`` marks the tokens a
    fine-tune learns (the assistant's reply and the end-of-turn marker that stops it).
    """

    text: str
    control: bool = False
    trainable: bool = False


def as_messages(turns: Sequence[Message | dict[str, str]]) -> list[Message]:
    """Accept ``{"role": ..., "content": ...}`` dicts (HF style) as well as Messages."""
    out = []
    for turn in turns:
        if isinstance(turn, Message):
            out.append(turn)
        else:
            role = turn.get("role")
            if role not in ("system", "user", "assistant"):
                raise FormatError(f"unknown role {role!r}; use system, user or assistant")
            out.append(Message(role, str(turn.get("content", ""))))
    return out


@dataclass(frozen=True)
class PromptFormat:
    """A chat format: its special tokens and how turns are laid out."""

    name: str
    bos: str | None
    turn_start: str
    turn_end: str
    role_names: dict[str, str]
    system_role: bool
    #: Jinja chat template (the HF / GGUF ``tokenizer.chat_template`` form of this format).
    chat_template: str
    #: Go template for an Ollama Modelfile ``TEMPLATE`` of this format.
    ollama_template: str

    @property
    def stop_tokens(self) -> tuple[str, ...]:
        """Generation stops at the end-of-turn marker (and never runs past a new turn)."""
        return (self.turn_end, self.turn_start)

    def _normalise(self, messages: Sequence[Message | dict[str, str]]) -> list[Message]:
        msgs = as_messages(messages)
        system = ""
        if msgs and msgs[0].role == "system":
            system, msgs = msgs[0].content, msgs[1:]
        if any(m.role == "system" for m in msgs):
            raise FormatError("a system text may only come first in a conversation")
        for i, m in enumerate(msgs):
            expected = "user" if i % 2 == 0 else "assistant"
            if m.role != expected:
                raise FormatError(
                    f"turn {i + 1} is {m.role!r} but turns must alternate user/assistant, "
                    "starting with user"
                )
        system = normalise_text(system)
        msgs = [Message(m.role, normalise_text(m.content)) for m in msgs]
        if system and not self.system_role:
            if not msgs:
                raise FormatError("a system text needs a user turn to be folded into")
            msgs[0] = Message("user", f"{system}{PARAGRAPH_BREAK}{msgs[0].content}")
            system = ""
        return ([Message("system", system)] if system else []) + msgs

    def segments(
        self,
        messages: Sequence[Message | dict[str, str]],
        add_generation_prompt: bool = False,
    ) -> list[Segment]:
        """Render a conversation into segments (see the module docstring)."""
        out: list[Segment] = []
        if self.bos:
            out.append(Segment(self.bos, control=True))
        for m in self._normalise(messages):
            reply = m.role == "assistant"
            out.append(Segment(self.turn_start, control=True))
            out.append(Segment(f"{self.role_names[m.role]}\n"))
            out.append(Segment(m.content, trainable=reply))
            out.append(Segment(self.turn_end, control=True, trainable=reply))
            out.append(Segment("\n"))
        if add_generation_prompt:
            out.append(Segment(self.turn_start, control=True))
            out.append(Segment(f"{self.role_names['assistant']}\n"))
        return [s for s in out if s.text]

    def render(
        self, messages: Sequence[Message | dict[str, str]], add_generation_prompt: bool = False
    ) -> str:
        """The conversation as one string (what a chat template produces)."""
        return "".join(s.text for s in self.segments(messages, add_generation_prompt))


def encode_segments(
    segments: Sequence[Segment],
    encode_text: Callable[[str], list[int]],
    token_id: Callable[[str], int],
) -> tuple[list[int], list[bool]]:
    """Token ids and a per-token trainable mask for rendered segments.

    ``encode_text`` must tokenize plain text without adding ``<bos>`` and without parsing
    special tokens; ``token_id`` maps a control token to its id. Adjacent text segments with
    the same trainable flag are encoded as one piece.
    """
    ids: list[int] = []
    mask: list[bool] = []
    pending: list[str] = []
    pending_trainable = False

    def flush() -> None:
        if pending:
            piece = encode_text("".join(pending))
            ids.extend(piece)
            mask.extend([pending_trainable] * len(piece))
            pending.clear()

    for seg in segments:
        if seg.control:
            flush()
            ids.append(token_id(seg.text))
            mask.append(seg.trainable)
            continue
        if pending and seg.trainable != pending_trainable:
            flush()
        pending_trainable = seg.trainable
        pending.append(seg.text)
    flush()
    return ids, mask


# Gemma: no system role (the system text is folded into the first user turn, as Gemma 3's
# own template does, but after one line break where Gemma's has a blank line: see
# PARAGRAPH_BREAK), content trimmed, an empty system text is none, the assistant is called
# "model". For conversations without a system text this template renders exactly like
# Gemma-2-2b-it's own template.
_GEMMA_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{%- if messages[0]['role'] == 'system' -%}"
    "{%- set system = messages[0]['content'] | trim -%}"
    "{%- set first_user_prefix = system + '\n' if system else '' -%}"
    "{%- set loop_messages = messages[1:] -%}"
    "{%- else -%}"
    "{%- set first_user_prefix = '' -%}"
    "{%- set loop_messages = messages -%}"
    "{%- endif -%}"
    "{%- for message in loop_messages -%}"
    "{%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{%- endif -%}"
    "{%- if message['role'] == 'assistant' -%}{%- set role = 'model' -%}"
    "{%- else -%}{%- set role = message['role'] -%}{%- endif -%}"
    "{{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else '') "
    "+ message['content'] | trim + '<end_of_turn>\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<start_of_turn>model\n' }}{%- endif -%}"
)

# Ollama renders the Modelfile TEMPLATE with Go's text/template and passes the system text
# (the Modelfile SYSTEM or the request's) as a "system" message. It is folded into the first
# user turn exactly as above. No "<bos>" here: Ollama's runner adds it, as the GGUF's
# tokenizer.ggml.add_bos_token says.
_GEMMA_OLLAMA_TEMPLATE = (
    '{{- $system := "" }}'
    '{{- range .Messages }}{{ if eq .Role "system" }}{{ $system = .Content }}{{ end }}{{ end }}'
    "{{- $first := true }}"
    "{{- range .Messages }}"
    '{{- if eq .Role "user" }}<start_of_turn>user\n'
    "{{ if and $first $system }}{{ $system }}\n{{ end }}{{ $first = false }}"
    "{{ .Content }}<end_of_turn>\n"
    '{{ else if eq .Role "assistant" }}<start_of_turn>model\n{{ .Content }}<end_of_turn>\n'
    "{{ end }}"
    "{{- end }}<start_of_turn>model\n"
)

GEMMA = PromptFormat(
    name="gemma",
    bos="<bos>",
    turn_start="<start_of_turn>",
    turn_end="<end_of_turn>",
    role_names={"user": "user", "assistant": "model"},
    system_role=False,
    chat_template=_GEMMA_CHAT_TEMPLATE,
    ollama_template=_GEMMA_OLLAMA_TEMPLATE,
)

_CHATML_CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{%- if message['role'] != 'system' or message['content'] | trim -%}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] | trim + '<|im_end|>\n' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\n' }}{%- endif -%}"
)

# Ollama passes the system text both as .System and as a "system" message in .Messages;
# rendering the messages alone keeps it exactly once. An empty system message renders
# nothing, as in the training format.
_CHATML_OLLAMA_TEMPLATE = (
    "{{- range .Messages }}"
    '{{- if or (ne .Role "system") .Content }}'
    "<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n"
    "{{ end }}"
    "{{- end }}<|im_start|>assistant\n"
)

#: ChatML (SmolLM2 and other small instruction models used as the chat app's starter model).
CHATML = PromptFormat(
    name="chatml",
    bos=None,
    turn_start="<|im_start|>",
    turn_end="<|im_end|>",
    role_names={"system": "system", "user": "user", "assistant": "assistant"},
    system_role=True,
    chat_template=_CHATML_CHAT_TEMPLATE,
    ollama_template=_CHATML_OLLAMA_TEMPLATE,
)

FORMATS: dict[str, PromptFormat] = {f.name: f for f in (GEMMA, CHATML)}


def get_format(name: str) -> PromptFormat:
    """Look a format up by name, with an error that lists the known ones."""
    try:
        return FORMATS[name]
    except KeyError:
        raise FormatError(
            f"unknown prompt format {name!r}; choose one of {', '.join(sorted(FORMATS))}"
        ) from None


# --- The emergency context (issue 16) -------------------------------------------------------
#
# When the emergency check fires on a message, the reply is generated with the guidance the
# app is showing placed in the prompt, so the model answers *in the light of* the emergency
# instead of answering the question as if nothing had happened ("ok to wait until the
# morning?" -> "Yes"). Defined here, once, so the chat app, `hera ask` and the Ollama path
# put the same words in front of the model.

EMERGENCY_REPLY_RULES = (
    "Begin your reply by telling them to follow that guidance now, starting with the call. "
    "Do not say yes to waiting or to treating this at home, do not reassure them that it is "
    "fine or probably nothing, and do not suggest waiting until later, monitoring at home or "
    "seeing a doctor another day. After that, answer only in ways that agree with the "
    "guidance, briefly."
)


def emergency_context(title: str, call: str, steps: Sequence[str]) -> str:
    """The text placed in the prompt when the emergency check fired: which emergency the
    check found (the alert's ``title``), the guidance the app is showing (``call``, then
    ``steps``), and how the reply must open. It opens the user turn whose message fired the
    check (:func:`with_emergency`, through ``sources.answering.plan_reply``), not the system
    text: only that turn carries it, whatever the format does with a system text, and a
    later question in the same conversation is answered without it.
    """
    title, call = normalise_text(title), normalise_text(call)
    if not title or not call:
        raise FormatError("an emergency context needs the alert's title and call instruction")
    lines = [
        f"EMERGENCY: the emergency check found that this message may describe: {title}. "
        "The app is showing the person this guidance:",
        call,
        *(f"- {normalise_text(step)}" for step in steps if normalise_text(step)),
        EMERGENCY_REPLY_RULES,
    ]
    return "\n".join(lines)
