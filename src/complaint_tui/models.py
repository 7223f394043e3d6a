"""The record of a complaint case through the whole standard (SPEC S1-S4, S6), as SQLModel tables.

Stored values are stable English codes (the enums below, or codes from the policy); screens and
exports translate them. Every timestamp is timezone-aware UTC (``UTCDateTime``), shown in the
centre's zone. The case row carries a ``version`` that every write checks and bumps (optimistic
locking across desks) and denormalised queue keys (``next_step``, ``next_due_at``,
``queue_due_at``, ``is_open``) that the services keep in step with the clocks.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel import Field, SQLModel

from complaint_tui.estates import DEFAULT_ESTATE, ESTATE_CODE_MAX

# The queue sorts open cases by their next due time; cases with no running clock (paused,
# closed) sort after every real time under this key so keyset paging needs no NULL handling.
NO_DUE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as UTC and always returned timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: every timestamp must carry its time zone")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _ts(*, nullable: bool = False, index: bool = False, **kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, nullable=nullable, index=index, **kw)


def _text(*, nullable: bool = False, default: str = "") -> Any:
    return Field(default=default, sa_type=Text, nullable=nullable)


def _estate() -> Any:
    """An estate code (estates.py); rows written without one are in the default estate."""
    return Field(
        default=DEFAULT_ESTATE,
        sa_type=String(ESTATE_CODE_MAX),
        sa_column_kwargs={"server_default": DEFAULT_ESTATE},
    )


# --- codes -------------------------------------------------------------------------------


class Role(StrEnum):
    DESK = "desk"
    HANDLER = "handler"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Status(StrEnum):
    RECEIVED = "received"
    INVESTIGATING = "investigating"
    RESOLVING = "resolving"
    RESOLVED = "resolved"
    REFERRED = "referred"
    FEEDBACK_GIVEN = "feedback_given"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"


FINAL_STATUSES = frozenset({Status.CLOSED, Status.WITHDRAWN, Status.MERGED})
OPEN_STATUSES = frozenset(Status) - FINAL_STATUSES


class ObjectKind(StrEnum):
    """What the complaint is about (S1.4)."""

    PROPERTY_PART = "property_part"
    FACILITY = "facility"
    STAFF = "staff"
    MANAGEMENT = "management"


class EvidenceKind(StrEnum):
    PHOTO = "photo"
    VIDEO = "video"
    AUDIO = "audio"
    DOCUMENT = "document"


class NoteKind(StrEnum):
    """Investigation record kinds (S2.2, S2.3, S2.5)."""

    SITE_INSPECTION = "site_inspection"
    RECORD_CHECK = "record_check"
    INTERVIEW = "interview"
    RULE_CHECK = "rule_check"
    PARTY_STATEMENT = "party_statement"
    OTHER = "other"


class Party(StrEnum):
    """The sides of a neighbour dispute (S2.5)."""

    COMPLAINANT = "complainant"
    RESPONDENT = "respondent"


class Responsibility(StrEnum):
    """How far the property company is responsible (S2.4)."""

    PROPERTY_COMPANY = "property_company"
    SHARED = "shared"
    OWNER = "owner"
    THIRD_PARTY = "third_party"
    NONE = "none"


class FollowUpKind(StrEnum):
    PHONE_CHECK = "phone_check"
    ONSITE_RECHECK = "onsite_recheck"
    NOTE = "note"


class ContactChannel(StrEnum):
    """How the owner was told something (S4.1)."""

    PHONE = "phone"
    SMS = "sms"
    VISIT = "visit"
    WECHAT = "wechat"
    APP = "app"
    EMAIL = "email"
    IN_PERSON = "in_person"


class UpdateKind(StrEnum):
    RECEIPT = "receipt"  # S6.1: case number and expected time told at receipt
    FIRST_RESPONSE = "first_response"  # S2.1
    PROGRESS = "progress"  # S3.4, S6.2


class DemandMet(StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"


class VisitMethod(StrEnum):
    PHONE = "phone"
    IN_PERSON = "in_person"


class VisitOutcome(StrEnum):
    CLOSE = "close"
    REOPEN = "reopen"
    EXPLAINED = "explained"  # truly unresolvable: explained again (S4.2)


class ContactKind(StrEnum):
    APPEND = "append"  # 追加投诉
    CHASE = "chase"  # 催办


class CloseKind(StrEnum):
    SATISFIED = "satisfied"
    FORCED = "forced"


# --- people and places -------------------------------------------------------------------


class Staff(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(sa_type=String(64), unique=True, index=True)
    name: str = Field(sa_type=String(100))
    role: str = Field(sa_type=String(16))
    department: str | None = Field(default=None, sa_type=String(40), nullable=True)
    active: bool = True
    pin_hash: str | None = Field(default=None, sa_type=String(200), nullable=True)
    created_at: dt.datetime = _ts()
    # Wrong PINs since the last good sign-in; at the policy's limit the account locks until a
    # supervisor unlocks it (guessing a 4-digit PIN must not be a matter of minutes).
    failed_pins: int = 0
    locked_at: dt.datetime | None = _ts(nullable=True, default=None)


class Owner(SQLModel, table=True):
    """A complainant, keyed by the normalised phone: one query finds their every case."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=String(100))
    phone: str = Field(sa_type=String(20), unique=True, index=True)
    created_at: dt.datetime = _ts()


class phone_tail(FunctionElement[str]):  # noqa: N801 -- a SQL function, named as one
    """The last four characters of a phone, spelt as each database has it (migration 0010)."""

    type = String()
    inherit_cache = True


@compiles(phone_tail, "sqlite")
def _phone_tail_sqlite(element: phone_tail, compiler: SQLCompiler, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, -4)"


@compiles(phone_tail)
def _phone_tail(element: phone_tail, compiler: SQLCompiler, **kw: Any) -> str:
    return f"right({compiler.process(element.clauses, **kw)}, 4)"


# A caller who gives only the last four digits of their phone is found through this index.
Index("ix_owner_phone_tail", phone_tail(Owner.__table__.c.phone))  # type: ignore[attr-defined]


class Room(SQLModel, table=True):
    # Migration 0007: an address is unique within its estate; two estates' 3栋-2-1502 are two rooms.
    __table_args__ = (UniqueConstraint("estate", "building", "unit", "room", name="uq_room_address"),)

    id: int | None = Field(default=None, primary_key=True)
    building: str = Field(sa_type=String(40), index=True)
    unit: str = Field(sa_type=String(20))
    room: str = Field(sa_type=String(20))
    estate: str = _estate()


# --- the case ----------------------------------------------------------------------------


class Case(SQLModel, table=True):
    __tablename__ = "complaint_case"
    __table_args__ = (
        # Migration 0010 (was ix_case_due): due order, with the received time checked from the index.
        Index("ix_case_due_received", "queue_due_at", "id", "received_at"),
        Index("ix_case_open_due", "is_open", "queue_due_at", "id"),
        Index("ix_case_status_due", "status", "queue_due_at", "id"),
        Index("ix_case_received", "received_at", "id"),
        Index("ix_case_assignee_due", "assignee_id", "queue_due_at", "id"),
        Index("ix_case_department_due", "department", "queue_due_at", "id"),
        Index("ix_case_category_due", "category", "queue_due_at", "id"),
        Index("ix_case_stats", "status", "category", "channel", "department", "urgency"),
        # Migration 0005: every queue view reads one index in its sort order (issue 11 item 2).
        Index("ix_case_open_received", "is_open", "received_at", "id"),
        Index("ix_case_assignee_open_due", "assignee_id", "is_open", "queue_due_at", "id"),
        Index("ix_case_assignee_open_received", "assignee_id", "is_open", "received_at", "id"),
        Index("ix_case_assignee_received", "assignee_id", "received_at", "id"),
        Index("ix_case_status_received", "status", "received_at", "id"),
        Index("ix_case_category_received", "category", "received_at", "id"),
        Index("ix_case_department_received", "department", "received_at", "id"),
        Index("ix_case_owner_due", "owner_id", "queue_due_at", "id"),
        Index("ux_case_intake_key", "intake_key", unique=True),
        # Migration 0007: a desk bound to its estates reads each estate's cases in queue order.
        Index("ix_case_estate_due", "estate", "queue_due_at", "id"),
        Index("ix_case_estate_received", "estate", "received_at", "id"),
        Index("ix_case_estate_open_due", "estate", "is_open", "queue_due_at", "id"),
        Index("ix_case_estate_open_received", "estate", "is_open", "received_at", "id"),
        # Migration 0010: the open cases of one category in either order, with their room.
        Index("ix_case_category_open_due", "category", "is_open", "queue_due_at", "id", "room_id"),
        Index("ix_case_category_open_received", "category", "is_open", "received_at", "id", "room_id"),
        Index(
            "ix_case_reopened_due",
            "queue_due_at",
            "id",
            sqlite_where=text("reopen_count > 0"),
            postgresql_where=text("reopen_count > 0"),
        ),
        Index(
            "ix_case_reopened_received",
            "received_at",
            "id",
            sqlite_where=text("reopen_count > 0"),
            postgresql_where=text("reopen_count > 0"),
        ),
        Index(
            "ix_case_open_reopened_due",
            "is_open",
            "queue_due_at",
            "id",
            sqlite_where=text("reopen_count > 0"),
            postgresql_where=text("reopen_count > 0"),
        ),
        Index(
            "ix_case_open_reopened_received",
            "is_open",
            "received_at",
            "id",
            sqlite_where=text("reopen_count > 0"),
            postgresql_where=text("reopen_count > 0"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_type=String(24), unique=True, index=True)
    source_id: str | None = Field(default=None, sa_type=String(80), unique=True, nullable=True)
    # Migration 0006: the intake form's idempotency key (unique index below); None for imports.
    intake_key: str | None = Field(default=None, sa_type=String(36), nullable=True)
    version: int = 1

    # S1.1 / S1.2: how it came in
    channel: str = Field(sa_type=String(32))
    received_at: dt.datetime = _ts()
    received_by_id: int = Field(foreign_key="staff.id")
    contact_confirmed: bool = False

    # S1.4: who and where
    owner_id: int = Field(foreign_key="owner.id", index=True)
    room_id: int = Field(foreign_key="room.id", index=True)

    # S1.4: the object and the matter
    object_kind: str = Field(sa_type=String(20))
    object_text: str = _text()
    object_staff_id: int | None = Field(default=None, foreign_key="staff.id", nullable=True)
    matter_what: str = _text()
    matter_when: str = _text()
    matter_where: str = _text()
    matter_state: str = _text()
    demand: str = _text()

    # S1.5: classification
    category: str = Field(sa_type=String(32))
    urgency: str = Field(sa_type=String(16))

    # routing and state
    status: str = Field(sa_type=String(20), default=Status.RECEIVED.value)
    status_before: str | None = Field(default=None, sa_type=String(20), nullable=True)
    is_open: bool = True
    department: str | None = Field(default=None, sa_type=String(40), nullable=True)
    assignee_id: int | None = Field(default=None, foreign_key="staff.id", nullable=True)

    # clocks (detail per step in StepClock)
    cycle: int = 1
    paused_at: dt.datetime | None = _ts(nullable=True, default=None)
    pause_reason: str | None = Field(default=None, sa_type=Text, nullable=True)
    next_step: str | None = Field(default=None, sa_type=String(20), nullable=True)
    next_due_at: dt.datetime | None = _ts(nullable=True, default=None)
    queue_due_at: dt.datetime = _ts(default=NO_DUE)

    # counters
    reopen_count: int = 0
    append_count: int = 0
    chase_count: int = 0

    # endings
    merged_into_id: int | None = Field(default=None, foreign_key="complaint_case.id", nullable=True)
    close_kind: str | None = Field(default=None, sa_type=String(16), nullable=True)
    close_reason: str | None = Field(default=None, sa_type=Text, nullable=True)
    closed_at: dt.datetime | None = _ts(nullable=True, default=None)
    closed_by_id: int | None = Field(default=None, foreign_key="staff.id", nullable=True)
    withdrawn_reason: str | None = Field(default=None, sa_type=Text, nullable=True)
    # S6.4: the owner does not accept the final decision; the recourse offered
    owner_rejects_decision: bool = False
    external_recourse: str | None = Field(default=None, sa_type=Text, nullable=True)

    created_at: dt.datetime = _ts()
    updated_at: dt.datetime = _ts()
    # Migration 0007: the room's estate, kept on the case so a desk bound to its estates reads
    # its queue from the indexes below without joining the rooms.
    estate: str = _estate()
    # Migration 0011: who called, as given at intake. The caller is not always the owner (a
    # tenant, a relative, a neighbour on the owner's phone): the owner's record keeps its name,
    # the case keeps the caller's. The phone is the one the owner was found by at intake, kept
    # when a correction later gives the owner another number.
    caller_name: str = Field(default="", sa_type=String(100))
    caller_phone: str = Field(default="", sa_type=String(20))


class StepClock(SQLModel, table=True):
    """One clocked step of one cycle of a case: when it started, was due, and was done.

    A reopened case starts a new cycle; the old cycle's rows stay for the on-time statistics.
    """

    __tablename__ = "step_clock"
    __table_args__ = (
        UniqueConstraint("case_id", "cycle", "step", name="uq_clock_step"),
        Index("ix_clock_step_done", "step", "done_at"),
        # Migration 0009: the running clocks due in the current hour (statistics_store.py).
        Index(
            "ix_clock_running_due",
            "due_at",
            sqlite_where=text("done_at IS NULL AND cancelled_at IS NULL"),
            postgresql_where=text("done_at IS NULL AND cancelled_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="complaint_case.id", index=True)
    cycle: int
    step: str = Field(sa_type=String(20))
    started_at: dt.datetime = _ts()
    due_at: dt.datetime = _ts()
    done_at: dt.datetime | None = _ts(nullable=True, default=None)
    paused_seconds: int = 0
    # "m", "h" or "wd": the unit of the limit that set ``due_at``, so a pause moves it the same way.
    limit_unit: str | None = Field(default=None, sa_type=String(4), nullable=True)
    # Set when the case left this cycle with the step undone (reopened, merged, withdrawn, forced).
    cancelled_at: dt.datetime | None = _ts(nullable=True, default=None)


class EvidenceBlob(SQLModel, table=True):
    """A stored file, by content: identical files are kept once."""

    __tablename__ = "evidence_blob"

    sha256: str = Field(sa_type=String(64), primary_key=True)
    size: int
    data: bytes = Field(sa_type=LargeBinary)
    created_at: dt.datetime = _ts()


class Evidence(SQLModel, table=True):
    """One piece of evidence on a case (S1.4, S2.2), optionally tied to an investigation note."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="complaint_case.id", index=True)
    note_id: int | None = Field(default=None, foreign_key="investigation_note.id", nullable=True)
    kind: str = Field(sa_type=String(16))
    source: str = Field(sa_type=String(200))
    taken_on: dt.date | None = Field(default=None, nullable=True)
    filename: str = Field(sa_type=String(255))
    sha256: str = Field(sa_type=String(64), foreign_key="evidence_blob.sha256")
    size: int
    note: str = _text()
    added_by_id: int = Field(foreign_key="staff.id")
    added_at: dt.datetime = _ts()


class InvestigationNote(SQLModel, table=True):
    __tablename__ = "investigation_note"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="complaint_case.id", index=True)
    cycle: int = 1
    kind: str = Field(sa_type=String(20))
    party: str | None = Field(default=None, sa_type=String(16), nullable=True)
    person: str = Field(default="", sa_type=String(100))
    content: str = _text()
    author_id: int = Field(foreign_key="staff.id")
    created_at: dt.datetime = _ts()


class Finding(SQLModel, table=True):
    """The signed investigation result (S2.4, S2.6). The latest row of a case is current."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="complaint_case.id", index=True)
    cycle: int = 1
    responsibility: str = Field(sa_type=String(20))
    cause_code: str = Field(sa_type=String(40))
    cause_text: str = _text()
    valid: bool
    validity_reason: str = _text()
    signatories: str = _text()  # the people involved who confirmed the record
    confirmed_by_id: int = Field(foreign_key="staff.id")
    confirmed_at: dt.datetime = _ts()
    recorded_by_id: int = Field(foreign_key="staff.id")
    created_at: dt.datetime = _ts()


class Plan(SQLModel, table=True):
    """The solution plan (S3.1). The latest row of a case is current."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="complaint_case.id", index=True)
    cycle: int = 1
    measures: str = _text()
    deadline: dt.datetime = _ts()
    department: str = Field(sa_type=String(40))
    responsible_id: int | None = Field(default=None, foreign_key="staff.id", nullable=True)
    responsible_name: str = Field(default="", sa_type=String(100))
    resources: str = _text()
    created_by_id: int = Field(foreign_key="staff.id")
    created_at: dt.datetime = _ts()


class Referral(SQLModel, table=True):
    """Out of scope or no responsibility: where the owner was sent, and what they were told (S3.2)."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="complaint_case.id", index=True)
    cycle: int = 1
    authority: str = Field(sa_type=String(40))
    authority_text: str = _text()
    explanation: str = _text()
    created_by_id: int = Field(foreign_key="staff.id")
    created_at: dt.datetime = _ts()


class DepartmentTask(SQLModel, table=True):
    """Cross-department work, split and tracked (S3.3, S3.4)."""

    __tablename__ = "department_task"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="complaint_case.id", index=True)
    cycle: int = 1
    department: str = Field(sa_type=String(40), index=True)
    assignee_id: int | None = Field(default=None, foreign_key="staff.id", nullable=True)
    what: str = _text()
    due_at: dt.datetime = _ts()
    done_at: dt.datetime | None = _ts(nullable=True, default=None)
    result: str = _text()
    created_by_id: int = Field(foreign_key="staff.id")
    created_at: dt.datetime = _ts()
    done_by_id: int | None = Field(default=None, foreign_key="staff.id", nullable=True)


class FollowUp(SQLModel, table=True):
    """Management's tracking of the work: phone checks, on-site rechecks (S3.4)."""

    __tablename__ = "follow_up"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="complaint_case.id", index=True)
    kind: str = Field(sa_type=String(20))
    content: str = _text()
    by_id: int = Field(foreign_key="staff.id")
    at: dt.datetime = _ts()


class OwnerUpdate(SQLModel, table=True):
    """What the owner was told, and how: the receipt, the first response, progress (S2.1, S3.4, S6.1)."""

    __tablename__ = "owner_update"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="complaint_case.id", index=True)
    kind: str = Field(sa_type=String(20))
    channel: str = Field(sa_type=String(16))
    content: str = _text()
    by_id: int = Field(foreign_key="staff.id")
    at: dt.datetime = _ts()


class Feedback(SQLModel, table=True):
    """The result told to the owner (S4.1)."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="complaint_case.id", index=True)
    cycle: int = 1
    channel: str = Field(sa_type=String(16))
    what_done: str = _text()
    measures: str = _text()
    result: str = _text()
    demand_met: str = Field(sa_type=String(8))
    unmet_reason: str = _text()
    next_step: str = _text()
    by_id: int = Field(foreign_key="staff.id")
    at: dt.datetime = _ts()


class ReturnVisit(SQLModel, table=True):
    """A return visit (回访, S4.2), with the owner's stance on the decision (S6.4)."""

    __tablename__ = "return_visit"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="complaint_case.id", index=True)
    cycle: int = 1
    method: str = Field(sa_type=String(16))
    satisfaction: int
    remaining_issues: str = _text()
    outcome: str = Field(sa_type=String(16))
    owner_rejects_decision: bool = False
    external_recourse: str = _text()
    by_id: int = Field(foreign_key="staff.id")
    at: dt.datetime = _ts()


class CaseContact(SQLModel, table=True):
    """An appended complaint (追加) or a chasing call (催办) on an open case: counted, not a new case."""

    __tablename__ = "case_contact"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="complaint_case.id", index=True)
    kind: str = Field(sa_type=String(10))
    channel: str = Field(sa_type=String(32))
    content: str = _text()
    by_id: int = Field(foreign_key="staff.id")
    at: dt.datetime = _ts()


class CasePause(SQLModel, table=True):
    """A stretch when the clocks stood still, waiting on the owner."""

    __tablename__ = "case_pause"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="complaint_case.id", index=True)
    reason: str = _text()
    paused_at: dt.datetime = _ts()
    paused_by_id: int = Field(foreign_key="staff.id")
    resumed_at: dt.datetime | None = _ts(nullable=True, default=None)
    resumed_by_id: int | None = Field(default=None, foreign_key="staff.id", nullable=True)


class AuditEvent(SQLModel, table=True):
    """One change: who, when, what, before and after. Append-only (database triggers refuse edits)."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_case_id", "case_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="complaint_case.id", nullable=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id", nullable=True)
    at: dt.datetime = _ts()
    action: str = Field(sa_type=String(40))
    version: int | None = Field(default=None, nullable=True)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # SHA-256 of this event's canonical form and the previous event's hash (audit_chain.py):
    # a row rewritten behind the triggers' back breaks the chain from that event on.
    hash: str = Field(default="", sa_type=String(64))


class AuditHead(SQLModel, table=True):
    """The chain's last link, one row: its lock orders the writers, and a cut tail shows."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    last_id: int = 0
    last_hash: str = Field(default="", sa_type=String(64))
    events: int = 0


class CaseNumberCounter(SQLModel, table=True):
    """The last sequence number given out per local day (case numbers: prefix + date + sequence)."""

    __tablename__ = "case_number_counter"

    day: str = Field(sa_type=String(8), primary_key=True)
    last: int = 0


class FindingSignature(SQLModel, table=True):
    """One signature of a finding (S2.6): the named staff member's (``signer_kind`` staff,
    ``method`` pin or desk) or the owner's confirmation (``signer_kind`` owner, ``method`` the
    channel it was given by). A finding whose confirmer has no row is awaiting their signature."""

    __tablename__ = "finding_signature"

    id: int | None = Field(default=None, primary_key=True)
    finding_id: int = Field(foreign_key="finding.id", index=True)
    case_id: int = Field(foreign_key="complaint_case.id", index=True)
    signer_kind: str = Field(sa_type=String(8))
    staff_id: int | None = Field(default=None, foreign_key="staff.id", nullable=True)
    method: str = Field(sa_type=String(32))
    note: str = _text()
    signed_at: dt.datetime = _ts()
    recorded_by_id: int = Field(foreign_key="staff.id")


# The tables holding a case's story, parents first (a row's references come before it): what the
# demo writes for a case and copies, and what its equality test compares. The audit trail comes
# after them; finding signatures are a verb of their own that the demo does not take.
CASE_TABLES = (
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
)


# --- maintained statistics (migration 0009, statistics_store.py) ---------------------------


def _stat_key(length: int) -> Any:
    return Field(sa_type=String(length), primary_key=True)


class StatTally(SQLModel, table=True):
    """Counts of the statistics per UTC hour received and key (statistics_store.py)."""

    __tablename__ = "stat_tally"
    __table_args__ = {"sqlite_with_rowid": False}

    hour: str = _stat_key(13)
    day: str = _stat_key(10)
    estate: str = _stat_key(ESTATE_CODE_MAX)
    figure: str = _stat_key(16)
    code: str = _stat_key(64)
    step: str = _stat_key(20)
    due: str = _stat_key(13)
    n: int = 0


class StatDay(SQLModel, table=True):
    """``stat_tally`` summed over the hours of each local day."""

    __tablename__ = "stat_day"
    __table_args__ = {"sqlite_with_rowid": False}

    day: str = _stat_key(10)
    estate: str = _stat_key(ESTATE_CODE_MAX)
    figure: str = _stat_key(16)
    code: str = _stat_key(64)
    step: str = _stat_key(20)
    due: str = _stat_key(13)
    n: int = 0


class StatMeta(SQLModel, table=True):
    """One row: the zone the tallies' local days are in."""

    __tablename__ = "stat_meta"

    id: int = Field(default=1, primary_key=True)
    zone: str = Field(sa_type=String(64))
