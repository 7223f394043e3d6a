"""First response, assignment and the investigation (SPEC S2): notes, evidence, the signed finding."""

from __future__ import annotations

import datetime as dt

from complaint_tui.db import Store
from complaint_tui.errors import StepRefused
from complaint_tui.models import (
    ContactChannel,
    Finding,
    InvestigationNote,
    NoteKind,
    OwnerUpdate,
    Party,
    Responsibility,
    Role,
    UpdateKind,
)
from complaint_tui.policy import Step as Clock
from complaint_tui.services.base import CaseChange, Operator, finish_clock, get_staff, record_dict
from complaint_tui.services.evidence import EvidenceInput, check_evidence, store_evidence
from complaint_tui.services.step import case_step, done
from complaint_tui.validation import FormCheck, one_of, optional_text, required_text
from complaint_tui.workflow import Action, assignee_refusal, raise_if_refused


def _today(store: Store, now: dt.datetime | None) -> dt.date:
    """Today in the centre's zone (a photo taken this morning in Shanghai is not "in the future")."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(store.policy.zone).date()


def acknowledge(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    channel: str,
    content: str,
    now: dt.datetime | None = None,
) -> CaseChange:
    """The first response to the owner within the internal limit (S2.1); investigation starts."""
    c = FormCheck()
    chan = c.field("contact_channel", one_of, channel, [x.value for x in ContactChannel])
    text = c.field("content", required_text, content)
    c.raise_if_any()
    with case_step(store, operator, case_id, version, Action.ACKNOWLEDGE, now) as step:
        finish_clock(step.session, step.case, Clock.FIRST_RESPONSE, step.now)
        step.session.add(
            OwnerUpdate(
                case_id=step.case_id,
                kind=UpdateKind.FIRST_RESPONSE.value,
                channel=chan or "",
                content=text or "",
                by_id=operator.id,
                at=step.now,
            )
        )
        step.details = {"channel": chan, "content": text}
    return done(step)


def assign(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    assignee_id: int,
    department: str | None = None,
    now: dt.datetime | None = None,
) -> CaseChange:
    """Give the case to a handler (and department); never to the staff member complained about (S2.5)."""
    if department is not None:
        c = FormCheck()
        c.field("department", one_of, department, store.policy.departments)
        c.raise_if_any()
    with case_step(store, operator, case_id, version, Action.ASSIGN, now) as step:
        staff = get_staff(step.session, assignee_id)
        raise_if_refused(assignee_refusal(step.facts, assignee_id, Role(staff.role), staff.active))
        step.case.assignee_id = assignee_id
        step.case.department = department or staff.department or step.case.department
    return done(step)


def add_note(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    kind: str,
    content: str,
    party: str | None = None,
    person: str = "",
    evidence: list[EvidenceInput] | None = None,
    now: dt.datetime | None = None,
) -> CaseChange:
    """An investigation record (S2.2, S2.3): inspection, records, interview, rules, a party's statement."""
    c = FormCheck()
    kind_ok = c.field("note_kind", one_of, kind, [k.value for k in NoteKind])
    text = c.field("content", required_text, content)
    who = c.field("person", optional_text, person, 100)
    if kind_ok == NoteKind.PARTY_STATEMENT.value:
        c.field("party", one_of, party, [p.value for p in Party])
    elif party:
        c.fail("party", "party_only_statement")
    c.problems.extend(check_evidence(evidence or [], store.policy, _today(store, now)))
    c.raise_if_any()
    with case_step(store, operator, case_id, version, Action.ADD_NOTE, now) as step:
        note = InvestigationNote(
            case_id=step.case_id,
            cycle=step.case.cycle,
            kind=kind,
            party=party if kind_ok == NoteKind.PARTY_STATEMENT.value else None,
            person=who or "",
            content=text or "",
            author_id=operator.id,
            created_at=step.now,
        )
        step.session.add(note)
        step.session.flush()
        for item in evidence or []:
            store_evidence(step.session, step.case_id, operator.id, item, note.id, at=step.now)
        step.details = {"note": record_dict(note), "evidence": [e.filename for e in evidence or []]}
    return done(step)


def add_evidence(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    items: list[EvidenceInput],
    now: dt.datetime | None = None,
) -> CaseChange:
    c = FormCheck()
    if not items:
        c.fail("evidence_file", "required")
    c.problems.extend(check_evidence(items, store.policy, _today(store, now)))
    c.raise_if_any()
    with case_step(store, operator, case_id, version, Action.ADD_EVIDENCE, now) as step:
        for item in items:
            store_evidence(step.session, step.case_id, operator.id, item, at=step.now)
        step.details = {"evidence": [{"filename": i.filename, "kind": i.kind, "source": i.source} for i in items]}
    return done(step)


def record_finding(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    *,
    responsibility: str,
    cause_code: str,
    cause_text: str,
    valid: bool,
    validity_reason: str,
    signatories: str,
    confirmed_by_id: int,
    confirmed_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> CaseChange:
    """The written, signed investigation result (S2.4, S2.6), after the notes the guards demand."""
    c = FormCheck()
    c.field("responsibility", one_of, responsibility, [r.value for r in Responsibility])
    c.field("cause_code", one_of, cause_code, store.policy.causes)
    cause = c.field("cause_text", required_text, cause_text)
    reason = c.field("validity_reason", required_text, validity_reason)
    signed = c.field("signatories", required_text, signatories, 200)
    c.raise_if_any()
    with case_step(store, operator, case_id, version, Action.RECORD_FINDING, now) as step:
        confirmer = get_staff(step.session, confirmed_by_id)
        if step.facts.subject_staff_id == confirmed_by_id:
            raise StepRefused("guard.subject_staff_confirm")
        if Role(confirmer.role) not in (Role.HANDLER, Role.SUPERVISOR):
            raise StepRefused("guard.confirm_role")
        finding = Finding(
            case_id=step.case_id,
            cycle=step.case.cycle,
            responsibility=responsibility,
            cause_code=cause_code,
            cause_text=cause or "",
            valid=valid,
            validity_reason=reason or "",
            signatories=signed or "",
            confirmed_by_id=confirmed_by_id,
            confirmed_at=confirmed_at or step.now,
            recorded_by_id=operator.id,
            created_at=step.now,
        )
        step.session.add(finding)
        step.session.flush()
        step.details = {"finding": record_dict(finding)}
    return done(step)
