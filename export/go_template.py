"""A small renderer for the subset of Go's text/template that Modelfile TEMPLATEs use.

Ollama renders a Modelfile TEMPLATE with Go's text/template; no Go toolchain is available
here, so the Modelfile tests render it with this interpreter instead. It implements, with
Go's semantics, only what HERA's templates use: text, ``{{- ... -}}`` whitespace trimming,
``if`` / ``else if`` / ``else`` / ``end``, ``range`` over a list, ``$var := ...`` and
``$var = ...`` (scoped to the enclosing block, as in Go), ``.Field`` access, string/bool
literals and the ``eq``, ``and``, ``or`` and ``not`` functions. Anything else is a
:class:`TemplateError`, never a silent guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


class TemplateError(ValueError):
    """The template uses a construct this renderer does not implement, or is malformed."""


_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.S)
_TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|\(|\)|:=|=|[^\s()]+)')


@dataclass
class _Text:
    text: str


@dataclass
class _Action:
    expr: list[str]
    var: str | None = None
    declare: bool = False


@dataclass
class _Block:
    kind: str  # "if" or "range"
    branches: list[tuple[list[str], list[Any]]] = field(default_factory=list)
    else_body: list[Any] = field(default_factory=list)


def _lex(src: str) -> list[tuple[str, str]]:
    """("text", s) and ("action", body) items, with trim markers applied to the text."""
    items: list[tuple[str, str]] = []
    pos, trim_next = 0, False
    for m in _ACTION.finditer(src):
        text = src[pos:m.start()]
        if trim_next:
            text = text.lstrip(" \t\r\n")
        if m.group(1):
            text = text.rstrip(" \t\r\n")
        if text:
            items.append(("text", text))
        items.append(("action", m.group(2).strip()))
        trim_next = bool(m.group(3))
        pos = m.end()
    tail = src[pos:]
    if trim_next:
        tail = tail.lstrip(" \t\r\n")
    if "{{" in tail:
        raise TemplateError("unclosed action")
    if tail:
        items.append(("text", tail))
    return items


def _tokens(expr: str) -> list[str]:
    out, pos = [], 0
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or not m.group(1):
            if expr[pos:].strip():
                raise TemplateError(f"cannot parse {expr!r}")
            break
        out.append(m.group(1))
        pos = m.end()
    return out


def _parse(items: list[tuple[str, str]]) -> list[Any]:
    root: list[Any] = []
    stack: list[tuple[_Block, list[Any]]] = []
    body = root
    for kind, value in items:
        if kind == "text":
            body.append(_Text(value))
            continue
        toks = _tokens(value)
        if not toks:
            raise TemplateError("empty action")
        head = toks[0]
        if head in ("if", "range"):
            block = _Block(head)
            block.branches.append((toks[1:], []))
            body.append(block)
            stack.append((block, body))
            body = block.branches[-1][1]
        elif head == "else":
            if not stack:
                raise TemplateError("else outside a block")
            block = stack[-1][0]
            if len(toks) > 1 and toks[1] == "if" and block.kind == "if":
                block.branches.append((toks[2:], []))
                body = block.branches[-1][1]
            elif len(toks) == 1:
                body = block.else_body
            else:
                raise TemplateError(f"unsupported {value!r}")
        elif head == "end":
            if not stack:
                raise TemplateError("end without a block")
            _, body = stack.pop()
        elif head.startswith("$") and len(toks) > 2 and toks[1] in (":=", "="):
            body.append(_Action(toks[2:], head, toks[1] == ":="))
        elif head in ("with", "define", "template", "block", "break", "continue"):
            raise TemplateError(f"{head!r} is not implemented")
        else:
            body.append(_Action(toks))
    if stack:
        raise TemplateError(f"unclosed {stack[-1][0].kind}")
    return root


def _truth(value: Any) -> bool:
    return bool(value)


class _Scope:
    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = [{}]

    def lookup(self, name: str) -> Any:
        for frame in reversed(self.frames):
            if name in frame:
                return frame[name]
        raise TemplateError(f"undefined variable {name}")

    def assign(self, name: str, value: Any) -> None:
        for frame in reversed(self.frames):
            if name in frame:
                frame[name] = value
                return
        raise TemplateError(f"assignment to undeclared variable {name}")


def _field(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        if name not in obj:
            raise TemplateError(f"no field {name}")
        return obj[name]
    return getattr(obj, name)


def _operand(tok: str, dot: Any, scope: _Scope) -> Any:
    if tok.startswith('"'):
        return tok[1:-1].encode().decode("unicode_escape")
    if tok in ("true", "false"):
        return tok == "true"
    if tok == ".":
        return dot
    if tok.startswith("."):
        value = dot
        for part in tok[1:].split("."):
            value = _field(value, part)
        return value
    if tok.startswith("$"):
        name, _, rest = tok.partition(".")
        value = scope.lookup(name)
        for part in rest.split(".") if rest else []:
            value = _field(value, part)
        return value
    if re.fullmatch(r"-?\d+", tok):
        return int(tok)
    raise TemplateError(f"unsupported operand {tok!r}")


def _args(toks: list[str], dot: Any, scope: _Scope) -> list[Any]:
    args, i = [], 0
    while i < len(toks):
        if toks[i] == "(":
            depth, j = 1, i + 1
            while depth:
                if j >= len(toks):
                    raise TemplateError("unbalanced parentheses")
                depth += {"(": 1, ")": -1}.get(toks[j], 0)
                j += 1
            args.append(_eval(toks[i + 1:j - 1], dot, scope))
            i = j
        else:
            args.append(_operand(toks[i], dot, scope))
            i += 1
    return args


def _eval(toks: list[str], dot: Any, scope: _Scope) -> Any:
    if not toks:
        raise TemplateError("empty pipeline")
    head = toks[0]
    if head in ("eq", "ne", "and", "or", "not"):
        args = _args(toks[1:], dot, scope)
        if head == "eq":
            return any(args[0] == other for other in args[1:])
        if head == "ne":
            return args[0] != args[1]
        if head == "not":
            return not _truth(args[0])
        pick = (lambda a: not _truth(a)) if head == "and" else _truth
        for arg in args:
            if pick(arg):
                return arg
        return args[-1]
    if "|" in toks:
        raise TemplateError("pipelines with | are not implemented")
    args = _args(toks, dot, scope)
    if len(args) != 1:
        raise TemplateError(f"unknown function {head!r}")
    return args[0]


def _print(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _run(nodes: list[Any], dot: Any, scope: _Scope, out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, _Text):
            out.append(node.text)
        elif isinstance(node, _Action):
            value = _eval(node.expr, dot, scope)
            if node.var is None:
                out.append(_print(value))
            elif node.declare:
                scope.frames[-1][node.var] = value
            else:
                scope.assign(node.var, value)
        elif node.kind == "if":
            for cond, body in node.branches:
                if _truth(_eval(cond, dot, scope)):
                    _block(body, dot, scope, out)
                    break
            else:
                _block(node.else_body, dot, scope, out)
        else:
            items = _eval(node.branches[0][0], dot, scope) or []
            for item in items:
                _block(node.branches[0][1], item, scope, out)
            if not items:
                _block(node.else_body, dot, scope, out)


def _block(nodes: list[Any], dot: Any, scope: _Scope, out: list[str]) -> None:
    scope.frames.append({})
    try:
        _run(nodes, dot, scope, out)
    finally:
        scope.frames.pop()


def render(template: str, data: dict[str, Any]) -> str:
    """Render ``template`` with ``data`` as the root ``.`` value."""
    out: list[str] = []
    _run(_parse(_lex(template)), data, _Scope(), out)
    return "".join(out)
