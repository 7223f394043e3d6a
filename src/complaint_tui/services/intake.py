"""Intake (SPEC S1): record a complaint completely, number it, start its clocks, tell the owner.

``intake()`` validates every field at once (``InvalidInput`` lists each broken rule), finds or
creates the owner by the normalised phone and the room by its address, gives the case a
human-readable number that stays unique when desks save at the same moment, stores evidence
by hash, starts the first-response and resolution clocks, and records the receipt told to the
owner (S6.1). A safety case is raised to the most urgent level at once (S6.3).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from complaint_tui.db import Store
from complaint_tui.errors import FieldProblem, InvalidInput, StepRefused
from complaint_tui.i18n import t
from complaint_tui.models import (
    Case,
    ObjectKind,
    Owner,
    OwnerUpdate,
    Room,
    Staff,
    Status,
    UpdateKind,
    utcnow,
)
from complaint_tui.policy import Policy, Step
from complaint_tui.services.base import (
    Operator,
    audit,
    record_dict,
    refresh_queue_keys,
    require_role,
    start_clock,
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
from complaint_tui.workflow import Action


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


def check_intake(form: IntakeForm, policy: Policy, now: dt.datetime) -> CleanIntake:
    """Every S1.4 field by its rule; raises one ``InvalidInput`` naming each broken field."""
    c = FormCheck()
    channel = c.field("channel", one_of, form.channel, policy.channels)
    name = c.field("owner_name", person_name, form.owner_name)
    phone = c.field("phone", normalise_phone, form.phone)
    building = c.field("building", address_part, form.building)
    unit = c.field("unit", address_part, form.unit)
    room = c.field("room", address_part, form.room)
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
    )


def next_case_number(session: Session, policy: Policy, received_at: dt.datetime) -> str:
    """``TS20261201-0001``: prefix, the local day, and that day's sequence.

    One atomic upsert per number, inside the caller's write transaction, so two desks saving at
    the same moment get consecutive numbers (SQLite: the write lock; PostgreSQL: the row lock).
    """
    day = received_at.astimezone(policy.zone).strftime("%Y%m%d")
    seq = session.execute(
        text(
            "INSERT INTO case_number_counter(day, last) VALUES (:day, 1) "
            "ON CONFLICT(day) DO UPDATE SET last = case_number_counter.last + 1 RETURNING last"
        ),
        {"day": day},
    ).scalar_one()
    return f"{policy.case_number_prefix}{day}-{int(seq):04d}"


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


def find_or_create_owner(session: Session, name: str, phone: str, now: dt.datetime) -> Owner:
    """The owner with this phone, created if new; the latest name given for the number is kept."""
    _insert_ignoring_duplicates(
        session, Owner, ["phone"], {"name": name, "phone": phone, "created_at": now}, {"name": name}
    )
    return session.exec(select(Owner).where(Owner.phone == phone).execution_options(populate_existing=True)).one()


def find_or_create_room(session: Session, building: str, unit: str, room: str) -> Room:
    _insert_ignoring_duplicates(
        session, Room, ["building", "unit", "room"], {"building": building, "unit": unit, "room": room}, {}
    )
    return session.exec(select(Room).where(Room.building == building, Room.unit == unit, Room.room == room)).one()


def intake(store: Store, operator: Operator, form: IntakeForm, now: dt.datetime | None = None) -> IntakeReceipt:
    """Record a new complaint (S1, S6.1, S6.3) in one transaction and return its receipt."""
    require_role(operator, Action.INTAKE)
    now = now or utcnow()
    clean = check_intake(form, store.policy, now)
    with store.write() as session:
        return write_intake(session, store, operator, form, clean, now)


def write_intake(
    session: Session, store: Store, operator: Operator, form: IntakeForm, clean: CleanIntake, now: dt.datetime
) -> IntakeReceipt:
    """The write of ``intake()`` inside the caller's transaction, for a form ``check_intake`` cleaned.

    Shared by the desk's single intake and the bulk CSV import (all rows in one transaction), so
    an imported case gets the same number, clocks, receipt and audit event as a typed one. The
    caller has checked the operator's role.
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
    urgency = clean.urgency
    raised = False
    category = policy.categories[clean.category]
    if category.immediate and urgency != policy.most_urgent:
        urgency, raised = policy.most_urgent, True
    owner = find_or_create_owner(session, clean.owner_name, clean.phone, now)
    room = find_or_create_room(session, clean.building, clean.unit, clean.room)
    assert owner.id is not None and room.id is not None
    case = Case(
        number=next_case_number(session, policy, clean.received_at),
        source_id=form.source_id or None,
        channel=clean.channel,
        received_at=clean.received_at,
        received_by_id=operator.id,
        contact_confirmed=form.contact_confirmed,
        owner_id=owner.id,
        room_id=room.id,
        object_kind=clean.object_kind,
        object_text=clean.object_text,
        object_staff_id=subject_id,
        matter_what=clean.matter_what,
        matter_when=clean.matter_when,
        matter_where=clean.matter_where,
        matter_state=clean.matter_state,
        demand=clean.demand,
        category=clean.category,
        urgency=urgency,
        status=Status.RECEIVED.value,
        department=category.department,
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    try:
        session.flush()
    except IntegrityError:
        raise StepRefused("guard.duplicate_source", source=form.source_id or "", number="") from None
    assert case.id is not None
    first = start_clock(session, store, case, Step.FIRST_RESPONSE, clean.received_at)
    resolution = start_clock(session, store, case, Step.RESOLUTION, clean.received_at)
    for item in form.evidence:
        store_evidence(session, case.id, operator.id, item, at=now)
    receipt_text = t(
        "receipt.text",
        None,
        number=case.number,
        due=first.due_at.astimezone(policy.zone).strftime("%Y-%m-%d %H:%M"),
    )
    session.add(
        OwnerUpdate(
            case_id=case.id,
            kind=UpdateKind.RECEIPT.value,
            channel=clean.channel,
            content=receipt_text,
            by_id=operator.id,
            at=now,
        )
    )
    refresh_queue_keys(session, case)
    write_document(session, store.dialect, case.id, case_document(case, owner, room))
    after = record_dict(case, exclude={"id"})
    after["evidence"] = [e.filename for e in form.evidence]
    if raised:
        after["urgency_raised_from"] = clean.urgency
    audit(session, operator, Action.INTAKE.value, case, None, after, at=now)
    return IntakeReceipt(case.id, case.number, case.version, urgency, raised, first.due_at, resolution.due_at)
