"""Always-on safety: the medical disclaimer and the emergency red-flag check."""

from .redflags import DISCLAIMER, RedFlag, check_message

__all__ = ["DISCLAIMER", "RedFlag", "check_message"]
