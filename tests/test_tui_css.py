"""The app's styles live in ``.tcss`` files beside the code and ship with the package.

Textual reads a ``CSS_PATH`` only when the app starts or the screen is first shown, so a
missing or broken file would surface as a crash on a person's machine, not here. These
tests find every app and screen class in :mod:`hera_tui.app`, check that each style file it
names exists and parses, that no styles are left inline, and that a wheel built from the
sources carries the files to where an installed copy looks for them.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from textual.app import App
from textual.css.stylesheet import Stylesheet
from textual.screen import Screen

import hera_tui.app

REPO = Path(__file__).resolve().parent.parent
APP_DIR = Path(hera_tui.app.__file__).parent


def _app_classes() -> list[type[App | Screen]]:
    """Every App and Screen subclass defined in a module of :mod:`hera_tui.app`."""
    found = []
    for module_info in pkgutil.walk_packages(hera_tui.app.__path__, "hera_tui.app."):
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, (App, Screen)):
                found.append(cls)
    return found


def _css_files(cls: type[App | Screen]) -> list[Path]:
    """The files ``cls.CSS_PATH`` names, resolved as Textual resolves them."""
    paths = cls.__dict__.get("CSS_PATH")
    if paths is None:
        return []
    paths = paths if isinstance(paths, list) else [paths]
    here = Path(inspect.getfile(cls)).parent
    return [here / Path(p) for p in paths]


def test_every_css_path_names_a_file_that_parses_and_no_styles_are_inline() -> None:
    classes = _app_classes()
    assert {c.__name__ for c in classes} >= {"HeraApp", "ChatScreen", "BenchmarkScreen"}
    named: set[Path] = set()
    for cls in classes:
        assert not cls.__dict__.get("CSS") and not cls.__dict__.get("DEFAULT_CSS"), (
            f"{cls.__name__} has inline styles: put them in a .tcss file beside it"
        )
        for path in _css_files(cls):
            assert path.is_file(), f"{cls.__name__}.CSS_PATH names {path}, which is missing"
            stylesheet = Stylesheet(variables=App().get_css_variables())
            stylesheet.read(path)
            stylesheet.parse()  # raises StylesheetParseError, with the line, on a bad rule
            assert stylesheet.rules, f"{path} has no rules"
            named.add(path.resolve())
    # a style file no class names is styling nothing
    assert named == {p.resolve() for p in APP_DIR.rglob("*.tcss")}


def test_a_built_wheel_carries_the_style_files_where_an_install_looks(tmp_path: Path) -> None:
    """Build a wheel from a copy of the sources (the checkout gets no build folder), unpack
    it as an install would, and resolve every CSS_PATH from the unpacked copy alone."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "model")
    for package in ("hera_core", "hera_train", "hera_tui", "export"):
        shutil.copytree(REPO / package, src / package, ignore=ignore)
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "-q", "-w", str(tmp_path / "dist"), str(src)],
        capture_output=True, text=True, check=False,
    )
    assert build.returncode == 0, build.stderr
    [wheel] = (tmp_path / "dist").glob("hera-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        shipped = {n for n in archive.namelist() if n.endswith(".tcss")}
        archive.extractall(site)
    in_tree = {p.relative_to(REPO).as_posix() for p in APP_DIR.rglob("*.tcss")}
    assert shipped == in_tree

    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1])\n"
        "import hera_tui.app.chat_app\n"
        "from tests.test_tui_css import _app_classes, _css_files\n"
        "print(json.dumps({c.__name__: [str(p) for p in _css_files(c)] for c in _app_classes()}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(site)], cwd=REPO, capture_output=True, text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    resolved = json.loads(out.stdout)
    assert resolved["HeraApp"] and resolved["BenchmarkScreen"]
    for name, files in resolved.items():
        for file in files:
            assert Path(file).is_relative_to(site), f"{name} resolved {file} outside the install"
            assert Path(file).is_file(), f"{name}: {file} is not in the installed copy"
