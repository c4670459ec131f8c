"""One progress line with a bar and an ETA, for every long command that is not training.

On a terminal the line is redrawn in place; in a log file (not a terminal) a line is
printed every ten seconds and at the end, so logs stay short and still show progress.
Torch-free: the benchmark and the library build use it.
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from typing import TextIO

WIDTH = 30
LOG_EVERY_S = 10.0


def eta_text(seconds: float | None) -> str:
    return str(timedelta(seconds=round(seconds))) if seconds is not None else "?"


class ProgressLine:
    """``label [#####.....] done/total <detail> | ETA h:mm:ss``."""

    def __init__(self, label: str, stream: TextIO = sys.stderr) -> None:
        self.label = label
        self.stream = stream
        self.tty = stream.isatty()
        self.last_line = 0.0

    def show(self, done: int, total: int, detail: str, eta_seconds: float | None) -> None:
        filled = WIDTH * done // max(1, total)
        line = (f"{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total} "
                f"{detail} | ETA {eta_text(eta_seconds)}")
        final = done >= total
        if self.tty:
            self.stream.write(f"\r{line}" + ("\n" if final else ""))
            self.stream.flush()
        elif final or time.monotonic() - self.last_line > LOG_EVERY_S:
            self.last_line = time.monotonic()
            print(line, file=self.stream, flush=True)


class RateProgress(ProgressLine):
    """A progress line whose ETA comes from the rate since the first item was counted."""

    def __init__(self, label: str, unit: str, stream: TextIO = sys.stderr) -> None:
        super().__init__(label, stream)
        self.unit = unit
        self.started: float | None = None
        self.first = 0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.started is None:
            self.started, self.first = now, done
        elapsed, counted = now - self.started, done - self.first
        rate = counted / elapsed if elapsed > 0 and counted else None
        eta = (total - done) / rate if rate else None
        self.show(done, total, f"{rate or 0:.1f} {self.unit}/s", eta)
