"""Roles fit the work (issue 8 item 11): a handler works their department's cases or the ones
assigned to them; a department's task is finished by that department; a health-and-safety case
is never paused before its first response (S6.3). Each rule is checked both ways, in the store."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from complaint_tui import queries as q
from complaint_tui import services as sv
from complaint_tui.db import Store
from complaint_tui.errors import StepRefused
from complaint_tui.models import Case, DepartmentTask, Role
from complaint_tui.workflow import Action, Actor, CaseFacts, Status, refusal
from tests.conftest import Team
from tests.helpers import intake_form


def version_of(store: Store, case_id: int) -> int:
    with store.read() as s:
        case = s.get(Case, case_id)
        assert case is not None
        return case.version


def later(days: float = 2) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=days)


def test_a_handler_of_another_department_is_refused_with_the_reason(store: Store, team: Team) -> None:
    """A complaint about service belongs to customer service: li (engineering) may not add a note
    until it is assigned to him; chen (customer service) may."""
    r = sv.intake(store, team.desk, intake_form(category="complaint"))
    v = sv.acknowledge(store, team.desk, r.case_id, r.version, "phone", "已回电").version
    with pytest.raises(StepRefused) as refused:
        sv.add_note(store, team.handler, r.case_id, v, "site_inspection", "看过了")
    assert refused.value.key == "guard.other_department"
    assert "another department" in refused.value.message("en")
    assert version_of(store, r.case_id) == v  # nothing written
    v = sv.add_note(store, team.handler2, r.case_id, v, "site_inspection", "现场查看属实").version
    v = sv.assign(store, team.supervisor, r.case_id, v, team.handler.id).version
    v = sv.add_note(store, team.handler, r.case_id, v, "interview", "与业主面谈").version
    # Owners calling again are recorded by whoever answers, department or not.
    other = sv.intake(store, team.desk, intake_form(category="complaint", phone="139 8765 4321"))
    sv.record_chase(store, team.handler, other.case_id, other.version, channel="hotline", content="催办")


def test_the_case_view_does_not_offer_another_departments_steps(store: Store, team: Team) -> None:
    r = sv.intake(store, team.desk, intake_form(category="complaint"))
    v = sv.acknowledge(store, team.desk, r.case_id, r.version, "phone", "已回电").version
    assert v
    offered = q.case_detail(store, team.handler, r.case_id).actions
    refused = {a for a, why in offered.items() if why is not None and why.key == "guard.other_department"}
    assert Action.ADD_NOTE in refused and Action.CHASE not in refused
    own = q.case_detail(store, team.handler2, r.case_id).actions
    assert all(why is None or why.key != "guard.other_department" for why in own.values())


def test_a_task_is_finished_by_its_department_not_a_third_one(store: Store, team: Team) -> None:
    """S3.3: engineering's case gives security a task; security's handler finishes it, a handler
    of environment may not, nor one of customer service."""
    sv.add_staff(store, team.supervisor, login="wu", name="吴刚", role="handler", department="security")
    sv.add_staff(store, team.supervisor, login="zhou", name="周洁", role="handler", department="environment")
    guard, gardener = sv.sign_in(store, "wu"), sv.sign_in(store, "zhou")
    r = sv.intake(store, team.desk, intake_form())  # a repair: engineering's
    v = sv.acknowledge(store, team.desk, r.case_id, r.version, "phone", "已回电").version
    v = sv.assign(store, team.supervisor, r.case_id, v, team.handler.id).version
    v = sv.add_note(store, team.handler, r.case_id, v, "site_inspection", "现场查看属实").version
    v = sv.record_finding(
        store,
        team.handler,
        r.case_id,
        v,
        responsibility="property_company",
        cause_code="facility_fault",
        cause_text="老化",
        valid=True,
        validity_reason="核实",
        signatories="业主；李强",
        confirmed_by_id=team.handler.id,
    ).version
    v = sv.plan(
        store,
        team.handler,
        r.case_id,
        v,
        measures="维修",
        deadline=later(),
        department="engineering",
        responsible_name="李强",
    ).version
    v = sv.add_task(store, team.handler, r.case_id, v, department="security", what="调取监控", due_at=later()).version
    with store.read() as s:
        task = s.exec(select(DepartmentTask).where(DepartmentTask.case_id == r.case_id)).one()
    for outsider in (gardener, team.handler2):
        with pytest.raises(StepRefused) as refused:
            sv.finish_task(store, outsider, r.case_id, v, task_id=task.id or 0, result="已调取")
        assert refused.value.key == "guard.other_department"
    assert version_of(store, r.case_id) == v
    sv.finish_task(store, guard, r.case_id, v, task_id=task.id or 0, result="已调取")
    with store.read() as s:
        done = s.get(DepartmentTask, task.id)
        assert done is not None and done.done_by_id == guard.id


@pytest.mark.parametrize(("category", "urgency"), [("safety", "critical"), ("repair", "critical")])
def test_a_safety_case_is_not_paused_before_its_first_response(
    store: Store, team: Team, category: str, urgency: str
) -> None:
    """S6.3: a safety category, or the most urgent level, is acted on at once."""
    r = sv.intake(store, team.desk, intake_form(category=category, urgency=urgency))
    with pytest.raises(StepRefused) as refused:
        sv.pause(store, team.desk, r.case_id, r.version, "等业主在家")
    assert refused.value.key == "guard.pause_before_first_response"
    assert version_of(store, r.case_id) == r.version
    v = sv.acknowledge(store, team.desk, r.case_id, r.version, "phone", "已回电").version
    sv.pause(store, team.desk, r.case_id, v, "等业主在家")


def test_an_ordinary_case_may_be_paused_at_once(store: Store, team: Team) -> None:
    r = sv.intake(store, team.desk, intake_form(category="repair", urgency="normal"))
    sv.pause(store, team.desk, r.case_id, r.version, "等业主在家")


def test_the_alt_policys_top_urgency_and_immediate_category_hold_the_pause(alt_store: Store) -> None:
    """Under a centre's own policy (levels "urgent" and "normal"; its safety category is
    engineering's), the same rule follows that policy's words."""
    sv.add_staff(alt_store, None, login="wang", name="王芳", role="supervisor", pin_code="2468")
    boss = sv.sign_in(alt_store, "wang", "2468")
    refused = []
    for category, urgency in [("safety", "normal"), ("repair", "urgent"), ("repair", "normal")]:
        r = sv.intake(alt_store, boss, intake_form(category=category, urgency=urgency, channel="hotline"))
        try:
            sv.pause(alt_store, boss, r.case_id, r.version, "等业主在家")
        except StepRefused as exc:
            refused.append((category, urgency, exc.key))
    assert refused == [
        ("safety", "normal", "guard.pause_before_first_response"),
        ("repair", "urgent", "guard.pause_before_first_response"),
    ]


def test_the_department_rule_in_the_pure_guards() -> None:
    facts = CaseFacts(status=Status.INVESTIGATING, department="customer_service", assignee_id=7, notes=1)
    outsider = Actor(3, Role.HANDLER, "engineering")
    found = refusal(Action.ADD_NOTE, facts, outsider)
    assert found is not None and found.key == "guard.other_department"
    assert refusal(Action.ADD_NOTE, facts, Actor(7, Role.HANDLER, "engineering")) is None  # the assignee
    assert refusal(Action.ADD_NOTE, facts, Actor(4, Role.HANDLER, "customer_service")) is None
    assert refusal(Action.FORCE_CLOSE, facts, Actor(5, Role.SUPERVISOR, "engineering")) is None
    assert refusal(Action.APPEND, facts, outsider) is None
    unowned = CaseFacts(status=Status.INVESTIGATING, notes=1)
    assert refusal(Action.ADD_NOTE, unowned, outsider) is None  # no department yet: anyone picks it up
