"""What every desk verb shares: the operator, the locked case, its facts, clocks and audit event.

A verb is one ``store.write()`` transaction that (1) locks the case and compares its row version
with the one the desk loaded, (2) asks the workflow whether the operator may take the step,
(3) writes the change, the clocks and the queue keys, and (4) appends an audit event with the
fields before and after. Any failure rolls the whole transaction back.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from complaint_tui.audit_chain import Event, queue_event
from complaint_tui.case_facts import case_facts
from complaint_tui.db import Store
from complaint_tui.errors import EditConflict, NotFound, RoleRefused
from complaint_tui.i18n import Msg
from complaint_tui.models import (
    OPEN_STATUSES,
    AuditEvent,
    Case,
    CasePause,
    Staff,
    Status,
    StepClock,
    utcnow,
)
from complaint_tui.operators import Operator
from complaint_tui.policy import Step
from complaint_tui.workflow import ROLE_ACTIONS, Action, CaseFacts, queue_due_at, raise_if_refused, refusal

# Defined in core modules the queries share; named here too, where the verbs have always found them.
__all__ = ["CaseChange", "Operator", "case_facts"]


@dataclass(frozen=True)
class CaseChange:
    """What a verb hands back: enough for the screen to carry on editing without a reload."""

    case_id: int
    number: str
    version: int
    status: Status


def current_operator(session: Session, operator: Operator) -> Operator:
    """``operator`` as the store knows it in this transaction: its role and department re-read.

    A verb never trusts the role an ``Operator`` object claims (it may be stale, or made up): an
    unknown id is ``NotFound`` and a deactivated account may do nothing.
    """
    staff = session.get(Staff, operator.id)
    if staff is None:
        raise NotFound("error.staff_not_found", staff=str(operator.id))
    if not staff.active:
        raise RoleRefused("error.account_inactive", login=staff.login)
    return Operator.of(staff)


def require_role(operator: Operator, action: Action) -> None:
    if action not in ROLE_ACTIONS[operator.role]:
        raise RoleRefused(
            "guard.role",
            action=Msg(f"action.{action.value}"),
            role=Msg(f"role.{operator.role.value}"),
        )


def lock_case(session: Session, store: Store, case_id: int, expected_version: int) -> Case:
    """The case row, locked for this transaction, if nobody changed it since ``expected_version``."""
    stmt = select(Case).where(Case.id == case_id)
    if store.dialect == "postgresql":
        stmt = stmt.with_for_update()
    case = session.exec(stmt).first()
    if case is None:
        raise NotFound("error.case_not_found", case=str(case_id))
    if case.version != expected_version:
        raise EditConflict(
            case.number,
            expected_version,
            case.version,
            changes_since(session, case_id, expected_version),
        )
    return case


def changes_since(session: Session, case_id: int, version: int) -> list[str]:
    """The audit actions written after ``version``: what the other desk did."""
    rows = session.exec(
        select(AuditEvent.action, Staff.name)
        .join(Staff, col(Staff.id) == AuditEvent.staff_id, isouter=True)
        .where(AuditEvent.case_id == case_id, col(AuditEvent.version) > version)
        .order_by(col(AuditEvent.id))
    ).all()
    return [f"{action}:{name or ''}" for action, name in rows]


def check_step(session: Session, store: Store, case: Case, operator: Operator, action: Action) -> CaseFacts:
    """The case's facts, if the operator (re-read in ``session``) may take ``action`` on it now."""
    fresh = current_operator(session, operator)
    require_role(fresh, action)
    facts = case_facts(session, store, case)
    raise_if_refused(refusal(action, facts, fresh.actor))
    return facts


# --- audit -------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {f: _plain(getattr(obj, f)) for f in fields}


def record_dict(obj: Any, exclude: Iterable[str] = ()) -> dict[str, Any]:
    skip = set(exclude)
    return {k: _plain(v) for k, v in obj.model_dump().items() if k not in skip}


def audit(
    session: Session,
    operator: Operator | None,
    action: str,
    case: Case | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    at: dt.datetime | None = None,
) -> None:
    """Queue the audit event of a change; ``Store.write`` chains and writes it at commit."""
    queue_event(
        session,
        Event(
            case_id=case.id if case else None,
            staff_id=operator.id if operator else None,
            at=at or utcnow(),
            action=action,
            version=case.version if case else None,
            before=before,
            after=after,
        ),
    )


# --- clocks ------------------------------------------------------------------------------


def start_clock(session: Session, store: Store, case: Case, step: Step, start: dt.datetime) -> StepClock:
    assert case.id is not None
    due, limit = store.policy.for_estate(case.estate).due_and_limit(
        step, start, case.urgency, case.category, case.channel
    )
    clock = StepClock(
        case_id=case.id, cycle=case.cycle, step=step.value, started_at=start, due_at=due, limit_unit=limit.unit
    )
    session.add(clock)
    return clock


def cancel_open_clocks(session: Session, case: Case, at: dt.datetime) -> None:
    """The case leaves its current cycle: steps not done will never be, and must not count as late."""
    session.execute(
        update(StepClock)
        .where(
            col(StepClock.case_id) == case.id,
            col(StepClock.cycle) == case.cycle,
            col(StepClock.done_at).is_(None),
            col(StepClock.cancelled_at).is_(None),
        )
        .values(cancelled_at=at)
    )


def end_pause(session: Session, case: Case, operator: Operator, at: dt.datetime) -> None:
    """Close the open pause, if any, without moving any clock (the case is leaving its cycle)."""
    if case.paused_at is None:
        return
    session.execute(
        update(CasePause)
        .where(col(CasePause.case_id) == case.id, col(CasePause.resumed_at).is_(None))
        .values(resumed_at=at, resumed_by_id=operator.id)
    )
    case.paused_at = None
    case.pause_reason = None


def finish_clock(session: Session, case: Case, step: Step, at: dt.datetime) -> None:
    session.execute(
        update(StepClock)
        .where(
            col(StepClock.case_id) == case.id,
            col(StepClock.cycle) == case.cycle,
            col(StepClock.step) == step.value,
            col(StepClock.done_at).is_(None),
            col(StepClock.cancelled_at).is_(None),
        )
        .values(done_at=at)
    )


def refresh_queue_keys(session: Session, case: Case) -> None:
    """Keep the case row's queue columns in step with its status and open clocks."""
    session.flush()
    case.is_open = Status(case.status) in OPEN_STATUSES
    clock = None
    if case.is_open:
        clock = session.exec(
            select(StepClock)
            .where(
                StepClock.case_id == case.id,
                StepClock.cycle == case.cycle,
                col(StepClock.done_at).is_(None),
                col(StepClock.cancelled_at).is_(None),
            )
            .order_by(col(StepClock.due_at), col(StepClock.id))  # the same next step on every database
        ).first()
    case.next_step = clock.step if clock else None
    case.next_due_at = clock.due_at if clock else None
    case.queue_due_at = queue_due_at(case.next_due_at, case.paused_at)


def bump(case: Case, now: dt.datetime) -> None:
    case.version += 1
    case.updated_at = now


def change(case: Case) -> CaseChange:
    assert case.id is not None
    return CaseChange(case.id, case.number, case.version, Status(case.status))


def get_staff(session: Session, staff_id: int) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise NotFound("error.staff_not_found", staff=str(staff_id))
    return staff
