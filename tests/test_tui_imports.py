"""Imports inside the Textual app run one way: the app module imports the screens, and no
screen imports the app module back, not even for a type under ``TYPE_CHECKING``.

The graph is read from the source (every ``import`` statement at any depth, so imports in
functions and ``if TYPE_CHECKING:`` blocks count as much as top-level ones), the way a
reader or a dependency checker sees it, not from what Python happened to load.
"""

from __future__ import annotations

import ast
from pathlib import Path

import hera_tui.app

APP_DIR = Path(hera_tui.app.__file__).parent
PACKAGE = "hera_tui.app"


def _module_name(path: Path, root: Path) -> str:
    """The dotted name of ``path`` in the package ``root`` (a ``hera_tui/app`` folder)."""
    parts = path.relative_to(root.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path = APP_DIR) -> dict[str, set[str]]:
    """Module → the modules of the same package it imports (relative imports resolved; for
    ``from X import name`` the submodule ``X.name`` when there is one, else ``X``)."""
    files = {_module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    here = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = here[: len(here) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    targets.add(full if full in files else base)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle in ``graph`` (as the path that closes it), or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node):], node]
        if node in done:
            return None
        for target in sorted(graph[node]):
            if cycle := visit(target, [*path, node]):
                return cycle
        done.add(node)
        return None

    for start in sorted(graph):
        if cycle := visit(start, []):
            return cycle
    return None


def test_the_app_has_no_import_circle() -> None:
    graph = import_graph()
    assert "hera_tui.app.screens" in graph["hera_tui.app.chat_app"]  # the graph sees imports
    assert find_cycle(graph) is None, " → ".join(find_cycle(graph) or [])


def test_no_screen_imports_the_app_module() -> None:
    graph = import_graph()
    screens = [m for m in graph if m.startswith(f"{PACKAGE}.screens")]
    assert screens
    for module in screens:
        assert f"{PACKAGE}.chat_app" not in graph[module], f"{module} imports the app module"


def test_the_checker_finds_a_type_checking_circle(tmp_path: Path) -> None:
    """The check must see an import that only a type checker runs."""
    package = tmp_path / "hera_tui" / "app"
    (package / "screens").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "chat_app.py").write_text("from .screens import Chat\n")
    (package / "screens" / "__init__.py").write_text("from .chat import Chat\n")
    (package / "screens" / "chat.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from hera_tui.app.chat_app import App\n"
        "class Chat: ...\n"
    )
    cycle = find_cycle(import_graph(package))
    assert cycle is not None and "hera_tui.app.chat_app" in cycle
