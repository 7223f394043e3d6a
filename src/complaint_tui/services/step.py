"""The frame of every verb on an existing case: lock, check, change, clocks, audit, in one go."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from complaint_tui.db import Store
from complaint_tui.models import FINAL_STATUSES, Case, Status, utcnow
from complaint_tui.services.base import (
    CaseChange,
    Operator,
    audit,
    bump,
    cancel_open_clocks,
    change,
    check_step,
    end_pause,
    lock_case,
    refresh_queue_keys,
    snapshot,
)
from complaint_tui.workflow import Action, CaseFacts, target_status

# The case fields an audit event shows before and after a step.
STATE_FIELDS = (
    "status",
    "assignee_id",
    "department",
    "urgency",
    "cycle",
    "paused_at",
    "pause_reason",
    "next_step",
    "next_due_at",
    "reopen_count",
    "append_count",
    "chase_count",
    "merged_into_id",
    "close_kind",
    "close_reason",
    "closed_at",
    "withdrawn_reason",
    "owner_rejects_decision",
    "external_recourse",
)


@dataclass
class Step:
    session: Session
    case: Case
    facts: CaseFacts
    now: dt.datetime
    # What the step recorded besides the case fields (the note, the plan...): goes into the audit.
    details: dict[str, Any] = field(default_factory=dict)
    result: CaseChange | None = None

    @property
    def case_id(self) -> int:
        assert self.case.id is not None
        return self.case.id


@contextmanager
def case_step(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    action: Action,
    now: dt.datetime | None = None,
) -> Iterator[Step]:
    """Run one verb on one case as a single transaction.

    The body changes ``step.case`` and adds rows; the status moves to the action's target
    unless the body set it itself. On leaving, the version is bumped, the queue keys refreshed
    and the audit event written; ``step.result`` then holds the new ``CaseChange``.
    """
    with store.write() as session:
        case = lock_case(session, store, case_id, version)
        facts = check_step(session, store, case, operator, action)
        before = snapshot(case, STATE_FIELDS)
        step = Step(session, case, facts, now or utcnow())
        yield step
        target = target_status(action)
        if target is not None and case.status == before["status"]:
            case.status = target.value
        if Status(case.status) is Status.CLOSED and case.closed_at is None:
            case.closed_at, case.closed_by_id = step.now, operator.id
        if Status(case.status) in FINAL_STATUSES and Status(before["status"]) not in FINAL_STATUSES:
            # Leaving for good (closed, withdrawn, merged): no pause stays open, no clock runs on.
            end_pause(session, case, operator, step.now)
            cancel_open_clocks(session, case, step.now)
        bump(case, step.now)
        refresh_queue_keys(session, case)
        after = snapshot(case, STATE_FIELDS)
        changed_before = {k: v for k, v in before.items() if after.get(k) != v}
        changed_after = {k: after[k] for k in changed_before} | step.details
        audit(session, operator, action.value, case, changed_before, changed_after, at=step.now)
        step.result = change(case)


def done(step: Step) -> CaseChange:
    assert step.result is not None
    return step.result
