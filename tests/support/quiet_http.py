"""A test HTTP server that says nothing when a client hangs up.

The stand-in and broken Ollama servers exist to be hung up on: a client stops a stream, a
test's timeout fires, a connection is reset on purpose. ``socketserver`` reports any
exception in a handler thread by printing its traceback to stderr, so each hang-up became
a ``ConnectionResetError`` (or ``BrokenPipeError``) traceback in the test run's output that
looked like a failure and was none. This server counts those instead; any other error in a
handler is still printed, because that one is a bug in the server.
"""

from __future__ import annotations

import sys
import threading
from http.server import ThreadingHTTPServer
from typing import Any

#: what a handler sees when its client went away: a reset, or a write to a closed socket
HANGUPS = (ConnectionResetError, BrokenPipeError)


class QuietHTTPServer(ThreadingHTTPServer):
    """:class:`ThreadingHTTPServer` that ignores (and counts) clients that hang up."""

    daemon_threads = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._hangups = 0
        self._lock = threading.Lock()

    @property
    def hangups(self) -> int:
        """How many requests ended because the client hung up."""
        with self._lock:
            return self._hangups

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], HANGUPS):
            with self._lock:
                self._hangups += 1
            return
        super().handle_error(request, client_address)
