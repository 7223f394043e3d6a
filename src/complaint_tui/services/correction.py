"""Changing what intake recorded (issue 8 item 9): correcting the intake record, and
reclassifying a case's category or urgency.

``correct_intake`` fixes a wrong owner name, phone, room, object or matter: checked by the
intake's own rules, allowed to a supervisor at any time and to the desk within the policy's
``[intake] correction_window`` after receipt; the audit event keeps every old value beside
the new one, so the history shows what was typed first.

``reclassify`` changes the category and/or the urgency with a reason. Raising a case to a
health-and-safety matter (the most urgent level, or an ``immediate`` category) restarts its open
clocks under the new limits (S6.3); a clock never moves later by this (the earlier due time
stays). Any other change, lowering included, keeps the running clocks as they are: the owner
was told those times, and a lower class must not quietly give the staff more time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select

from complaint_tui.db import Store
from complaint_tui.errors import FieldProblem, InvalidInput
from complaint_tui.models import Case, Owner, Room, StepClock
from complaint_tui.policy import Step as Clock
from complaint_tui.services.base import CaseChange, Operator, current_operator
from complaint_tui.services.intake import find_or_create_owner, find_or_create_room
from complaint_tui.services.search_index import reindex_case
from complaint_tui.services.step import case_step, done
from complaint_tui.validation import (
    FormCheck,
    address_part,
    normalise_phone,
    one_of,
    optional_text,
    person_name,
    required_text,
)
from complaint_tui.workflow import Action, raise_if_refused, refusal

# The intake record's fields a correction may change, in the order of the intake form.
OWNER_FIELDS = ("owner_name", "phone")
ROOM_FIELDS = ("building", "unit", "room")
CASE_FIELDS = ("object_text", "matter_what", "matter_when", "matter_where", "matter_state", "demand")


def correct_intake(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    *,
    owner_name: str,
    phone: str | None,
    building: str,
    unit: str,
    room: str,
    object_text: str,
    matter_what: str,
    matter_when: str = "",
    matter_where: str = "",
    matter_state: str = "",
    demand: str,
    now: dt.datetime | None = None,
) -> CaseChange:
    """The intake record as it should have been typed; ``phone`` None keeps the phone (a desk
    that sees it masked cannot retype it). Nothing changed is refused as such."""
    c = FormCheck()
    name = c.field("owner_name", person_name, owner_name)
    clean_phone = c.field("phone", normalise_phone, phone) if phone is not None else None
    address = [c.field(f, address_part, v) for f, v in zip(ROOM_FIELDS, (building, unit, room), strict=True)]
    texts = {
        "object_text": c.field("object_text", required_text, object_text, 200),
        "matter_what": c.field("matter_what", required_text, matter_what),
        "matter_when": c.field("matter_when", optional_text, matter_when, 200),
        "matter_where": c.field("matter_where", optional_text, matter_where, 200),
        "matter_state": c.field("matter_state", optional_text, matter_state),
        "demand": c.field("demand", required_text, demand),
    }
    c.raise_if_any()
    with case_step(store, operator, case_id, version, Action.CORRECT_INTAKE, now) as step:
        case, session = step.case, step.session
        # The rule the case view offers the verb by: the facts' window, at the step's time.
        actor = current_operator(session, operator).actor
        raise_if_refused(refusal(Action.CORRECT_INTAKE, step.facts, actor, step.now))
        owner = session.get(Owner, case.owner_id)
        place = session.get(Room, case.room_id)
        assert owner is not None and place is not None
        before: dict[str, Any] = {"owner_name": owner.name, "phone": owner.phone}
        before |= {"building": place.building, "unit": place.unit, "room": place.room}
        before |= {f: getattr(case, f) for f in CASE_FIELDS}
        after: dict[str, Any] = {"owner_name": name, "phone": clean_phone or owner.phone}
        after |= dict(zip(ROOM_FIELDS, address, strict=True)) | texts
        changed = [f for f in before if before[f] != after[f]]
        if not changed:
            raise InvalidInput([FieldProblem("owner_name", "nothing_changed", {})])
        if any(f in changed for f in OWNER_FIELDS):
            # The owner is found by the phone as at intake: a corrected number may be another
            # owner's; a corrected name is the name of that number from now on.
            new_owner = find_or_create_owner(session, after["owner_name"], after["phone"], step.now, rename=True)
            assert new_owner.id is not None
            case.owner_id = new_owner.id
            if new_owner.name != before["owner_name"] and new_owner.id == owner.id:
                # The owner's other cases are found by the owner's new name too.
                others = select(Case).where(Case.owner_id == owner.id, Case.id != case.id)
                for other in session.exec(others).all():
                    reindex_case(session, store.dialect, other)
            # A caller who was the owner was mistyped with them; another caller stays as given.
            if case.caller_name == before["owner_name"]:
                case.caller_name = after["owner_name"]
            if case.caller_phone == before["phone"]:
                case.caller_phone = after["phone"]
        if any(f in changed for f in ROOM_FIELDS):
            new_room = find_or_create_room(session, after["building"], after["unit"], after["room"], case.estate)
            assert new_room.id is not None
            case.room_id = new_room.id
        for f in CASE_FIELDS:
            setattr(case, f, after[f])
        session.flush()
        reindex_case(session, store.dialect, case)
        step.details = {"corrected": {f: {"before": before[f], "after": after[f]} for f in changed}}
    return done(step)


def reclassify(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    *,
    category: str,
    urgency: str,
    reason: str,
    now: dt.datetime | None = None,
) -> CaseChange:
    """A new category and/or urgency, with the reason; a safety raise restarts the open clocks."""
    policy = store.policy
    c = FormCheck()
    new_category = c.field("category", one_of, category, policy.categories)
    new_urgency = c.field("urgency", one_of, urgency, policy.urgencies)
    why = c.field("reason", required_text, reason)
    c.raise_if_any()
    assert new_category and new_urgency and why
    with case_step(store, operator, case_id, version, Action.RECLASSIFY, now) as step:
        case, session = step.case, step.session
        old_category, old_urgency = case.category, case.urgency
        immediate = policy.categories[new_category].immediate
        if immediate:  # S6.3: a safety category is always the most urgent, as at intake
            new_urgency = policy.most_urgent
        if (new_category, new_urgency) == (old_category, old_urgency):
            raise InvalidInput([FieldProblem("category", "nothing_changed", {})])
        was_safety = policy.categories[old_category].immediate or old_urgency == policy.most_urgent
        now_safety = immediate or new_urgency == policy.most_urgent
        case.category, case.urgency = new_category, new_urgency
        restarted = _restart_clocks(store, step.session, case, step.now) if now_safety and not was_safety else []
        step.details = {
            # The urgency is a case field the step records by itself; the category is not.
            "category": new_category,
            "category_before": old_category,
            "reason": why,
            "clocks_restarted": restarted,
        }
        session.flush()
    return done(step)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _restart_clocks(store: Store, session: Session, case: Case, now: dt.datetime) -> list[dict[str, str]]:
    """Every open clock of the current cycle due by the case's new limits counted from ``now``,
    unless it was due sooner already; what moved, for the audit."""
    clocks = session.exec(
        select(StepClock).where(
            StepClock.case_id == case.id,
            StepClock.cycle == case.cycle,
            col(StepClock.done_at).is_(None),
            col(StepClock.cancelled_at).is_(None),
        )
    ).all()
    moved = []
    for clock in clocks:
        due, limit = store.policy.due_and_limit(Clock(clock.step), now, case.urgency, case.category, case.channel)
        if due < clock.due_at:
            moved.append({"step": clock.step, "before": _utc(clock.due_at), "after": _utc(due)})
            clock.started_at, clock.due_at, clock.limit_unit = now, due, limit.unit
    return moved
