"""Modelfile TEMPLATE == training format == GGUF chat template, rendered by Go itself.

Ollama renders a Modelfile TEMPLATE with Go's text/template; these tests do too
(``support.go_template`` builds a small Go program, see its docstring), so "the TEMPLATE
renders exactly the training format" is checked against the real engine. The one
whitespace rule (``hera_core.formats.normalise_text``) is checked on messages with
spaces, tabs, blank lines and empty system text: the Go TEMPLATE cannot trim, so HERA's
Ollama client normalises what it sends (``chat_request_messages``) and the result must be
the training format exactly.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from support.go_template import render

from export.modelfile import build_modelfile, parse_modelfile
from export.pipeline import DEFAULT_OUT_DIR
from hera_core.formats import CHATML, GEMMA, HERA_SYSTEM_PROMPT, Message, PromptFormat
from hera_tui.backends.ollama import chat_request_messages

REPO = Path(__file__).resolve().parent.parent

TURNS = [
    [Message("user", "What is hypertension?")],
    [
        Message("user", "What is hypertension?"),
        Message("assistant", "High blood pressure."),
        Message("user", "How is it treated?"),
    ],
    [
        Message("user", "I feel dizzy."),
        Message("assistant", "Since when?"),
        Message("user", "Two days."),
        Message("assistant", "Any fever?"),
        Message("user", "No, but my ears ring."),
    ],
]

#: Leading/trailing spaces, tabs and newlines, blank lines inside, an empty reply.
WHITESPACE_TURNS = [
    [Message("user", "  \tI have a rash.  \n\n")],
    [
        Message("user", "\n\nFirst line.\n\n\nSecond line after blank lines.\t"),
        Message("assistant", "  \tHow long has it been there?\n"),
        Message("user", "\t\tThree days.\n   "),
    ],
    [
        Message("user", "tabs\tinside\tstay"),
        Message("assistant", "   "),
        Message("user", " \u00a0non-breaking space around\u00a0 "),
    ],
]
SYSTEMS = ["", "   ", "\n\t\n", "Answer briefly.", "  \tAnswer briefly.\n\n", HERA_SYSTEM_PROMPT]


def _training_text(fmt: PromptFormat, messages: list[Message]) -> str:
    text = fmt.render(messages, add_generation_prompt=True)
    # Ollama adds <bos> itself (the GGUF's add_bos_token), so TEMPLATE starts after it.
    return text.removeprefix(fmt.bos or "")


def _conversation(system: str, turns: list[Message]) -> list[Message]:
    return ([Message("system", system)] if system else []) + turns


def _ollama_messages(sent: list[dict[str, str]], modelfile_system: str) -> list[dict[str, str]]:
    """What Ollama renders for an /api/chat request's messages: the Modelfile SYSTEM comes
    first when the request has no system message of its own (Ollama's ChatHandler)."""
    if modelfile_system and (not sent or sent[0]["role"] != "system"):
        return [{"role": "system", "content": modelfile_system}, *sent]
    return sent


@pytest.mark.parametrize("fmt", [GEMMA, CHATML], ids=["gemma", "chatml"])
@pytest.mark.parametrize("turns", TURNS + WHITESPACE_TURNS, ids=lambda t: f"{len(t)}-turn")
@pytest.mark.parametrize("system", SYSTEMS, ids=repr)
def test_go_template_renders_the_training_format(fmt, turns, system):
    messages = _conversation(system, turns)
    modelfile = parse_modelfile(build_modelfile(fmt, "./m.gguf", HERA_SYSTEM_PROMPT).render())
    sent = _ollama_messages(chat_request_messages(messages), modelfile.system)
    assert render(modelfile.template, sent) == _training_text(fmt, messages)


@pytest.mark.parametrize("fmt", [GEMMA, CHATML], ids=["gemma", "chatml"])
@pytest.mark.parametrize("turns", TURNS + WHITESPACE_TURNS, ids=lambda t: f"{len(t)}-turn")
@pytest.mark.parametrize("system", SYSTEMS, ids=repr)
def test_gguf_jinja_template_renders_the_training_format(fmt, turns, system):
    messages = _conversation(system, turns)
    template = jinja2.Environment().from_string(fmt.chat_template)
    got = template.render(messages=[{"role": m.role, "content": m.content} for m in messages],
                          bos_token=fmt.bos or "", add_generation_prompt=True)
    assert got == fmt.render(messages, add_generation_prompt=True)


def test_untrimmed_text_is_why_the_client_normalises():
    """Go has no trim: text sent as typed renders differently from the training format."""
    messages = [Message("system", "  Be brief. "), Message("user", "\tHello \n")]
    as_typed = [{"role": m.role, "content": m.content} for m in messages]
    assert render(GEMMA.ollama_template, as_typed) != _training_text(GEMMA, messages)
    assert render(GEMMA.ollama_template, chat_request_messages(messages)) == _training_text(
        GEMMA, messages)


def test_modelfile_system_is_the_default_only():
    """A request without a system text of its own gets the Modelfile SYSTEM (Ollama's
    rule, as `ollama run` sends); HERA's client always sends the conversation's own, so a
    conversation without one gets none, as with llama.cpp."""
    turns = TURNS[1]
    from_ollama_cli = [{"role": m.role, "content": m.content} for m in turns]
    got = render(GEMMA.ollama_template, _ollama_messages(from_ollama_cli, "Be brief."))
    assert got == _training_text(GEMMA, [Message("system", "Be brief."), *turns])
    got = render(GEMMA.ollama_template,
                 _ollama_messages(chat_request_messages(turns), "Be brief."))
    assert got == _training_text(GEMMA, turns)


def test_modelfile_system_text_is_normalised():
    modelfile = build_modelfile(GEMMA, "./m.gguf", "\n  Be careful.\t\n")
    assert modelfile.system == "Be careful."


def test_modelfile_parameters_stop_at_turn_markers_and_sample_conservatively():
    mf = parse_modelfile(build_modelfile(GEMMA, "./hera-q4_k_m.gguf", HERA_SYSTEM_PROMPT).render())
    assert mf.source == "./hera-q4_k_m.gguf"
    assert mf.parameters["stop"] == ['"<end_of_turn>"', '"<start_of_turn>"']
    assert float(mf.parameters["temperature"][0]) <= 0.5
    assert mf.system == HERA_SYSTEM_PROMPT
    assert "Gemma Terms of Use" in mf.license


def test_committed_modelfile_is_heras_modelfile():
    """The top-level Modelfile is build_modelfile's, pointing into the default export folder
    (which GGUF type a default export picks is checked by the export pipeline's tests)."""
    committed = (REPO / "Modelfile").read_text()
    source = parse_modelfile(committed).source
    assert source.startswith(f"./{DEFAULT_OUT_DIR.as_posix()}/hera-") and source.endswith(".gguf")
    assert committed == build_modelfile(GEMMA, source, HERA_SYSTEM_PROMPT).render()
    assert "exports/" in (REPO / ".gitignore").read_text().split()


def test_a_broken_template_is_caught_by_go():
    """The check has teeth: a TEMPLATE that folds the system text with Gemma's blank line
    instead of HERA's one line break renders differently, and a malformed one is a Go parse
    error."""
    from support.go_template import TemplateError

    broken = GEMMA.ollama_template.replace("{{ $system }}\n", "{{ $system }}\n\n")
    assert broken != GEMMA.ollama_template
    messages = [Message("system", "Be brief."), Message("user", "Hi")]
    assert render(broken, chat_request_messages(messages)) != _training_text(GEMMA, messages)
    with pytest.raises(TemplateError, match="unexpected"):
        render("{{ range .Messages }}{{ .Content }}", chat_request_messages(messages))
