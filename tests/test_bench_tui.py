"""The benchmark screen driven by Textual's Pilot.

Scorers are fakes behind the real runner (the llama.cpp path is covered by
test_bench_llamacpp.py), so the tests check the screen: background run with progress, cancel
and resume, the side-by-side table and bars, the wrong-answers view, and that the chat app
opens the screen. Tests wait on events and workers, never on time.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from support.chat_env import chat_env, settle  # noqa: F401 - fixture
from textual.app import App
from textual.widgets import DataTable, Input, Label, ProgressBar, Static

from hera_tui.app.screens.benchmark import BenchmarkScreen, ConfirmLongRun, WrongAnswersScreen
from hera_tui.benchmark.bars import bar_text
from hera_tui.benchmark.items import pubmedqa_items
from hera_tui.benchmark.runner import load_history

SIZE = (120, 50)


class Scorer:
    """Answers 'yes', or the gold label when ``oracle``; can hold after some questions."""

    fmt = None

    def __init__(self, model: str, oracle: bool, hold_after: int | None = None) -> None:
        self.model, self.oracle, self.hold_after = model, oracle, hold_after
        self.calls = 0
        self.holding = threading.Event()
        self.release = threading.Event()
        self.gold = {it.prompt: it.gold for it in pubmedqa_items()}

    def identity(self) -> dict[str, Any]:
        return {"backend": "fake", "name": self.model}

    def score(self, prompt: str, prefix: str, choices: Sequence[str]) -> list[float]:
        if self.hold_after is not None and self.calls == self.hold_after:
            self.holding.set()
            self.release.wait(timeout=30)
        self.calls += 1
        wanted = f" {self.gold[prompt]}" if self.oracle else " yes"
        return [0.0 if c == wanted else -3.0 for c in choices]

    def close(self) -> None:
        pass


class Host(App):
    def __init__(self, screen: BenchmarkScreen) -> None:
        super().__init__()
        self.bench = screen

    def on_mount(self) -> None:
        self.push_screen(self.bench)


def _screen(tmp_path: Path, scorers: dict[str, Scorer]) -> BenchmarkScreen:
    return BenchmarkScreen(
        list(scorers), tmp_path / "results", scorer_factory=lambda spec, fmt: scorers[spec]
    )




def _run(scenario, app: App) -> None:
    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await scenario(pilot)

    asyncio.run(main())


def test_runs_two_models_and_compares_them(tmp_path):
    scorers = {"base.gguf": Scorer("base.gguf", False), "hera.gguf": Scorer("hera.gguf", True)}
    screen = _screen(tmp_path, scorers)

    async def scenario(pilot) -> None:
        screen.query_one("#bench-limit").value = "12"
        screen.query_one("#bench-models").select_all()
        await pilot.click("#bench-run")
        await settle(pilot)
        assert screen.query_one(ProgressBar).progress == 24
        status = str(screen.query_one("#bench-status", Static).render())
        assert "base.gguf: accuracy" in status and "hera.gguf: accuracy 100.0%" in status
        assert screen.query_one("#bench-runs", DataTable).row_count == 2
        bars = str(screen.query_one("#bench-bars", Static).render())
        assert "hera.gguf raw n=12" in bars and "base.gguf raw n=12" in bars
        assert "100.0%" in bars
        # the base model said "yes" to all 12: it got every "no" and "maybe" wrong
        screen.query_one("#bench-runs", DataTable).move_cursor(row=1)
        await pilot.press("w")
        await pilot.pause()
        wrong = pilot.app.screen
        assert isinstance(wrong, WrongAnswersScreen)
        not_yes = sum(it.gold != "yes" for it in pubmedqa_items(12))
        assert wrong.query_one(DataTable).row_count == not_yes > 0
        assert "Abstract:" in str(wrong.query_one("#wrong-question", Static).render())

    _run(scenario, Host(screen))
    assert [h["model"] for h in load_history(tmp_path / "results")] == ["base.gguf", "hera.gguf"]


def _row(table: DataTable, index: int) -> dict[str, str]:
    names = [str(column.label) for column in table.columns.values()]
    return dict(zip(names, map(str, table.get_row_at(index)), strict=True))


def test_cancel_saves_a_partial_run_and_a_rerun_resumes(tmp_path):
    """While it runs the status shows the accuracy with its interval beside the majority
    baseline of the questions so far; cancelled (Esc), it is saved and listed as partial
    with its count and gold labels; run again, it resumes (nothing scored twice) and the
    finished run is not marked."""
    scorer = Scorer("yes.gguf", False, hold_after=3)
    screen = _screen(tmp_path, {"yes.gguf": scorer})

    async def scenario(pilot) -> None:
        screen.query_one("#bench-limit").value = "50"
        await pilot.click("#bench-run")
        await asyncio.to_thread(scorer.holding.wait, 30)
        await pilot.pause()
        assert screen.running
        # yes, no, yes scored: a yes-only model is at the baseline, not at 100%
        status = str(screen.query_one("#bench-status", Static).render())
        assert "yes.gguf: 3/50, acc 66.7% (95% CI" in status
        assert "| majority 66.7% (yes)" in status
        await pilot.press("escape")
        scorer.release.set()
        await settle(pilot)
        assert not screen.running
        status = str(screen.query_one("#bench-status", Static).render())
        assert "cancelled after 4 of 50 questions; saved as partial, 4/50" in status
        assert "(yes 2 · no 1 · maybe 1), accuracy 50.0% (majority 50.0%)" in status
        table = screen.query_one("#bench-runs", DataTable)
        row = _row(table, 0)
        assert row["n"] == "4/50 partial" and row["gold labels"] == "yes 2 · no 1 · maybe 1"
        assert row["accuracy"] == "50.0%" and row["majority"] == "50.0%"
        bars = str(screen.query_one("#bench-bars", Static).render())
        assert "yes.gguf raw n=4/50 partial" in bars
        scorer.hold_after = None
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert scorer.calls == 50  # 4 before the cancel, 46 after: none scored twice
        assert table.row_count == 2
        newest, older = _row(table, 0), _row(table, 1)
        assert newest["n"] == "50" and newest["gold labels"] == "yes 28 · no 17 · maybe 5"
        assert older["n"] == "4/50 partial"
        bars = str(screen.query_one("#bench-bars", Static).render())
        assert "yes.gguf raw n=50 " in bars and "partial" not in bars

    _run(scenario, Host(screen))
    history = load_history(tmp_path / "results")
    assert [(h["n"], h["of"], h["partial"]) for h in history] == [(4, 50, True), (50, 50, False)]


def test_bad_benchmark_file_is_reported_on_screen(tmp_path):
    screen = _screen(tmp_path, {"m.gguf": Scorer("m.gguf", False)})

    async def scenario(pilot) -> None:
        screen.query_one("#bench-file").value = str(tmp_path / "missing.jsonl")
        await pilot.click("#bench-run")
        await settle(pilot)
        status = str(screen.query_one("#bench-status", Static).render())
        assert "missing.jsonl: file not found" in status and not screen.running

    _run(scenario, Host(screen))


def test_bar_marks_the_baseline():
    assert bar_text(0.5, 10, baseline=0.8) == "█████···|·"
    assert bar_text(1.0, 4) == "████"


@pytest.mark.usefixtures("chat_env")
def test_chat_app_opens_the_benchmark_screen(tmp_path):
    from hera_tui.app.chat_app import HeraApp
    from hera_tui.store import ChatStore

    app = HeraApp(None, ChatStore(tmp_path / "chats.db"))

    async def scenario(pilot) -> None:
        await settle(pilot)
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(pilot.app.screen, BenchmarkScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, BenchmarkScreen)

    _run(scenario, app)


class SlowScorer(Scorer):
    """Takes a little time per question, so a run of many projects as long."""

    def score(self, prompt: str, prefix: str, choices: Sequence[str]) -> list[float]:
        time.sleep(0.02)
        return super().score(prompt, prefix, choices)


def test_questions_field_is_labelled_and_never_silently_all(tmp_path):
    scorer = Scorer("m.gguf", False)
    screen = _screen(tmp_path, {"m.gguf": scorer})

    async def scenario(pilot) -> None:
        limit = screen.query_one("#bench-limit", Input)
        label = limit.parent.query_one(Label)
        assert str(label.render()) == "Questions:" and limit.value == "50"
        limit.value = ""
        await pilot.press("ctrl+r")
        await settle(pilot)
        status = str(screen.query_one("#bench-status", Static).render())
        assert status.startswith("error: how many questions?") and scorer.calls == 0
        limit.value = "ten"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "questions must be a number from 1, or all" in str(
            screen.query_one("#bench-status", Static).render())
        # a typed number replaces the default (the field's text is selected when focused)
        limit.focus()
        await pilot.press("1", "2")
        assert limit.value == "12"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert scorer.calls == 12
        assert screen.query_one(ProgressBar).total == 12

    _run(scenario, Host(screen))


def test_a_long_run_asks_before_it_goes_on(tmp_path):
    scorer = SlowScorer("slow.gguf", False)
    screen = _screen(tmp_path, {"slow.gguf": scorer})
    screen.long_run_s = 0.5  # 100 questions at 0.02 s or more each is longer than that

    async def scenario(pilot) -> None:
        screen.query_one("#bench-limit", Input).value = "100"
        await pilot.press("ctrl+r")
        while not isinstance(pilot.app.screen, ConfirmLongRun):
            await pilot.pause(0.05)
        question = str(pilot.app.screen.query_one("#long-run-question").render())
        assert "97 questions" in question and "(measured on the first 3)" in question
        assert scorer.calls == 3  # the run waits for the answer
        await pilot.press("n")
        await settle(pilot)
        assert not screen.running and scorer.calls == 3
        assert "cancelled" in str(screen.query_one("#bench-status", Static).render())
        assert [(h["n"], h["partial"]) for h in load_history(tmp_path / "results")] == [
            (3, True)]
        await pilot.press("ctrl+r")  # asked again; this time go on (resuming after the 3)
        while not isinstance(pilot.app.screen, ConfirmLongRun):
            await pilot.pause(0.05)
        await pilot.press("y")
        await settle(pilot)
        assert scorer.calls == 100
        assert [(h["n"], h["partial"]) for h in load_history(tmp_path / "results")] == [
            (3, True), (100, False)]

    _run(scenario, Host(screen))


@pytest.mark.usefixtures("chat_env")
def test_results_live_under_hera_home_by_default():
    from hera_core.paths import hera_home
    from hera_tui.command import build_parser

    assert BenchmarkScreen([]).results_dir == hera_home() / "results"
    args = build_parser().parse_args(["bench", "pubmedqa", "--model", "m.gguf"])
    assert args.out is None  # resolved to $HERA_HOME/results when the run starts
    shown = subprocess.run([sys.executable, "-m", "hera_tui.command", "bench", "--help"],
                           capture_output=True, text=True, check=True).stdout
    assert "95% bootstrap" in " ".join(shown.split()) and "%%" not in shown
