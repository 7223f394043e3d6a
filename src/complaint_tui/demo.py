"""A realistic demo database of any size (``complaint-tui demo``, ``complaint-tui --demo``).

Every case is walked through the real workflow rules in memory: each step asks
``workflow.refusal()`` on a ``CaseFacts`` the walk keeps up to date, with the acting staff
member's role, and the extra guards the services apply (assignee, confirmer, feedback, return
visit). A rule change therefore stops the demo with ``DemoRuleBroken`` instead of producing
illegal data. Clocks come from ``policy.due()`` at the same moments the services start them, the
queue columns are derived from the clocks exactly as ``services.base.refresh_queue_keys`` does,
case numbers follow ``services.intake.next_case_number`` and the counter rows let later intakes
continue each day's sequence. Each step leaves its audit event; each case its search document
(``services.search_index.case_document``).

Speed (FACTS.md: ORM ``add_all`` about 6,000 rows/s, raw ``sqlite3.executemany`` about 240,000):
rows are plain tuples built per batch of cases and written with the raw DBAPI ``executemany`` on
SQLite, and with SQLAlchemy Core ``insert(table)`` executemany on PostgreSQL, committing every
few batches. Only one batch of cases is in memory at a time.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import json
import random
import sqlite3
import struct
import sys
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any, cast

from sqlalchemy import Connection, TableClause, column, func, insert, select, table, text
from sqlmodel import SQLModel

from complaint_tui import demo_data as data
from complaint_tui.audit_chain import GENESIS, Event, link
from complaint_tui.db import Store
from complaint_tui.errors import DeskError
from complaint_tui.i18n import t
from complaint_tui.models import (
    OPEN_STATUSES,
    AuditHead,
    Case,
    CloseKind,
    ContactKind,
    DemandMet,
    EvidenceKind,
    NoteKind,
    ObjectKind,
    Owner,
    Party,
    Role,
    Room,
    Status,
    UpdateKind,
    VisitOutcome,
)
from complaint_tui.policy import Policy
from complaint_tui.policy import Step as Clock
from complaint_tui.services.pin_hash import hash_pin
from complaint_tui.services.search_index import case_document
from complaint_tui.validation import normalise_phone
from complaint_tui.workflow import (
    HANDLING_ROLES,
    Action,
    Actor,
    CaseFacts,
    Refusal,
    assignee_refusal,
    feedback_refusal,
    queue_due_at,
    refusal,
    target_status,
    visit_refusal,
)

DAYS = 183  # about six months of history up to ``now``
BATCH_CASES = 2_000  # cases generated, then written, at a time
COMMIT_EVERY = 10  # batches per transaction
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
_SQLITE_CACHE_KIB = 64 * 1024
# Every demo account's PIN (README: Accounts and PINs); ``--demo`` signs in with it.
DEMO_PIN = "2468"


@dataclass(frozen=True)
class DemoSummary:
    """What ``build_demo`` made, and how long it took."""

    cases: int
    seconds: float
    staff: int = 0
    owners: int = 0
    rooms: int = 0
    rows: int = 0


class DemoRuleBroken(RuntimeError):
    """The demo's walk of a case broke a workflow rule: the generator and the rules disagree."""


class _Stop(Exception):
    """The walk of one case ends here (the next step lies after ``now``, or the case stalls)."""


# --- the rows, column by column ---------------------------------------------------------------

# Each tuple the generator emits follows these columns; ``_check_columns`` compares them with the
# models, so a schema change breaks the demo at once instead of shifting values between columns.
_COLS: dict[str, tuple[str, ...]] = {
    "staff": (
        "id",
        "login",
        "name",
        "role",
        "department",
        "active",
        "pin_hash",
        "created_at",
        "failed_pins",
        "locked_at",
    ),
    "owner": ("id", "name", "phone", "created_at"),
    "room": ("id", "building", "unit", "room"),
    "evidence_blob": ("sha256", "size", "data", "created_at"),
    "complaint_case": (
        "id",
        "number",
        "source_id",
        "version",
        "channel",
        "received_at",
        "received_by_id",
        "contact_confirmed",
        "owner_id",
        "room_id",
        "object_kind",
        "object_text",
        "object_staff_id",
        "matter_what",
        "matter_when",
        "matter_where",
        "matter_state",
        "demand",
        "category",
        "urgency",
        "status",
        "status_before",
        "is_open",
        "department",
        "assignee_id",
        "cycle",
        "paused_at",
        "pause_reason",
        "next_step",
        "next_due_at",
        "queue_due_at",
        "reopen_count",
        "append_count",
        "chase_count",
        "merged_into_id",
        "close_kind",
        "close_reason",
        "closed_at",
        "closed_by_id",
        "withdrawn_reason",
        "owner_rejects_decision",
        "external_recourse",
        "created_at",
        "updated_at",
    ),
    "step_clock": (
        "id",
        "case_id",
        "cycle",
        "step",
        "started_at",
        "due_at",
        "done_at",
        "paused_seconds",
        "limit_unit",
        "cancelled_at",
    ),
    "investigation_note": ("id", "case_id", "cycle", "kind", "party", "person", "content", "author_id", "created_at"),
    "evidence": (
        "id",
        "case_id",
        "note_id",
        "kind",
        "source",
        "taken_on",
        "filename",
        "sha256",
        "size",
        "note",
        "added_by_id",
        "added_at",
    ),
    "finding": (
        "id",
        "case_id",
        "cycle",
        "responsibility",
        "cause_code",
        "cause_text",
        "valid",
        "validity_reason",
        "signatories",
        "confirmed_by_id",
        "confirmed_at",
        "recorded_by_id",
        "created_at",
    ),
    "plan": (
        "id",
        "case_id",
        "cycle",
        "measures",
        "deadline",
        "department",
        "responsible_id",
        "responsible_name",
        "resources",
        "created_by_id",
        "created_at",
    ),
    "referral": ("id", "case_id", "cycle", "authority", "authority_text", "explanation", "created_by_id", "created_at"),
    "department_task": (
        "id",
        "case_id",
        "cycle",
        "department",
        "assignee_id",
        "what",
        "due_at",
        "done_at",
        "result",
        "created_by_id",
        "created_at",
        "done_by_id",
    ),
    "follow_up": ("id", "case_id", "kind", "content", "by_id", "at"),
    "owner_update": ("id", "case_id", "kind", "channel", "content", "by_id", "at"),
    "feedback": (
        "id",
        "case_id",
        "cycle",
        "channel",
        "what_done",
        "measures",
        "result",
        "demand_met",
        "unmet_reason",
        "next_step",
        "by_id",
        "at",
    ),
    "return_visit": (
        "id",
        "case_id",
        "cycle",
        "method",
        "satisfaction",
        "remaining_issues",
        "outcome",
        "owner_rejects_decision",
        "external_recourse",
        "by_id",
        "at",
    ),
    "case_contact": ("id", "case_id", "kind", "channel", "content", "by_id", "at"),
    "case_pause": ("id", "case_id", "reason", "paused_at", "paused_by_id", "resumed_at", "resumed_by_id"),
    "audit_event": ("id", "case_id", "staff_id", "at", "action", "version", "before", "after", "hash"),
    "case_number_counter": ("day", "last"),
}
# Parents before children, so every foreign key points at a row already written.
_CHILD_ORDER = (
    "owner",
    "room",
    "complaint_case",
    "step_clock",
    "investigation_note",
    "evidence",
    "finding",
    "plan",
    "referral",
    "department_task",
    "follow_up",
    "owner_update",
    "feedback",
    "return_visit",
    "case_contact",
    "case_pause",
    "audit_event",
)
_ID_TABLES = tuple(name for name in _COLS if "id" in _COLS[name])


def _check_columns() -> None:
    tables = SQLModel.metadata.tables
    for name, cols in _COLS.items():
        actual = tuple(tables[name].columns.keys())
        if actual != cols:
            raise DemoRuleBroken(f"the demo writes {name}{cols} but the model has {actual}")


# --- writing ----------------------------------------------------------------------------------


class _Writer:
    """Bulk inserts in a few transactions: raw ``sqlite3`` on SQLite, Core executemany elsewhere.

    Values come in as Python objects; ``ts``/``js``/``day`` turn timestamps, JSON and dates into
    what the backend stores (on SQLite the exact text SQLAlchemy writes for ``UTCDateTime``, so
    the ORM and the queries compare them correctly).

    (A writer thread overlapping generation was measured and dropped: binding the parameters holds
    the GIL, so it gained nothing on two cores.)
    """

    def __init__(self, store: Store) -> None:
        self.sqlite = store.dialect == "sqlite"
        self.rows = 0
        self._store = store
        self._raw: Any = None
        self._conn: Connection | None = None
        self._db: sqlite3.Connection | None = None
        self.ts: Callable[[dt.datetime], Any]
        self.js: Callable[[dict[str, Any] | None], Any]
        self.day: Callable[[dt.date], Any]
        if self.sqlite:
            self.ts = _sqlite_ts
            self.js = _sqlite_json
            self.day = dt.date.isoformat
        else:
            self.ts = _same
            self.js = _same
            self.day = _same

    def __enter__(self) -> _Writer:
        if self.sqlite:
            self._raw = self._store.engine.raw_connection()
            self._db = cast(sqlite3.Connection, self._raw.driver_connection)
            # A big page cache for this connection only: the indexes stay in memory instead of
            # spilling dirty pages into the WAL over and over during the large transactions.
            self._db.execute(f"PRAGMA cache_size=-{_SQLITE_CACHE_KIB}")
            self._db.execute("BEGIN IMMEDIATE")
        else:
            self._conn = self._store.engine.connect()
            self._conn.begin()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                self._commit()
            elif self._db is not None:
                self._db.execute("ROLLBACK")
            elif self._conn is not None:
                self._conn.rollback()
        finally:
            if self._raw is not None:
                self._raw.close()
            if self._conn is not None:
                self._conn.close()

    def _commit(self) -> None:
        if self._db is not None:
            self._db.execute("COMMIT")
        elif self._conn is not None:
            self._conn.commit()

    def checkpoint(self) -> None:
        """Commit what is written so far and go on in a new transaction."""
        self._commit()
        if self._db is not None:
            self._db.execute("BEGIN IMMEDIATE")
        elif self._conn is not None:
            self._conn.begin()

    def insert(self, name: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        self.rows += len(rows)
        cols = _COLS.get(name)
        if self._db is not None:
            if name == "case_search":
                sql = "INSERT INTO case_search(rowid, doc) VALUES (?, ?)"
            else:
                assert cols is not None
                sql = f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            self._db.executemany(sql, rows)
        else:
            assert self._conn is not None
            if name == "case_search":
                target: TableClause = table("case_search", column("case_id"), column("doc"))
                cols = ("case_id", "doc")
            else:
                target = SQLModel.metadata.tables[name]
            assert cols is not None
            # Plain executemany (psycopg pipelines it). Measured slower: RETURNING, which makes
            # SQLAlchemy batch rows into multi-row VALUES, and insert().values(rows).
            self._conn.execute(insert(target), [dict(zip(cols, row, strict=True)) for row in rows])

    def max_ids(self) -> dict[str, int]:
        """The highest id in use per table, so the demo's ids follow on."""
        out: dict[str, int] = {}
        with self._store.engine.connect() as conn:
            for name in _ID_TABLES:
                tbl = SQLModel.metadata.tables[name]
                out[name] = int(conn.execute(select(func.coalesce(func.max(tbl.c.id), 0))).scalar_one())
        return out

    def audit_head(self) -> tuple[int, str, int]:
        """The audit chain's last link (id, hash, count of events) that the demo's events follow."""
        head = AuditHead.__table__  # type: ignore[attr-defined]
        with self._store.engine.connect() as conn:
            row = conn.execute(select(head.c.last_id, head.c.last_hash, head.c.events).where(head.c.id == 1)).first()
        if row is None:
            return 0, GENESIS, 0
        return int(row[0]), str(row[1]) or GENESIS, int(row[2])

    def move_audit_head(self, last_id: int, last_hash: str, events: int) -> None:
        """Point the chain's head at the demo's last event, in the demo's transaction."""
        if self._db is not None:
            self._db.execute(
                "UPDATE audit_head SET last_id = ?, last_hash = ?, events = ? WHERE id = 1",
                (last_id, last_hash, events),
            )
        elif self._conn is not None:
            self._conn.execute(
                text("UPDATE audit_head SET last_id = :i, last_hash = :h, events = :n WHERE id = 1"),
                {"i": last_id, "h": last_hash, "n": events},
            )

    def fix_sequences(self) -> None:
        """PostgreSQL: explicit ids do not move the serial sequences; move them past the demo's rows."""
        if self._conn is None:
            return
        for name in _ID_TABLES:
            self._conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
                )
            )


def _sqlite_ts(value: dt.datetime) -> str:
    # What SQLAlchemy's SQLite DATETIME writes for UTCDateTime: naive UTC, always with microseconds.
    if value.tzinfo is dt.UTC:  # every time the demo makes; cutting "+00:00" is the cheap way
        return value.isoformat(" ", "microseconds")[:26]
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


# One encoder for every event: json.dumps with options builds a new encoder per call.
_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _sqlite_json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else _encode_json(value)


def _same(value: Any) -> Any:
    return value


# --- people, places and files -----------------------------------------------------------------


@dataclass(frozen=True)
class _Staff:
    id: int
    login: str
    name: str
    role: Role
    department: str | None
    active: bool
    actor: Actor


@dataclass(slots=True)
class _Owner:
    id: int
    name: str
    phone: str


@dataclass(slots=True)
class _Room:
    building: str
    unit: str
    room: str
    floor: int
    index: int
    top: int
    id: int = 0
    owners: list[_Owner] | None = None


@dataclass(frozen=True)
class _Blob:
    sha256: str
    size: int
    kind: str
    ext: str


@dataclass(slots=True)
class _DocCase:
    """The fields ``case_document`` reads from a case, without building an ORM object."""

    number: str
    object_text: str
    matter_what: str
    matter_where: str
    matter_state: str
    demand: str


def _png(rgb: tuple[int, int, int]) -> bytes:
    """A valid one-pixel PNG in the given colour: a tiny but real photo file."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes((0, *rgb)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _wav() -> bytes:
    """A valid tenth of a second of silence (8 kHz, 8-bit mono): a tiny call recording."""
    samples = b"\x80" * 800
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 8000, 1, 8)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(samples)) + samples
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _pdf() -> bytes:
    """A one-page PDF with no text: stands in for an e-mailed document."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _blobs() -> list[tuple[bytes, str, str]]:
    return [
        (_png((176, 190, 197)), EvidenceKind.PHOTO.value, "jpg"),
        (_png((121, 85, 72)), EvidenceKind.PHOTO.value, "jpg"),
        (_png((56, 142, 60)), EvidenceKind.PHOTO.value, "png"),
        (_wav(), EvidenceKind.AUDIO.value, "wav"),
        (_pdf(), EvidenceKind.DOCUMENT.value, "pdf"),
    ]


# --- one case, walked through the rules -------------------------------------------------------


@dataclass(slots=True)
class _Clock:
    step: Clock
    cycle: int
    started_at: dt.datetime
    due_at: dt.datetime
    unit: str  # of the limit that set due_at: a pause moves it the same way
    done_at: dt.datetime | None = None
    paused_seconds: int = 0
    cancelled_at: dt.datetime | None = None

    @property
    def running(self) -> bool:
        return self.done_at is None and self.cancelled_at is None


@dataclass(slots=True)
class _Task:
    row: list[Any]
    due: dt.datetime


def _plain(value: Any) -> Any:
    """An audit value as services.base._plain writes it (times as ISO text)."""
    return value.isoformat() if isinstance(value, dt.datetime) else value


_Event = tuple[dt.datetime, int | None, str, dict[str, Any] | None, dict[str, Any] | None]
_SNAP_FIELDS = ("status", "assignee_id", "department", "cycle", "next_step", "next_due_at", "paused_at")


class _CaseSim:
    """One case in memory: its fields, the guard inputs of its current cycle, its clocks and rows.

    Each verb mirrors the service of the same name: it asks the workflow first, then changes the
    case, its clocks and rows, and records the audit event.
    """

    def __init__(
        self,
        gen: _Generator,
        case_id: int,
        number: str,
        received_at: dt.datetime,
        channel: str,
        category: str,
        urgency: str,
        owner: _Owner,
        room: _Room,
        matter: data.Matter,
        fill: dict[str, Any],
        subject: _Staff | None,
    ) -> None:
        self.gen = gen
        self.id = case_id
        self.number = number
        self.received_at = received_at
        self.channel = channel
        self.category = category
        self.urgency = urgency
        self.owner = owner
        self.room = room
        self.matter = matter
        self.fill = fill
        self.subject = subject
        self.both_parties = gen.policy.categories[category].both_parties
        self.department: str | None = gen.policy.categories[category].department
        self.status = Status.RECEIVED
        self.status_before: str | None = None
        self.cycle = 1
        self.t = received_at
        self.assignee: _Staff | None = None
        self.paused_at: dt.datetime | None = None
        self.pause_reason: str | None = None
        self.pause_row: list[Any] | None = None
        self.clocks: list[_Clock] = []
        self.events: list[_Event] = []
        self.appended: list[str] = []
        self.reopen_count = self.append_count = self.chase_count = 0
        self.merged_into: _CaseSim | None = None
        self.close_kind: str | None = None
        self.close_reason: str | None = None
        self.closed_at: dt.datetime | None = None
        self.closed_by: int | None = None
        self.withdrawn_reason: str | None = None
        self.rejects = False
        self.recourse: str | None = None
        self.first_final_at: dt.datetime | None = None
        self.stop_before: frozenset[Action] = frozenset()
        # guard inputs of the current cycle (services.base.case_facts)
        self.notes = 0
        self.parties: set[Party] = set()
        self.finding: tuple[bool, str] | None = None
        self.has_plan = False
        self.open_tasks = 0
        self.last_visit_satisfied: bool | None = None
        # set by intake()
        self.object_text = self.what = self.where = self.state = self.demand = self.when = ""
        self.received_by: _Staff | None = None
        self.contact_confirmed = False
        self._last: tuple[Any, ...] = ()

    # -- the rules

    def facts(self) -> CaseFacts:
        return CaseFacts(
            status=self.status,
            both_parties=self.both_parties,
            subject_staff_id=self.subject.id if self.subject else None,
            assignee_id=self.assignee.id if self.assignee else None,
            paused=self.paused_at is not None,
            notes=self.notes,
            parties_heard=frozenset(self.parties),
            has_finding=self.finding is not None,
            finding_valid=self.finding[0] if self.finding else None,
            finding_responsibility=self.finding[1] if self.finding else None,
            has_plan=self.has_plan,
            open_tasks=self.open_tasks,
            last_visit_satisfied=self.last_visit_satisfied,
        )

    def _refused(self, action: Action | str, found: Refusal) -> DemoRuleBroken:
        name = action.value if isinstance(action, Action) else action
        return DemoRuleBroken(f"demo case {self.number}: {name} refused: {found.message('en')} ({found.key})")

    def _begin(self, action: Action, staff: _Staff, at: dt.datetime) -> tuple[dt.datetime, tuple[Any, ...]]:
        """The moment of the step (after the previous one, never after now) once the rules allow it."""
        if action in self.stop_before:
            raise _Stop
        # whole seconds: what a person's step looks like, and shorter audit text
        at = max(at, self.t + MINUTE).replace(microsecond=0)
        if at > self.gen.now:
            raise _Stop
        found = refusal(action, self.facts(), staff.actor)
        if found is not None:
            raise self._refused(action, found)
        return at, self._last

    def _end(
        self,
        action: Action,
        staff: _Staff,
        at: dt.datetime,
        before: tuple[Any, ...],
        details: dict[str, Any] | None = None,
    ) -> None:
        """Like ``services.step.case_step`` on leaving: the target status, and the audit event."""
        target = target_status(action)
        if target is not None and self.status is before[0]:
            self.status = target
        if self.status is Status.CLOSED and self.closed_at is None:
            self.closed_at, self.closed_by = at, staff.id
        if self.status not in OPEN_STATUSES and before[0] in OPEN_STATUSES:
            self._leave_cycle(staff, at)  # services.step.case_step: leaving for good
        if self.first_final_at is None and self.status not in OPEN_STATUSES:
            self.first_final_at = at
        self.t = at
        after = self._last = self._snap()  # only verbs change a case: the next step starts from this
        was: dict[str, Any] = {}
        now: dict[str, Any] = {}
        for name, old, new in zip(_SNAP_FIELDS, before, after, strict=True):
            if old != new:
                was[name], now[name] = _plain(old), _plain(new)
        if details:
            now.update(details)
        self.events.append((at, staff.id, action.value, was or None, now or None))

    def _snap(self) -> tuple[Any, ...]:
        clock = self.next_clock()
        # Enum members as they are (they are str): JSON writes them as their codes.
        return (
            self.status,
            self.assignee.id if self.assignee else None,
            self.department,
            self.cycle,
            clock.step if clock else None,
            clock.due_at if clock else None,
            self.paused_at,
        )

    # -- clocks (services.base.start_clock / finish_clock / cancel_open_clocks / refresh_queue_keys)

    def start_clock(self, step: Clock, start: dt.datetime) -> _Clock:
        due, limit = self.gen.policy.due_and_limit(step, start, self.urgency, self.category, self.channel)
        clock = _Clock(step, self.cycle, start, due, limit.unit)
        self.clocks.append(clock)
        return clock

    def finish_clock(self, step: Clock, at: dt.datetime) -> None:
        for clock in self.clocks:
            if clock.cycle == self.cycle and clock.step is step and clock.running:
                clock.done_at = at

    def _leave_cycle(self, staff: _Staff, at: dt.datetime) -> None:
        """services.base.end_pause + cancel_open_clocks: the case leaves its cycle (final, or reopened);
        an open pause ends without moving a clock, and what is undone will never be done."""
        if self.paused_at is not None and self.pause_row is not None:
            self.pause_row[5], self.pause_row[6] = self.gen.ts(at), staff.id
            self.paused_at = self.pause_reason = self.pause_row = None
        for clock in self.clocks:
            if clock.cycle == self.cycle and clock.running:
                clock.cancelled_at = at

    def clock(self, step: Clock) -> _Clock:
        return next(c for c in reversed(self.clocks) if c.step is step and c.cycle == self.cycle)

    def next_clock(self) -> _Clock | None:
        if self.status not in OPEN_STATUSES:
            return None
        found = None
        for c in self.clocks:
            if c.cycle == self.cycle and c.running and (found is None or c.due_at < found.due_at):
                found = c
        return found

    # -- the verbs

    def intake(self, staff: _Staff, raised_from: str | None) -> None:
        found = refusal(Action.INTAKE, CaseFacts(status=Status.RECEIVED), staff.actor)
        if found is not None:
            raise self._refused(Action.INTAKE, found)
        gen, at = self.gen, self.received_at
        self.received_by = staff
        self.contact_confirmed = gen.policy.channels[self.channel].live or gen.rng.random() < 0.6
        first = self.start_clock(Clock.FIRST_RESPONSE, at)
        self.start_clock(Clock.RESOLUTION, at)
        gen.intake_evidence(self, staff, at)
        receipt = t(
            "receipt.text",
            "zh",
            number=self.number,
            due=first.due_at.astimezone(gen.policy.zone).strftime("%Y-%m-%d %H:%M"),
        )
        gen.owner_update(self, UpdateKind.RECEIPT, self.channel, receipt, staff, at)
        after: dict[str, Any] = {
            "number": self.number,
            "channel": self.channel,
            "category": self.category,
            "urgency": self.urgency,
            "status": self.status.value,
            "owner_id": self.owner.id,
            "room_id": self.room.id,
            "object_kind": self.matter.object_kind,
            "matter_what": self.what,
            "demand": self.demand,
        }
        if raised_from:
            after["urgency_raised_from"] = raised_from
        self.events.append((at, staff.id, Action.INTAKE.value, None, after))
        self._last = self._snap()

    def assign(self, staff: _Staff, assignee: _Staff, at: dt.datetime) -> None:
        at, before = self._begin(Action.ASSIGN, staff, at)
        found = assignee_refusal(self.facts(), assignee.id, assignee.role, assignee.active)
        if found is not None:
            raise self._refused(Action.ASSIGN, found)
        self.assignee = assignee
        self.department = assignee.department or self.department
        self._end(Action.ASSIGN, staff, at, before)

    def acknowledge(self, staff: _Staff, at: dt.datetime, channel: str, content: str) -> None:
        at, before = self._begin(Action.ACKNOWLEDGE, staff, at)
        self.finish_clock(Clock.FIRST_RESPONSE, at)
        self.gen.owner_update(self, UpdateKind.FIRST_RESPONSE, channel, content, staff, at)
        self._end(Action.ACKNOWLEDGE, staff, at, before, {"channel": channel})

    def add_note(
        self, staff: _Staff, at: dt.datetime, kind: str, content: str, party: Party | None = None, person: str = ""
    ) -> int:
        at, before = self._begin(Action.ADD_NOTE, staff, at)
        gen = self.gen
        note_id = gen.next_id("investigation_note")
        gen.add(
            "investigation_note",
            (note_id, self.id, self.cycle, kind, party.value if party else None, person, content, staff.id, gen.ts(at)),
        )
        self.notes += 1
        if party is not None:
            self.parties.add(party)
        files = gen.note_evidence(self, note_id, kind, staff, at)
        self._end(
            Action.ADD_NOTE,
            staff,
            at,
            before,
            {"note": {"kind": kind, "party": party.value if party else None, "person": person}, "evidence": files},
        )
        return note_id

    def record_finding(
        self,
        staff: _Staff,
        at: dt.datetime,
        confirmer: _Staff,
        responsibility: str,
        cause: str,
        cause_text: str,
        valid: bool,
        reason: str,
        signatories: str,
    ) -> None:
        at, before = self._begin(Action.RECORD_FINDING, staff, at)
        # The checks services.investigation.record_finding adds to the workflow's.
        if self.subject is not None and confirmer.id == self.subject.id:
            raise DemoRuleBroken(f"demo case {self.number}: the finding is confirmed by the staff complained about")
        if confirmer.role not in HANDLING_ROLES:
            raise DemoRuleBroken(f"demo case {self.number}: the finding is confirmed by a {confirmer.role.value}")
        gen = self.gen
        gen.add(
            "finding",
            (
                gen.next_id("finding"),
                self.id,
                self.cycle,
                responsibility,
                cause,
                cause_text,
                valid,
                reason,
                signatories,
                confirmer.id,
                gen.ts(at),
                staff.id,
                gen.ts(at),
            ),
        )
        self.finding = (valid, responsibility)
        details = {"finding": {"responsibility": responsibility, "cause_code": cause, "valid": valid}}
        self._end(Action.RECORD_FINDING, staff, at, before, details)

    def plan(
        self,
        staff: _Staff,
        at: dt.datetime,
        measures: str,
        deadline: dt.datetime,
        department: str,
        responsible: _Staff,
        resources: str,
    ) -> None:
        at, before = self._begin(Action.PLAN, staff, at)
        if deadline <= at:  # services.resolution._future
            deadline = at + DAY
        gen = self.gen
        gen.add(
            "plan",
            (
                gen.next_id("plan"),
                self.id,
                self.cycle,
                measures,
                gen.ts(deadline),
                department,
                responsible.id,
                responsible.name,
                resources,
                staff.id,
                gen.ts(at),
            ),
        )
        self.has_plan = True
        self.department = department
        details = {
            "plan": {"deadline": deadline.isoformat(), "department": department, "responsible_id": responsible.id}
        }
        self._end(Action.PLAN, staff, at, before, details)

    def refer(self, staff: _Staff, at: dt.datetime, authority: str, explanation: str) -> None:
        at, before = self._begin(Action.REFER, staff, at)
        gen = self.gen
        gen.add(
            "referral",
            (gen.next_id("referral"), self.id, self.cycle, authority, "", explanation, staff.id, gen.ts(at)),
        )
        self.finish_clock(Clock.RESOLUTION, at)
        self.start_clock(Clock.FEEDBACK, at)
        self._end(Action.REFER, staff, at, before, {"referral": {"authority": authority}})

    def add_task(
        self, staff: _Staff, at: dt.datetime, department: str, what: str, due: dt.datetime, assignee: _Staff | None
    ) -> _Task:
        at, before = self._begin(Action.ADD_TASK, staff, at)
        due = max(due, at + HOUR)  # services.resolution._future
        gen = self.gen
        row: list[Any] = [
            gen.next_id("department_task"),
            self.id,
            self.cycle,
            department,
            assignee.id if assignee else None,
            what,
            gen.ts(due),
            None,
            "",
            staff.id,
            gen.ts(at),
            None,
        ]
        gen.add("department_task", row)
        self.open_tasks += 1
        self._end(Action.ADD_TASK, staff, at, before, {"task": {"id": row[0], "department": department}})
        return _Task(row, due)

    def finish_task(self, staff: _Staff, at: dt.datetime, task: _Task, result: str) -> None:
        at, before = self._begin(Action.FINISH_TASK, staff, at)
        row = task.row  # still in this batch's rows: done_at, result and done_by are filled in place
        row[7], row[8], row[11] = self.gen.ts(at), result, staff.id
        self.open_tasks -= 1
        details = {"task_id": row[0], "on_time": at <= task.due}
        self._end(Action.FINISH_TASK, staff, at, before, details)

    def follow_up(self, staff: _Staff, at: dt.datetime, kind: str, content: str) -> None:
        at, before = self._begin(Action.FOLLOW_UP, staff, at)
        gen = self.gen
        gen.add("follow_up", (gen.next_id("follow_up"), self.id, kind, content, staff.id, gen.ts(at)))
        self._end(Action.FOLLOW_UP, staff, at, before, {"kind": kind})

    def update_owner(self, staff: _Staff, at: dt.datetime, channel: str, content: str) -> None:
        at, before = self._begin(Action.UPDATE_OWNER, staff, at)
        self.gen.owner_update(self, UpdateKind.PROGRESS, channel, content, staff, at)
        self._end(Action.UPDATE_OWNER, staff, at, before, {"channel": channel})

    def resolve(self, staff: _Staff, at: dt.datetime) -> None:
        at, before = self._begin(Action.RESOLVE, staff, at)
        self.finish_clock(Clock.RESOLUTION, at)
        self.start_clock(Clock.FEEDBACK, at)
        self._end(Action.RESOLVE, staff, at, before)

    def give_feedback(
        self,
        staff: _Staff,
        at: dt.datetime,
        channel: str,
        what_done: str,
        measures: str,
        result: str,
        met: DemandMet,
        unmet_reason: str = "",
        next_step: str = "",
    ) -> None:
        found = feedback_refusal(met, unmet_reason, next_step)
        if found is not None:
            raise self._refused(Action.GIVE_FEEDBACK, found)
        at, before = self._begin(Action.GIVE_FEEDBACK, staff, at)
        gen = self.gen
        gen.add(
            "feedback",
            (
                gen.next_id("feedback"),
                self.id,
                self.cycle,
                channel,
                what_done,
                measures,
                result,
                met.value,
                unmet_reason,
                next_step,
                staff.id,
                gen.ts(at),
            ),
        )
        self.finish_clock(Clock.FEEDBACK, at)
        self.start_clock(Clock.RETURN_VISIT, at)
        self._end(Action.GIVE_FEEDBACK, staff, at, before, {"feedback": {"demand_met": met.value}})

    def log_return_visit(
        self,
        staff: _Staff,
        at: dt.datetime,
        method: str,
        score: int,
        outcome: VisitOutcome,
        remaining: str = "",
        rejects: bool = False,
        recourse: str = "",
    ) -> None:
        found = visit_refusal(outcome, score, self.gen.policy, rejects, recourse)
        if found is not None:
            raise self._refused(Action.LOG_RETURN_VISIT, found)
        at, before = self._begin(Action.LOG_RETURN_VISIT, staff, at)
        gen = self.gen
        gen.add(
            "return_visit",
            (
                gen.next_id("return_visit"),
                self.id,
                self.cycle,
                method,
                score,
                remaining,
                outcome.value,
                rejects,
                recourse,
                staff.id,
                gen.ts(at),
            ),
        )
        self.last_visit_satisfied = score >= gen.policy.satisfied_min
        self.finish_clock(Clock.RETURN_VISIT, at)
        if rejects:
            self.rejects, self.recourse = True, recourse
        if outcome is VisitOutcome.CLOSE:
            self._close(CloseKind.SATISFIED, None, staff, at)
        elif outcome is VisitOutcome.REOPEN:
            self._reopen(staff, at)
        self._end(Action.LOG_RETURN_VISIT, staff, at, before, {"visit": {"satisfaction": score, "outcome": outcome}})

    def _close(self, kind: CloseKind, reason: str | None, staff: _Staff, at: dt.datetime) -> None:
        self.status = Status.CLOSED
        self.close_kind, self.close_reason, self.closed_at, self.closed_by = kind.value, reason, at, staff.id

    def _reopen(self, staff: _Staff, at: dt.datetime) -> None:
        """services.closing._reopen: the old cycle's leftovers cancelled, a new cycle, counted, with a
        resolution clock from now."""
        self._leave_cycle(staff, at)
        self.status = Status.INVESTIGATING
        self.reopen_count += 1
        self.cycle += 1
        self.close_kind = self.close_reason = None
        self.closed_at = self.closed_by = None
        self.notes, self.parties, self.finding = 0, set(), None
        self.has_plan, self.last_visit_satisfied = False, None
        self.start_clock(Clock.RESOLUTION, at)

    def force_close(self, staff: _Staff, at: dt.datetime, reason: str) -> None:
        at, before = self._begin(Action.FORCE_CLOSE, staff, at)
        self._close(CloseKind.FORCED, reason, staff, at)
        self._end(Action.FORCE_CLOSE, staff, at, before, {"close_kind": CloseKind.FORCED.value, "reason": reason})

    def reopen(self, staff: _Staff, at: dt.datetime, reason: str) -> None:
        at, before = self._begin(Action.REOPEN, staff, at)
        self._reopen(staff, at)
        self._end(Action.REOPEN, staff, at, before, {"reason": reason, "reopen_count": self.reopen_count})

    def withdraw(self, staff: _Staff, at: dt.datetime, reason: str) -> None:
        at, before = self._begin(Action.WITHDRAW, staff, at)
        self.withdrawn_reason = reason
        self._end(Action.WITHDRAW, staff, at, before, {"withdrawn_reason": reason})

    def merge(self, staff: _Staff, at: dt.datetime, target: _CaseSim) -> None:
        at, before = self._begin(Action.MERGE, staff, at)
        # services.case_contacts.merge's own checks: another case, still open at that moment.
        if target is self or target.received_at >= at:
            raise DemoRuleBroken(f"demo case {self.number}: merged into itself or into a later case")
        if target.first_final_at is not None and target.first_final_at <= at:
            raise DemoRuleBroken(f"demo case {self.number}: merged into {target.number}, which was already final")
        self.status_before = self.status.value
        self.status = Status.MERGED
        self.merged_into = target
        target.events.append((at, staff.id, "merged_in", None, {"duplicate": self.number}))
        self._end(Action.MERGE, staff, at, before, {"into": target.number})

    def contact(self, kind: ContactKind, staff: _Staff, at: dt.datetime, channel: str, content: str) -> None:
        action = Action.APPEND if kind is ContactKind.APPEND else Action.CHASE
        at, before = self._begin(action, staff, at)
        gen = self.gen
        gen.add(
            "case_contact", (gen.next_id("case_contact"), self.id, kind.value, channel, content, staff.id, gen.ts(at))
        )
        if kind is ContactKind.APPEND:
            self.append_count += 1
            self.appended.append(content)  # services.search_index.reindex_case: appended text is searchable
            count = {"append_count": self.append_count}
        else:
            self.chase_count += 1
            count = {"chase_count": self.chase_count}
        self._end(action, staff, at, before, {"channel": channel, **count})

    def pause(self, staff: _Staff, at: dt.datetime, reason: str) -> None:
        at, before = self._begin(Action.PAUSE, staff, at)
        self.paused_at, self.pause_reason = at, reason
        gen = self.gen
        self.pause_row = [gen.next_id("case_pause"), self.id, reason, gen.ts(at), staff.id, None, None]
        gen.add("case_pause", self.pause_row)
        self._end(Action.PAUSE, staff, at, before, {"pause_reason": reason})

    def resume(self, staff: _Staff, at: dt.datetime) -> None:
        at, before = self._begin(Action.RESUME, staff, at)
        assert self.paused_at is not None and self.pause_row is not None
        gap = max(at - self.paused_at, dt.timedelta(0))
        extend = self.gen.policy.extend_for_pause
        for clock in self.clocks:  # services.case_contacts.resume: running clocks move on by the pause
            if clock.cycle == self.cycle and clock.running:
                since = max(self.paused_at, clock.started_at)
                clock.due_at = extend(clock.due_at, clock.unit, since, at)
                clock.paused_seconds += int(max(at - since, dt.timedelta(0)).total_seconds())
        self.pause_row[5], self.pause_row[6] = self.gen.ts(at), staff.id
        self.paused_at = self.pause_reason = None
        self.pause_row = None
        self._end(Action.RESUME, staff, at, before, {"paused_seconds": int(gap.total_seconds())})


# --- the stories ------------------------------------------------------------------------------


class _Path(Enum):
    """How a case's story goes, if time allows it to get that far."""

    CLOSE = "close"  # investigated, planned, resolved, fed back, satisfied visit, closed
    REFER = "refer"  # out of scope: referred, fed back, satisfied visit, closed
    REOPEN_VISIT = "reopen_visit"  # a dissatisfied visit reopens it; the second cycle closes it
    REOPEN_MANUAL = "reopen_manual"  # closed, then reopened by a supervisor when the problem came back
    EXPLAINED = "explained"  # dissatisfied, explained once more, force-closed by a supervisor
    FORCE_EARLY = "force_early"  # the owner cannot be reached: force-closed during the investigation
    WITHDRAW = "withdraw"
    MERGE = "merge"  # a duplicate of an open case of the same owner and room


_PATH_WEIGHTS = (
    (_Path.CLOSE, 60),
    (_Path.REFER, 9),
    (_Path.REOPEN_VISIT, 8),
    (_Path.REOPEN_MANUAL, 2),
    (_Path.EXPLAINED, 4),
    (_Path.FORCE_EARLY, 2),
    (_Path.WITHDRAW, 5),
    (_Path.MERGE, 5),
)
# Open cases left standing: (status, the actions the walk stops before, minimum age in days,
# clocks paused waiting on the owner).
_STALLS: tuple[tuple[Status, frozenset[Action], float, bool], ...] = (
    (Status.RECEIVED, frozenset({Action.ACKNOWLEDGE}), 0.0, False),
    (Status.INVESTIGATING, frozenset({Action.RECORD_FINDING}), 0.2, False),
    (Status.INVESTIGATING, frozenset({Action.PLAN, Action.REFER}), 1.0, False),
    (Status.INVESTIGATING, frozenset({Action.RECORD_FINDING}), 0.5, True),
    (Status.RESOLVING, frozenset({Action.FINISH_TASK, Action.RESOLVE}), 1.5, False),
    (Status.RESOLVING, frozenset({Action.RESOLVE}), 2.0, False),
    (Status.RESOLVED, frozenset({Action.GIVE_FEEDBACK}), 2.5, False),
    (Status.REFERRED, frozenset({Action.GIVE_FEEDBACK}), 2.5, False),
    (Status.FEEDBACK_GIVEN, frozenset({Action.LOG_RETURN_VISIT}), 4.0, False),
)
_CATEGORY_WEIGHTS = {
    "repair": 30,
    "complaint": 18,
    "neighbour_dispute": 13,
    "safety": 9,
    "environment": 20,
    "other": 6,
}
_CHANNEL_WEIGHTS = {"front_desk": 18, "hotline": 34, "wechat": 22, "owner_app": 18, "email": 8}
_URGENCY_WEIGHTS = (4, 18, 60, 18)  # most urgent first; levels past these get 10
# Calls by local hour of day (the desk's day starts at 8; the hotline never closes).
_HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 8, 16, 20, 20, 17, 11, 10, 16, 18, 17, 14, 12, 12, 10, 8, 5, 2)
_DESK_HOURS = range(8, 19)
_CONTACT_FOR_CHANNEL = {
    "front_desk": "in_person",
    "hotline": "phone",
    "wechat": "wechat",
    "owner_app": "app",
    "email": "email",
}


@dataclass
class _Plan:
    path: _Path
    stall: Status | None = None
    stop_before: frozenset[Action] = frozenset()
    pause_mid: bool = False
    pause_end: bool = False
    append: bool = False


class _Generator:
    """Makes the whole demo: staff, owners, rooms, then the cases day by day, in batches."""

    def __init__(self, store: Store, cases: int, seed: int, now: dt.datetime, progress: bool) -> None:
        self.store = store
        self.policy: Policy = store.policy
        self.total = cases
        self.rng = random.Random(seed)
        self.now = now
        self.progress = progress
        self.writer = _Writer(store)
        self.ts = self.writer.ts
        self.rows: dict[str, list[Any]] = {name: [] for name in (*_CHILD_ORDER, "case_search")}
        self.ids: dict[str, Iterator[int]] = {}
        self.batch: list[_CaseSim] = []
        self.counters: dict[str, int] = {}
        self.made = 0
        self.owner_count = 0
        self.room_count = 0
        self.phones: set[str] = set()
        self.start = (now.astimezone(self.policy.zone) - dt.timedelta(days=DAYS - 1)).date()
        self.staff: list[_Staff] = []
        self.blobs: list[_Blob] = []
        self._plan_rooms()
        self._plan_matters()
        self._stall_deck: list[int] = []
        self._path_cum = list(itertools.accumulate(w for _, w in _PATH_WEIGHTS))
        # The audit chain's last link, carried from event to event as the rows are made.
        self.chain_last_id, self.chain_prev, self.chain_events = 0, GENESIS, 0

    # -- ids and rows

    def next_id(self, name: str) -> int:
        return next(self.ids[name])

    def add(self, name: str, row: Sequence[Any]) -> None:
        self.rows[name].append(row)

    def audit_row(
        self,
        case_id: int | None,
        staff_id: int | None,
        at: dt.datetime,
        action: str,
        version: int | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        """An audit event sealed into the chain as ``audit_chain`` seals the services' events.

        Ids are given out in the order events are made, and rows are written in that order, so
        id order is chain order here too.
        """
        event_id = self.next_id("audit_event")
        self.chain_prev = link(self.chain_prev, Event(case_id, staff_id, at, action, version, before, after))
        self.chain_events += 1
        self.chain_last_id = event_id
        js = self.writer.js
        self.add(
            "audit_event",
            (event_id, case_id, staff_id, self.writer.ts(at), action, version, js(before), js(after), self.chain_prev),
        )

    def owner_update(
        self, case: _CaseSim, kind: UpdateKind, channel: str, content: str, staff: _Staff, at: dt.datetime
    ) -> None:
        self.add(
            "owner_update", (self.next_id("owner_update"), case.id, kind.value, channel, content, staff.id, self.ts(at))
        )

    # -- the roster and the places

    def _roster(self, base: int, created: dt.datetime) -> list[tuple[Any, ...]]:
        departments = list(self.policy.departments)
        rows: list[tuple[Any, ...]] = []
        seeds = list(data.ROSTER)
        covered = {s.department for s in seeds if s.role == Role.HANDLER.value and s.active}
        pin_hash = hash_pin(DEMO_PIN)  # once: each hash takes a few tenths of a second
        extra = iter(data.EXTRA_HANDLERS)
        for dept in departments:
            # A department the centre's policy adds gets two handlers of its own.
            for _ in range(0 if dept in covered else 2):
                login, name = next(extra, (f"h{len(seeds)}", f"{data.SURNAMES[len(seeds) % 50]}工"))
                seeds.append(data.StaffSeed(login, name, Role.HANDLER.value, dept))
        for i, s in enumerate(seeds):
            # a department the centre's policy does not have: the staff member joins the first one
            home = (
                s.department if s.department in self.policy.departments else (departments[0] if s.department else None)
            )
            role = Role(s.role)
            member = _Staff(base + i, s.login, s.name, role, home, s.active, Actor(base + i, role))
            self.staff.append(member)
            rows.append((member.id, s.login, s.name, s.role, home, s.active, pin_hash, self.ts(created), 0, None))
        self.desks = [s for s in self.staff if s.role is Role.DESK and s.active]
        self.supervisors = [s for s in self.staff if s.role is Role.SUPERVISOR and s.active]
        self.handlers = [s for s in self.staff if s.role is Role.HANDLER and s.active]
        self.by_dept: dict[str, list[_Staff]] = {
            d: [s for s in self.handlers if s.department == d] or self.handlers for d in departments
        }
        self.subjects = [s for s in self.staff if s.role in (Role.HANDLER, Role.DESK) and s.active]
        return rows

    def _plan_rooms(self) -> None:
        """Every room of the estate, with how often it complains (a few rooms complain a lot)."""
        self.rooms: list[_Room] = []
        weights: list[float] = []
        for bi, (building, top) in enumerate(data.BUILDINGS):
            older = 1.6 if bi < 4 else 1.0  # the oldest buildings need more repairs
            for unit in data.UNITS:
                for floor in range(2, top + 1):
                    for idx in range(1, data.ROOMS_PER_FLOOR + 1):
                        self.rooms.append(_Room(building, unit, f"{floor}{idx:02d}", floor, idx, top))
                        weights.append(older * self.rng.paretovariate(2.0))
        self.room_cum = list(itertools.accumulate(weights))

    def _plan_matters(self) -> None:
        cats = list(self.policy.categories)
        self.cat_codes = cats
        self.cat_cum = list(itertools.accumulate(_CATEGORY_WEIGHTS.get(c, 6) for c in cats))
        self.matters_for: dict[str, list[data.Matter]] = {}
        for code in cats:
            own = [m for m in data.MATTERS if m.category == code and m.measures]
            self.matters_for[code] = own or [data.GENERIC_MATTER]
        self.referable = [m for m in data.MATTERS if m.referral is not None and m.category in self.policy.categories]
        urg = list(self.policy.urgencies)
        self.urg_codes = urg
        self.urg_cum = list(
            itertools.accumulate(_URGENCY_WEIGHTS[i] if i < len(_URGENCY_WEIGHTS) else 10 for i in range(len(urg)))
        )
        self.chan_codes = list(self.policy.channels)
        self.chan_cum_day = list(itertools.accumulate(_CHANNEL_WEIGHTS.get(c, 8) for c in self.chan_codes))
        night = [0 if c == "front_desk" else _CHANNEL_WEIGHTS.get(c, 8) for c in self.chan_codes]
        self.chan_cum_night = list(itertools.accumulate(night)) if any(night) else self.chan_cum_day
        self.hour_cum = list(itertools.accumulate(_HOUR_WEIGHTS))

    def _room(self) -> _Room:
        room = self.rng.choices(self.rooms, cum_weights=self.room_cum)[0]
        if not room.id:
            room.id = self.next_id("room")
            self.room_count += 1
            self.add("room", (room.id, room.building, room.unit, room.room))
        return room

    def _owner(self, room: _Room, at: dt.datetime) -> _Owner:
        """The room's owner; now and then another member of the household calls instead."""
        owners = room.owners
        if owners and (len(owners) > 1 or self.rng.random() > 0.06):
            return owners[0] if len(owners) == 1 or self.rng.random() < 0.7 else owners[1]
        rng = self.rng
        name = rng.choice(data.SURNAMES) + rng.choice(data.GIVEN_NAMES)
        while True:
            if rng.random() < 0.05:
                area, length = rng.choice(data.LANDLINE_AREAS)
                phone = f"{area}-{rng.randint(2, 8)}{rng.randrange(10 ** (length - 1)):0{length - 1}d}"
            else:
                phone = f"{rng.choice(data.MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
            if phone not in self.phones:
                break
        if normalise_phone(phone) != phone:
            raise DemoRuleBroken(f"demo phone {phone} is not in the normalised form")
        self.phones.add(phone)
        owner = _Owner(self.next_id("owner"), name, phone)
        self.owner_count += 1
        self.add("owner", (owner.id, name, phone, self.ts(at)))
        room.owners = [*(owners or []), owner]
        return owner

    # -- evidence

    def _evidence(
        self, case: _CaseSim, note_id: int | None, blob: _Blob, source: str, note: str, staff: _Staff, at: dt.datetime
    ) -> str:
        local = at.astimezone(self.policy.zone)
        prefix = {"photo": "IMG", "audio": "REC", "document": "DOC"}.get(blob.kind, "FILE")
        filename = f"{prefix}_{local:%Y%m%d_%H%M}.{blob.ext}"
        self.add(
            "evidence",
            (
                self.next_id("evidence"),
                case.id,
                note_id,
                blob.kind,
                source,
                self.writer.day(local.date()),
                filename,
                blob.sha256,
                blob.size,
                note,
                staff.id,
                self.ts(at),
            ),
        )
        return filename

    def intake_evidence(self, case: _CaseSim, staff: _Staff, at: dt.datetime) -> None:
        rng = self.rng
        chance = {"wechat": 0.55, "owner_app": 0.5, "email": 0.4, "hotline": 0.2}.get(case.channel, 0.15)
        if rng.random() >= chance:
            return
        if case.channel == "hotline":
            blob, source = self.blobs[3], "24小时服务热线通话录音"
        elif case.channel == "email":
            blob, source = self.blobs[4], "业主邮件附件"
        else:
            blob, source = (
                self.blobs[rng.randrange(3)],
                f"业主提供（{self.policy.label('channels', case.channel, 'zh')}）",
            )
        self._evidence(case, None, blob, source, case.matter.evidence_hint, staff, at)

    def note_evidence(self, case: _CaseSim, note_id: int, kind: str, staff: _Staff, at: dt.datetime) -> list[str]:
        if kind != NoteKind.SITE_INSPECTION.value or self.rng.random() >= 0.6:
            return []
        blob = self.blobs[self.rng.randrange(3)]
        return [self._evidence(case, note_id, blob, "现场拍摄", "现场检查照片", staff, at)]

    # -- choosing a case

    def _pick(self, pool: Sequence[_Staff], case: _CaseSim) -> _Staff:
        """Someone from ``pool`` who is not the staff member the case is about (S2.5)."""
        subject = case.subject.id if case.subject else None
        choices = [s for s in pool if s.id != subject] or [s for s in self.supervisors if s.id != subject]
        return self.rng.choice(choices)

    def _handler(self, case: _CaseSim, department: str | None = None) -> _Staff:
        return self._pick(self.by_dept.get(department or case.department or "", self.handlers), case)

    def _choose_plan(self, age_days: float) -> _Plan:
        rng = self.rng
        stall_p = 0.9 if age_days < 2 else 0.6 if age_days < 7 else 0.25 if age_days < 21 else 0.05
        plan: _Plan
        if rng.random() < stall_p:
            stall = self._deal_stall(age_days)
            status, stop, _, paused = _STALLS[stall]
            path = _Path.REFER if status is Status.REFERRED else _Path.CLOSE
            plan = _Plan(path, status, stop)
            plan.pause_end = paused or (status in (Status.INVESTIGATING, Status.RESOLVING) and rng.random() < 0.2)
        else:
            path = rng.choices([p for p, _ in _PATH_WEIGHTS], cum_weights=self._path_cum)[0]
            plan = _Plan(path)
        plan.pause_mid = rng.random() < 0.06
        plan.append = rng.random() < 0.07
        return plan

    def _deal_stall(self, age_days: float) -> int:
        """The next kind of standing case the age allows, from a shuffled deck of every kind.

        Dealing from a deck (not drawing at random) puts every status in even a small demo.
        """
        if not self._stall_deck:
            self._stall_deck = list(range(len(_STALLS)))
            self.rng.shuffle(self._stall_deck)
        for i, stall in enumerate(self._stall_deck):
            if _STALLS[stall][2] <= age_days:
                return self._stall_deck.pop(i)
        return 0  # too young for anything but "received"

    def _matter(self, plan: _Plan) -> data.Matter:
        rng = self.rng
        if plan.path is _Path.REFER and self.referable:
            return rng.choices(self.referable, weights=[m.weight for m in self.referable])[0]
        code = rng.choices(self.cat_codes, cum_weights=self.cat_cum)[0]
        pool = self.matters_for[code]
        matter = rng.choices(pool, weights=[m.weight for m in pool])[0]
        if matter is data.GENERIC_MATTER:
            matter = data.Matter(**{**matter.__dict__, "category": code})
        if plan.path is _Path.REFER and matter.referral is None:
            plan.path = _Path.CLOSE
        return matter

    def _fill(self, room: _Room, subject: _Staff | None) -> dict[str, Any]:
        rng = self.rng
        up = room.floor + 1 if room.floor < room.top else room.floor - 1
        down = room.floor - 1 if room.floor > 2 else room.floor + 1
        nxt = room.index % data.ROOMS_PER_FLOOR + 1
        dept = self.policy.label("departments", subject.department, "zh") if subject and subject.department else ""
        return {
            "b": room.building,
            "u": room.unit,
            "r": room.room,
            "fl": room.floor,
            "up": f"{up}{room.index:02d}",
            "down": f"{down}{room.index:02d}",
            "next": f"{room.floor}{nxt:02d}",
            "n": rng.randint(1, 320),
            "when_": rng.choice(data.WHEN_PHRASES),
            "staff": subject.name if subject else "",
            "dept": dept,
        }

    def _new_case(self, number: str, received: dt.datetime) -> _CaseSim:
        rng, policy = self.rng, self.policy
        age = (self.now - received).total_seconds() / 86400
        plan = self._choose_plan(age)
        target = self._merge_target(received) if plan.path is _Path.MERGE else None
        if plan.path is _Path.MERGE and target is None:
            plan.path = _Path.CLOSE
        local_hour = received.astimezone(policy.zone).hour
        chan_cum = self.chan_cum_day if local_hour in _DESK_HOURS else self.chan_cum_night
        channel = rng.choices(self.chan_codes, cum_weights=chan_cum)[0]
        if target is not None:
            matter, room, owner = target.matter, target.room, target.owner
            subject, category, urgency, raised = target.subject, target.category, target.urgency, None
            fill = target.fill
        else:
            matter = self._matter(plan)
            room = self._room()
            owner = self._owner(room, received)
            subject = rng.choice(self.subjects) if matter.object_kind == ObjectKind.STAFF.value else None
            category = matter.category
            urgency = rng.choices(self.urg_codes, cum_weights=self.urg_cum)[0]
            raised = None
            if policy.categories[category].immediate and urgency != policy.most_urgent:
                # services.intake: a safety case is raised to the most urgent level at once (S6.3)
                raised, urgency = urgency, policy.most_urgent
            fill = self._fill(room, subject)
        case = _CaseSim(
            self,
            self.next_id("complaint_case"),
            number,
            received,
            channel,
            category,
            urgency,
            owner,
            room,
            matter,
            fill,
            subject,
        )
        case.object_text = matter.object_text.format_map(fill)
        case.what = matter.what.format_map(fill)
        if target is not None:
            case.what = f"再次反映：{case.what}"
        case.where = matter.where.format_map(fill)
        case.state = matter.state.format_map(fill)
        case.demand = matter.demand.format_map(fill)
        case.when = rng.choice(data.WHEN_PHRASES)
        case.stop_before = plan.stop_before
        desk_pool = self.desks if rng.random() > 0.04 else self.supervisors
        case.intake(self._pick(desk_pool, case), raised)
        if target is not None:
            self._merge_story(case, target)
        else:
            try:
                self._story(case, plan)
            except _Stop:
                pass
            self._after_stop(case, plan)
        return case

    # -- timing

    def _gap(self, lo: dt.timedelta, hi: dt.timedelta) -> dt.timedelta:
        return lo + (hi - lo) * self.rng.random()

    def _finish(self, clock: _Clock, earliest: dt.datetime, late_p: float) -> dt.datetime:
        """When the step of ``clock`` gets done: mostly in time, sometimes late (overdue steps)."""
        rng = self.rng
        span = clock.due_at - clock.started_at
        if rng.random() < late_p or clock.due_at <= earliest + MINUTE:
            return max(clock.due_at, earliest) + span * rng.uniform(0.05, 0.8) + 5 * MINUTE
        return earliest + (clock.due_at - earliest) * rng.uniform(0.15, 0.9)

    def _spread(self, start: dt.datetime, end: dt.datetime, count: int) -> list[dt.datetime]:
        span = max(end - start, count * 2 * MINUTE)
        return sorted(start + span * self.rng.random() for _ in range(count))

    # -- the walks

    def _story(self, case: _CaseSim, plan: _Plan) -> None:
        rng = self.rng
        desk = case.received_by
        assert desk is not None
        handler = self._handler(case)
        ack_at = self._finish(case.clock(Clock.FIRST_RESPONSE), case.t, 0.12)
        if plan.stall is Status.RECEIVED and rng.random() < 0.5:
            raise _Stop  # not even assigned yet
        assigner = self._pick(self.desks if rng.random() < 0.7 else self.supervisors, case)
        case.assign(assigner, handler, case.t + (ack_at - case.t) * rng.uniform(0.1, 0.6))
        if plan.path is _Path.WITHDRAW and rng.random() < 0.4:
            case.withdraw(
                self._pick(self.desks, case),
                case.t + self._gap(30 * MINUTE, 2 * DAY),
                rng.choice(data.WITHDRAW_REASONS),
            )
            return
        acker = handler if rng.random() < 0.7 else self._pick(self.desks, case)
        dept = self.policy.label("departments", case.department, "zh")
        content = rng.choice(data.FIRST_RESPONSES).format(dept=dept)
        case.acknowledge(acker, ack_at, _CONTACT_FOR_CHANNEL.get(case.channel, "phone"), content)
        if plan.pause_mid:
            case.pause(handler, case.t + self._gap(HOUR, 6 * HOUR), rng.choice(data.PAUSE_REASONS))
            case.resume(handler, case.t + self._gap(DAY, 4 * DAY))
        if plan.append:
            case.contact(
                ContactKind.APPEND, desk, case.t + self._gap(HOUR, DAY), case.channel, rng.choice(data.APPENDS)
            )
        if plan.path is _Path.WITHDRAW:
            case.withdraw(
                self._pick(self.desks, case),
                case.t + self._gap(2 * HOUR, 3 * DAY),
                rng.choice(data.WITHDRAW_REASONS),
            )
            return
        if plan.path is _Path.FORCE_EARLY:
            kind, person, text_ = case.matter.notes[0]
            case.add_note(
                handler,
                case.t + self._gap(HOUR, DAY),
                kind,
                text_.format_map(case.fill),
                person=person.format_map(case.fill),
            )
            supervisor = self._pick(self.supervisors, case)
            case.force_close(supervisor, case.t + self._gap(10 * DAY, 25 * DAY), data.FORCE_CLOSE_REASONS[1])
            return
        self._work(case, handler, refer=plan.path is _Path.REFER)
        self._feedback(case, handler, referred=plan.path is _Path.REFER)
        if plan.path is _Path.REOPEN_VISIT and self.policy.satisfied_min > 1:
            self._visit(case, handler, satisfied=False, outcome=VisitOutcome.REOPEN)
            second = handler if rng.random() < 0.6 else self._handler(case)
            if second is not handler:
                case.assign(self._pick(self.supervisors, case), second, case.t + self._gap(30 * MINUTE, 4 * HOUR))
            self._work(case, second, refer=False)
            self._feedback(case, second, referred=False)
            self._visit(case, second, satisfied=True, outcome=VisitOutcome.CLOSE)
        elif plan.path is _Path.EXPLAINED and self.policy.satisfied_min > 1:
            self._visit(case, handler, satisfied=False, outcome=VisitOutcome.EXPLAINED)
            reason = rng.choice((data.FORCE_CLOSE_REASONS[0], data.FORCE_CLOSE_REASONS[2]))
            case.force_close(self._pick(self.supervisors, case), case.t + self._gap(DAY, 5 * DAY), reason)
        else:
            self._visit(case, handler, satisfied=True, outcome=VisitOutcome.CLOSE)
            if plan.path is _Path.REOPEN_MANUAL:
                supervisor = self._pick(self.supervisors, case)
                case.reopen(supervisor, case.t + self._gap(3 * DAY, 20 * DAY), rng.choice(data.REOPEN_REASONS))
                self._work(case, handler, refer=False)
                self._feedback(case, handler, referred=False)
                self._visit(case, handler, satisfied=True, outcome=VisitOutcome.CLOSE)

    def _work(self, case: _CaseSim, handler: _Staff, refer: bool) -> None:
        """One cycle's investigation and resolution, spread over the resolution clock (S2, S3)."""
        rng, policy, matter, fill = self.rng, self.policy, case.matter, case.fill
        clock = case.clock(Clock.RESOLUTION)
        start = case.t
        end = self._finish(clock, start + 30 * MINUTE, 0.18)
        steps: list[Callable[[dt.datetime], object]] = []
        notes = list(matter.notes[: rng.randint(1, len(matter.notes))])
        for kind, person, content in notes:
            note = functools.partial(
                case.add_note, handler, kind=kind, content=content.format_map(fill), person=person.format_map(fill)
            )
            steps.append(note)
        if case.both_parties:
            # S2.5: both sides heard and recorded before any finding.
            statements = [
                (Party.COMPLAINANT, case.owner.name, matter.complainant_says or case.what),
                (
                    Party.RESPONDENT,
                    matter.respondent.format_map(fill) or "被投诉方",
                    matter.respondent_says or "对方陈述了情况",
                ),
            ]
            rng.shuffle(statements)
            for party, person, said in statements:
                statement = functools.partial(
                    case.add_note,
                    handler,
                    kind=NoteKind.PARTY_STATEMENT.value,
                    content=f"{person}陈述：{said.format_map(fill)}",
                    party=party,
                    person=person,
                )
                steps.insert(rng.randint(0, len(steps)), statement)
        referral = matter.referral if refer else None
        confirmer = self._pick(self.supervisors, case) if rng.random() < 0.7 else handler
        signed = rng.choice(data.SIGNATORIES).format(handler=handler.name)
        cause = matter.cause if matter.cause in policy.causes else next(iter(policy.causes))
        if referral is not None:
            resp, valid, reason = referral.responsibility, referral.valid, referral.validity_reason
        else:
            resp, valid, reason = matter.responsibility, True, "经核实，投诉情况属实"
        steps.append(
            lambda at: case.record_finding(
                handler, at, confirmer, resp, cause, matter.cause_text.format_map(fill), valid, reason, signed
            )
        )
        if referral is not None:
            authority = (
                referral.authority if referral.authority in policy.authorities else next(iter(policy.authorities))
            )
            times = self._spread(start, end, len(steps))
            for step, at in zip(steps, times, strict=True):
                step(at)
            case.refer(handler, end, authority, referral.explanation)
            return
        department = policy.categories[case.category].department
        measures = matter.measures.format_map(fill)
        steps.append(
            lambda at: case.plan(
                handler, at, measures, max(clock.due_at, at + 2 * HOUR), department, handler, matter.resources
            )
        )
        tasks: list[_Task] = []
        finishes: list[Callable[[dt.datetime], None]] = []
        for task_dept, what, result in matter.tasks[: rng.randint(1, max(1, len(matter.tasks)))]:
            dept = task_dept if task_dept in policy.departments else department
            worker = self._handler(case, dept) if rng.random() < 0.85 else None

            def add(at: dt.datetime, d: str = dept, w: str = what, a: _Staff | None = worker) -> None:
                tasks.append(case.add_task(handler, at, d, w.format_map(fill), at + self._gap(DAY, 3 * DAY), a))

            def finish(at: dt.datetime, r: str = result, a: _Staff | None = worker, i: int = len(finishes)) -> None:
                case.finish_task(a or handler, at, tasks[i], r.format_map(fill))

            steps.append(add)
            finishes.append(finish)
        if rng.random() < 0.4:
            deadline = clock.due_at.astimezone(policy.zone).strftime("%m月%d日")
            text_ = rng.choice(data.PROGRESS_UPDATES).format(
                dept=policy.label("departments", department, "zh"), deadline=deadline
            )
            steps.append(lambda at: case.update_owner(handler, at, "phone", text_))
        steps.extend(finishes)
        if rng.random() < 0.35:
            kind, content = rng.choice(data.FOLLOW_UPS)
            follower = self._pick(self.supervisors, case) if rng.random() < 0.5 else handler
            steps.append(lambda at: case.follow_up(follower, at, kind, content))
        times = self._spread(start, end, len(steps) + 1)
        for step, at in zip(steps, times, strict=False):
            step(at)
        case.resolve(handler, max(end, times[-1]))

    def _feedback(self, case: _CaseSim, handler: _Staff, referred: bool) -> None:
        rng, matter, fill = self.rng, case.matter, case.fill
        at = self._finish(case.clock(Clock.FEEDBACK), case.t + 10 * MINUTE, 0.1)
        who = handler if rng.random() < 0.6 else self._pick(self.desks, case)
        channel = rng.choice(("phone", "phone", "sms", "wechat", "visit"))
        if referred and matter.referral is not None:
            authority = self.policy.label("authorities", matter.referral.authority, "zh")
            case.give_feedback(
                who,
                at,
                channel,
                "已核实情况并向业主说明",
                matter.referral.explanation,
                f"已转交{authority}",
                DemandMet.PARTLY if rng.random() < 0.5 else DemandMet.NO,
                unmet_reason="该事项不属于物业服务范围",
                next_step=f"请业主联系{authority}，物业继续协助跟进",
            )
            return
        measures = matter.measures.format_map(fill)
        result = matter.result.format_map(fill)
        if rng.random() < 0.85:
            case.give_feedback(who, at, channel, f"已按方案处理：{measures}", measures, result, DemandMet.YES)
        else:
            case.give_feedback(
                who,
                at,
                channel,
                f"已按方案处理：{measures}",
                measures,
                result,
                DemandMet.PARTLY,
                unmet_reason="部分诉求（如赔偿）超出物业服务合同约定",
                next_step="已告知业主可与相关方协商，物业继续协助",
            )

    def _visit(self, case: _CaseSim, handler: _Staff, satisfied: bool, outcome: VisitOutcome) -> None:
        rng, policy = self.rng, self.policy
        at = self._finish(case.clock(Clock.RETURN_VISIT), case.t + 2 * HOUR, 0.12)
        who = self._pick(self.desks, case) if rng.random() < 0.6 else handler
        method = "phone" if rng.random() < 0.8 else "in_person"
        if satisfied:
            score = rng.choice([s for s in range(policy.satisfied_min, 6) for _ in range(s)])
            case.log_return_visit(who, at, method, score, outcome, rng.choice(data.SATISFIED_REMARKS))
            return
        score = rng.randint(1, policy.satisfied_min - 1)
        rejects = outcome is VisitOutcome.EXPLAINED and rng.random() < 0.6
        recourse = ""
        if rejects:
            code = next((c for c in ("mediation", "housing_bureau", "court") if c in policy.authorities), None)
            authority = policy.label("authorities", code or next(iter(policy.authorities)), "zh")
            recourse = f"已告知业主如对处理结果有异议，可向{authority}申请处理"
        case.log_return_visit(who, at, method, score, outcome, rng.choice(data.UNSATISFIED_REMARKS), rejects, recourse)

    def _after_stop(self, case: _CaseSim, plan: _Plan) -> None:
        """An open case left standing: the owner may chase it, or the clocks wait on the owner."""
        if case.status not in OPEN_STATUSES:
            return
        rng = self.rng
        case.stop_before = frozenset()
        clock = case.next_clock()
        try:
            if clock is not None and clock.due_at < self.now and case.paused_at is None and rng.random() < 0.5:
                start = max(clock.due_at, case.t)
                if start < self.now - 2 * MINUTE:
                    at = start + (self.now - start) * rng.random()
                    case.contact(
                        ContactKind.CHASE, self._pick(self.desks, case), at, case.channel, rng.choice(data.CHASES)
                    )
            if plan.pause_end and case.paused_at is None and case.status in (Status.INVESTIGATING, Status.RESOLVING):
                if case.t < self.now - 2 * MINUTE:
                    at = case.t + (self.now - case.t) * rng.uniform(0.2, 1.0)
                    who = case.assignee or self._handler(case)
                    case.pause(who, at, rng.choice(data.PAUSE_REASONS))
        except _Stop:
            pass

    def _merge_target(self, received: dt.datetime) -> _CaseSim | None:
        """A recent case of this batch that is still open some hours after ``received``."""
        later = received + 8 * HOUR
        found = [
            c
            for c in self.batch[-60:]
            if c.merged_into is None
            and c.status is not Status.MERGED
            and c.received_at < received
            and c.received_at > received - 5 * DAY
            and (c.first_final_at is None or c.first_final_at > later)
        ]
        return self.rng.choice(found) if found else None

    def _merge_story(self, case: _CaseSim, target: _CaseSim) -> None:
        """The desk sees the repeat of an open case and folds it in (S6.2: one case, one number)."""
        rng = self.rng
        at = case.t + self._gap(10 * MINUTE, 8 * HOUR)
        if target.first_final_at is not None:
            at = min(at, target.first_final_at - MINUTE)
        who = self._pick(self.desks if rng.random() < 0.8 else self.supervisors, case)
        try:
            case.merge(who, at, target)
        except _Stop:
            pass

    # -- finishing a batch

    def _finish_case(self, case: _CaseSim) -> None:
        ts, add = self.ts, self.add
        for clock in case.clocks:
            add(
                "step_clock",
                (
                    self.next_id("step_clock"),
                    case.id,
                    clock.cycle,
                    clock.step.value,
                    ts(clock.started_at),
                    ts(clock.due_at),
                    ts(clock.done_at) if clock.done_at else None,
                    clock.paused_seconds,
                    clock.unit,
                    ts(clock.cancelled_at) if clock.cancelled_at else None,
                ),
            )
        # services.base.refresh_queue_keys
        is_open = case.status in OPEN_STATUSES
        nxt = case.next_clock()
        queue_due = queue_due_at(nxt.due_at if nxt is not None else None, case.paused_at)
        # Every step bumps the version once and audits the new one, in time order (merged_in included).
        case.events.sort(key=lambda e: e[0])
        for version, (at, staff_id, action, before, after) in enumerate(case.events, 1):
            self.audit_row(case.id, staff_id, at, action, version, before, after)
        updated = case.events[-1][0]
        assert case.received_by is not None
        add(
            "complaint_case",
            (
                case.id,
                case.number,
                None,
                len(case.events),
                case.channel,
                ts(case.received_at),
                case.received_by.id,
                case.contact_confirmed,
                case.owner.id,
                case.room.id,
                case.matter.object_kind,
                case.object_text,
                case.subject.id if case.subject else None,
                case.what,
                case.when,
                case.where,
                case.state,
                case.demand,
                case.category,
                case.urgency,
                case.status.value,
                case.status_before,
                is_open,
                case.department,
                case.assignee.id if case.assignee else None,
                case.cycle,
                ts(case.paused_at) if case.paused_at else None,
                case.pause_reason,
                nxt.step.value if nxt else None,
                ts(nxt.due_at) if nxt else None,
                ts(queue_due),
                case.reopen_count,
                case.append_count,
                case.chase_count,
                case.merged_into.id if case.merged_into else None,
                case.close_kind,
                case.close_reason,
                ts(case.closed_at) if case.closed_at else None,
                case.closed_by,
                case.withdrawn_reason,
                case.rejects,
                case.recourse,
                ts(case.received_at),
                ts(updated),
            ),
        )
        doc_case = _DocCase(case.number, case.object_text, case.what, case.where, case.state, case.demand)
        doc = case_document(cast(Case, doc_case), cast(Owner, case.owner), cast(Room, case.room), case.appended)
        add("case_search", (case.id, doc))

    def _flush(self) -> None:
        for case in self.batch:
            self._finish_case(case)
        for name in (*_CHILD_ORDER, "case_search"):
            self.writer.insert(name, self.rows[name])
            self.rows[name] = []
        self.made += len(self.batch)
        self.batch = []

    # -- the whole build

    def _days(self) -> list[tuple[dt.date, int]]:
        """How many cases each local day receives: busier on weekdays, a little noise, all of ``total``."""
        zone, rng = self.policy.zone, self.rng
        days = [self.start + dt.timedelta(days=i) for i in range(DAYS)]
        weights = []
        local_now = self.now.astimezone(zone)
        for day in days:
            w = (1.15 if day.weekday() < 5 else 0.8) * rng.uniform(0.75, 1.25)
            if day == local_now.date():
                w *= max(local_now.hour * 60 + local_now.minute, 1) / 1440
            weights.append(w)
        total_w = sum(weights)
        exact = [w / total_w * self.total for w in weights]
        counts = [int(x) for x in exact]
        # largest remainders get the cases the rounding left over
        for i in sorted(range(DAYS), key=lambda i: exact[i] - counts[i], reverse=True)[: self.total - sum(counts)]:
            counts[i] += 1
        return list(zip(days, counts, strict=True))

    def _times(self, day: dt.date, count: int) -> list[dt.datetime]:
        zone, rng = self.policy.zone, self.rng
        midnight = dt.datetime(day.year, day.month, day.day, tzinfo=zone)
        out = []
        for _ in range(count):
            for _attempt in range(30):
                hour = rng.choices(range(24), cum_weights=self.hour_cum)[0]
                local = midnight + dt.timedelta(hours=hour, seconds=rng.randrange(3600))
                at = local.astimezone(dt.UTC)
                if at <= self.now:
                    break
            else:
                at = midnight.astimezone(dt.UTC) + (self.now - midnight) * rng.random()
            out.append(at)
        out.sort()
        return out

    def run(self) -> DemoSummary:
        started = time.perf_counter()
        _check_columns()
        with self.store.engine.connect() as conn:
            busy = conn.execute(
                select(func.count()).select_from(SQLModel.metadata.tables["complaint_case"])
            ).scalar_one()
            busy += conn.execute(select(func.count()).select_from(SQLModel.metadata.tables["staff"])).scalar_one()
        if busy:
            raise DeskError("cli.demo_exists", path=self.store.url_for_display())
        bases = self.writer.max_ids()
        self.ids = {name: itertools.count(bases[name] + 1) for name in _ID_TABLES}
        self.chain_last_id, self.chain_prev, self.chain_events = self.writer.audit_head()
        opened = dt.datetime.combine(self.start, dt.time(8), tzinfo=self.policy.zone).astimezone(dt.UTC) - 30 * DAY
        with self.writer as w, _progress(self.progress, self.total) as tick:
            staff_rows = self._roster(bases["staff"] + 1, opened)
            w.insert("staff", staff_rows)
            for member in self.staff:
                after = {
                    "login": member.login,
                    "name": member.name,
                    "role": member.role.value,
                    "department": member.department,
                }
                self.audit_row(None, None, opened, "add_staff", None, None, after)
            blob_rows = []
            for content, kind, ext in _blobs():
                sha = hashlib.sha256(content).hexdigest()
                self.blobs.append(_Blob(sha, len(content), kind, ext))
                blob_rows.append((sha, len(content), content, self.ts(opened)))
            w.insert("evidence_blob", blob_rows)
            prefix = self.policy.case_number_prefix
            flushes = 0
            for day, count in self._days():
                if not count:
                    continue
                stamp = day.strftime("%Y%m%d")
                for seq, received in enumerate(self._times(day, count), 1):
                    # services.intake.next_case_number: prefix, the local day, that day's sequence
                    self.batch.append(self._new_case(f"{prefix}{stamp}-{seq:04d}", received))
                    if len(self.batch) >= BATCH_CASES:
                        self._flush()
                        tick(self.made)
                        flushes += 1
                        if flushes % COMMIT_EVERY == 0:
                            w.checkpoint()
                self.counters[stamp] = count
            self._flush()
            tick(self.made)
            w.insert("case_number_counter", sorted(self.counters.items()))
            w.fix_sequences()
            w.move_audit_head(self.chain_last_id, self.chain_prev, self.chain_events)
        return DemoSummary(
            cases=self.made,
            seconds=time.perf_counter() - started,
            staff=len(self.staff),
            owners=self.owner_count,
            rooms=self.room_count,
            rows=self.writer.rows,
        )


@contextmanager
def _progress(enabled: bool, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr while the cases are made (the CLI turns it on for a terminal)."""
    if not enabled:
        yield lambda done: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(file=sys.stderr), transient=True) as bar:
        task = bar.add_task("demo", total=total)
        yield lambda done: bar.update(task, completed=done)


def build_demo(
    store: Store, cases: int, seed: int = 1, progress: bool = False, now: dt.datetime | None = None
) -> DemoSummary:
    """Fill an empty store with ``cases`` realistic cases received over the six months up to ``now``.

    The same ``seed`` and ``now`` give the same data. Raises ``DeskError`` if the store already
    holds staff or cases, and ``DemoRuleBroken`` if a walk breaks a workflow rule.
    """
    if cases < 1:
        raise ValueError("cases must be at least 1")
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return _Generator(store, cases, seed, moment, progress).run()
