"""The Go renderer behind the Ollama stand-in does what Ollama's server does with a TEMPLATE.

These pin the Ollama-specific steps around Go's text/template (message collation, the
legacy .Prompt/.Response path, missingkey=zero, Ollama's json function) with cases from
Ollama's documented behaviour; Go itself renders the rest.
"""

from __future__ import annotations

import pytest
from support.go_template import RenderRequest, TemplateError, render, render_many

CHATML = (
    "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}"
    "<|im_start|>assistant\n"
)


def _msgs(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"role": role, "content": content} for role, content in pairs]


def test_messages_are_collated_as_ollama_does():
    """System texts are joined into .System; consecutive turns of one role merge."""
    messages = _msgs(("system", "A"), ("system", "B"), ("user", "hi"), ("user", "there"))
    assert render("{{ .System }}|{{ len .Messages }}", messages) == "A\n\nB|2"
    assert render(CHATML, messages) == (
        "<|im_start|>system\nA\n\nB<|im_end|>\n<|im_start|>user\nhi\n\nthere<|im_end|>\n"
        "<|im_start|>assistant\n"
    )


def test_a_legacy_template_runs_per_exchange_and_stops_at_the_reply():
    template = "{{ if .System }}[{{ .System }}]{{ end }}U:{{ .Prompt }} A:{{ .Response }}</s>"
    messages = _msgs(("system", "S"), ("user", "hi"), ("assistant", "yo"), ("user", "again"))
    assert render(template, messages) == "[S]U:hi A:yo</s>U:again A:"


def test_a_template_without_response_gets_it_appended():
    """Ollama's default template for models without one is {{ .Prompt }}."""
    messages = _msgs(("user", "one"), ("assistant", "two"), ("user", "three"))
    assert render("{{ .Prompt }}", messages) == "onetwothree"


def test_missing_keys_are_zero_and_json_is_available():
    assert render("{{ .Tools }}|{{ json .System }}", _msgs(("system", 'say "hi"'))) == (
        '<no value>|"say \\"hi\\""'
    )


def test_go_errors_are_reported_per_request():
    results = render_many([
        RenderRequest("{{ if }}"),
        RenderRequest("{{ range .Messages }}{{ .Nope }}{{ end }}", _msgs(("user", "x"))),
        RenderRequest("{{ .Prompt }}", _msgs(("user", "fine"))),
    ])
    assert isinstance(results[0], TemplateError) and "missing value for if" in str(results[0])
    assert isinstance(results[1], TemplateError) and "can't evaluate field Nope" in str(results[1])
    assert results[2] == "fine"
    with pytest.raises(TemplateError):
        render("{{ .Prompt", _msgs(("user", "x")))
