"""Intake (SPEC S1): record a complaint completely, number it, start its clocks, tell the owner.

``intake()`` validates every field at once (``InvalidInput`` lists each broken rule), finds or
creates the owner by the normalised phone and the room by its address (a known owner keeps
their name: the case keeps the caller's name and phone as given), gives the case a
human-readable number that stays unique when desks save at the same moment, stores evidence
by hash, starts the first-response and resolution clocks, and records the receipt told to the
owner (S6.1). A safety case is raised to the most urgent level at once (S6.3).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from complaint_tui.db import Store
from complaint_tui.errors import FieldProblem, InvalidInput, StepRefused
from complaint_tui.estates import DEFAULT_ESTATE, default_estate, intake_choices
from complaint_tui.i18n import t
from complaint_tui.models import (
    OPEN_STATUSES,
    Case,
    ObjectKind,
    Owner,
    OwnerUpdate,
    Room,
    Staff,
    Status,
    StepClock,
    UpdateKind,
    utcnow,
)
from complaint_tui.policy import Policy, Step
from complaint_tui.services.base import (
    Operator,
    audit,
    current_operator,
    record_dict,
    refresh_queue_keys,
    require_role,
)
from complaint_tui.services.evidence import EvidenceInput, check_evidence, store_evidence
from complaint_tui.services.search_index import case_document, write_document
from complaint_tui.validation import (
    FormCheck,
    address_part,
    normalise_phone,
    not_future,
    one_of,
    optional_text,
    person_name,
    required_text,
)
from complaint_tui.workflow import Action, queue_due_at


@dataclass
class IntakeForm:
    """What the desk types for a new complaint, as typed (strings are cleaned by ``intake``)."""

    channel: str
    owner_name: str
    phone: str
    building: str
    unit: str
    room: str
    object_kind: str
    object_text: str
    matter_what: str
    demand: str
    category: str
    urgency: str
    matter_when: str = ""
    matter_where: str = ""
    matter_state: str = ""
    object_staff_login: str = ""
    received_at: dt.datetime | None = None
    contact_confirmed: bool = False
    source_id: str | None = None
    evidence: list[EvidenceInput] = field(default_factory=list)
    # One random key per form on the desk, the same for every save of that form: a save retried
    # after a lost commit acknowledgement returns the case the first one made (migration 0006).
    intake_key: str | None = None
    # The estate's code (estates.py). Empty: the only estate the desk may take complaints for;
    # required when the policy has several and the desk is not bound to one of them.
    estate: str = ""


@dataclass(frozen=True)
class CleanIntake:
    channel: str
    owner_name: str
    phone: str
    building: str
    unit: str
    room: str
    object_kind: str
    object_text: str
    matter_what: str
    matter_when: str
    matter_where: str
    matter_state: str
    demand: str
    category: str
    urgency: str
    received_at: dt.datetime
    estate: str = DEFAULT_ESTATE


@dataclass(frozen=True)
class IntakeReceipt:
    """What the desk reads out to the owner: the number and the promised times (S6.1)."""

    case_id: int
    number: str
    version: int
    urgency: str
    urgency_raised: bool
    first_response_due: dt.datetime
    resolution_due: dt.datetime


def check_intake(form: IntakeForm, policy: Policy, now: dt.datetime, bound: Sequence[str] = ()) -> CleanIntake:
    """Every S1.4 field by its rule; raises one ``InvalidInput`` naming each broken field.

    ``bound``: the estates the desk is bound to (``Store.estates``); the estate must be one of
    them, or of the policy's when the desk is not bound.
    """
    c = FormCheck()
    channel = c.field("channel", one_of, form.channel, policy.channels)
    name = c.field("owner_name", person_name, form.owner_name)
    phone = c.field("phone", normalise_phone, form.phone)
    building = c.field("building", address_part, form.building)
    unit = c.field("unit", address_part, form.unit)
    room = c.field("room", address_part, form.room)
    estate = c.field(
        "estate",
        one_of,
        form.estate or default_estate(policy.estates, bound) or "",
        intake_choices(policy.estates, bound),
    )
    object_kind = c.field("object_kind", one_of, form.object_kind, [k.value for k in ObjectKind])
    object_text = c.field("object_text", required_text, form.object_text, 200)
    what = c.field("matter_what", required_text, form.matter_what)
    when = c.field("matter_when", optional_text, form.matter_when, 200)
    where = c.field("matter_where", optional_text, form.matter_where, 200)
    state = c.field("matter_state", optional_text, form.matter_state)
    demand = c.field("demand", required_text, form.demand)
    category = c.field("category", one_of, form.category, policy.categories)
    urgency = c.field("urgency", one_of, form.urgency, policy.urgencies)
    received = form.received_at or now
    c.field("received_at", not_future, received, now)
    if object_kind == ObjectKind.STAFF.value and not form.object_staff_login.strip():
        c.fail("object_staff_login", "staff_subject_required")
    if channel and policy.channels[channel].live and not form.contact_confirmed:
        c.fail("contact_confirmed", "contact_confirm")
    c.problems.extend(check_evidence(form.evidence, policy, received.astimezone(policy.zone).date()))
    c.raise_if_any()
    assert channel and name and phone and building and unit and room and object_kind and object_text
    assert what and demand and category and urgency and when is not None and where is not None and state is not None
    assert estate
    return CleanIntake(
        channel,
        name,
        phone,
        building,
        unit,
        room,
        object_kind,
        object_text,
        what,
        when,
        where,
        state,
        demand,
        category,
        urgency,
        received,
        estate,
    )


def next_case_number(session: Session, policy: Policy, received_at: dt.datetime) -> str:
    """``TS20261201-0001``: prefix, the local day, and that day's sequence.

    One atomic upsert per number, inside the caller's write transaction, so two desks saving at
    the same moment get consecutive numbers (SQLite: the write lock; PostgreSQL: the row lock).
    """
    day = number_day(policy, received_at)
    seq = session.execute(
        text(
            "INSERT INTO case_number_counter(day, last) VALUES (:day, 1) "
            "ON CONFLICT(day) DO UPDATE SET last = case_number_counter.last + 1 RETURNING last"
        ),
        {"day": day},
    ).scalar_one()
    return case_number(policy, day, int(seq))


def _insert_ignoring_duplicates(
    session: Session, table: Any, key: list[str], values: dict[str, Any], update: dict[str, Any]
) -> None:
    """Insert a row unless its unique ``key`` exists (then apply ``update``), atomically.

    Two desks taking the first complaint of the same owner or room at once would otherwise both
    insert it, and one of them would fail on the unique key.
    """
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(table).values(**values)
    if update:
        stmt = stmt.on_conflict_do_update(index_elements=key, set_=update)
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=key)
    session.execute(stmt)


def find_or_create_owner(session: Session, name: str, phone: str, now: dt.datetime, *, rename: bool = False) -> Owner:
    """The owner with this phone, created with ``name`` if new.

    A known owner keeps their name unless ``rename`` (a correction of the owner's record): the
    caller is not always the owner, and a call must not rename the owner of every earlier case.
    """
    _insert_ignoring_duplicates(
        session, Owner, ["phone"], {"name": name, "phone": phone, "created_at": now}, {"name": name} if rename else {}
    )
    return session.exec(select(Owner).where(Owner.phone == phone).execution_options(populate_existing=True)).one()


def find_or_create_room(session: Session, building: str, unit: str, room: str, estate: str = DEFAULT_ESTATE) -> Room:
    """The room at this address of ``estate``, created if new (another estate's same address is another room)."""
    values = {"estate": estate, "building": building, "unit": unit, "room": room}
    _insert_ignoring_duplicates(session, Room, ["estate", "building", "unit", "room"], values, {})
    return session.exec(
        select(Room).where(Room.estate == estate, Room.building == building, Room.unit == unit, Room.room == room)
    ).one()


def intake(store: Store, operator: Operator, form: IntakeForm, now: dt.datetime | None = None) -> IntakeReceipt:
    """Record a new complaint (S1, S6.1, S6.3) in one transaction and return its receipt."""
    require_role(operator, Action.INTAKE)
    now = now or utcnow()
    clean = check_intake(form, store.policy, now, store.estates)
    try:
        with store.write() as session:
            operator = current_operator(session, operator)  # the role as the store knows it now
            require_role(operator, Action.INTAKE)
            if form.intake_key:
                earlier = receipt_for_key(session, form.intake_key, clean)
                if earlier is not None:
                    return earlier  # this form was saved before: its acknowledgement was lost
            return write_intake(session, store, operator, form, clean, now)
    except StepRefused:
        # Two saves of one form at once (a retry while the first still commits): the unique
        # key refused the second; the first one's case is the answer.
        if form.intake_key:
            with store.read() as session:
                earlier = receipt_for_key(session, form.intake_key, clean)
            if earlier is not None:
                return earlier
        raise


def receipt_for_key(session: Session, key: str, clean: CleanIntake) -> IntakeReceipt | None:
    """The receipt of the case an intake form with ``key`` already made (None: not saved yet)."""
    case = session.exec(select(Case).where(Case.intake_key == key)).first()
    if case is None or case.id is None:
        return None
    clocks = session.exec(
        select(StepClock).where(StepClock.case_id == case.id, StepClock.cycle == 1).order_by(col(StepClock.id))
    ).all()
    first, resolution = clocks[0], clocks[1]
    return IntakeReceipt(
        case.id,
        case.number,
        case.version,
        case.urgency,
        case.urgency != clean.urgency,
        first.due_at,
        resolution.due_at,
    )


# --- the rows an intake writes ---------------------------------------------------------------
# Everything below follows from the cleaned form, the policy, the operator and the time alone,
# except the four keys only the store can give: the case number, the owner, the room and the
# staff member complained about. The desk's single intake (``write_intake``) and the bulk CSV
# import (``importing``) build their rows here, so an imported case is the case the desk writes.


@dataclass(frozen=True)
class ClockPlan:
    """One clock an intake starts: the step, when it is due, and the unit of the limit that set it."""

    step: Step
    started_at: dt.datetime
    due_at: dt.datetime
    limit_unit: str


@dataclass(frozen=True)
class IntakeRow:
    """What one intake writes, but the keys the store gives (number, owner, room, subject)."""

    clean: CleanIntake
    urgency: str  # after the safety raise (S6.3)
    raised: bool
    clocks: tuple[ClockPlan, ...]  # in the order they are written: first response, resolution
    case: dict[str, Any]  # the complaint_case columns but id; the store's keys are placeholders
    evidence_names: tuple[str, ...] = ()


def plan_intake_row(
    policy: Policy, operator_id: int, form: IntakeForm, clean: CleanIntake, now: dt.datetime
) -> IntakeRow:
    """The row of a cleaned form: the raised urgency, the clocks and the case's columns."""
    policy = policy.for_estate(clean.estate)  # the estate's own limits and calendar, if it has them
    urgency = clean.urgency
    raised = False
    category = policy.categories[clean.category]
    if category.immediate and urgency != policy.most_urgent:
        urgency, raised = policy.most_urgent, True
    clocks = []
    for step in (Step.FIRST_RESPONSE, Step.RESOLUTION):
        due, limit = policy.due_and_limit(step, clean.received_at, urgency, clean.category, clean.channel)
        clocks.append(ClockPlan(step, clean.received_at, due, limit.unit))
    # The queue keys ``refresh_queue_keys`` derives from the open clocks: the earliest due one,
    # the first written on a tie (the queue orders clocks by due time, then id).
    first = min(clocks, key=lambda c: c.due_at)
    case = _case_defaults() | {
        "number": "",
        "source_id": form.source_id or None,
        "intake_key": form.intake_key or None,
        "channel": clean.channel,
        "received_at": clean.received_at,
        "received_by_id": operator_id,
        "contact_confirmed": form.contact_confirmed,
        "owner_id": 0,
        "room_id": 0,
        # The caller as given (migration 0011): the owner found by the phone keeps their name.
        "caller_name": clean.owner_name,
        "caller_phone": clean.phone,
        "object_kind": clean.object_kind,
        "object_text": clean.object_text,
        "object_staff_id": None,
        "matter_what": clean.matter_what,
        "matter_when": clean.matter_when,
        "matter_where": clean.matter_where,
        "matter_state": clean.matter_state,
        "demand": clean.demand,
        "category": clean.category,
        "urgency": urgency,
        "status": Status.RECEIVED.value,
        "department": category.department,
        "is_open": Status.RECEIVED in OPEN_STATUSES,
        "next_step": first.step.value,
        "next_due_at": first.due_at,
        "queue_due_at": queue_due_at(first.due_at, None),
        "created_at": now,
        "updated_at": now,
        "estate": clean.estate,
    }
    return IntakeRow(clean, urgency, raised, tuple(clocks), case, tuple(e.filename for e in form.evidence))


@functools.cache
def _case_defaults() -> dict[str, Any]:
    """The default of every complaint_case column (``Case``'s own), but the id.

    Rows are built as plain dicts: a ``Case`` model costs a thousand times more to build, and a
    bulk import builds one per row."""
    return {
        name: info.get_default(call_default_factory=True)
        for name, info in Case.model_fields.items()
        if name != "id" and not info.is_required()
    }


class CaseRecord:
    """A case's columns in the shape ``record_dict`` reads (``model_dump``), without a model."""

    def __init__(self, columns: dict[str, Any]) -> None:
        self._columns = columns

    def model_dump(self) -> dict[str, Any]:
        return dict(self._columns)


def case_columns(row: IntakeRow, number: str, owner_id: int, room_id: int, subject_id: int | None) -> dict[str, Any]:
    """The complaint_case row (but its id) once the store has given the number and the keys."""
    return row.case | {"number": number, "owner_id": owner_id, "room_id": room_id, "object_staff_id": subject_id}


def clock_columns(row: IntakeRow, case_id: int) -> list[dict[str, Any]]:
    """The step_clock rows of the new case, in the order they are written."""
    return [
        {
            "case_id": case_id,
            "cycle": 1,
            "step": c.step.value,
            "started_at": c.started_at,
            "due_at": c.due_at,
            "limit_unit": c.limit_unit,
            "done_at": None,
            "paused_seconds": 0,
            "cancelled_at": None,
        }
        for c in row.clocks
    ]


def receipt_columns(
    policy: Policy, row: IntakeRow, case_id: int, number: str, operator_id: int, now: dt.datetime
) -> dict[str, Any]:
    """The owner_update row of the receipt: the number and the first-response time told (S6.1)."""
    due = row.clocks[0].due_at.astimezone(policy.zone).strftime("%Y-%m-%d %H:%M")
    return {
        "case_id": case_id,
        "kind": UpdateKind.RECEIPT.value,
        "channel": row.clean.channel,
        "content": t("receipt.text", None, number=number, due=due),
        "by_id": operator_id,
        "at": now,
    }


def intake_after(case_record: dict[str, Any], row: IntakeRow) -> dict[str, Any]:
    """The ``after`` of the intake's audit event, from the case's record (``record_dict``, no id)."""
    after = dict(case_record)
    after["evidence"] = list(row.evidence_names)
    if row.raised:
        after["urgency_raised_from"] = row.clean.urgency
    return after


def number_day(policy: Policy, received_at: dt.datetime) -> str:
    """The local day a case is numbered under: ``YYYYMMDD``."""
    return received_at.astimezone(policy.zone).strftime("%Y%m%d")


def case_number(policy: Policy, day: str, seq: int) -> str:
    return f"{policy.case_number_prefix}{day}-{seq:04d}"


def write_intake(
    session: Session, store: Store, operator: Operator, form: IntakeForm, clean: CleanIntake, now: dt.datetime
) -> IntakeReceipt:
    """The write of ``intake()`` inside the caller's transaction, for a form ``check_intake`` cleaned.

    The caller has checked the operator's role. (The CSV import writes the same rows in bulk.)
    """
    policy = store.policy
    if form.source_id:
        existing = session.exec(select(Case).where(Case.source_id == form.source_id)).first()
        if existing is not None:
            raise StepRefused("guard.duplicate_source", source=form.source_id, number=existing.number)
    subject_id = None
    if clean.object_kind == ObjectKind.STAFF.value:
        subject = session.exec(select(Staff).where(Staff.login == form.object_staff_login.strip())).first()
        if subject is None:
            raise InvalidInput(
                [
                    FieldProblem(
                        "object_staff_login",
                        "staff_unknown",
                        {"login": form.object_staff_login},
                    )
                ]
            )
        subject_id = subject.id
    row = plan_intake_row(policy, operator.id, form, clean, now)
    owner = find_or_create_owner(session, clean.owner_name, clean.phone, now)
    room = find_or_create_room(session, clean.building, clean.unit, clean.room, clean.estate)
    assert owner.id is not None and room.id is not None
    number = next_case_number(session, policy, clean.received_at)
    case = Case(**case_columns(row, number, owner.id, room.id, subject_id))
    session.add(case)
    try:
        session.flush()
    except IntegrityError:
        raise StepRefused("guard.duplicate_source", source=form.source_id or "", number="") from None
    assert case.id is not None
    clocks = [StepClock(**values) for values in clock_columns(row, case.id)]
    session.add_all(clocks)
    for item in form.evidence:
        store_evidence(session, case.id, operator.id, item, at=now)
    session.add(OwnerUpdate(**receipt_columns(policy, row, case.id, case.number, operator.id, now)))
    refresh_queue_keys(session, case)
    write_document(session, store.dialect, case.id, case_document(case, owner, room, caller=case.caller_name))
    audit(
        session, operator, Action.INTAKE.value, case, None, intake_after(record_dict(case, exclude={"id"}), row), at=now
    )
    first, resolution = row.clocks
    return IntakeReceipt(case.id, case.number, case.version, row.urgency, row.raised, first.due_at, resolution.due_at)
