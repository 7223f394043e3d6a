"""Owner and room history (SPEC S6.2): every case of a phone number or a room in one query, to
read out where an open case stands and to warn of repeats and likely duplicates at intake."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlmodel import col

from complaint_tui.db import Store
from complaint_tui.models import Case, Owner, Room, utcnow
from complaint_tui.operators import Operator
from complaint_tui.validation import RuleBroken, mask_phone, normalise_phone

HISTORY_MAX = 50


@dataclass(frozen=True)
class HistoryRow:
    id: int
    number: str
    version: int
    received_at: dt.datetime
    category: str
    status: str
    is_open: bool
    owner_name: str
    phone: str
    building: str
    unit: str
    room: str
    matter: str
    next_step: str | None
    next_due_at: dt.datetime | None


def _rows(store: Store, viewer: Operator | None, where: ColumnElement[bool], limit: int) -> list[HistoryRow]:
    stmt = (
        select(
            col(Case.id),
            col(Case.number),
            col(Case.version),
            col(Case.received_at),
            col(Case.category),
            col(Case.status),
            col(Case.is_open),
            col(Owner.name),
            col(Owner.phone),
            col(Room.building),
            col(Room.unit),
            col(Room.room),
            col(Case.matter_what),
            col(Case.next_step),
            col(Case.next_due_at),
            col(Case.assignee_id),
        )
        .join(Owner, col(Owner.id) == col(Case.owner_id))
        .join(Room, col(Room.id) == col(Case.room_id))
        .where(where)
        .order_by(col(Case.is_open).desc(), col(Case.received_at).desc(), col(Case.id).desc())
        .limit(limit)
    )
    with store.read() as session:
        raw = session.execute(stmt).all()
    return [
        HistoryRow(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            bool(r[6]),
            r[7],
            mask_phone(r[8]),
            r[9],
            r[10],
            r[11],
            r[12][:80],
            r[13],
            r[14],
        )
        for r in raw
    ]


def owner_history(store: Store, viewer: Operator | None, phone: str, limit: int = HISTORY_MAX) -> list[HistoryRow]:
    """Open cases first, then the newest, of the owner with this phone (typed any usual way)."""
    try:
        norm = normalise_phone(phone)
    except RuleBroken:
        return []
    owner_ids = select(col(Owner.id)).where(col(Owner.phone) == norm).scalar_subquery()
    return _rows(store, viewer, col(Case.owner_id) == owner_ids, limit)


def room_history(
    store: Store, viewer: Operator | None, building: str, unit: str, room: str, limit: int = HISTORY_MAX
) -> list[HistoryRow]:
    room_ids = (
        select(col(Room.id))
        .where(col(Room.building) == building.strip(), col(Room.unit) == unit.strip(), col(Room.room) == room.strip())
        .scalar_subquery()
    )
    return _rows(store, viewer, col(Case.room_id) == room_ids, limit)


def likely_duplicates(
    store: Store,
    viewer: Operator | None,
    *,
    phone: str = "",
    building: str = "",
    unit: str = "",
    room: str = "",
    category: str | None = None,
    within_days: int = 30,
    now: dt.datetime | None = None,
) -> list[HistoryRow]:
    """Open cases from the same phone or room received lately, same category first: offer to
    append to one of them instead of opening a new case."""
    ors: list[ColumnElement[bool]] = []
    try:
        norm = normalise_phone(phone) if phone.strip() else None
    except RuleBroken:
        norm = None
    if norm:
        ors.append(col(Case.owner_id) == select(col(Owner.id)).where(col(Owner.phone) == norm).scalar_subquery())
    if building.strip() and unit.strip() and room.strip():
        rid = select(col(Room.id)).where(
            col(Room.building) == building.strip(), col(Room.unit) == unit.strip(), col(Room.room) == room.strip()
        )
        ors.append(col(Case.room_id) == rid.scalar_subquery())
    if not ors:
        return []
    since = (now or utcnow()) - dt.timedelta(days=within_days)
    where = col(Case.is_open).is_(True) & (col(Case.received_at) >= since) & or_(*ors)
    rows = _rows(store, viewer, where, HISTORY_MAX)
    if category:
        rows.sort(key=lambda r: r.category != category)
    return rows
