"""Everything recorded on one case, as plain data for the case screen and the JSON export."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from complaint_tui.case_facts import case_facts
from complaint_tui.case_numbers import typed_case_number
from complaint_tui.db import Store
from complaint_tui.errors import NotFound
from complaint_tui.models import (
    AuditEvent,
    Case,
    CaseContact,
    DepartmentTask,
    Evidence,
    Feedback,
    Finding,
    FollowUp,
    InvestigationNote,
    Owner,
    OwnerUpdate,
    Plan,
    Referral,
    ReturnVisit,
    Room,
    Staff,
    StepClock,
)
from complaint_tui.operators import Operator
from complaint_tui.policy import Step
from complaint_tui.queries.visibility import shown_phone
from complaint_tui.workflow import Action, Clock, Refusal, StepState, available, step_states


@dataclass(frozen=True)
class EvidenceView:
    id: int
    note_id: int | None
    kind: str
    source: str
    taken_on: dt.date | None
    filename: str
    sha256: str
    size: int
    note: str
    added_by: str
    added_at: dt.datetime


@dataclass(frozen=True)
class NoteView:
    id: int
    cycle: int
    kind: str
    party: str | None
    person: str
    content: str
    author: str
    at: dt.datetime


@dataclass(frozen=True)
class FindingView:
    cycle: int
    responsibility: str
    cause_code: str
    cause_text: str
    valid: bool
    validity_reason: str
    signatories: str
    confirmed_by: str
    confirmed_at: dt.datetime
    recorded_by: str
    at: dt.datetime


@dataclass(frozen=True)
class PlanView:
    cycle: int
    measures: str
    deadline: dt.datetime
    department: str
    responsible: str
    resources: str
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class ReferralView:
    cycle: int
    authority: str
    authority_text: str
    explanation: str
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class TaskView:
    id: int
    cycle: int
    department: str
    assignee: str
    what: str
    due_at: dt.datetime
    done_at: dt.datetime | None
    result: str


@dataclass(frozen=True)
class EntryView:
    """A follow-up, an owner update, an appended complaint or a chase."""

    kind: str
    channel: str
    content: str
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class FeedbackView:
    cycle: int
    channel: str
    what_done: str
    measures: str
    result: str
    demand_met: str
    unmet_reason: str
    next_step: str
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class VisitView:
    cycle: int
    method: str
    satisfaction: int
    remaining_issues: str
    outcome: str
    rejects_decision: bool
    external_recourse: str
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class AuditView:
    id: int
    at: dt.datetime
    who: str
    action: str
    version: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class CaseDetail:
    id: int
    number: str
    version: int
    source_id: str | None
    channel: str
    received_at: dt.datetime
    received_by: str
    contact_confirmed: bool
    owner_name: str
    phone: str
    phone_is_masked: bool
    building: str
    unit: str
    room: str
    object_kind: str
    object_text: str
    object_staff: str | None
    matter_what: str
    matter_when: str
    matter_where: str
    matter_state: str
    demand: str
    category: str
    urgency: str
    status: str
    department: str | None
    assignee_id: int | None
    assignee: str | None
    cycle: int
    paused_at: dt.datetime | None
    pause_reason: str | None
    reopen_count: int
    append_count: int
    chase_count: int
    merged_into: str | None
    close_kind: str | None
    close_reason: str | None
    closed_at: dt.datetime | None
    withdrawn_reason: str | None
    owner_rejects_decision: bool
    external_recourse: str | None
    steps: list[StepState]
    clocks: list[Clock]
    evidence: list[EvidenceView]
    notes: list[NoteView]
    findings: list[FindingView]
    plans: list[PlanView]
    referrals: list[ReferralView]
    tasks: list[TaskView]
    follow_ups: list[EntryView]
    owner_updates: list[EntryView]
    contacts: list[EntryView]
    feedback: list[FeedbackView]
    visits: list[VisitView]
    history: list[AuditView]
    actions: dict[Action, Refusal | None]

    @property
    def finding(self) -> FindingView | None:
        current = [f for f in self.findings if f.cycle == self.cycle]
        return current[-1] if current else None

    @property
    def open_tasks(self) -> list[TaskView]:
        return [t for t in self.tasks if t.done_at is None]


def case_id_by_number(store: Store, number: str) -> int:
    """The id of the case numbered ``number``, typed in any form ``case_numbers`` reads."""
    stored = typed_case_number(number, store.policy.case_number_prefix) or number.strip().upper()
    with store.read() as session:
        found = session.exec(select(Case.id).where(Case.number == stored)).first()
    if found is None:
        raise NotFound("error.case_not_found", case=number)
    return int(found)


def _names(session: Session) -> dict[int | None, str]:
    return dict(session.exec(select(Staff.id, Staff.name)).all())


def case_detail(store: Store, viewer: Operator | None, case_id: int, now: dt.datetime | None = None) -> CaseDetail:
    """The whole case, with the actions the viewer may take now and why the others are refused."""
    now = now or dt.datetime.now(dt.UTC)
    with store.read() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound("error.case_not_found", case=str(case_id))
        owner = session.get(Owner, case.owner_id)
        room = session.get(Room, case.room_id)
        assert owner is not None and room is not None
        names = _names(session)

        def who(sid: int | None) -> str:
            return names.get(sid, "") if sid is not None else ""

        def rows(model: Any, order: Any) -> list[Any]:
            return list(session.exec(select(model).where(model.case_id == case_id).order_by(order)).all())

        clocks = [
            Clock(Step(c.step), c.cycle, c.started_at, c.due_at, c.done_at) for c in rows(StepClock, col(StepClock.id))
        ]
        merged_into = session.get(Case, case.merged_into_id).number if case.merged_into_id else None  # type: ignore[union-attr]
        facts = case_facts(session, store, case)
        history = [
            AuditView(a.id or 0, a.at, who(a.staff_id) or "system", a.action, a.version, a.before, a.after)
            for a in session.exec(
                select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(col(AuditEvent.id))
            ).all()
        ]
        masked_phone = shown_phone(owner.phone, viewer, store.policy, case.assignee_id)
        detail = CaseDetail(
            id=case_id,
            number=case.number,
            version=case.version,
            source_id=case.source_id,
            channel=case.channel,
            received_at=case.received_at,
            received_by=who(case.received_by_id),
            contact_confirmed=case.contact_confirmed,
            owner_name=owner.name,
            phone=masked_phone,
            phone_is_masked=masked_phone != owner.phone,
            building=room.building,
            unit=room.unit,
            room=room.room,
            object_kind=case.object_kind,
            object_text=case.object_text,
            object_staff=who(case.object_staff_id) or None,
            matter_what=case.matter_what,
            matter_when=case.matter_when,
            matter_where=case.matter_where,
            matter_state=case.matter_state,
            demand=case.demand,
            category=case.category,
            urgency=case.urgency,
            status=case.status,
            department=case.department,
            assignee_id=case.assignee_id,
            assignee=who(case.assignee_id) or None,
            cycle=case.cycle,
            paused_at=case.paused_at,
            pause_reason=case.pause_reason,
            reopen_count=case.reopen_count,
            append_count=case.append_count,
            chase_count=case.chase_count,
            merged_into=merged_into,
            close_kind=case.close_kind,
            close_reason=case.close_reason,
            closed_at=case.closed_at,
            withdrawn_reason=case.withdrawn_reason,
            owner_rejects_decision=case.owner_rejects_decision,
            external_recourse=case.external_recourse,
            steps=step_states(clocks, now, case.paused_at),
            clocks=clocks,
            evidence=[
                EvidenceView(
                    e.id,
                    e.note_id,
                    e.kind,
                    e.source,
                    e.taken_on,
                    e.filename,
                    e.sha256,
                    e.size,
                    e.note,
                    who(e.added_by_id),
                    e.added_at,
                )
                for e in rows(Evidence, col(Evidence.id))
            ],
            notes=[
                NoteView(n.id, n.cycle, n.kind, n.party, n.person, n.content, who(n.author_id), n.created_at)
                for n in rows(InvestigationNote, col(InvestigationNote.id))
            ],
            findings=[
                FindingView(
                    f.cycle,
                    f.responsibility,
                    f.cause_code,
                    f.cause_text,
                    f.valid,
                    f.validity_reason,
                    f.signatories,
                    who(f.confirmed_by_id),
                    f.confirmed_at,
                    who(f.recorded_by_id),
                    f.created_at,
                )
                for f in rows(Finding, col(Finding.id))
            ],
            plans=[
                PlanView(
                    p.cycle,
                    p.measures,
                    p.deadline,
                    p.department,
                    p.responsible_name or who(p.responsible_id),
                    p.resources,
                    who(p.created_by_id),
                    p.created_at,
                )
                for p in rows(Plan, col(Plan.id))
            ],
            referrals=[
                ReferralView(r.cycle, r.authority, r.authority_text, r.explanation, who(r.created_by_id), r.created_at)
                for r in rows(Referral, col(Referral.id))
            ],
            tasks=[
                TaskView(t.id, t.cycle, t.department, who(t.assignee_id), t.what, t.due_at, t.done_at, t.result)
                for t in rows(DepartmentTask, col(DepartmentTask.id))
            ],
            follow_ups=[EntryView(f.kind, "", f.content, who(f.by_id), f.at) for f in rows(FollowUp, col(FollowUp.id))],
            owner_updates=[
                EntryView(u.kind, u.channel, u.content, who(u.by_id), u.at)
                for u in rows(OwnerUpdate, col(OwnerUpdate.id))
            ],
            contacts=[
                EntryView(c.kind, c.channel, c.content, who(c.by_id), c.at)
                for c in rows(CaseContact, col(CaseContact.id))
            ],
            feedback=[
                FeedbackView(
                    f.cycle,
                    f.channel,
                    f.what_done,
                    f.measures,
                    f.result,
                    f.demand_met,
                    f.unmet_reason,
                    f.next_step,
                    who(f.by_id),
                    f.at,
                )
                for f in rows(Feedback, col(Feedback.id))
            ],
            visits=[
                VisitView(
                    v.cycle,
                    v.method,
                    v.satisfaction,
                    v.remaining_issues,
                    v.outcome,
                    v.owner_rejects_decision,
                    v.external_recourse,
                    who(v.by_id),
                    v.at,
                )
                for v in rows(ReturnVisit, col(ReturnVisit.id))
            ],
            history=history,
            actions=available(facts, viewer.actor) if viewer is not None else {},
        )
    return detail
