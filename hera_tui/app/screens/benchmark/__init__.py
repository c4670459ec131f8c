"""The benchmark screen and the dialogs it opens (see :mod:`.screen` for how it is built)."""

from .dialogs import ConfirmLongRun, WrongAnswersScreen
from .screen import BenchmarkScreen, benchmark_screen

__all__ = ["BenchmarkScreen", "ConfirmLongRun", "WrongAnswersScreen", "benchmark_screen"]
