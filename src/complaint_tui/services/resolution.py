"""Resolution (SPEC S3): the plan, referral, department tasks, follow-ups and progress updates."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from complaint_tui.db import Store
from complaint_tui.errors import NotFound, StepRefused
from complaint_tui.models import (
    ContactChannel,
    DepartmentTask,
    FollowUp,
    FollowUpKind,
    OwnerUpdate,
    Plan,
    Referral,
    UpdateKind,
)
from complaint_tui.policy import Step as Clock
from complaint_tui.services.base import (
    CaseChange,
    Operator,
    current_operator,
    finish_clock,
    get_staff,
    record_dict,
    start_clock,
)
from complaint_tui.services.step import case_step, done
from complaint_tui.validation import FormCheck, one_of, optional_text, required_text
from complaint_tui.workflow import Action, raise_if_refused, responsible_refusal, task_finisher_refusal


def _future(c: FormCheck, name: str, value: dt.datetime, now: dt.datetime) -> None:
    if value.tzinfo is None:
        c.fail(name, "datetime")
    elif value <= now:
        c.fail(name, "must_be_future")


def plan(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    *,
    measures: str,
    deadline: dt.datetime,
    department: str,
    resources: str = "",
    responsible_id: int | None = None,
    responsible_name: str = "",
    now: dt.datetime | None = None,
) -> CaseChange:
    """The solution plan (S3.1): measures, deadline, responsible department and person, resources."""
    moment = now or dt.datetime.now(dt.UTC)
    c = FormCheck()
    text = c.field("measures", required_text, measures)
    c.field("department", one_of, department, store.policy.departments)
    res = c.field("resources", optional_text, resources)
    name = c.field("responsible_name", optional_text, responsible_name, 100)
    _future(c, "deadline", deadline, moment)
    if responsible_id is None and not (responsible_name or "").strip():
        c.fail("responsible_name", "required")
    c.raise_if_any()
    with case_step(store, operator, case_id, version, Action.PLAN, moment) as step:
        raise_if_refused(responsible_refusal(step.facts, responsible_id))
        if responsible_id is not None:
            person = get_staff(step.session, responsible_id)
            name = name or person.name
        row = Plan(
            case_id=step.case_id,
            cycle=step.case.cycle,
            measures=text or "",
            deadline=deadline,
            department=department,
            responsible_id=responsible_id,
            responsible_name=name or "",
            resources=res or "",
            created_by_id=operator.id,
            created_at=step.now,
        )
        step.session.add(row)
        step.session.flush()
        step.case.department = department
        step.details = {"plan": record_dict(row)}
    return done(step)


def refer(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    *,
    authority: str,
    explanation: str,
    authority_text: str = "",
    now: dt.datetime | None = None,
) -> CaseChange:
    """Out of scope or no responsibility (S3.2): explained, referred; the feedback clock starts."""
    c = FormCheck()
    c.field("authority", one_of, authority, store.policy.authorities)
    text = c.field("explanation", required_text, explanation)
    extra = c.field("authority_text", optional_text, authority_text, 200)
    c.raise_if_any()
    with case_step(store, operator, case_id, version, Action.REFER, now) as step:
        row = Referral(
            case_id=step.case_id,
            cycle=step.case.cycle,
            authority=authority,
            authority_text=extra or "",
            explanation=text or "",
            created_by_id=operator.id,
            created_at=step.now,
        )
        step.session.add(row)
        finish_clock(step.session, step.case, Clock.RESOLUTION, step.now)
        start_clock(step.session, store, step.case, Clock.FEEDBACK, step.now)
        step.session.flush()
        step.details = {"referral": record_dict(row)}
    return done(step)


def add_task(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    *,
    department: str,
    what: str,
    due_at: dt.datetime,
    assignee_id: int | None = None,
    now: dt.datetime | None = None,
) -> CaseChange:
    """Split work to a department (S3.3) with its own deadline (S3.4)."""
    moment = now or dt.datetime.now(dt.UTC)
    c = FormCheck()
    c.field("department", one_of, department, store.policy.departments)
    text = c.field("task_what", required_text, what)
    _future(c, "task_due", due_at, moment)
    c.raise_if_any()
    with case_step(store, operator, case_id, version, Action.ADD_TASK, moment) as step:
        raise_if_refused(responsible_refusal(step.facts, assignee_id))
        if assignee_id is not None:
            get_staff(step.session, assignee_id)
        row = DepartmentTask(
            case_id=step.case_id,
            cycle=step.case.cycle,
            department=department,
            assignee_id=assignee_id,
            what=text or "",
            due_at=due_at,
            created_by_id=operator.id,
            created_at=step.now,
        )
        step.session.add(row)
        step.session.flush()
        step.details = {"task": record_dict(row)}
    return done(step)


def finish_task(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    *,
    task_id: int,
    result: str,
    now: dt.datetime | None = None,
) -> CaseChange:
    c = FormCheck()
    text = c.field("task_result", required_text, result)
    c.raise_if_any()
    with case_step(store, operator, case_id, version, Action.FINISH_TASK, now) as step:
        task = step.session.exec(
            select(DepartmentTask).where(DepartmentTask.id == task_id, DepartmentTask.case_id == step.case_id)
        ).first()
        if task is None:
            raise NotFound("error.task_not_found", task=str(task_id))
        if task.done_at is not None:
            raise StepRefused("guard.task_done")
        finisher = current_operator(step.session, operator).actor
        raise_if_refused(task_finisher_refusal(step.facts, finisher, task.department))
        task.done_at, task.result, task.done_by_id = step.now, text or "", operator.id
        step.details = {"task_id": task_id, "result": text, "on_time": step.now <= task.due_at}
    return done(step)


def follow_up(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    *,
    kind: str,
    content: str,
    now: dt.datetime | None = None,
) -> CaseChange:
    """Management's tracking (S3.4): a phone check, an on-site recheck, a note."""
    c = FormCheck()
    c.field("follow_up_kind", one_of, kind, [k.value for k in FollowUpKind])
    text = c.field("content", required_text, content)
    c.raise_if_any()
    with case_step(store, operator, case_id, version, Action.FOLLOW_UP, now) as step:
        step.session.add(FollowUp(case_id=step.case_id, kind=kind, content=text or "", by_id=operator.id, at=step.now))
        step.details = {"kind": kind, "content": text}
    return done(step)


def update_owner(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    *,
    channel: str,
    content: str,
    now: dt.datetime | None = None,
) -> CaseChange:
    """A progress update told to the owner (S3.4, S6.2)."""
    c = FormCheck()
    c.field("contact_channel", one_of, channel, [x.value for x in ContactChannel])
    text = c.field("content", required_text, content)
    c.raise_if_any()
    with case_step(store, operator, case_id, version, Action.UPDATE_OWNER, now) as step:
        step.session.add(
            OwnerUpdate(
                case_id=step.case_id,
                kind=UpdateKind.PROGRESS.value,
                channel=channel,
                content=text or "",
                by_id=operator.id,
                at=step.now,
            )
        )
        step.details = {"channel": channel, "content": text}
    return done(step)


def resolve(store: Store, operator: Operator, case_id: int, version: int, now: dt.datetime | None = None) -> CaseChange:
    """The work is done (S3.4 → S4.1): the resolution clock stops and the feedback clock starts."""
    with case_step(store, operator, case_id, version, Action.RESOLVE, now) as step:
        finish_clock(step.session, step.case, Clock.RESOLUTION, step.now)
        start_clock(step.session, store, step.case, Clock.FEEDBACK, step.now)
    return done(step)
