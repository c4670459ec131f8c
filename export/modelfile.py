"""The Ollama Modelfile: FROM, TEMPLATE, SYSTEM, stop parameters, sampling, LICENSE.

TEMPLATE is the prompt format's Go template (``hera_core.formats``: one source of truth;
the tests render it with Go's own text/template), stop parameters are the format's turn
markers, and sampling is conservative (a medical assistant should not improvise). SYSTEM
follows the one whitespace rule (``normalise_text``) because a Go template cannot trim.
:func:`parse_modelfile` reads the subset we write, so tests check the file itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from export.errors import ExportError
from hera_core.formats import PromptFormat, normalise_text

GEMMA_LICENSE_NOTE = (
    "This model is a derivative of Google's Gemma and is distributed under the Gemma Terms "
    "of Use (https://ai.google.dev/gemma/terms) and the Gemma Prohibited Use Policy "
    "(https://ai.google.dev/gemma/prohibited_use_policy). HERA is not a doctor: it gives "
    "general medical information only."
)

#: Conservative sampling for medical answers.
SAMPLING: dict[str, float | int] = {
    "temperature": 0.3,
    "top_p": 0.9,
    "top_k": 40,
    "repeat_penalty": 1.1,
    "num_ctx": 4096,
}


@dataclass(frozen=True)
class Modelfile:
    """The parts of a Modelfile HERA writes."""

    source: str
    template: str
    system: str
    parameters: dict[str, list[str]] = field(default_factory=dict)
    license: str = ""

    def render(self) -> str:
        for name, value in (("TEMPLATE", self.template), ("SYSTEM", self.system),
                            ("LICENSE", self.license)):
            if '"""' in value:
                raise ExportError(f'the Modelfile {name} cannot contain """')
        lines = [
            "# HERA: Ollama Modelfile written by `hera export` (edit the export, not this file).",
            "# Use: ollama create hera -f Modelfile && ollama run hera",
            f"FROM {self.source}",
            f'TEMPLATE """{self.template}"""',
        ]
        if self.system:
            lines.append(f'SYSTEM """{self.system}"""')
        for name, values in self.parameters.items():
            lines.extend(f"PARAMETER {name} {v}" for v in values)
        if self.license:
            lines.append(f'LICENSE """{self.license}"""')
        return "\n".join(lines) + "\n"


def build_modelfile(fmt: PromptFormat, source: str, system: str) -> Modelfile:
    params: dict[str, list[str]] = {"stop": [f'"{t}"' for t in fmt.stop_tokens]}
    params.update({k: [str(v)] for k, v in SAMPLING.items()})
    return Modelfile(
        source, fmt.ollama_template, normalise_text(system), params, GEMMA_LICENSE_NOTE
    )


_COMMAND = re.compile(
    r'^(FROM|TEMPLATE|SYSTEM|PARAMETER|LICENSE)\s+("""(.*?)"""|[^\n]*)', re.S | re.M
)


def parse_modelfile(text: str) -> Modelfile:
    """Read back a Modelfile in the form :meth:`Modelfile.render` writes."""
    values: dict[str, str] = {}
    params: dict[str, list[str]] = {}
    for m in _COMMAND.finditer(text):
        cmd, raw, quoted = m.group(1), m.group(2), m.group(3)
        value = quoted if quoted is not None else raw.strip()
        if cmd == "PARAMETER":
            name, _, val = value.partition(" ")
            params.setdefault(name, []).append(val.strip())
        else:
            values[cmd] = value
    if "FROM" not in values:
        raise ExportError("Modelfile has no FROM line")
    return Modelfile(values["FROM"], values.get("TEMPLATE", ""), values.get("SYSTEM", ""),
                     params, values.get("LICENSE", ""))
