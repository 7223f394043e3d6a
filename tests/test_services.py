"""The desk verbs: roles, guards, clocks, conflicts and the audit trail (S1-S4, S6)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, func, select

from complaint_tui import queries as q
from complaint_tui import services as sv
from complaint_tui.db import Store, make_engine
from complaint_tui.errors import DeskError, EditConflict, InvalidInput, NotFound, RoleRefused, StepRefused
from complaint_tui.models import AuditEvent, Case, CaseContact, EvidenceBlob, StepClock
from complaint_tui.policy import Step
from complaint_tui.services.evidence import EvidenceInput
from tests.conftest import Team
from tests.helpers import intake_form

HOUR = dt.timedelta(hours=1)


def later(days: float = 2) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=days)


def investigated(store: Store, team: Team, **form: object) -> tuple[int, int]:
    """A case acknowledged, assigned to li, with one inspection note."""
    r = sv.intake(store, team.desk, intake_form(**form))
    v = sv.acknowledge(store, team.desk, r.case_id, r.version, "phone", "已回电").version
    v = sv.assign(store, team.supervisor, r.case_id, v, team.handler.id).version
    v = sv.add_note(store, team.handler, r.case_id, v, "site_inspection", "现场查看属实").version
    return r.case_id, v


def finding(
    store: Store, team: Team, cid: int, v: int, *, valid: bool = True, responsibility: str = "property_company"
) -> int:
    return sv.record_finding(
        store,
        team.handler,
        cid,
        v,
        responsibility=responsibility,
        cause_code="facility_fault",
        cause_text="老化",
        valid=valid,
        validity_reason="核实",
        signatories="业主；李强",
        confirmed_by_id=team.handler.id,
    ).version


def fed_back(store: Store, team: Team) -> tuple[int, int]:
    cid, v = investigated(store, team)
    v = finding(store, team, cid, v)
    v = sv.plan(
        store,
        team.handler,
        cid,
        v,
        measures="维修",
        deadline=later(),
        department="engineering",
        responsible_id=team.handler.id,
    ).version
    v = sv.resolve(store, team.handler, cid, v).version
    v = sv.give_feedback(
        store, team.desk, cid, v, channel="phone", what_done="维修", measures="更换", result="修好", demand_met="yes"
    ).version
    return cid, v


def audit_actions(store: Store, cid: int) -> list[str]:
    with store.read() as s:
        return list(
            s.exec(select(AuditEvent.action).where(AuditEvent.case_id == cid).order_by(col(AuditEvent.id))).all()
        )


def test_roles_are_refused_by_the_services_too(store: Store, team: Team) -> None:
    cid, v = investigated(store, team)
    with pytest.raises(RoleRefused) as err:
        sv.record_finding(
            store,
            team.desk,
            cid,
            v,
            responsibility="owner",
            cause_code="other",
            cause_text="x",
            valid=True,
            validity_reason="x",
            signatories="x",
            confirmed_by_id=team.handler.id,
        )
    assert "desk clerk" in err.value.message("en")
    with pytest.raises(RoleRefused):
        sv.force_close(store, team.handler, cid, v, "不想处理")
    with pytest.raises(RoleRefused):
        sv.intake(store, team.admin, intake_form())
    assert audit_actions(store, cid)[-1] == "add_note"  # nothing written by the refusals


def test_a_stale_edit_from_a_second_desk_is_refused_and_changes_nothing(
    store: Store, team: Team, store_url: str
) -> None:
    """Two sessions (two engines, as two desks would have) load the same version."""
    r = sv.intake(store, team.desk, intake_form())
    other = Store(make_engine(store_url), store.policy)
    try:
        sv.acknowledge(other, team.desk, r.case_id, r.version, "phone", "第一位客服已回电")
        with pytest.raises(EditConflict) as err:
            sv.assign(store, team.supervisor, r.case_id, r.version, team.handler.id)
    finally:
        other.engine.dispose()
    assert err.value.expected == 1 and err.value.actual == 2
    assert err.value.changes == ["acknowledge:赵敏"]
    assert r.number in err.value.message("en") and "其他工位" in err.value.message("zh")
    detail = q.case_detail(store, team.supervisor, r.case_id)
    assert detail.assignee is None and detail.status == "investigating" and detail.version == 2


def test_a_safety_case_is_raised_to_the_most_urgent_level(store: Store, team: Team) -> None:
    """S6.3: health and safety matters are acted on immediately."""
    r = sv.intake(store, team.desk, intake_form(category="safety", urgency="low", matter_what="楼道电线裸露冒火花"))
    assert r.urgency == "critical" and r.urgency_raised
    assert r.first_response_due - q.case_detail(store, team.desk, r.case_id).received_at == dt.timedelta(minutes=30)


SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MONDAY_10 = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)


def test_pausing_stops_the_clocks_and_resuming_moves_them_on(store: Store, team: Team) -> None:
    """Hour limits move by the time paused; working-day limits by the working days the pause took."""
    r = sv.intake(store, team.desk, intake_form(received_at=MONDAY_10), now=MONDAY_10)
    paused_at = MONDAY_10 + HOUR  # Monday 11:00
    v = sv.pause(store, team.desk, r.case_id, r.version, "业主出差，无法入户查看", now=paused_at).version
    detail = q.case_detail(store, team.desk, r.case_id, now=paused_at)
    assert detail.paused_at == paused_at and detail.pause_reason
    page = q.queue_page(store, team.desk, now=paused_at)
    assert page.rows[0].paused
    with pytest.raises(StepRefused) as err:
        sv.acknowledge(store, team.desk, r.case_id, v, "phone", "x", now=paused_at)
    assert err.value.key == "guard.paused"
    with pytest.raises(InvalidInput):
        sv.pause(store, team.desk, r.case_id, v, " ")
    resumed_at = dt.datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI)  # Wednesday 09:00
    v = sv.resume(store, team.desk, r.case_id, v, now=resumed_at).version
    after = {c.step.value: c.due_at for c in q.case_detail(store, team.desk, r.case_id).clocks}
    # First response: 2 h → Monday 12:00, plus the 46 h paused → Wednesday 10:00.
    assert after["first_response"] == dt.datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)
    # Resolution: 3 working days → Thursday 10:00; the pause took Tuesday → Friday 10:00.
    assert after["resolution"] == dt.datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)
    assert q.case_detail(store, team.desk, r.case_id).paused_at is None
    assert audit_actions(store, r.case_id)[-2:] == ["pause", "resume"]


def test_a_case_late_when_paused_stays_overdue_and_one_in_time_leaves_the_due_order(store: Store, team: Team) -> None:
    late = sv.intake(store, team.desk, intake_form(received_at=MONDAY_10), now=MONDAY_10)
    fine = sv.intake(store, team.desk, intake_form(phone="13900000001", received_at=MONDAY_10), now=MONDAY_10)
    sv.pause(store, team.desk, late.case_id, late.version, "等业主", now=MONDAY_10 + 3 * HOUR)  # 1 h late
    sv.pause(store, team.desk, fine.case_id, fine.version, "等业主", now=MONDAY_10 + HOUR)
    later_on = MONDAY_10 + 30 * HOUR
    overdue = q.queue_page(store, team.desk, q.QueueFilter(overdue=True), now=later_on)
    assert [r.id for r in overdue.rows] == [late.case_id]
    assert overdue.rows[0].time_left(later_on) == -HOUR  # frozen at the pause
    fr = q.statistics(store, now=later_on).on_time["first_response"]
    assert (fr.open_overdue, fr.open_in_time) == (1, 1)


def test_closing_withdrawing_or_merging_ends_the_pause_and_cancels_the_clocks(store: Store, team: Team) -> None:
    a = sv.intake(store, team.desk, intake_form())
    b = sv.intake(store, team.desk, intake_form(phone="13900000002"))
    va = sv.pause(store, team.desk, a.case_id, a.version, "等业主").version
    vb = sv.pause(store, team.desk, b.case_id, b.version, "等业主").version
    closed = sv.force_close(store, team.supervisor, a.case_id, va, "业主不再配合")
    sv.withdraw(store, team.desk, b.case_id, vb, "业主撤诉")
    for cid in (a.case_id, b.case_id):
        detail = q.case_detail(store, team.supervisor, cid)
        assert detail.paused_at is None
        with store.read() as s:
            running = s.exec(
                select(func.count())
                .select_from(StepClock)
                .where(
                    StepClock.case_id == cid, col(StepClock.done_at).is_(None), col(StepClock.cancelled_at).is_(None)
                )
            ).one()
        assert running == 0
    # Reopened a month later, the new cycle runs at once with a full resolution limit.
    month = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    sv.reopen(store, team.supervisor, a.case_id, closed.version, "业主提供新证据", now=month)
    with store.read() as s:
        case = s.get(Case, a.case_id)
        assert case is not None and case.paused_at is None and case.queue_due_at == case.next_due_at
        assert case.next_due_at is not None and case.next_due_at > month
    stats = q.statistics(store, now=month + dt.timedelta(days=30))
    assert sum(o.open_overdue for o in stats.on_time.values()) == 1  # only the new resolution clock


def test_unmerging_restarts_the_clocks_where_they_stopped(store: Store, team: Team) -> None:
    first = sv.intake(store, team.desk, intake_form(received_at=MONDAY_10), now=MONDAY_10)
    dup = sv.intake(store, team.desk, intake_form(received_at=MONDAY_10, channel="email"), now=MONDAY_10)
    due = {c.step: c.due_at for c in q.case_detail(store, team.desk, dup.case_id).clocks}
    merged = sv.merge(store, team.desk, dup.case_id, dup.version, into_number=first.number, now=MONDAY_10 + HOUR)
    back = MONDAY_10 + 25 * HOUR  # Tuesday 11:00: a day merged, no whole working day between
    sv.unmerge(store, team.supervisor, dup.case_id, merged.version, now=back)
    after = {c.step: c.due_at for c in q.case_detail(store, team.desk, dup.case_id).clocks}
    assert after[Step.FIRST_RESPONSE] == due[Step.FIRST_RESPONSE] + 24 * HOUR
    assert after[Step.RESOLUTION] == due[Step.RESOLUTION]
    assert q.case_detail(store, team.desk, dup.case_id).steps[0].left is not None


def test_a_dissatisfied_return_visit_reopens_the_case_with_new_clocks(store: Store, team: Team) -> None:
    """S4.2: not satisfied → listen again, coordinate further; the reopen is counted."""
    cid, v = fed_back(store, team)
    with pytest.raises(StepRefused) as err:
        sv.log_return_visit(store, team.desk, cid, v, method="phone", satisfaction_score=2, outcome="close")
    assert err.value.key == "guard.visit_close_needs_satisfied"
    change = sv.log_return_visit(
        store, team.desk, cid, v, method="phone", satisfaction_score=2, outcome="reopen", remaining_issues="仍有异味"
    )
    assert change.status.value == "investigating"
    detail = q.case_detail(store, team.desk, cid)
    assert detail.reopen_count == 1 and detail.cycle == 2
    assert [s.step.value for s in detail.steps] == ["resolution"]  # the new cycle's clock
    assert detail.finding is None  # the old cycle's finding does not count for the new one
    assert len(detail.findings) == 1 and len(detail.clocks) == 5
    with store.read() as s:
        case = s.get(Case, cid)
        assert case is not None and case.is_open and case.next_step == "resolution"


def test_closing_needs_a_satisfied_visit_or_a_supervisors_reason(store: Store, team: Team) -> None:
    cid, v = fed_back(store, team)
    with pytest.raises(StepRefused) as err:
        sv.close(store, team.desk, cid, v)
    assert err.value.key == "guard.close_needs_satisfied_visit"
    v = sv.log_return_visit(
        store,
        team.desk,
        cid,
        v,
        method="phone",
        satisfaction_score=1,
        outcome="explained",
        rejects_decision=True,
        external_recourse="可向区住建局反映",
    ).version
    detail = q.case_detail(store, team.supervisor, cid)
    assert detail.status == "feedback_given" and detail.owner_rejects_decision  # S6.4 recorded
    assert detail.external_recourse == "可向区住建局反映"
    with pytest.raises(InvalidInput):
        sv.force_close(store, team.supervisor, cid, v, "")
    closed = sv.force_close(store, team.supervisor, cid, v, "已多次解释，业主诉求超出合同范围")
    assert closed.status.value == "closed"
    detail = q.case_detail(store, team.supervisor, cid)
    assert detail.close_kind == "forced" and detail.close_reason
    # ...and a supervisor may reopen a closed case.
    again = sv.reopen(store, team.supervisor, cid, closed.version, "业主提供新证据")
    assert again.status.value == "investigating"
    assert q.case_detail(store, team.supervisor, cid).reopen_count == 1


def test_an_invalid_complaint_is_referred_and_still_gets_feedback_and_a_visit(store: Store, team: Team) -> None:
    """S3.2: out of scope or no responsibility → explained and referred."""
    cid, v = investigated(store, team)
    v = finding(store, team, cid, v, valid=False, responsibility="none")
    with pytest.raises(StepRefused):
        sv.plan(
            store, team.handler, cid, v, measures="x", deadline=later(), department="engineering", responsible_name="x"
        )
    with pytest.raises(InvalidInput):
        sv.refer(store, team.handler, cid, v, authority="moon_office", explanation="x")
    v = sv.refer(store, team.handler, cid, v, authority="utility", explanation="停水属供水公司管网检修").version
    v = sv.give_feedback(
        store,
        team.desk,
        cid,
        v,
        channel="phone",
        what_done="已解释并转介",
        measures="提供供水公司电话",
        result="业主理解",
        demand_met="no",
        unmet_reason="不属物业责任",
        next_step="由供水公司处理",
    ).version
    done = sv.log_return_visit(store, team.desk, cid, v, method="phone", satisfaction_score=4, outcome="close")
    assert done.status.value == "closed"
    steps = {s.step.value: s for s in q.case_detail(store, team.desk, cid).steps}
    assert steps["resolution"].done_at is not None and steps["feedback"].done_at is not None


def resolved(store: Store, team: Team) -> tuple[int, int]:
    """A case investigated, found valid, planned and marked resolved: ready for feedback."""
    cid, v = investigated(store, team)
    v = finding(store, team, cid, v)
    v = sv.plan(
        store,
        team.handler,
        cid,
        v,
        measures="维修",
        deadline=later(),
        department="engineering",
        responsible_name="李强",
    ).version
    return cid, sv.resolve(store, team.handler, cid, v).version


def test_feedback_that_does_not_meet_the_demand_needs_reason_and_next_step(store: Store, team: Team) -> None:
    cid, v = resolved(store, team)
    with pytest.raises(StepRefused) as err:
        sv.give_feedback(
            store,
            team.desk,
            cid,
            v,
            channel="phone",
            what_done="维修",
            measures="更换",
            result="部分",
            demand_met="partly",
        )
    assert err.value.key == "guard.feedback_needs_reason"
    with pytest.raises(StepRefused) as err:
        sv.give_feedback(
            store,
            team.desk,
            cid,
            v,
            channel="phone",
            what_done="维修",
            measures="更换",
            result="部分",
            demand_met="partly",
            unmet_reason="配件缺货",
        )
    assert err.value.key == "guard.feedback_needs_next_step"


def test_a_complaint_about_staff_is_never_handled_by_that_staff_member(store: Store, team: Team) -> None:
    """S2.5."""
    r = sv.intake(
        store,
        team.desk,
        intake_form(
            object_kind="staff",
            object_staff_login="li",
            category="complaint",
            object_text="维修工李强",
            matter_what="维修工态度恶劣",
        ),
    )
    with pytest.raises(StepRefused) as err:
        sv.assign(store, team.supervisor, r.case_id, r.version, team.handler.id)
    assert err.value.key == "guard.assign_subject_staff"
    v = sv.acknowledge(store, team.desk, r.case_id, r.version, "phone", "已回电").version
    with pytest.raises(StepRefused) as err:
        sv.add_note(store, team.handler, r.case_id, v, "interview", "我没有")
    assert err.value.key == "guard.subject_staff"
    v = sv.assign(store, team.supervisor, r.case_id, v, team.handler2.id).version
    v = sv.add_note(store, team.handler2, r.case_id, v, "interview", "询问在场保安").version
    with pytest.raises(StepRefused) as err:
        sv.record_finding(
            store,
            team.handler2,
            r.case_id,
            v,
            responsibility="property_company",
            cause_code="service_gap",
            cause_text="态度",
            valid=True,
            validity_reason="属实",
            signatories="业主",
            confirmed_by_id=team.handler.id,
        )
    assert err.value.key == "guard.subject_staff_confirm"


def test_appended_complaints_and_chases_are_counted_not_new_cases(store: Store, team: Team) -> None:
    r = sv.intake(store, team.desk, intake_form())
    v = sv.append_complaint(
        store, team.desk, r.case_id, r.version, channel="hotline", content="现在墙面也开始发霉"
    ).version
    v = sv.record_chase(store, team.desk, r.case_id, v, channel="hotline", content="业主催问进度").version
    v = sv.record_chase(store, team.desk, r.case_id, v, channel="wechat", content="再次催办").version
    detail = q.case_detail(store, team.desk, r.case_id)
    assert (detail.append_count, detail.chase_count) == (1, 2)
    assert [c.kind for c in detail.contacts] == ["append", "chase", "chase"]
    with store.read() as s:
        assert s.exec(select(func.count()).select_from(Case)).one() == 1
        assert s.exec(select(func.count()).select_from(CaseContact)).one() == 3
    # The appended words are searchable with the case.
    assert [row.id for row in q.queue_page(store, team.desk, q.QueueFilter(search="发霉")).rows] == [r.case_id]


def test_merging_a_duplicate_and_undoing_it(store: Store, team: Team) -> None:
    first = sv.intake(store, team.desk, intake_form())
    dup = sv.intake(store, team.desk, intake_form(channel="wechat", contact_confirmed=False))
    with pytest.raises(StepRefused):
        sv.merge(store, team.desk, dup.case_id, dup.version, into_number=dup.number)
    with pytest.raises(NotFound):
        sv.merge(store, team.desk, dup.case_id, dup.version, into_number="TS19990101-0001")
    merged = sv.merge(store, team.desk, dup.case_id, dup.version, into_number=first.number)
    assert merged.status.value == "merged"
    detail = q.case_detail(store, team.desk, dup.case_id)
    assert detail.merged_into == first.number
    assert first.case_id in [r.id for r in q.queue_page(store, team.desk, q.QueueFilter(open_only=True)).rows]
    assert dup.case_id not in [r.id for r in q.queue_page(store, team.desk, q.QueueFilter(open_only=True)).rows]
    assert audit_actions(store, first.case_id)[-1] == "merged_in"
    with pytest.raises(RoleRefused):
        sv.unmerge(store, team.desk, dup.case_id, merged.version)
    back = sv.unmerge(store, team.supervisor, dup.case_id, merged.version)
    assert back.status.value == "received"
    with store.read() as s:
        case = s.get(Case, dup.case_id)
        assert case is not None and case.is_open and case.next_step == "first_response" and case.merged_into_id is None


def test_withdrawal_keeps_the_reason_and_stops_the_queue_clock(store: Store, team: Team) -> None:
    r = sv.intake(store, team.desk, intake_form())
    with pytest.raises(InvalidInput):
        sv.withdraw(store, team.desk, r.case_id, r.version, "")
    done = sv.withdraw(store, team.desk, r.case_id, r.version, "业主已自行解决")
    assert done.status.value == "withdrawn"
    with pytest.raises(StepRefused) as err:
        sv.acknowledge(store, team.desk, r.case_id, done.version, "phone", "x")
    assert err.value.key == "guard.final"
    with store.read() as s:
        case = s.get(Case, r.case_id)
        assert case is not None and not case.is_open and case.next_due_at is None


def test_evidence_is_stored_once_by_its_content_hash(store: Store, team: Team) -> None:
    photo = EvidenceInput(
        kind="photo",
        source="业主微信发送",
        filename="ceiling.jpg",
        data=b"\xff\xd8 fake jpeg",
        taken_on=dt.date(2026, 11, 30),
    )
    r = sv.intake(store, team.desk, intake_form(evidence=[photo]))
    v = sv.add_evidence(store, team.desk, r.case_id, r.version, [photo]).version
    assert v == 2
    detail = q.case_detail(store, team.desk, r.case_id)
    assert len(detail.evidence) == 2 and detail.evidence[0].sha256 == detail.evidence[1].sha256
    with store.read() as s:
        assert s.exec(select(func.count()).select_from(EvidenceBlob)).one() == 1
    assert sv.evidence_bytes(store, detail.evidence[0].sha256) == photo.data
    too_big = EvidenceInput(
        kind="video", source="x", filename="big.mp4", data=b"0" * (store.policy.evidence_max_bytes + 1)
    )
    with pytest.raises(InvalidInput) as err:
        sv.add_evidence(store, team.desk, r.case_id, v, [too_big])
    assert err.value.problems[0].rule == "file_too_large"


def test_a_task_done_after_its_due_time_is_recorded_late(store: Store, team: Team) -> None:
    cid, v = investigated(store, team)
    v = finding(store, team, cid, v)
    v = sv.plan(
        store,
        team.handler,
        cid,
        v,
        measures="维修",
        deadline=later(),
        department="engineering",
        responsible_name="李强",
    ).version
    due = dt.datetime.now(dt.UTC) + HOUR
    v = sv.add_task(store, team.handler, cid, v, department="security", what="调取监控", due_at=due).version
    task = q.case_detail(store, team.handler, cid).tasks[0]
    v = sv.finish_task(store, team.handler, cid, v, task_id=task.id, result="已调取", now=due + HOUR).version
    with pytest.raises(StepRefused):
        sv.finish_task(store, team.handler, cid, v, task_id=task.id, result="again")
    with store.read() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.case_id == cid).order_by(col(AuditEvent.id).desc())).first()
    assert event is not None and event.after is not None and event.after["on_time"] is False


def test_every_verb_leaves_exactly_one_audit_event_with_before_and_after(store: Store, team: Team) -> None:
    cid, v = investigated(store, team)
    with store.read() as s:
        start = s.exec(select(func.count()).select_from(AuditEvent)).one()
    calls = [
        lambda v: sv.update_owner(store, team.handler, cid, v, channel="phone", content="调查中"),
        lambda v: sv.pause(store, team.handler, cid, v, "等待业主开门"),
        lambda v: sv.resume(store, team.handler, cid, v),
        lambda v: sv.record_chase(store, team.desk, cid, v, channel="hotline", content="催"),
        lambda v: sv.append_complaint(store, team.desk, cid, v, channel="hotline", content="追加"),
        lambda v: sv.assign(store, team.supervisor, cid, v, team.handler2.id),
    ]
    for i, call in enumerate(calls, start=1):
        v = call(v).version
        with store.read() as s:
            assert s.exec(select(func.count()).select_from(AuditEvent)).one() == start + i
    with store.read() as s:
        last = s.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()
    assert last is not None and last.action == "assign" and last.staff_id == team.supervisor.id
    assert last.before == {"assignee_id": team.handler.id, "department": "engineering"}
    assert last.after == {"assignee_id": team.handler2.id, "department": "customer_service"}


def test_the_audit_trail_is_append_only(store: Store, team: Team) -> None:
    sv.intake(store, team.desk, intake_form())
    for statement in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError), store.engine.begin() as conn:
            conn.execute(text(statement))


def test_clocks_are_kept_per_cycle(store: Store, team: Team) -> None:
    r = sv.intake(store, team.desk, intake_form())
    with store.read() as s:
        steps = s.exec(select(StepClock.step).where(StepClock.case_id == r.case_id).order_by(col(StepClock.id))).all()
    assert list(steps) == ["first_response", "resolution"]


def test_the_staff_member_complained_about_is_never_made_responsible_for_the_fix(store: Store, team: Team) -> None:
    """S2.5: not the plan's responsible person, not a task's assignee, and no withdrawal by them."""
    r = sv.intake(
        store,
        team.desk,
        intake_form(
            object_kind="staff",
            object_staff_login="li",
            category="complaint",
            object_text="维修工李强",
            matter_what="维修工态度恶劣",
        ),
    )
    v = sv.acknowledge(store, team.desk, r.case_id, r.version, "phone", "已回电").version
    v = sv.assign(store, team.supervisor, r.case_id, v, team.handler2.id).version
    v = sv.add_note(store, team.handler2, r.case_id, v, "interview", "询问在场保安").version
    v = sv.record_finding(
        store,
        team.handler2,
        r.case_id,
        v,
        responsibility="property_company",
        cause_code="service_gap",
        cause_text="态度",
        valid=True,
        validity_reason="属实",
        signatories="业主；陈静",
        confirmed_by_id=team.handler2.id,
    ).version
    with pytest.raises(StepRefused) as err:
        sv.plan(
            store,
            team.handler2,
            r.case_id,
            v,
            measures="培训",
            deadline=later(),
            department="engineering",
            responsible_id=team.handler.id,
        )
    assert err.value.key == "guard.responsible_subject_staff"
    v = sv.plan(
        store,
        team.handler2,
        r.case_id,
        v,
        measures="培训",
        deadline=later(),
        department="customer_service",
        responsible_id=team.handler2.id,
    ).version
    with pytest.raises(StepRefused) as err:
        sv.add_task(
            store,
            team.handler2,
            r.case_id,
            v,
            department="engineering",
            what="道歉",
            due_at=later(),
            assignee_id=team.handler.id,
        )
    assert err.value.key == "guard.responsible_subject_staff"
    about_desk = sv.intake(
        store,
        team.supervisor,
        intake_form(
            phone="13900000003",
            object_kind="staff",
            object_staff_login="zhao",
            category="complaint",
            object_text="前台赵敏",
            matter_what="前台推诿",
        ),
    )
    for call in (
        lambda: sv.withdraw(store, team.desk, about_desk.case_id, about_desk.version, "我替业主撤了"),
        lambda: sv.pause(store, team.desk, about_desk.case_id, about_desk.version, "先放着"),
        lambda: sv.merge(store, team.desk, about_desk.case_id, about_desk.version, into_number=r.number),
    ):
        with pytest.raises(StepRefused) as err:
            call()
        assert err.value.key == "guard.subject_staff"


def test_a_case_is_not_referred_away_with_work_still_open(store: Store, team: Team) -> None:
    cid, v = investigated(store, team)
    v = finding(store, team, cid, v, responsibility="shared")
    with pytest.raises(StepRefused) as err:  # the company shares the blame: it fixes its part
        sv.refer(store, team.handler, cid, v, authority="utility", explanation="供水公司负责")
    assert err.value.key == "guard.refer_needs_out_of_scope"
    v = sv.plan(
        store,
        team.handler,
        cid,
        v,
        measures="先临时封堵",
        deadline=later(),
        department="engineering",
        responsible_name="李强",
    ).version
    v = sv.add_task(store, team.handler, cid, v, department="engineering", what="封堵", due_at=later()).version
    # Back in the investigation the finding changes: the utility's main is at fault after all.
    with store.write() as s:  # (a plan can be revised; here only the finding's responsibility matters)
        s.exec(text("UPDATE finding SET responsibility = 'third_party'"))  # type: ignore[call-overload]
    with pytest.raises(StepRefused) as err:
        sv.refer(store, team.handler, cid, v, authority="utility", explanation="供水公司负责")
    assert err.value.key == "guard.refer_open_tasks"


def test_evidence_taken_today_in_the_centre_is_not_in_the_future(store: Store, team: Team) -> None:
    """Just after midnight in Shanghai it is still yesterday in UTC."""
    early = dt.datetime(2026, 12, 1, 0, 30, tzinfo=SHANGHAI)
    r = sv.intake(store, team.desk, intake_form(received_at=early), now=early)
    photo = EvidenceInput(kind="photo", source="业主", filename="a.jpg", data=b"x", taken_on=dt.date(2026, 12, 1))
    assert sv.add_evidence(store, team.desk, r.case_id, r.version, [photo], now=early).version == 2
    tomorrow = EvidenceInput(kind="photo", source="业主", filename="b.jpg", data=b"y", taken_on=dt.date(2026, 12, 2))
    with pytest.raises(InvalidInput):
        sv.add_evidence(store, team.desk, r.case_id, 2, [tomorrow], now=early)


def test_the_reopen_rate_and_satisfaction_come_from_the_visits(store: Store, team: Team) -> None:
    a, va = fed_back(store, team)
    b, vb = fed_back(store, team)
    sv.log_return_visit(store, team.desk, a, va, method="phone", satisfaction_score=5, outcome="close")
    sv.log_return_visit(store, team.desk, b, vb, method="in_person", satisfaction_score=2, outcome="reopen")
    stats = q.statistics(store)
    assert (stats.visited_cases, stats.reopened_cases, stats.reopen_rate) == (2, 1, 0.5)
    assert stats.satisfaction_histogram == {5: 1, 2: 1} and stats.satisfaction_mean == 3.5
    assert stats.by_status == {"closed": 1, "investigating": 1}


def test_a_copy_of_evidence_is_saved_out_of_the_store_and_never_over_a_file(
    store: Store, team: Team, tmp_path: Path
) -> None:
    """DESIGN.md Evidence: staff save a copy out of the store when they need the file."""
    photo = EvidenceInput(kind="photo", source="业主", filename="ceiling.jpg", data=b"\xff\xd8 bytes")
    r = sv.intake(store, team.desk, intake_form(evidence=[photo]))
    sha = q.case_detail(store, team.desk, r.case_id).evidence[0].sha256
    written = sv.save_evidence_copy(store, sha, "ceiling.jpg", tmp_path)
    assert written == tmp_path / "ceiling.jpg" and written.read_bytes() == photo.data
    with pytest.raises(DeskError) as err:
        sv.save_evidence_copy(store, sha, "ceiling.jpg", tmp_path)
    assert err.value.key == "error.evidence_exists" and written.read_bytes() == photo.data
    with pytest.raises(DeskError) as err:
        sv.save_evidence_copy(store, sha, "x.jpg", tmp_path / "no" / "such" / "x.jpg")
    assert err.value.key == "error.evidence_no_folder"
    with pytest.raises(DeskError) as err:
        sv.save_evidence_copy(store, "0" * 64, "x.jpg", tmp_path / "x.jpg")
    assert err.value.key == "error.evidence_missing" and "已没有" in err.value.message("zh")


def test_a_blank_merge_target_is_required_not_looked_up(store: Store, team: Team) -> None:
    """The merge form left empty says the field is required, not 'case  not found'."""
    r = sv.intake(store, team.desk, intake_form())
    with pytest.raises(InvalidInput) as refused:
        sv.merge(store, team.desk, r.case_id, r.version, into_number="  ")
    assert [(p.field, p.rule) for p in refused.value.problems] == [("into_number", "required")]
    assert "Merge into case number: required" in refused.value.message("en")
    with store.read() as s:
        case = s.get(Case, r.case_id)
        assert case is not None and case.version == r.version and case.status == "received"
