"""The app ends when its terminal goes away, however it was started, and keeps the reply
that was streaming.

Each test starts the real app (real llama.cpp on the starter model) under a real
pseudo-terminal, as a terminal emulator or tmux does, then closes the terminal's side
(what closing a window or ``tmux kill-session`` does) or sends a signal, and checks that
every process is gone. Limits are generous liveness bounds (the app must not outlive its
terminal), not speed measurements.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import signal
import sqlite3
import struct
import sys
import termios
import threading
import time
from pathlib import Path

import pytest
from support.chat_env import chat_env, starter_gguf  # noqa: F401 - fixtures

from hera_tui.app.terminal_guard import EXIT_STATUS, TerminalGuard, terminal_alive

REPO = Path(__file__).resolve().parent.parent
#: seconds the app may take to end after its terminal is gone (it takes about one)
GONE_WITHIN = 30.0


#: the escape sequence a full-screen app starts with
ALT_SCREEN = b"\x1b[?1049h"


class Terminal:
    """A pseudo-terminal with a program running in it as the session leader."""

    def __init__(self, argv: list[str], env: dict[str, str], cols: int = 100, rows: int = 30):
        pid, fd = pty.fork()
        if pid == 0:  # the child: size the terminal, then become the program
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.output = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.status: int | None = None

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            self.output += data

    def wait_for(self, text: bytes, timeout: float = 120.0) -> None:
        """Wait for ``text`` on the app's own screen (after it switched to the alternate
        screen): what ran before it, e.g. make's setup steps, may print the same word."""
        deadline = time.monotonic() + timeout
        while not self._shown(text):
            assert time.monotonic() < deadline, (
                f"{text!r} never appeared: {bytes(self.output[-2000:])!r}")
            assert self.poll() is None, f"exited early: {bytes(self.output[-2000:])!r}"
            time.sleep(0.2)

    def _shown(self, text: bytes) -> bool:
        start = self.output.find(ALT_SCREEN)
        return start >= 0 and text in self.output[start:]

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def close(self) -> None:
        """Close the terminal's side, as closing the window does (the pty hangs up)."""
        os.close(self.fd)

    def poll(self) -> int | None:
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
        return self.status

    def wait_gone(self, timeout: float = GONE_WITHIN) -> int:
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                pytest.fail(f"still running {timeout:.0f} s after its terminal went away")
            time.sleep(0.1)
        return self.status


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "TERM": "xterm-256color", "HERA_HOME": str(home)}


def _hera() -> list[str]:
    return [sys.executable, "-m", "hera_tui.command", "chat"]


def _processes_using(home: Path) -> list[int]:
    """Pids of processes whose environment names this test's HERA_HOME."""
    marker = f"HERA_HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_closing_the_terminal_ends_the_app(chat_env: Path, starter_gguf: Path) -> None:
    """Started directly (the app is the session leader): the hang-up's SIGHUP ends it."""
    term = Terminal(_hera(), _env(chat_env))
    term.wait_for(b"ready")
    term.close()
    assert term.wait_gone() == EXIT_STATUS["hangup"]


def test_closing_the_terminal_of_make_run_ends_the_app(chat_env: Path, tmp_path: Path) -> None:
    """Started by `make run` (make is the session leader, catches SIGHUP and waits for the
    app, which gets no signal): the app sees its terminal is gone and ends, then make.

    The data folder is empty: `make run`'s setup would otherwise index the NIH library
    into this test's new HERA_HOME (minutes on 2 cores) before the app starts."""
    venv = Path(sys.prefix)
    if not (venv / "bin" / "hera").exists():
        pytest.skip(f"no `hera` script in {venv} for `make run` to start")
    make = ["make", "-s", "-C", str(REPO), f"VENV={venv}", "-o", f"{venv}/.installed", "run"]
    no_data = tmp_path / "no-data"
    no_data.mkdir()
    term = Terminal(make, {**_env(chat_env), "HERA_DATA_DIR": str(no_data)})
    term.wait_for(b"ready")
    assert len(_processes_using(chat_env)) >= 2  # make and the app
    term.close()
    term.wait_gone()
    deadline = time.monotonic() + GONE_WITHIN
    while _processes_using(chat_env):
        assert time.monotonic() < deadline, "the app outlived make and its terminal"
        time.sleep(0.2)


def test_sigterm_ends_the_app_cleanly(chat_env: Path) -> None:
    term = Terminal(_hera(), _env(chat_env))
    term.wait_for(b"ready")
    os.kill(term.pid, signal.SIGTERM)
    assert term.wait_gone() == EXIT_STATUS["SIGTERM"]
    term.close()


def _reply(db: Path) -> tuple[str, str, dict] | None:
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT content, state, stats FROM messages WHERE role = 'assistant'"
        ).fetchone()
    return None if row is None else (row[0], row[1], json.loads(row[2]))


def test_a_streaming_reply_is_saved_when_the_terminal_goes(chat_env: Path) -> None:
    term = Terminal(_hera(), _env(chat_env))
    term.wait_for(b"ready")
    # one burst, Enter included, as a quick typist or a terminal without bracketed paste
    # sends it: the Enter must send the text typed just before it
    term.type("Write a long story about a lighthouse keeper and his dog.\r")
    db = chat_env / "chats.db"
    deadline = time.monotonic() + 120
    while not (_reply(db) or ("", "", {}))[0]:  # saved about once a second while streaming
        assert time.monotonic() < deadline, "no reply text was saved while streaming"
        time.sleep(0.2)
    saved_while_streaming = _reply(db)[0]
    term.close()
    assert term.wait_gone() == EXIT_STATUS["hangup"]
    content, state, stats = _reply(db)
    assert state == "incomplete" and stats == {"error": "the app was closed (hangup)"}
    assert content.startswith(saved_while_streaming)


def test_guard_reports_a_hung_up_terminal_once() -> None:
    """The watcher alone: a terminal that stops answering is reported, exactly once."""
    master, slave = pty.openpty()
    lost: list[str] = []
    reported = threading.Event()

    def on_lost(reason: str) -> None:
        lost.append(reason)
        reported.set()

    # the watcher only: the test runner's signal handlers stay as they are
    TerminalGuard(on_lost, slave, poll_s=0.05, grace_s=3600).start(handle_signals=False)
    assert terminal_alive(slave)
    os.close(master)
    assert reported.wait(30)
    assert not terminal_alive(slave)
    time.sleep(0.3)
    assert lost == ["hangup"]
    os.close(slave)


def test_a_terminal_hung_up_before_the_app_started_is_still_a_terminal() -> None:
    """Closed while the app was still importing, the terminal must still be watched (else
    Textual's input thread spins on it forever); pipes and /dev/null are not terminals."""
    from hera_tui.app.terminal_guard import is_terminal, terminal_alive

    leader, follower = pty.openpty()
    assert is_terminal(follower) and terminal_alive(follower)
    pid = os.fork()
    if pid == 0:  # a session leader that opens the pty as its controlling terminal, then dies
        os.setsid()
        os.close(os.open(os.ttyname(follower), os.O_RDWR))
        os._exit(0)
    os.waitpid(pid, 0)
    os.close(leader)  # the terminal window closes: the pty is hung up
    assert is_terminal(follower) and not terminal_alive(follower)
    os.close(follower)
    read, write = os.pipe()
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        assert not is_terminal(read) and not is_terminal(null)
    finally:
        for fd in (read, write, null):
            os.close(fd)
