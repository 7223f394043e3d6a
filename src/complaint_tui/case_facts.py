"""The guard inputs of one case, read from the store: ``case_facts()``.

The verbs check them before a step (``services.base.check_step``) and the case view lists the
steps they allow now (``queries.case_view``); both read them through this one function.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from complaint_tui.db import Store
from complaint_tui.models import Case, DepartmentTask, Finding, InvestigationNote, Party, Plan, ReturnVisit, Status
from complaint_tui.workflow import CaseFacts, correction_until


def case_facts(session: Session, store: Store, case: Case) -> CaseFacts:
    """The guard inputs for the case's current cycle (a handful of indexed counts)."""
    cid, cycle = case.id, case.cycle
    notes = session.exec(
        select(InvestigationNote.kind, InvestigationNote.party).where(
            InvestigationNote.case_id == cid, InvestigationNote.cycle == cycle
        )
    ).all()
    finding = session.exec(
        select(Finding).where(Finding.case_id == cid, Finding.cycle == cycle).order_by(col(Finding.id).desc())
    ).first()
    has_plan = session.exec(
        select(func.count()).select_from(Plan).where(Plan.case_id == cid, Plan.cycle == cycle)
    ).one()
    open_tasks = session.exec(
        select(func.count())
        .select_from(DepartmentTask)
        .where(DepartmentTask.case_id == cid, col(DepartmentTask.done_at).is_(None))
    ).one()
    visit = session.exec(
        select(ReturnVisit)
        .where(ReturnVisit.case_id == cid, ReturnVisit.cycle == cycle)
        .order_by(col(ReturnVisit.id).desc())
    ).first()
    category = store.policy.categories.get(case.category)
    return CaseFacts(
        status=Status(case.status),
        both_parties=bool(category and category.both_parties),
        subject_staff_id=case.object_staff_id,
        assignee_id=case.assignee_id,
        paused=case.paused_at is not None,
        notes=len(notes),
        parties_heard=frozenset(Party(p) for k, p in notes if p),
        has_finding=finding is not None,
        finding_valid=finding.valid if finding else None,
        finding_responsibility=finding.responsibility if finding else None,
        has_plan=bool(has_plan),
        open_tasks=int(open_tasks),
        last_visit_satisfied=(visit.satisfaction >= store.policy.satisfied_min) if visit else None,
        department=case.department,
        immediate=bool(category and category.immediate) or store.policy.urgency_rank(case.urgency) == 0,
        correction_until=correction_until(store.policy, case.received_at),
    )
