"""The rules of the steps after intake, each stated so that breaking it in the code fails a test:
the signed finding (S2.4-S2.6), the plan and the referral (S3.1, S3.2), merging, and what a
reopened case must do again in its new cycle (S4.2). Expected values are written out here."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import col, func, select

from complaint_tui import queries as q
from complaint_tui import services as sv
from complaint_tui.db import Store
from complaint_tui.errors import InvalidInput, NotFound, StepRefused
from complaint_tui.models import Finding, Plan, Referral, Status, StepClock
from complaint_tui.workflow import Action
from tests.conftest import Team
from tests.helpers import intake_form


def soon(days: float = 3) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=days)


def count(store: Store, table: type) -> int:
    with store.read() as s:
        return int(s.exec(select(func.count()).select_from(table)).one())


def fields(err: pytest.ExceptionInfo[InvalidInput]) -> set[str]:
    return {p.field for p in err.value.problems}


def investigated(store: Store, team: Team, **form: object) -> tuple[int, int]:
    """Acknowledged, assigned to the handler li, one inspection note."""
    r = sv.intake(store, team.desk, intake_form(**form))
    v = sv.acknowledge(store, team.desk, r.case_id, r.version, "phone", "已回电").version
    v = sv.assign(store, team.supervisor, r.case_id, v, team.handler.id).version
    return r.case_id, add_note(store, team, r.case_id, v)


def add_note(store: Store, team: Team, cid: int, v: int) -> int:
    return sv.add_note(store, team.handler, cid, v, "site_inspection", "现场查看属实").version


def find(store: Store, team: Team, cid: int, v: int, *, confirmer: int | None = None, **changes: object) -> int:
    values: dict[str, object] = {
        "responsibility": "property_company",
        "cause_code": "facility_fault",
        "cause_text": "水管老化",
        "valid": True,
        "validity_reason": "现场核实属实",
        "signatories": "业主张伟；李强",
        "confirmed_by_id": team.handler.id if confirmer is None else confirmer,
    }
    values.update(changes)
    return sv.record_finding(store, team.handler, cid, v, **values).version  # type: ignore[arg-type]


def plan(store: Store, team: Team, cid: int, v: int) -> int:
    return sv.plan(
        store, team.handler, cid, v, measures="更换水管", deadline=soon(), department="engineering",
        responsible_id=team.handler.id,
    ).version  # fmt: skip


def fed_back(store: Store, team: Team, cid: int, v: int) -> int:
    """From a finding to feedback given: plan, resolve, tell the owner."""
    v = sv.resolve(store, team.handler, cid, plan(store, team, cid, v)).version
    return sv.give_feedback(
        store, team.desk, cid, v, channel="phone", what_done="已修", measures="换管", result="不漏了", demand_met="yes"
    ).version


def closed_then_reopened(store: Store, team: Team) -> tuple[int, int]:
    """Closed on a satisfied visit in cycle 1, then reopened by a supervisor: cycle 2."""
    cid, v = investigated(store, team)
    v = fed_back(store, team, cid, find(store, team, cid, v))
    v = sv.log_return_visit(store, team.desk, cid, v, method="phone", satisfaction_score=5, outcome="close").version
    reopened = sv.reopen(store, team.supervisor, cid, v, "业主来电：又漏了")
    assert reopened.status is Status.INVESTIGATING
    assert q.case_detail(store, team.supervisor, cid).cycle == 2
    return cid, reopened.version


# --- the finding (S2.4-S2.6) ---------------------------------------------------------------


def test_only_a_handler_or_a_supervisor_confirms_a_finding(store: Store, team: Team) -> None:
    """S2.6: the finding is confirmed by someone who investigates, never a desk clerk or an admin."""
    cid, v = investigated(store, team)
    for clerk in (team.desk, team.admin):
        with pytest.raises(StepRefused) as err:
            find(store, team, cid, v, confirmer=clerk.id)
        assert err.value.key == "guard.confirm_role"
    assert count(store, Finding) == 0
    v = find(store, team, cid, v, confirmer=team.supervisor.id)
    shown = q.case_detail(store, team.supervisor, cid).finding
    assert shown is not None and shown.confirmed_by == "王芳" and shown.signatories == "业主张伟；李强"


def test_a_finding_is_written_out_and_signed(store: Store, team: Team) -> None:
    """S2.4, S2.6: the cause, why the complaint holds or not, and who signed are all required."""
    cid, v = investigated(store, team)
    with pytest.raises(InvalidInput) as err:
        find(store, team, cid, v, cause_text=" ", validity_reason="", signatories="  ")
    assert fields(err) == {"cause_text", "validity_reason", "signatories"}
    with pytest.raises(InvalidInput) as err:
        find(store, team, cid, v, responsibility="fate", cause_code="bad_luck")
    assert fields(err) == {"responsibility", "cause_code"}
    assert count(store, Finding) == 0


# --- the plan and the referral (S3.1, S3.2) ------------------------------------------------


def test_a_plan_names_who_is_responsible_and_a_deadline_still_ahead(store: Store, team: Team) -> None:
    """S3.1: measures, a deadline, the responsible department and person."""
    cid, v = investigated(store, team)
    v = find(store, team, cid, v)
    now = dt.datetime.now(dt.UTC)

    def planned(**changes: object) -> int:
        values: dict[str, object] = {
            "measures": "更换水管",
            "deadline": now + dt.timedelta(days=2),
            "department": "engineering",
            "now": now,
        }
        values.update(changes)
        return sv.plan(store, team.handler, cid, v, **values).version  # type: ignore[arg-type]

    with pytest.raises(InvalidInput) as err:
        planned(responsible_name="  ")
    assert fields(err) == {"responsible_name"}
    for deadline in (now, now - dt.timedelta(hours=1), dt.datetime(2030, 1, 1)):  # now, past, no zone
        with pytest.raises(InvalidInput) as err:
            planned(deadline=deadline, responsible_id=team.handler.id)
        assert fields(err) == {"deadline"}, deadline
    with pytest.raises(InvalidInput) as err:
        planned(measures="", department="kitchen", responsible_id=team.handler.id)
    assert fields(err) == {"measures", "department"}
    assert count(store, Plan) == 0
    planned(responsible_name="外包水电班 刘师傅")
    shown = q.case_detail(store, team.supervisor, cid).plans
    assert [(p.responsible, p.department) for p in shown] == [("外包水电班 刘师傅", "engineering")]


def test_a_referral_explains_to_the_owner_where_to_go(store: Store, team: Team) -> None:
    """S3.2: out of scope: a clear explanation and a practical referral."""
    cid, v = investigated(store, team)
    v = find(store, team, cid, v, responsibility="third_party", valid=False)
    with pytest.raises(InvalidInput) as err:
        sv.refer(store, team.handler, cid, v, authority="utility", explanation="   ")
    assert fields(err) == {"explanation"}
    with pytest.raises(InvalidInput) as err:
        sv.refer(store, team.handler, cid, v, authority="ministry_of_magic", explanation="请联系")
    assert fields(err) == {"authority"}
    assert count(store, Referral) == 0
    done = sv.refer(store, team.handler, cid, v, authority="utility", explanation="供水管网属水司，请拨打96116")
    assert done.status is Status.REFERRED
    shown = q.case_detail(store, team.supervisor, cid).referrals
    assert [(r.authority, r.explanation) for r in shown] == [("utility", "供水管网属水司，请拨打96116")]


def test_a_case_the_company_is_responsible_for_is_not_referred_away(store: Store, team: Team) -> None:
    cid, v = investigated(store, team)
    v = find(store, team, cid, v, responsibility="property_company", valid=True)
    with pytest.raises(StepRefused) as err:
        sv.refer(store, team.handler, cid, v, authority="utility", explanation="请联系水司")
    assert err.value.key == "guard.refer_needs_out_of_scope"


# --- merging ---------------------------------------------------------------------------------


def test_a_duplicate_merges_only_into_another_open_case(store: Store, team: Team) -> None:
    kept = sv.intake(store, team.desk, intake_form())
    gone = sv.intake(store, team.desk, intake_form(phone="13900001111"))
    dup = sv.intake(store, team.desk, intake_form(phone="13900002222"))
    sv.withdraw(store, team.desk, gone.case_id, gone.version, "业主撤回")
    closed = sv.force_close(store, team.supervisor, kept.case_id, kept.version, "重复登记，已电话说明")
    for target, key in ((closed.number, "guard.merge_target_final"), (gone.number, "guard.merge_target_final")):
        with pytest.raises(StepRefused) as err:
            sv.merge(store, team.desk, dup.case_id, dup.version, into_number=target)
        assert err.value.key == key and target in err.value.message("en")
    with pytest.raises(StepRefused) as err:
        sv.merge(store, team.desk, dup.case_id, dup.version, into_number=dup.number)
    assert err.value.key == "guard.merge_self"
    with pytest.raises(NotFound):
        sv.merge(store, team.desk, dup.case_id, dup.version, into_number="TS20000101-0001")
    view = q.case_detail(store, team.supervisor, dup.case_id)
    assert (view.status, view.version, view.merged_into) == ("received", dup.version, None)


# --- a reopened case starts its investigation and its loop again (S4.2) ---------------------


def test_a_reopened_case_needs_new_notes_and_a_new_finding_in_its_new_cycle(store: Store, team: Team) -> None:
    cid, v = closed_then_reopened(store, team)
    with pytest.raises(StepRefused) as err:  # the old cycle's notes do not count
        find(store, team, cid, v)
    assert err.value.key == "guard.finding_needs_note"
    v = add_note(store, team, cid, v)
    with pytest.raises(StepRefused) as err:  # nor does the old cycle's finding
        plan(store, team, cid, v)
    assert err.value.key == "guard.plan_needs_finding"
    v = find(store, team, cid, v)
    assert [f.cycle for f in q.case_detail(store, team.supervisor, cid).findings] == [1, 2]


def test_a_reopened_case_is_not_closed_on_the_old_cycles_return_visit(store: Store, team: Team) -> None:
    cid, v = closed_then_reopened(store, team)
    v = fed_back(store, team, cid, find(store, team, cid, add_note(store, team, cid, v)))
    with pytest.raises(StepRefused) as err:
        sv.close(store, team.desk, cid, v)
    assert err.value.key == "guard.close_needs_satisfied_visit"
    view = q.case_detail(store, team.supervisor, cid)
    assert view.status == "feedback_given" and view.actions[Action.CLOSE] is not None
    v = sv.log_return_visit(store, team.desk, cid, v, method="in_person", satisfaction_score=4, outcome="close").version
    assert q.case_detail(store, team.supervisor, cid).status == "closed"


# --- rules a spot check of the services found untested ---------------------------------------


def test_a_department_task_is_due_ahead_and_finished_only_on_its_own_case(store: Store, team: Team) -> None:
    """S3.3, S3.4: split work carries its own deadline; a task id from another case is not this case's."""
    cid, v = investigated(store, team)
    v = plan(store, team, cid, find(store, team, cid, v))
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(InvalidInput) as err:
        sv.add_task(
            store, team.handler, cid, v, department="engineering", what="换水管", due_at=now - dt.timedelta(hours=1),
            now=now,
        )  # fmt: skip
    assert fields(err) == {"task_due"}
    other, ov = investigated(store, team, phone="13900001111")
    ov = plan(store, team, other, find(store, team, other, ov))
    ov = sv.add_task(store, team.handler, other, ov, department="engineering", what="修阀门", due_at=soon()).version
    task_id = q.case_detail(store, team.supervisor, other).tasks[0].id
    with pytest.raises(NotFound):
        sv.finish_task(store, team.handler, cid, v, task_id=task_id, result="已完成")
    assert [t.done_at for t in q.case_detail(store, team.supervisor, other).tasks] == [None]


def test_only_a_party_statement_names_a_party(store: Store, team: Team) -> None:
    """S2.5: the parties of a dispute are recorded as such; an inspection is nobody's statement."""
    cid, v = investigated(store, team)
    with pytest.raises(InvalidInput) as err:
        sv.add_note(store, team.handler, cid, v, "site_inspection", "现场查看", party="complainant")
    assert fields(err) == {"party"}
    with pytest.raises(InvalidInput) as err:
        sv.add_note(store, team.handler, cid, v, "party_statement", "业主陈述")
    assert fields(err) == {"party"}
    sv.add_note(store, team.handler, cid, v, "party_statement", "对方陈述", party="respondent")
    notes = q.case_detail(store, team.supervisor, cid).notes
    assert [(n.kind, n.party) for n in notes] == [("site_inspection", None), ("party_statement", "respondent")]


def test_reopening_before_the_visit_cancels_the_old_cycles_return_visit_clock(store: Store, team: Team) -> None:
    """S4.2: the new cycle starts clean; the visit the old cycle waited for never counts as late."""
    cid, v = investigated(store, team)
    v = fed_back(store, team, cid, find(store, team, cid, v))
    sv.reopen(store, team.supervisor, cid, v, "业主来电：不满意处理结果")
    with store.read() as s:
        rows = s.exec(select(StepClock).where(StepClock.case_id == cid, col(StepClock.done_at).is_(None))).all()
        left_open = {(c.cycle, c.step): c.cancelled_at is not None for c in rows}
    assert left_open == {(1, "return_visit"): True, (2, "resolution"): False}


def test_undoing_a_merge_gives_the_case_back_the_status_it_had(store: Store, team: Team) -> None:
    kept = sv.intake(store, team.desk, intake_form())
    dup = sv.intake(store, team.desk, intake_form(phone="13900001111"))
    v = sv.acknowledge(store, team.desk, dup.case_id, dup.version, "phone", "已回电").version
    v = sv.merge(store, team.desk, dup.case_id, v, into_number=kept.number).version
    back = sv.unmerge(store, team.supervisor, dup.case_id, v)
    assert back.status is Status.INVESTIGATING


def test_the_plan_hands_the_case_to_its_responsible_department(store: Store, team: Team) -> None:
    """S3.1, S3.3: the department the plan names is the case's department from then on."""
    cid, v = investigated(store, team)
    assert q.case_detail(store, team.supervisor, cid).department == "engineering"
    v = find(store, team, cid, v)
    sv.plan(
        store, team.handler, cid, v, measures="协调保洁", deadline=soon(), department="environment",
        responsible_name="保洁主管",
    )  # fmt: skip
    assert q.case_detail(store, team.supervisor, cid).department == "environment"


def test_a_supervisor_reopens_only_with_a_reason_on_record(store: Store, team: Team) -> None:
    cid, v = investigated(store, team)
    v = fed_back(store, team, cid, find(store, team, cid, v))
    with pytest.raises(InvalidInput) as err:
        sv.reopen(store, team.supervisor, cid, v, "  ")
    assert fields(err) == {"reason"}
    assert q.case_detail(store, team.supervisor, cid).status == "feedback_given"
