"""Ending the app when its terminal goes away, however it was started.

Why this is needed: closing a terminal window (or ``tmux kill-session``) hangs up its
pseudo-terminal. The kernel sends SIGHUP only to the session leader. Started as ``hera
chat``, the app *is* the leader and SIGHUP's default action kills it mid-write, losing the
reply that was streaming. Started through ``make run``, make is the leader: it catches
SIGHUP and waits for its child, so the app gets no signal at all, and Textual's input
thread then reads end-of-file from the dead terminal in a loop, burning a core forever.

So the guard (1) turns SIGHUP and SIGTERM into a clean exit, and (2) checks twice a second,
in a daemon thread, that the terminal still answers (``tcgetattr`` fails with EIO once it
is hung up), which also covers read and write errors on a vanished terminal. Either way it
calls ``on_lost`` once, from its own thread, and if the process is still alive a few
seconds later (a UI thread stuck writing to the dead terminal), ends it with ``os._exit``:
by then the conversation is saved, and a process that never exits is worse.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import termios
import threading
import time
from collections.abc import Callable
from types import FrameType

#: exit status after a hang-up or SIGTERM: 128 + the signal number, as shells report it
EXIT_STATUS = {"hangup": 128 + signal.SIGHUP, "SIGTERM": 128 + signal.SIGTERM}


def is_terminal(fd: int) -> bool:
    """Whether ``fd`` is a terminal, working or already hung up. ``isatty`` says no for a
    hung-up one, yet a terminal closed while the app was still starting must be watched
    too: it fails ``tcgetattr`` with EIO, where a pipe or /dev/null fails with ENOTTY."""
    try:
        termios.tcgetattr(fd)
    except termios.error as exc:
        return exc.args[0] == errno.EIO
    except OSError as exc:
        return exc.errno == errno.EIO
    return True


def terminal_alive(fd: int) -> bool:
    """Whether ``fd`` is still a working terminal (a hung-up one fails every ioctl)."""
    try:
        termios.tcgetattr(fd)
    except (termios.error, OSError):
        return False
    return True


class TerminalGuard:
    """Calls ``on_lost(reason)`` once when the terminal is gone or SIGHUP/SIGTERM arrives.

    ``reason`` is ``"hangup"`` (SIGHUP, or the terminal stopped answering) or
    ``"SIGTERM"``. Start it from the main thread (signal handlers can only be set there).
    """

    def __init__(
        self,
        on_lost: Callable[[str], None],
        fd: int,
        poll_s: float = 0.5,
        grace_s: float = 5.0,
    ) -> None:
        self.on_lost = on_lost
        self.fd = fd
        self.poll_s = poll_s
        self.grace_s = grace_s
        self._reason: str | None = None
        self._wake = threading.Event()
        self._done = threading.Event()
        self._previous: dict[int, object] = {}
        self._thread = threading.Thread(target=self._watch, name="hera-terminal-guard",
                                        daemon=True)

    def start(self, handle_signals: bool = True) -> TerminalGuard:
        """Watch the terminal; with ``handle_signals`` (main thread only) also take over
        SIGHUP and SIGTERM."""
        if handle_signals:
            for signum in (signal.SIGHUP, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._on_signal)
        self._thread.start()
        return self

    def stop(self) -> None:
        """The app is ending: restore the signal handlers; end the watcher unless the
        terminal is already lost (then its deadline still stands)."""
        for signum, handler in self._previous.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(signum, handler)  # type: ignore[arg-type]
        self._done.set()
        self._wake.set()

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        # A handler runs between two bytecodes of the main thread, maybe inside a database
        # write: hand over to the watcher thread instead of acting here.
        self._reason = "hangup" if signum == signal.SIGHUP else "SIGTERM"
        self._wake.set()

    def _watch(self) -> None:
        while not self._done.is_set():
            self._wake.wait(self.poll_s)
            if self._done.is_set():
                return
            if self._reason is None and terminal_alive(self.fd):
                continue
            reason = self._reason or "hangup"
            self.on_lost(reason)
            # No cancelling from here on: a normal exit ends this daemon thread with the
            # process; a process still alive after the grace period is ended.
            time.sleep(self.grace_s)
            os._exit(EXIT_STATUS[reason])
