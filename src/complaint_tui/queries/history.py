"""Owner and room history (SPEC S6.2): every case of a phone number or a room in one query, to
read out where an open case stands and to warn of repeats and likely duplicates at intake."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlmodel import col

from complaint_tui.db import Store
from complaint_tui.estates import default_estate, visible
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
    estate: str = ""


def _in_estates(store: Store, estate: str) -> ColumnElement[bool] | None:
    """The cases a history may show: of ``estate`` if one is named, and only ever of the
    estates the desk is bound to (None: any)."""
    codes = visible(store.estates, (estate.strip(),) if estate.strip() else ())
    if codes is None:
        return None
    return col(Case.estate).in_(codes) if codes else false()


def _room_estates(store: Store, estate: str) -> tuple[str, ...] | None:
    """The estates an address is looked up in: the one named, else the only one the desk may
    name (an address alone is ambiguous in a store of several estates), else every visible one."""
    chosen = estate.strip() or default_estate(store.policy.estates, store.estates)
    return visible(store.estates, (chosen,) if chosen else ())


def _rows(
    store: Store, viewer: Operator | None, where: ColumnElement[bool], limit: int, estate: str = ""
) -> list[HistoryRow]:
    scope = _in_estates(store, estate)
    if scope is not None:
        where = and_(where, scope)
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
            col(Case.estate),
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
            r[16],
        )
        for r in raw
    ]


def owner_history(
    store: Store, viewer: Operator | None, phone: str, limit: int = HISTORY_MAX, estate: str = ""
) -> list[HistoryRow]:
    """Open cases first, then the newest, of the owner with this phone (typed any usual way);
    of ``estate`` only if one is named, and of the desk's estates only if it is bound."""
    try:
        norm = normalise_phone(phone)
    except RuleBroken:
        return []
    owner_ids = select(col(Owner.id)).where(col(Owner.phone) == norm).scalar_subquery()
    return _rows(store, viewer, col(Case.owner_id) == owner_ids, limit, estate)


def _room_ids(store: Store, building: str, unit: str, room: str, estate: str) -> Any:
    """The rooms at this address in the estates ``_room_estates`` chooses (another estate's
    3栋-2-1502 is another room)."""
    stmt = select(col(Room.id)).where(
        col(Room.building) == building.strip(), col(Room.unit) == unit.strip(), col(Room.room) == room.strip()
    )
    codes = _room_estates(store, estate)
    if codes is not None:
        stmt = stmt.where(col(Room.estate).in_(codes) if codes else false())
    return stmt


def room_history(
    store: Store,
    viewer: Operator | None,
    building: str,
    unit: str,
    room: str,
    limit: int = HISTORY_MAX,
    estate: str = "",
) -> list[HistoryRow]:
    """Open cases first, then the newest, of the room at this address of ``estate`` (empty: the
    only estate the desk may name)."""
    # The address names the estate's room; the cases are then that room's (and the binding's).
    return _rows(store, viewer, col(Case.room_id).in_(_room_ids(store, building, unit, room, estate)), limit)


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
    estate: str = "",
) -> list[HistoryRow]:
    """Open cases from the same phone or room received lately, same category first: offer to
    append to one of them instead of opening a new case. Within ``estate`` (empty: the only
    one the desk may name): the same room number in another estate is another room."""
    ors: list[ColumnElement[bool]] = []
    try:
        norm = normalise_phone(phone) if phone.strip() else None
    except RuleBroken:
        norm = None
    if norm:
        ors.append(col(Case.owner_id) == select(col(Owner.id)).where(col(Owner.phone) == norm).scalar_subquery())
    if building.strip() and unit.strip() and room.strip():
        ors.append(col(Case.room_id).in_(_room_ids(store, building, unit, room, estate)))
    if not ors:
        return []
    since = (now or utcnow()) - dt.timedelta(days=within_days)
    where = col(Case.is_open).is_(True) & (col(Case.received_at) >= since) & or_(*ors)
    scope = estate.strip() or default_estate(store.policy.estates, store.estates) or ""
    rows = _rows(store, viewer, where, HISTORY_MAX, scope)
    if category:
        rows.sort(key=lambda r: r.category != category)
    return rows
