"""The `hera` command: help, doctor, and one-line errors for known failures."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

import hera_tui.command
from tests.support.ollama_standin import OllamaStandIn

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_help_lists_subcommands_and_imports_no_torch():
    code = ("import sys, hera_tui.command\n"
            "try:\n    hera_tui.command.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "assert 'torch' not in sys.modules, 'hera --help imported torch'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO)
    assert result.returncode == 0, result.stderr
    for command in ("train", "doctor"):
        assert command in result.stdout


def _doctor(capsys, host: str) -> dict[str, str]:
    code = hera_tui.command.main(["doctor", "--ollama-host", host])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    return {line.split()[1]: line for line in lines}


def test_doctor_reports_what_is_usable(capsys):
    report = _doctor(capsys, f"http://127.0.0.1:{_free_port()}")
    assert report["python"].startswith("ok")
    assert report["torch"].startswith("ok")
    assert report["bitsandbytes"].startswith("ok") and "nf4 works on cpu" in report["bitsandbytes"]
    assert report["llama.cpp"].startswith("ok")
    assert report["GPU"].startswith("--") and "CPU training only" in report["GPU"]
    assert report["Ollama"].startswith("--") and "not reachable" in report["Ollama"]
    assert all(v.startswith("ok") for k, v in report.items() if k == "data")


def test_doctor_finds_a_running_ollama(capsys):
    with OllamaStandIn() as server:
        report = _doctor(capsys, server.url)
    assert report["Ollama"].startswith("ok")


def test_out_of_memory_gets_a_hint(monkeypatch, capsys):
    import torch

    import hera_train.cli

    def boom(args):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(hera_train.cli, "_train", boom)
    assert hera_tui.command.main(["train", "x.toml"]) == 3
    err = capsys.readouterr().err.strip()
    assert err.startswith("hera: error: out of memory;") and "batch_size" in err
    assert len(err.splitlines()) == 1


def _error_classes() -> list[type[Exception]]:
    """Every exception class named ``*Error`` that HERA's packages define."""
    import importlib
    import inspect
    import pkgutil

    found = []
    for package in ("hera_core", "hera_train", "hera_tui", "export"):
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            module = importlib.import_module(info.name)
            found += [obj for name, obj in vars(module).items()
                      if inspect.isclass(obj) and issubclass(obj, Exception)
                      and obj.__module__ == module.__name__ and name.endswith("Error")]
    return found


def test_every_error_class_is_a_hera_error():
    """main() catches one base class, so an error type that forgot it would surface as
    "rerun with --debug" instead of its one-line message."""
    from hera_core.errors import HeraError

    classes = _error_classes()
    assert len(classes) >= 15  # the walk found the packages' errors
    assert [c.__qualname__ for c in classes if not issubclass(c, HeraError)] == []


def test_any_hera_error_is_one_line_with_exit_2(monkeypatch, capsys):
    import hera_train.cli
    from hera_core.ollama_client import OllamaError

    def boom(args):
        raise OllamaError("Ollama is not reachable at http://127.0.0.1:9; start it")

    monkeypatch.setattr(hera_train.cli, "_train", boom)
    assert hera_tui.command.main(["train", "x.toml"]) == 2
    assert capsys.readouterr().err == (
        "hera: error: Ollama is not reachable at http://127.0.0.1:9; start it\n")


def test_unexpected_errors_point_to_debug(monkeypatch, capsys):
    import hera_train.cli

    def boom(args):
        raise KeyError("surprise")

    monkeypatch.setattr(hera_train.cli, "_train", boom)
    assert hera_tui.command.main(["train", "x.toml"]) == 1
    assert "--debug" in capsys.readouterr().err
    with pytest.raises(KeyError):
        hera_tui.command.main(["--debug", "train", "x.toml"])


def _parsers(parser):
    """The parser and every subcommand's parser below it, depth first."""
    import argparse

    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                yield from _parsers(child)


def test_every_help_text_renders_without_doubled_percent_signs():
    """argparse %-formats argument help but prints descriptions as written, so "95%%" in a
    description is shown doubled; every --help of every subcommand is rendered once here."""
    parsers = list(_parsers(hera_tui.command.build_parser()))
    assert len(parsers) >= 10  # the walk reached the subcommands' own subcommands
    for parser in parsers:
        text = parser.format_help()
        assert "%%" not in text, f"{parser.prog}: {text}"
        assert "%(" not in text, parser.prog
