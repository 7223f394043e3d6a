"""The audit trail's hash chain: every event seals the one before it (SPEC S6.6).

The triggers of migration 0001 refuse UPDATE and DELETE on ``audit_event``, but whoever owns the
tables can drop a trigger, rewrite a row and put the trigger back. So each event also carries
``hash = SHA-256(canonical form of the event, including the previous event's hash)``: a rewritten,
removed or inserted row breaks every link from that point on, and ``complaint-tui db check``
names the first broken event. The one row of ``audit_head`` holds the last link; its row lock
orders the writers (on PostgreSQL several desks commit at once), and a cut-off tail shows as a
head that points past the last event.

The canonical form (version 1) is the UTF-8 JSON text of one object with the keys sorted, no
spaces, non-ASCII kept as is::

    {"action": str, "after": object|null, "at": "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC),
     "before": object|null, "case": int|null, "prev": 64 hex digits, "staff": int|null,
     "v": 1, "version": int|null}

The first event's ``prev`` is 64 zeros. Events are chained in ``id`` order, and their ids are
given out under the head's lock, so id order is chain order on both databases.

A service never writes ``audit_event`` itself: it queues events on its session
(:func:`queue_event`) and :meth:`complaint_tui.db.Store.write` seals them just before the commit,
when no other lock will be taken, so holding the head's lock cannot deadlock with case locks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select, text, update
from sqlmodel import Session

from complaint_tui.models import AuditEvent, AuditHead

GENESIS = "0" * 64
FORM_VERSION = 1
_PENDING = "complaint_tui.audit_pending"

_events = AuditEvent.__table__  # type: ignore[attr-defined]
_head = AuditHead.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Event:
    """One audit event before it is sealed: who did what to which case, and the fields changed."""

    case_id: int | None
    staff_id: int | None
    at: dt.datetime
    action: str
    version: int | None
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None


def _utc_text(at: dt.datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("naive datetime in an audit event")
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(prev: str, event: Event) -> bytes:
    """The bytes an event's hash is taken over (the module docstring gives the form)."""
    doc = {
        "v": FORM_VERSION,
        "prev": prev,
        "case": event.case_id,
        "staff": event.staff_id,
        "at": _utc_text(event.at),
        "action": event.action,
        "version": event.version,
        "before": event.before,
        "after": event.after,
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def link(prev: str, event: Event) -> str:
    """This event's hash, given the hash of the event before it."""
    return hashlib.sha256(canonical(prev, event)).hexdigest()


# --- writing -----------------------------------------------------------------------------


def queue_event(session: Session, event: Event) -> None:
    """Keep ``event`` to be sealed and written when the session's write transaction commits."""
    session.info.setdefault(_PENDING, []).append(event)


def has_pending(session: Session) -> bool:
    return bool(session.info.get(_PENDING))


def seal_pending(session: Session) -> None:
    """Write the events queued on ``session``, chained to the head, and move the head on.

    Called by ``Store.write`` inside the transaction, after the verb's own work.
    """
    pending: list[Event] = session.info.pop(_PENDING, [])
    if pending:
        append_events(session.connection(), pending)


def append_events(conn: Connection, events: Sequence[Event]) -> list[int]:
    """Chain and insert ``events`` in order inside the caller's transaction; their new ids.

    Also the bulk path (import, demo): one lock of the head, one multi-row insert.
    """
    if not events:
        return []
    stmt = select(_head.c.last_id, _head.c.last_hash, _head.c.events).where(_head.c.id == 1)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    head = conn.execute(stmt).first()
    if head is None:
        # A store made by migration 0004 or later always has its head row; only an empty trail
        # may start one (a store whose head row was deleted is reported by db check instead).
        conn.execute(insert(_head).values(id=1, last_id=0, last_hash=GENESIS, events=0))
        head_id, prev, count = 0, GENESIS, 0
    else:
        head_id, prev, count = int(head[0]), str(head[1]) or GENESIS, int(head[2])
    ids = _new_ids(conn, len(events), head_id)
    rows = []
    for new_id, event in zip(ids, events, strict=True):
        prev = link(prev, event)
        rows.append(
            {
                "id": new_id,
                "case_id": event.case_id,
                "staff_id": event.staff_id,
                "at": event.at,
                "action": event.action,
                "version": event.version,
                "before": event.before,
                "after": event.after,
                "hash": prev,
            }
        )
    conn.execute(insert(_events), rows)
    conn.execute(
        update(_head).where(_head.c.id == 1).values(last_id=ids[-1], last_hash=prev, events=count + len(events))
    )
    return ids


def _new_ids(conn: Connection, n: int, head_id: int) -> list[int]:
    """``n`` ascending ids for new events, given out while this transaction holds the head."""
    if conn.dialect.name == "postgresql":
        seq = "pg_get_serial_sequence('audit_event', 'id')"
        return [int(r[0]) for r in conn.execute(text(f"SELECT nextval({seq}) FROM generate_series(1, :n)"), {"n": n})]
    top = conn.execute(text("SELECT coalesce(max(id), 0) FROM audit_event")).scalar_one()
    start = max(int(top), head_id) + 1
    return list(range(start, start + n))


# --- checking ----------------------------------------------------------------------------


@dataclass
class ChainReport:
    """What ``db check`` says of the audit trail."""

    events: int = 0
    first_broken: int | None = None  # id of the first event whose hash does not follow
    head_ok: bool = True  # False: the head and the last event disagree (tail cut, head reset)
    head_events: int | None = None  # what the head says: how many events, the last one's id
    head_last_id: int | None = None
    version_gaps: list[str] = field(default_factory=list)  # case numbers whose trail ends early

    @property
    def ok(self) -> bool:
        return self.first_broken is None and self.head_ok and not self.version_gaps


def _stored_events(conn: Connection) -> Iterator[tuple[int, Event, str]]:
    stmt = select(_events).order_by(_events.c.id)
    for row in conn.execution_options(stream_results=True, yield_per=2000).execute(stmt):
        m = row._mapping
        yield (
            int(m["id"]),
            Event(m["case_id"], m["staff_id"], m["at"], m["action"], m["version"], m["before"], m["after"]),
            str(m["hash"] or ""),
        )


def verify(conn: Connection) -> ChainReport:
    """Walk the whole trail in id order and recompute every link."""
    report = ChainReport()
    prev, last_id = GENESIS, 0
    for event_id, event, stored in _stored_events(conn):
        report.events += 1
        last_id = event_id
        expected = link(prev, event)
        if report.first_broken is None and expected != stored:
            report.first_broken = event_id
        # Carry on from the stored hash so one bad row is named once, not every row after it.
        prev = stored
    head = conn.execute(select(_head.c.last_id, _head.c.last_hash, _head.c.events).where(_head.c.id == 1)).first()
    if head is None:
        report.head_ok = report.events == 0
    else:
        report.head_events, report.head_last_id = int(head[2]), int(head[0])
        report.head_ok = (int(head[0]), str(head[1]) or GENESIS, int(head[2])) == (last_id, prev, report.events)
    report.version_gaps = _version_gaps(conn)
    return report


def _version_gaps(conn: Connection, limit: int = 20) -> list[str]:
    """Cases whose row version is ahead of their audit trail: events removed from the end."""
    rows = conn.execute(
        text(
            "SELECT c.number FROM complaint_case c "
            "LEFT JOIN (SELECT case_id, max(version) AS v FROM audit_event GROUP BY case_id) a ON a.case_id = c.id "
            "WHERE a.v IS NULL OR a.v < c.version ORDER BY c.id LIMIT :limit"
        ),
        {"limit": limit},
    )
    return [str(r[0]) for r in rows]
