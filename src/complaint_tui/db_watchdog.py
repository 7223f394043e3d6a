"""A client-side time limit on every PostgreSQL round trip (issue 9 item 3).

PostgreSQL's own ``statement_timeout`` needs a running server: a server that is frozen (a hung
host, a stopped process, a network that drops packets without a reset) never answers, and the
driver then waits forever; a desk showed "saving…" for as long as the server was stopped. The
kernel keeps answering TCP for a stopped process, so keepalives do not notice either.

``Watchdog`` bounds each call into the driver (a statement, a commit, a rollback, the pool's
ping) from outside: when one outlasts its limit, a single background thread shuts the
connection's socket down. The waiting driver then sees the connection closed, fails at once,
and SQLAlchemy throws that connection away; the caller gets a disconnect error that
``db_errors`` puts into words. The server-side timeouts stay shorter, so on a server that
still runs they answer first and the watchdog only ever acts on one that does not.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

R = TypeVar("R")


class Watchdog:
    """Shuts down a connection's socket when a call into the driver outlasts its limit."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        # token -> (deadline on the monotonic clock, a duplicate of the socket's descriptor)
        self._armed: dict[int, tuple[float, int]] = {}
        self._tokens = itertools.count(1)
        self._thread: threading.Thread | None = None
        self.expired = 0  # how many calls it cut (tests read it)

    def bounded(self, fileno: int, limit_s: float | None, call: Callable[[], R]) -> R:
        """``call()``, with the socket ``fileno`` shut down if it runs longer than ``limit_s``."""
        if limit_s is None or fileno < 0:
            return call()
        # A duplicate keeps the socket itself ours until disarmed: a descriptor number that the
        # driver closes and the process reuses can never be shut down by mistake.
        dup = os.dup(fileno)
        token = next(self._tokens)
        with self._lock:
            self._armed[token] = (time.monotonic() + limit_s, dup)
            self._start()
            self._lock.notify()
        try:
            return call()
        finally:
            with self._lock:
                self._armed.pop(token, None)
            os.close(dup)

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._watch, name="db-watchdog", daemon=True)
            self._thread.start()

    def _watch(self) -> None:
        with self._lock:
            while True:
                now = time.monotonic()
                for token, (deadline, dup) in list(self._armed.items()):
                    if deadline <= now:
                        del self._armed[token]  # the caller still closes ``dup``
                        self.expired += 1
                        _shut_down(dup)
                nearest = min((d for d, _ in self._armed.values()), default=None)
                self._lock.wait(timeout=None if nearest is None else max(0.0, nearest - now) + 0.01)


def _shut_down(fd: int) -> None:
    sock = socket.socket(fileno=fd)
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by the other side
    finally:
        sock.detach()  # the descriptor stays the caller's to close


def driver_fileno(dbapi_connection: Any) -> int:
    """The socket of a psycopg connection (-1 when it has none, e.g. already closed)."""
    try:
        return int(dbapi_connection.fileno())
    except Exception:  # closed, or a driver without fileno()
        return -1
