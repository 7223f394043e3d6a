"""The closed loop (SPEC S4, S6.4): feedback, return visits, closing, forced closing, reopening."""

from __future__ import annotations

import datetime as dt

from complaint_tui.db import Store
from complaint_tui.models import (
    CloseKind,
    ContactChannel,
    DemandMet,
    Feedback,
    ReturnVisit,
    Status,
    VisitMethod,
    VisitOutcome,
)
from complaint_tui.policy import Step as Clock
from complaint_tui.services.base import (
    CaseChange,
    Operator,
    cancel_open_clocks,
    end_pause,
    finish_clock,
    record_dict,
    start_clock,
)
from complaint_tui.services.step import Step, case_step, done
from complaint_tui.validation import FormCheck, one_of, optional_text, required_field, required_text, satisfaction
from complaint_tui.workflow import Action, feedback_refusal, raise_if_refused, visit_refusal


def give_feedback(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    *,
    channel: str,
    what_done: str,
    measures: str,
    result: str,
    demand_met: str,
    unmet_reason: str = "",
    next_step: str = "",
    now: dt.datetime | None = None,
) -> CaseChange:
    """Tell the owner the result (S4.1): done, measures, result, demand met; if not fully, why and next."""
    c = FormCheck()
    c.field("contact_channel", one_of, channel, [x.value for x in ContactChannel])
    done_text = c.field("what_done", required_text, what_done)
    measures_text = c.field("measures", required_text, measures)
    result_text = c.field("result", required_text, result)
    met = c.field("demand_met", one_of, demand_met, [d.value for d in DemandMet])
    why_not = c.field("unmet_reason", optional_text, unmet_reason) or ""
    then = c.field("next_step", optional_text, next_step) or ""
    c.raise_if_any()
    assert met is not None
    raise_if_refused(feedback_refusal(DemandMet(met), why_not, then))
    with case_step(store, operator, case_id, version, Action.GIVE_FEEDBACK, now) as step:
        row = Feedback(
            case_id=step.case_id,
            cycle=step.case.cycle,
            channel=channel,
            what_done=done_text or "",
            measures=measures_text or "",
            result=result_text or "",
            demand_met=met,
            unmet_reason=why_not,
            next_step=then,
            by_id=operator.id,
            at=step.now,
        )
        step.session.add(row)
        finish_clock(step.session, step.case, Clock.FEEDBACK, step.now)
        start_clock(step.session, store, step.case, Clock.RETURN_VISIT, step.now)
        step.session.flush()
        step.details = {"feedback": record_dict(row)}
    return done(step)


def _close(step: Step, kind: CloseKind, reason: str | None, operator_id: int) -> None:
    step.case.status = Status.CLOSED.value
    step.case.close_kind = kind.value
    step.case.close_reason = reason
    step.case.closed_at = step.now
    step.case.closed_by_id = operator_id


def _reopen(step: Step, store: Store, operator: Operator) -> None:
    """A new cycle: counted, and the resolution clock restarts from now (S4.2).

    Whatever the old cycle left undone is cancelled, and a pause ends: the new cycle starts clean.
    """
    end_pause(step.session, step.case, operator, step.now)
    cancel_open_clocks(step.session, step.case, step.now)
    step.case.status = Status.INVESTIGATING.value
    step.case.reopen_count += 1
    step.case.cycle += 1
    step.case.close_kind = step.case.close_reason = None
    step.case.closed_at = None
    step.case.closed_by_id = None
    step.session.flush()
    start_clock(step.session, store, step.case, Clock.RESOLUTION, step.now)


def log_return_visit(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    *,
    method: str,
    satisfaction_score: int | str,
    outcome: str,
    remaining_issues: str = "",
    rejects_decision: bool = False,
    external_recourse: str = "",
    now: dt.datetime | None = None,
) -> CaseChange:
    """Record a return visit (S4.2): satisfied → closed; reopen → a new cycle; explained → recorded,
    left for a supervisor's decision. An owner who rejects the decision gets the recourse (S6.4)."""
    c = FormCheck()
    c.field("visit_method", one_of, method, [m.value for m in VisitMethod])
    score = c.field("satisfaction", satisfaction, satisfaction_score)
    chosen = c.field("visit_outcome", one_of, outcome, [o.value for o in VisitOutcome])
    remaining = c.field("remaining_issues", optional_text, remaining_issues)
    recourse = c.field("external_recourse", optional_text, external_recourse) or ""
    c.raise_if_any()
    assert score is not None and chosen is not None
    raise_if_refused(visit_refusal(VisitOutcome(chosen), score, store.policy, rejects_decision, recourse))
    with case_step(store, operator, case_id, version, Action.LOG_RETURN_VISIT, now) as step:
        row = ReturnVisit(
            case_id=step.case_id,
            cycle=step.case.cycle,
            method=method,
            satisfaction=score,
            remaining_issues=remaining or "",
            outcome=chosen,
            owner_rejects_decision=rejects_decision,
            external_recourse=recourse,
            by_id=operator.id,
            at=step.now,
        )
        step.session.add(row)
        step.session.flush()
        finish_clock(step.session, step.case, Clock.RETURN_VISIT, step.now)
        if rejects_decision:
            step.case.owner_rejects_decision = True
            step.case.external_recourse = recourse
        if chosen == VisitOutcome.CLOSE.value:
            _close(step, CloseKind.SATISFIED, None, operator.id)
        elif chosen == VisitOutcome.REOPEN.value:
            _reopen(step, store, operator)
        step.details = {"visit": record_dict(row)}
    return done(step)


def close(store: Store, operator: Operator, case_id: int, version: int, now: dt.datetime | None = None) -> CaseChange:
    """Close after a satisfied return visit (S4.2)."""
    with case_step(store, operator, case_id, version, Action.CLOSE, now) as step:
        _close(step, CloseKind.SATISFIED, None, operator.id)
    return done(step)


def force_close(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    reason: str,
    now: dt.datetime | None = None,
) -> CaseChange:
    """A supervisor closes without a satisfied visit, with the reason on record."""
    text = required_field("reason", reason)
    with case_step(store, operator, case_id, version, Action.FORCE_CLOSE, now) as step:
        _close(step, CloseKind.FORCED, text, operator.id)
    return done(step)


def reopen(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    reason: str,
    now: dt.datetime | None = None,
) -> CaseChange:
    """A supervisor reopens a closed (or fed-back) case: counted, clocks restarted."""
    text = required_field("reason", reason)
    with case_step(store, operator, case_id, version, Action.REOPEN, now) as step:
        _reopen(step, store, operator)
        step.details = {"reason": text}
    return done(step)
