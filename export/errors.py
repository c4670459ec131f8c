"""Errors with a one-line, user-facing message (``hera`` prints them without a traceback)."""

from __future__ import annotations

from hera_core.errors import HeraError


class ExportError(HeraError, RuntimeError):
    """The export cannot proceed; the message names the problem and the fix."""


class ParityError(ExportError):
    """An exported file does not behave like the model it was exported from."""
