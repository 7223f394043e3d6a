"""Other desks' changes as they are committed, and whether the database answers (issue 9 items 2, 3).

``ChangeFeed.wait()`` blocks a thread worker of the desk until something changed, the
database's state changed, or the interval passed. It holds one connection of its own, outside
the desk's pool:

* PostgreSQL: ``LISTEN complaint_tui``. ``Store.write`` sends ``pg_notify`` in the committing
  transaction with the cases it touched, so the notification arrives when (and only if) the
  change is committed. Each ``interval`` the feed also reads the audit chain's head, one
  primary-key row: that is the health check (a stopped or frozen server is noticed within about
  ``interval`` plus the connect limit) and the safety net for writes that bypass ``Store.write``
  (bulk import, another program). A notification sent by this desk's own store is skipped: the
  desk already refreshed its screens through ``CaseChanged``.
* SQLite: ``PRAGMA data_version`` on its own connection every ``interval``: a number in shared
  memory that moves when another connection commits, no read of the file. Only when it moved
  are the new audit events read, for the cases they touched.

``Changes.case_ids`` is None when the feed cannot tell which cases changed (the first look after
an outage, a bulk write): then everything shown is read again.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from complaint_tui.db import NOTIFY_CHANNEL, Store, sqlite_file


@dataclass(frozen=True)
class Changes:
    """What the feed saw: the cases changed (None: unknown, read everything again)."""

    case_ids: frozenset[int] | None


@dataclass(frozen=True)
class Reachability:
    """The database answered (True) or could not be reached (False) at the last look."""

    reachable: bool


def parse_payload(payload: str) -> tuple[str, frozenset[int] | None]:
    """``origin|1,2,3`` (``*`` for too many to list) into the origin and the case ids."""
    origin, _, ids = payload.partition("|")
    if ids == "*":
        return origin, None
    return origin, frozenset(int(i) for i in ids.split(",") if i.strip().isdigit())


class ChangeFeed:
    """One desk's view of the store's commits (see the module docstring).

    ``look()`` is called from short thread workers, a few times a second; one look runs at a
    time, and a look that finds another still running (on a hung server) returns at once.
    """

    def __init__(self, store: Store, health_every: float = 3.0) -> None:
        self.store = store
        self.health_every = health_every
        self.reachable: bool | None = None
        self._pg: Any = None
        self._sqlite: sqlite3.Connection | None = None
        self._version: int | None = None
        self._mark: int | None = None
        self._last_health = 0.0
        self._busy = threading.Lock()
        self._since: float | None = None
        self._closing = False

    def looking_for(self) -> float:
        """How long the look now running has taken (0 when none runs)."""
        since = self._since
        return 0.0 if since is None else time.monotonic() - since

    def given_up(self) -> None:
        """The desk said the database is unreachable because a look hangs: the look that comes
        back answered says it is reachable again (and that everything must be read again)."""
        self.reachable = False

    def close(self) -> None:
        """Let go of the feed's connection (signing out, leaving the desk). Never waits: a look
        still running on a hung server lets go of it when it ends."""
        self._closing = True
        if self._busy.acquire(blocking=False):
            try:
                self._drop()
            finally:
                self._busy.release()

    def look(self) -> list[Changes | Reachability]:
        """What happened since the last look; nothing when another look still runs."""
        if self._closing or not self._busy.acquire(blocking=False):
            return []
        self._since = time.monotonic()
        try:
            if self.store.dialect == "postgresql":
                found = self._look_pg()
            else:
                found = self._look_sqlite()
        except Exception:  # any failure to reach the store is an outage; the next look retries
            self._drop()
            return self._set_reachable(False)
        finally:
            self._since = None
            if self._closing:
                self._drop()
            self._busy.release()
        return self._set_reachable(True) + found

    def _set_reachable(self, now: bool) -> list[Changes | Reachability]:
        before, self.reachable = self.reachable, now
        if before == now:
            return []
        events: list[Changes | Reachability] = [Reachability(now)]
        if now:
            # Back from an outage, what was missed while away is not known; at the first look,
            # what was written between the screens' first reads and the feed's start is not
            # either (its baseline is taken now): either way the screens read again, once.
            events.append(Changes(None))
        return events

    def _drop(self) -> None:
        for conn in (self._pg, self._sqlite):
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()
        self._pg = self._sqlite = None
        self._version = None

    # --- PostgreSQL ------------------------------------------------------------------------

    def _connect_pg(self) -> Any:
        # A connection of the feed's own, made by the engine so it has the URL's parameters,
        # timeouts and application_name, but detached: the desk's pool forgets it.
        raw = self.store.engine.raw_connection()
        dbapi: Any = raw.driver_connection
        raw.detach()
        self._pg = dbapi
        dbapi.rollback()  # the pool's ping may have left a transaction open
        dbapi.autocommit = True
        self.store.bounded_ping(dbapi, lambda: dbapi.execute(f"LISTEN {NOTIFY_CHANNEL}"))
        self._mark = self.store.bounded_ping(dbapi, lambda: self._head(dbapi))
        self._last_health = time.monotonic()
        return dbapi

    @staticmethod
    def _head(dbapi: Any) -> int:
        row = dbapi.execute("SELECT last_id FROM audit_head WHERE id = 1").fetchone()
        return int(row[0]) if row else 0

    def _look_pg(self) -> list[Changes | Reachability]:
        dbapi = self._pg if self._pg is not None else self._connect_pg()
        ids: set[int] = set()
        everything = False
        # Notifications wait on the connection until read: taking them costs no round trip.
        for note in dbapi.notifies(timeout=0.0):
            origin, cases = parse_payload(note.payload)
            if origin == self.store.origin:
                continue  # this desk's own save: its screens were told in the app
            if cases is None:
                everything = True
            else:
                ids |= cases
        if time.monotonic() - self._last_health >= self.health_every:
            self._last_health = time.monotonic()
            head = self.store.bounded_ping(dbapi, lambda: self._head(dbapi))
            if head != self._mark and not ids and not everything and self._mark is not None:
                # Written without a notification (a bulk import), or this desk's own: either
                # way a look at everything is cheap next to missing a change.
                everything = True
            self._mark = head
        if everything:
            return [Changes(None)]
        return [Changes(frozenset(ids))] if ids else []

    # --- SQLite ----------------------------------------------------------------------------

    def _look_sqlite(self) -> list[Changes | Reachability]:
        conn = self._sqlite
        if conn is None:
            path = sqlite_file(self.store.engine.url.render_as_string(hide_password=False))
            if path is None:
                return []
            conn = sqlite3.connect(f"file:{quote(str(path.absolute()))}", uri=True, check_same_thread=False)
            conn.execute("PRAGMA query_only=ON")  # the feed only ever looks
            self._sqlite = conn
            self._version = int(conn.execute("PRAGMA data_version").fetchone()[0])
            self._mark = int(conn.execute("SELECT coalesce(max(id), 0) FROM audit_event").fetchone()[0])
            return []
        version = int(conn.execute("PRAGMA data_version").fetchone()[0])
        if version == self._version:
            return []
        self._version = version
        rows = conn.execute("SELECT id, case_id FROM audit_event WHERE id > ?", (self._mark,)).fetchall()
        if not rows:
            return []
        self._mark = max(int(r[0]) for r in rows)
        return [Changes(frozenset(int(r[1]) for r in rows if r[1] is not None))]
