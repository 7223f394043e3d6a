"""The signed finding (S2.6, issue 8 item 10): the person named to confirm a finding signs it.

They sign at the desk where it is recorded by entering their own PIN (checked as at sign-in:
a wrong PIN is counted towards the lock and audited), or later at their own desk, signed in as
themselves. Until then the case view shows the finding "awaiting signature of …". The owner's
confirmation of the finding is recorded when given, with the channel it came by.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from complaint_tui.db import Store
from complaint_tui.errors import FieldProblem, InvalidInput, RoleRefused, StepRefused
from complaint_tui.models import ContactChannel, Finding, FindingSignature, Staff
from complaint_tui.services.base import CaseChange, Operator, get_staff, record_dict
from complaint_tui.services.staff import sign_in
from complaint_tui.services.step import case_step, done
from complaint_tui.validation import FormCheck, one_of, optional_text
from complaint_tui.workflow import Action

STAFF, OWNER = "staff", "owner"


def verify_signer_pin(store: Store, signer_id: int, pin_code: str) -> None:
    """``pin_code`` is the signer's own PIN; else ``InvalidInput`` at the PIN field. Checked by the
    sign-in's own rule, so a wrong PIN counts towards the lock and is audited like one at sign-in."""
    with store.read() as session:
        signer = session.get(Staff, signer_id)
    if signer is None or not signer.pin_hash:
        # Without a PIN of their own, nobody can sign for them here: they sign at their own desk.
        raise InvalidInput([FieldProblem("pin", "signer_without_pin", {})])
    if not pin_code.strip():
        raise InvalidInput([FieldProblem("pin", "required", {})])
    try:
        sign_in(store, signer.login, pin_code)
    except RoleRefused as refused:
        raise InvalidInput([FieldProblem("pin", "signer_pin_wrong", {})]) from refused


def current_finding(session: Session, case_id: int, cycle: int) -> Finding:
    found = session.exec(
        select(Finding).where(Finding.case_id == case_id, Finding.cycle == cycle).order_by(col(Finding.id).desc())
    ).first()
    if found is None:
        raise StepRefused("guard.sign_needs_finding")
    return found


def sign_finding(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    *,
    signer_id: int | None = None,
    pin_code: str = "",
    now: dt.datetime | None = None,
) -> CaseChange:
    """The finding signed by the person it names: at their own desk (``signer_id`` None or the
    operator), or at this desk with their PIN."""
    signer = operator.id if signer_id is None else signer_id
    by_pin = signer != operator.id
    if by_pin:
        verify_signer_pin(store, signer, pin_code)
    with case_step(store, operator, case_id, version, Action.SIGN_FINDING, now) as step:
        finding = current_finding(step.session, case_id, step.case.cycle)
        if finding.confirmed_by_id != signer:
            named = get_staff(step.session, finding.confirmed_by_id).name
            raise StepRefused("guard.sign_not_named", name=named)
        if _signed(step.session, finding, signer):
            raise StepRefused("guard.sign_already", name=get_staff(step.session, signer).name)
        assert finding.id is not None
        row = FindingSignature(
            finding_id=finding.id,
            case_id=case_id,
            signer_kind=STAFF,
            staff_id=signer,
            method="pin" if by_pin else "desk",
            signed_at=step.now,
            recorded_by_id=operator.id,
        )
        step.session.add(row)
        step.session.flush()
        step.details = {"signature": record_dict(row)}
    return done(step)


def owner_confirms_finding(
    store: Store,
    operator: Operator,
    case_id: int,
    version: int,
    *,
    channel: str,
    content: str = "",
    now: dt.datetime | None = None,
) -> CaseChange:
    """The owner confirmed the finding (told by ``channel``; ``content``: what they said)."""
    c = FormCheck()
    chan = c.field("contact_channel", one_of, channel, [x.value for x in ContactChannel])
    said = c.field("content", optional_text, content)
    c.raise_if_any()
    with case_step(store, operator, case_id, version, Action.OWNER_CONFIRMS_FINDING, now) as step:
        finding = current_finding(step.session, case_id, step.case.cycle)
        assert finding.id is not None
        row = FindingSignature(
            finding_id=finding.id,
            case_id=case_id,
            signer_kind=OWNER,
            method=chan or "",
            note=said or "",
            signed_at=step.now,
            recorded_by_id=operator.id,
        )
        step.session.add(row)
        step.session.flush()
        step.details = {"signature": record_dict(row), "content": said}
    return done(step)


def _signed(session: Session, finding: Finding, staff_id: int) -> bool:
    return (
        session.exec(
            select(FindingSignature.id).where(
                FindingSignature.finding_id == finding.id, FindingSignature.staff_id == staff_id
            )
        ).first()
        is not None
    )
