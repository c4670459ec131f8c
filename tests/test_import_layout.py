"""The project's import layout: dependencies one way (hera_core <- hera_train <- export <-
hera_tui), no import circles, no package reaching into another's privates.

Why a test: a circle between two modules works until someone moves an import to the top of
a file, and then fails at import time with a half-initialised module; an import inside a
function hides the circle without removing it, so function-level (and ``TYPE_CHECKING``)
imports are edges here too. A name starting with ``_`` is its module's own business: when
another package needs it, it becomes public where it lives, so its owner sees the caller.

The graph is read from the source with :mod:`ast` (nothing is imported, so it runs in well
under a second and needs neither torch nor llama.cpp). Edges are the imports as written:
``from pkg import name`` points at ``pkg.name`` when that is a module, else at ``pkg``;
the implicit import of a parent package's ``__init__`` is not an edge (every module would
otherwise sit in a circle with a package ``__init__`` that re-exports it).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: the project's packages, each importing only those before it (and itself)
PACKAGES = ("hera_core", "hera_train", "export", "hera_tui")


def project_modules(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    """Dotted module name -> source file, for every module of ``packages`` (a package is
    named by its ``__init__.py``)."""
    modules: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _package_of(module: str, path: Path) -> str:
    """The package ``module`` belongs to: a package ``__init__`` belongs to itself, and so
    does a top-level module."""
    if path.name == "__init__.py" or "." not in module:
        return module
    return module.rpartition(".")[0]


def _imported(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute module name a ``from ... import`` reads from, relative ones resolved."""
    if not node.level:
        return node.module or ""
    base = _package_of(module, path).split(".")
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph(modules: Mapping[str, Path]) -> dict[str, set[str]]:
    """Module -> the project modules it imports anywhere in its source (top level, inside
    functions, under ``TYPE_CHECKING``)."""
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                graph[name].update(a.name for a in node.names if a.name in modules)
            elif isinstance(node, ast.ImportFrom):
                source = _imported(name, path, node)
                for alias in node.names:
                    target = f"{source}.{alias.name}"
                    if target in modules:
                        graph[name].add(target)
                    elif source in modules:
                        graph[name].add(source)
        graph[name].discard(name)
    return graph


def circles(graph: Mapping[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm,
    iterative, so a deep chain of imports cannot hit the recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, list[str]]] = [(start, sorted(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, pending = work[-1]
            if pending:
                child = pending.pop()
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, sorted(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def against_the_order(graph: Mapping[str, set[str]], order: Sequence[str]) -> list[str]:
    """``module imports module`` for every import of a top-level package that comes later
    in ``order`` than the importer's own."""
    rank = {package: i for i, package in enumerate(order)}
    return [f"{name} imports {target}" for name in sorted(graph)
            for target in sorted(graph[name])
            if rank[target.partition(".")[0]] > rank[name.partition(".")[0]]]


def private_imports(modules: Mapping[str, Path]) -> list[str]:
    """``module:line imports package.module._name`` for every ``_name`` (not dunder)
    that a module takes from a module of another package, by ``from m import _name`` or as
    an attribute ``m._name`` of a module it imported."""
    found = []
    for name, path in modules.items():
        own = _package_of(name, path)
        tree = ast.parse(path.read_text(), filename=str(path))
        bound: dict[str, str] = {}  # local name -> the project module it stands for
        taken: list[tuple[int, str, str]] = []  # (line, source module, private name)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in modules:
                        bound[alias.asname or alias.name] = alias.name
            elif isinstance(node, ast.ImportFrom):
                source = _imported(name, path, node)
                for alias in node.names:
                    if f"{source}.{alias.name}" in modules:
                        bound[alias.asname or alias.name] = f"{source}.{alias.name}"
                    elif source in modules and _is_private(alias.name):
                        taken.append((node.lineno, source, alias.name))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _is_private(node.attr):
                held = bound.get(ast.unparse(node.value))
                if held is not None:
                    taken.append((node.lineno, held, node.attr))
        for line, source, private in sorted(taken):
            if _package_of(source, modules[source]) != own:
                found.append(f"{name}:{line} imports {source}.{private}")
    return found


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


# -- the project ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def modules() -> dict[str, Path]:
    return project_modules(ROOT)


def test_no_module_imports_itself_back_through_other_modules(modules: dict[str, Path]) -> None:
    found = [sorted(c) for c in circles(import_graph(modules))]
    assert not found, f"import circles (make each dependency one-way): {found}"


def test_dependencies_point_one_way_from_the_core(modules: dict[str, Path]) -> None:
    """hera_core imports none of the others, hera_train only the core, export the core and
    training, hera_tui (the chat app and the ``hera`` command) any of them."""
    assert against_the_order(import_graph(modules), PACKAGES) == []


def test_no_module_imports_another_packages_private_names(modules: dict[str, Path]) -> None:
    assert private_imports(modules) == []


def test_the_graph_covers_the_whole_project(modules: dict[str, Path]) -> None:
    """A scan that silently found nothing would pass both tests above."""
    graph = import_graph(modules)
    assert {"hera_tui.command", "hera_tui.build", "hera_core.pubmedqa",
            "export.pipeline"} <= set(graph)
    assert "hera_core.pubmedqa" in graph["hera_train.examples"]
    # a function-level import is an edge: the factory opens the llama.cpp scorer lazily
    assert "hera_tui.benchmark.llamacpp_scorer" in graph["hera_tui.benchmark.scorers"]


def test_no_screen_imports_the_app_module(modules: dict[str, Path]) -> None:
    """The app registers its screens; a screen reaches the app through ``HeraHost``
    (``hera_tui/app/host.py``), never by importing ``chat_app``, not even for a type."""
    graph = import_graph(modules)
    assert "hera_tui.app.screens" in graph["hera_tui.app.chat_app"]
    screens = [m for m in graph if m.startswith("hera_tui.app.screens")]
    assert screens
    assert [m for m in screens if "hera_tui.app.chat_app" in graph[m]] == []


# -- the checker, on planted trees ---------------------------------------------------------

def _tree(root: Path, files: dict[str, str]) -> dict[str, Path]:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return project_modules(root, packages=("pa", "pb", "pc"))


def test_a_circle_hidden_in_a_function_or_type_check_is_found(tmp_path: Path) -> None:
    modules = _tree(tmp_path, {
        "pa/__init__.py": "",
        "pa/one.py": "from pa import two\n",
        "pa/two.py": "def later():\n    from .three import x\n",
        "pa/three.py": "from typing import TYPE_CHECKING\n"
                       "if TYPE_CHECKING:\n    import pa.one\n",
        "pb/__init__.py": "from pb.leaf import y\n",
        "pb/leaf.py": "import pa.one\n",
        "pc/top.py": "from pb import leaf\n",
    })
    graph = import_graph(modules)
    assert graph["pa.two"] == {"pa.three"}
    assert graph["pb"] == {"pb.leaf"}
    assert circles(graph) == [frozenset({"pa.one", "pa.two", "pa.three"})]
    # one-way again once the type-only import goes
    (tmp_path / "pa/three.py").write_text("x = 1\n")
    assert circles(import_graph(modules)) == []


def test_a_private_name_across_packages_is_found_within_a_package_not(tmp_path: Path) -> None:
    modules = _tree(tmp_path, {
        "pa/__init__.py": "",
        "pa/core.py": "def _helper(): ...\n__version__ = '1'\n",
        "pa/sibling.py": "from .core import _helper\n",
        "pb/__init__.py": "",
        "pb/user.py": "def f():\n    from pa.core import _helper\n"
                      "from pa.core import __version__\n",
        "pc/top.py": "from pa import core as c\nc._helper()\nimport pa.core\npa.core._helper()\n",
    })
    assert private_imports(modules) == [
        "pb.user:2 imports pa.core._helper",
        "pc.top:2 imports pa.core._helper",
        "pc.top:4 imports pa.core._helper",
    ]


def test_an_import_against_the_order_is_found(tmp_path: Path) -> None:
    modules = _tree(tmp_path, {
        "pa/__init__.py": "",
        "pa/low.py": "def later():\n    from pb import high\n",
        "pb/__init__.py": "",
        "pb/high.py": "import pa.low\n",
        "pc/__init__.py": "",
    })
    graph = import_graph(modules)
    assert against_the_order(graph, ("pa", "pb", "pc")) == ["pa.low imports pb.high"]
    assert against_the_order(graph, ("pb", "pa", "pc")) == ["pb.high imports pa.low"]
