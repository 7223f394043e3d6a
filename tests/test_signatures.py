"""The signed finding (S2.6, issue 8 item 10) on both databases: the person named to confirm a
finding signs it with their own PIN or at their own desk; until then the case view shows it
awaiting their signature; the owner's confirmation is recorded when given."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from rich.console import Console
from sqlmodel import col, select

from complaint_tui import queries as q
from complaint_tui import services as sv
from complaint_tui.db import Store
from complaint_tui.errors import InvalidInput, StepRefused
from complaint_tui.models import AuditEvent, Case, FindingSignature, Staff
from complaint_tui.operators import Operator
from complaint_tui.services.signatures import owner_confirms_finding, sign_finding
from complaint_tui.verbs import CaseRef, FormContext, build, verb_of
from complaint_tui.views.case import CaseView
from complaint_tui.workflow import Action
from tests.conftest import TEAM_PINS, Team
from tests.helpers import intake_form

T0 = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)


def version_of(store: Store, case_id: int) -> int:
    with store.read() as s:
        case = s.get(Case, case_id)
        assert case is not None
        return case.version


def investigated(store: Store, team: Team) -> int:
    """A repair case acknowledged and with one note: ready for its finding."""
    r = sv.intake(store, team.desk, intake_form(received_at=T0), now=T0)
    v = sv.acknowledge(store, team.handler, r.case_id, r.version, "phone", "已联系", now=T0)
    sv.add_note(store, team.handler, r.case_id, v.version, "site_inspection", "现场查看属实", now=T0)
    return r.case_id


def finding_form(store: Store, team: Team, confirmer: Operator, pin: str) -> dict[str, object]:
    return {
        "responsibility": "property_company",
        "cause_code": "facility_fault",
        "cause_text": "防水层老化",
        "valid": True,
        "validity_reason": "属维修范围",
        "signatories": "张伟、王芳",
        "confirmed_by": str(confirmer.id),
        "confirmer_pin": pin,
    }


def record(store: Store, team: Team, case_id: int, confirmer: Operator, pin: str) -> None:
    """The finding as the desk's form records it (the verb's one service path)."""
    command = build(
        verb_of(Action.RECORD_FINDING),
        finding_form(store, team, confirmer, pin),
        FormContext(store.policy, "en", T0, team.handler),
    )
    with store.read() as s:
        case = s.get(Case, case_id)
        assert case is not None
        ref = CaseRef(case_id, case.number, case.version)
    command.run(store, team.handler, ref, T0)


def signatures(store: Store, case_id: int) -> list[tuple[str, int | None, str]]:
    with store.read() as s:
        rows = s.exec(select(FindingSignature).where(FindingSignature.case_id == case_id)).all()
        return [(r.signer_kind, r.staff_id, r.method) for r in rows]


def finding_words(store: Store, team: Team, case_id: int, lang: str = "en") -> str:
    d = q.case_detail(store, team.supervisor, case_id)
    view = CaseView(store.policy, lang, T0, {})
    console = Console(width=200, file=io.StringIO(), record=True, color_system=None)
    console.print(view.render_investigation(d))
    return console.export_text()


def test_named_confirmer_signs_later_at_their_own_desk(store: Store, team: Team) -> None:
    """Recorded by 李强 naming 王芳 without her PIN: the finding awaits her signature (the
    view says so in both languages); 李强 cannot sign for her; she signs at her desk."""
    cid = investigated(store, team)
    record(store, team, cid, team.supervisor, "")
    assert signatures(store, cid) == []
    assert "awaiting signature of 王芳" in finding_words(store, team, cid)
    assert "等待王芳签字" in finding_words(store, team, cid, "zh")
    with pytest.raises(StepRefused) as refused:
        sign_finding(store, team.handler, cid, version_of(store, cid), now=T0)
    assert refused.value.key == "guard.sign_not_named" and "王芳" in refused.value.message("en")
    sign_finding(store, team.supervisor, cid, version_of(store, cid), now=T0)
    assert signatures(store, cid) == [("staff", team.supervisor.id, "desk")]
    words = finding_words(store, team, cid)
    assert "awaiting" not in words and "signed by 王芳" in words
    with pytest.raises(StepRefused) as twice:
        sign_finding(store, team.supervisor, cid, version_of(store, cid), now=T0)
    assert twice.value.key == "guard.sign_already"


def test_the_confirmer_signs_at_the_recording_desk_with_their_own_pin(store: Store, team: Team) -> None:
    """A wrong PIN is refused at the PIN field, nothing is recorded, and the wrong PIN is
    counted and audited as at sign-in; the right PIN records the finding signed (method pin)."""
    cid = investigated(store, team)
    before = version_of(store, cid)
    with pytest.raises(InvalidInput) as wrong:
        record(store, team, cid, team.supervisor, "0000")
    assert [(p.field, p.rule) for p in wrong.value.problems] == [("pin", "signer_pin_wrong")]
    assert version_of(store, cid) == before  # no finding written
    with store.read() as s:
        wang = s.exec(select(Staff).where(Staff.login == "wang")).one()
        assert wang.failed_pins == 1
        failed = s.exec(select(AuditEvent).where(AuditEvent.action == "sign_in_failed")).all()
        assert any((e.after or {}).get("login") == "wang" for e in failed)
    record(store, team, cid, team.supervisor, TEAM_PINS["wang"])
    assert signatures(store, cid) == [("staff", team.supervisor.id, "pin")]
    with store.read() as s:
        last = s.exec(select(AuditEvent).where(AuditEvent.case_id == cid).order_by(col(AuditEvent.id).desc())).first()
        assert last is not None and last.action == "sign_finding"


def test_a_confirmer_without_a_pin_signs_at_their_desk_only(store: Store, team: Team) -> None:
    """陈静 (a handler, no PIN) cannot sign at another desk: the form says so."""
    cid = investigated(store, team)
    with pytest.raises(InvalidInput) as no_pin:
        record(store, team, cid, team.handler2, "1234")
    assert [p.rule for p in no_pin.value.problems] == ["signer_without_pin"]


def test_the_recorder_named_as_confirmer_signs_by_recording(store: Store, team: Team) -> None:
    cid = investigated(store, team)
    record(store, team, cid, team.handler, "")
    assert signatures(store, cid) == [("staff", team.handler.id, "desk")]


def test_the_owners_confirmation_is_recorded(store: Store, team: Team) -> None:
    cid = investigated(store, team)
    with pytest.raises(StepRefused) as early:
        owner_confirms_finding(store, team.desk, cid, version_of(store, cid), channel="phone", content="同意")
    assert early.value.key == "guard.sign_needs_finding"
    record(store, team, cid, team.handler, "")
    assert "Owner's confirmation  not given yet" in finding_words(store, team, cid)
    owner_confirms_finding(store, team.desk, cid, version_of(store, cid), channel="phone", content="业主认可", now=T0)
    assert ("owner", None, "phone") in signatures(store, cid)
    assert "not given yet" not in finding_words(store, team, cid)


def test_the_case_view_offers_signing_only_once_there_is_a_finding(store: Store, team: Team) -> None:
    """The signing and the owner's confirmation wait for a finding of the cycle, and the case
    view says why (not only the service, when the key is pressed)."""
    cid = investigated(store, team)
    offered = q.case_detail(store, team.supervisor, cid).actions
    for action in (Action.SIGN_FINDING, Action.OWNER_CONFIRMS_FINDING):
        why = offered[action]
        assert why is not None and why.key == "guard.sign_needs_finding"
    record(store, team, cid, team.supervisor, "")
    offered = q.case_detail(store, team.supervisor, cid).actions
    assert offered[Action.SIGN_FINDING] is None and offered[Action.OWNER_CONFIRMS_FINDING] is None
