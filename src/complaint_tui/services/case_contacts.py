"""What else happens to an open case: appended complaints and chasing calls (counted, not new
cases), pausing while waiting on the owner, withdrawal, and merging a duplicate (and undoing it)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from complaint_tui.case_numbers import typed_case_number
from complaint_tui.db import Store
from complaint_tui.errors import NotFound, StepRefused
from complaint_tui.models import (
    FINAL_STATUSES,
    Case,
    CaseContact,
    CasePause,
    ContactKind,
    Status,
    StepClock,
)
from complaint_tui.services.base import CaseChange, Operator, audit, bump, refresh_queue_keys
from complaint_tui.services.search_index import reindex_case
from complaint_tui.services.step import case_step, done
from complaint_tui.validation import FormCheck, one_of, required_field, required_text
from complaint_tui.workflow import Action


def _contact(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    kind: ContactKind,
    channel: str,
    content: str,
    now: dt.datetime | None,
) -> CaseChange:
    c = FormCheck()
    c.field("channel", one_of, channel, store.policy.channels)
    text = c.field("content", required_text, content)
    c.raise_if_any()
    action = Action.APPEND if kind is ContactKind.APPEND else Action.CHASE
    with case_step(store, operator, case_id, version, action, now) as step:
        step.session.add(
            CaseContact(
                case_id=step.case_id,
                kind=kind.value,
                channel=channel,
                content=text or "",
                by_id=operator.id,
                at=step.now,
            )
        )
        if kind is ContactKind.APPEND:
            step.case.append_count += 1
            step.session.flush()
            reindex_case(step.session, store.dialect, step.case)
        else:
            step.case.chase_count += 1
        step.details = {"channel": channel, "content": text}
    return done(step)


def append_complaint(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    *,
    channel: str,
    content: str,
    now: dt.datetime | None = None,
) -> CaseChange:
    """The owner adds to an open complaint (追加): recorded on the case and counted."""
    return _contact(store, operator, case_id, version, ContactKind.APPEND, channel, content, now)


def record_chase(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    *,
    channel: str,
    content: str,
    now: dt.datetime | None = None,
) -> CaseChange:
    """The owner chases an open case (催办): recorded and counted."""
    return _contact(store, operator, case_id, version, ContactKind.CHASE, channel, content, now)


def pause(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    reason: str,
    now: dt.datetime | None = None,
) -> CaseChange:
    """Stop the clocks while waiting on the owner (e.g. no access for an inspection)."""
    text = required_field("reason", reason)
    with case_step(store, operator, case_id, version, Action.PAUSE, now) as step:
        step.case.paused_at = step.now
        step.case.pause_reason = text
        step.session.add(
            CasePause(
                case_id=step.case_id,
                reason=text or "",
                paused_at=step.now,
                paused_by_id=operator.id,
            )
        )
    return done(step)


def resume(store: Store, operator: Operator, case_id: int, version: int, now: dt.datetime | None = None) -> CaseChange:
    """Restart the clocks: every open step's due time moves on by the time spent paused."""
    with case_step(store, operator, case_id, version, Action.RESUME, now) as step:
        paused_at = step.case.paused_at
        assert paused_at is not None
        gap = max(step.now - paused_at, dt.timedelta(0))
        clocks = step.session.exec(
            select(StepClock).where(
                StepClock.case_id == step.case_id,
                StepClock.cycle == step.case.cycle,
                col(StepClock.done_at).is_(None),
                col(StepClock.cancelled_at).is_(None),
            )
        ).all()
        estate_policy = store.policy.for_estate(step.case.estate)  # the estate's calendar
        for clock in clocks:
            # A clock started during the pause (none should, but be safe) only lost what came after it.
            since = max(paused_at, clock.started_at)
            clock.due_at = estate_policy.extend_for_pause(clock.due_at, clock.limit_unit, since, step.now)
            clock.paused_seconds += int(max(step.now - since, dt.timedelta(0)).total_seconds())
        pause_row = step.session.exec(
            select(CasePause).where(CasePause.case_id == step.case_id, col(CasePause.resumed_at).is_(None))
        ).first()
        if pause_row is not None:
            pause_row.resumed_at, pause_row.resumed_by_id = step.now, operator.id
        step.case.paused_at = None
        step.case.pause_reason = None
        step.details = {"paused_seconds": int(gap.total_seconds())}
    return done(step)


def withdraw(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    reason: str,
    now: dt.datetime | None = None,
) -> CaseChange:
    """The owner withdraws the complaint; the reason is kept."""
    text = required_field("reason", reason)
    with case_step(store, operator, case_id, version, Action.WITHDRAW, now) as step:
        step.case.withdrawn_reason = text
    return done(step)


def _lock_target(store: Store, session: Session, number: str) -> Case:
    stored = typed_case_number(number, store.policy.case_number_prefix) or number.strip()
    stmt = select(Case).where(Case.number == stored)
    if store.dialect == "postgresql":
        stmt = stmt.with_for_update()
    target = session.exec(stmt).first()
    if target is None:
        raise NotFound("error.case_not_found", case=number)
    return target


def merge(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    *,
    into_number: str,
    now: dt.datetime | None = None,
) -> CaseChange:
    """Fold a duplicate into the open case it repeats; its clocks stop, the target notes it."""
    typed = required_field("into_number", into_number)  # blank: "required", not "case  not found"
    with case_step(store, operator, case_id, version, Action.MERGE, now) as step:
        target = _lock_target(store, step.session, typed)
        if target.id == step.case_id:
            raise StepRefused("guard.merge_self")
        if Status(target.status) in FINAL_STATUSES:
            raise StepRefused("guard.merge_target_final", number=target.number)
        step.case.status_before = step.case.status
        step.case.status = Status.MERGED.value
        step.case.merged_into_id = target.id
        bump(target, step.now)
        audit(
            step.session,
            operator,
            "merged_in",
            target,
            None,
            {"duplicate": step.case.number},
            at=step.now,
        )
        step.details = {"into": target.number}
    return done(step)


def unmerge(store: Store, operator: Operator, case_id: int, version: int, now: dt.datetime | None = None) -> CaseChange:
    """Undo a merge: the case gets back the status it had, and its clocks run again."""
    with case_step(store, operator, case_id, version, Action.UNMERGE, now) as step:
        target = None
        if step.case.merged_into_id is not None:
            stmt = select(Case).where(Case.id == step.case.merged_into_id)
            if store.dialect == "postgresql":
                stmt = stmt.with_for_update()
            target = step.session.exec(stmt).first()
        # The clocks stood still while merged: they run again from where they stopped.
        stopped = step.session.exec(
            select(StepClock).where(
                StepClock.case_id == step.case_id,
                StepClock.cycle == step.case.cycle,
                col(StepClock.done_at).is_(None),
                col(StepClock.cancelled_at).is_not(None),
            )
        ).all()
        for clock in stopped:
            assert clock.cancelled_at is not None
            clock.due_at = store.policy.for_estate(step.case.estate).extend_for_pause(
                clock.due_at, clock.limit_unit, clock.cancelled_at, step.now
            )
            clock.cancelled_at = None
        step.case.status = step.case.status_before or Status.RECEIVED.value
        step.case.status_before = None
        step.case.merged_into_id = None
        if target is not None:
            bump(target, step.now)
            audit(
                step.session,
                operator,
                "merge_undone",
                target,
                {"duplicate": step.case.number},
                None,
                at=step.now,
            )
            refresh_queue_keys(step.session, target)
        step.details = {"from": target.number if target else None}
    return done(step)
