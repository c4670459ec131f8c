"""Modelfile TEMPLATE == training format, checked with a Go text/template renderer.

No Ollama or Go toolchain here: ``export.go_template`` interprets the subset of Go's
text/template the templates use; its own behaviour is pinned by the first tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from export.go_template import TemplateError, render
from export.modelfile import build_modelfile, parse_modelfile, template_values
from export.pipeline import DEFAULT_OUT_DIR
from hera_train.formats import GEMMA, HERA_SYSTEM_PROMPT, Message

REPO = Path(__file__).resolve().parent.parent


# --- the renderer itself -------------------------------------------------------------

def test_text_fields_and_trim_markers():
    assert render("a {{ .X }} b", {"X": "x"}) == "a x b"
    assert render("a  \n{{- .X -}}\n  b", {"X": "x"}) == "axb"
    assert render("{{ .X }}\n", {"X": 1}) == "1\n"


def test_if_else_if_else_and_eq_and():
    tpl = '{{ if eq .R "u" }}U{{ else if and .A .B }}AB{{ else }}E{{ end }}'
    assert render(tpl, {"R": "u", "A": "", "B": "x"}) == "U"
    assert render(tpl, {"R": "m", "A": "a", "B": "b"}) == "AB"
    assert render(tpl, {"R": "m", "A": "a", "B": ""}) == "E"


def test_range_and_variable_scoping_like_go():
    # `=` updates the outer variable from inside range; `:=` inside a block is local.
    tpl = ('{{ $n := "" }}{{ range .L }}{{ $n = . }}{{ $t := "in" }}{{ end }}'
           "{{ $n }}")
    assert render(tpl, {"L": ["a", "b"]}) == "b"
    with pytest.raises(TemplateError):
        render("{{ range .L }}{{ $t := 1 }}{{ end }}{{ $t }}", {"L": [1]})


def test_unsupported_constructs_fail_loudly():
    for tpl in ("{{ with .X }}{{ end }}", "{{ .X | len }}", "{{ if .X }}", "{{ slice .X 1 }}"):
        with pytest.raises(TemplateError):
            render(tpl, {"X": "x"})


# --- the Modelfile TEMPLATE against the training format ----------------------------

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


def _training_text(messages: list[Message]) -> str:
    text = GEMMA.render(messages, add_generation_prompt=True)
    # Ollama adds <bos> itself (the GGUF's add_bos_token), so TEMPLATE starts after it.
    assert text.startswith(GEMMA.bos)
    return text[len(GEMMA.bos):]


@pytest.mark.parametrize("turns", TURNS, ids=["1-turn", "2-turn", "3-turn"])
@pytest.mark.parametrize("system", ["", "Answer briefly.", HERA_SYSTEM_PROMPT])
def test_modelfile_template_renders_the_training_format(turns, system):
    modelfile = parse_modelfile(build_modelfile(GEMMA, "./m.gguf", HERA_SYSTEM_PROMPT).render())
    messages = ([Message("system", system)] if system else []) + turns
    # A request with its own system text; the Modelfile SYSTEM is only the default.
    got = render(modelfile.template, template_values(messages, modelfile.system))
    expected_system = system or HERA_SYSTEM_PROMPT
    assert got == _training_text([Message("system", expected_system), *turns])


def test_template_without_any_system_text():
    modelfile = build_modelfile(GEMMA, "./m.gguf", "")
    for turns in TURNS:
        got = render(modelfile.template, template_values(turns, modelfile.system))
        assert got == _training_text(turns)


def test_modelfile_parameters_stop_at_turn_markers_and_sample_conservatively():
    mf = parse_modelfile(build_modelfile(GEMMA, "./hera-q4_k_m.gguf", HERA_SYSTEM_PROMPT).render())
    assert mf.source == "./hera-q4_k_m.gguf"
    assert mf.parameters["stop"] == ['"<end_of_turn>"', '"<start_of_turn>"']
    assert float(mf.parameters["temperature"][0]) <= 0.5
    assert mf.system == HERA_SYSTEM_PROMPT
    assert "Gemma Terms of Use" in mf.license


def test_committed_modelfile_is_what_a_default_export_writes():
    committed = (REPO / "Modelfile").read_text()
    expected = build_modelfile(
        GEMMA, f"./{(DEFAULT_OUT_DIR / 'hera-q4_k_m.gguf').as_posix()}", HERA_SYSTEM_PROMPT
    ).render()
    assert committed == expected
    assert "exports/" in (REPO / ".gitignore").read_text().split()


@pytest.mark.parametrize("turns", TURNS, ids=["1-turn", "2-turn", "3-turn"])
def test_chatml_template_renders_system_text_once(turns):
    from hera_train.formats import CHATML

    messages = [Message("system", "Answer briefly."), *turns]
    got = render(CHATML.ollama_template, template_values(messages, "Answer briefly."))
    assert got == CHATML.render(messages, add_generation_prompt=True)
    assert got.count("Answer briefly.") == 1
