"""Always-on safety: the medical disclaimer and the emergency check.

``triage(text)`` returns the emergency banner for a message (or None); ``status()`` says
whether the learned layer is installed or the rules run alone. Heavy parts (the encoder,
the weights) load on the first check or on ``preload()``, never at import.
"""

from .detector import DISCLAIMER, Alert, preload, status, triage

__all__ = ["DISCLAIMER", "Alert", "preload", "status", "triage"]
