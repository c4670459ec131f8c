"""The chat screen (see :mod:`.screen`) and the parts it is made of."""

from .screen import ChatScreen

__all__ = ["ChatScreen"]
