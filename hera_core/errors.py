"""The one base class of HERA's user-facing errors.

Every error whose message already says what went wrong and how to fix it derives from
:class:`HeraError`, so ``hera``'s ``main()`` prints any of them as one line without a
traceback by catching this one class, and a new error type needs no registration there.
Subclasses keep a standard base too (``ValueError``, ``FileNotFoundError``...), so code that
catches those still works.

Torch-free and import-free: every package may import it.
"""

from __future__ import annotations


class HeraError(Exception):
    """A failure the user can act on; ``str(error)`` is the whole one-line message."""
