"""The pure workflow: every transition allowed and refused, every guard both ways (DESIGN.md States)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from complaint_tui.i18n import t
from complaint_tui.models import FINAL_STATUSES, DemandMet, Party, Role, Status, VisitOutcome
from complaint_tui.policy import Step, default_policy
from complaint_tui.workflow import (
    TRANSITIONS,
    Action,
    Actor,
    CaseFacts,
    Clock,
    assignee_refusal,
    available,
    feedback_refusal,
    next_open,
    refusal,
    responsible_refusal,
    step_states,
    visit_refusal,
)

SUPERVISOR = Actor(1, Role.SUPERVISOR)
READY = CaseFacts(
    status=Status.RECEIVED,
    notes=1,
    parties_heard=frozenset(Party),
    has_finding=True,
    finding_valid=True,
    finding_responsibility="property_company",
    has_plan=True,
    open_tasks=0,
    last_visit_satisfied=True,
)
CASE_ACTIONS = [a for a in Action if a is not Action.INTAKE]


def facts(**changes: object) -> CaseFacts:
    return dataclasses.replace(READY, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("action", CASE_ACTIONS, ids=lambda a: a.value)
@pytest.mark.parametrize("status", list(Status), ids=lambda s: s.value)
def test_each_action_is_allowed_exactly_from_its_start_states(action: Action, status: Status) -> None:
    # A referral is for a case out of scope: its finding says nobody here is responsible (S3.2).
    scope = {"finding_valid": False, "finding_responsibility": "none"} if action is Action.REFER else {}
    case = facts(status=status, paused=action is Action.RESUME, **scope)
    found = refusal(action, case, SUPERVISOR)
    allowed_from, _ = TRANSITIONS[action]
    if status in allowed_from:
        assert found is None, found and found.message("en")
    else:
        assert found is not None
        assert found.key == ("guard.final" if status in FINAL_STATUSES else "guard.status")
        assert t(f"status.{status.value}", "zh") in found.message("zh")


def test_the_happy_path_moves_through_every_state() -> None:
    path = [
        (Action.ACKNOWLEDGE, Status.RECEIVED, Status.INVESTIGATING),
        (Action.PLAN, Status.INVESTIGATING, Status.RESOLVING),
        (Action.RESOLVE, Status.RESOLVING, Status.RESOLVED),
        (Action.GIVE_FEEDBACK, Status.RESOLVED, Status.FEEDBACK_GIVEN),
        (Action.CLOSE, Status.FEEDBACK_GIVEN, Status.CLOSED),
    ]
    for action, start, end in path:
        assert start in TRANSITIONS[action][0]
        assert TRANSITIONS[action][1] is end
    assert TRANSITIONS[Action.REFER][1] is Status.REFERRED
    assert Status.REFERRED in TRANSITIONS[Action.GIVE_FEEDBACK][0]  # a referral still gets feedback


# Who may take each step, written from the README and the case keys: desk clerks record
# complaints from every channel and keep the owner told (the receipt, the first response,
# updates, the result, the return visit, appended complaints and chases, withdrawal, merging a
# duplicate, dispatching to a handler); handlers investigate and fix (notes, the finding, the
# plan, tasks, follow-ups, resolving, referring) and may also talk to the owner; a supervisor
# may do everything, and alone forces a close (X), reopens (O) and undoes a merge (U); an admin
# keeps the staff list and the store, and takes no step on a case.
ROLE_TABLE = """
                    desk  handler  supervisor  admin
intake              yes   no       yes         no
acknowledge         yes   yes      yes         no
assign              yes   no       yes         no
add_note            no    yes      yes         no
add_evidence        yes   yes      yes         no
record_finding      no    yes      yes         no
plan                no    yes      yes         no
refer               no    yes      yes         no
add_task            no    yes      yes         no
finish_task         no    yes      yes         no
follow_up           no    yes      yes         no
update_owner        yes   yes      yes         no
resolve             no    yes      yes         no
give_feedback       yes   yes      yes         no
log_return_visit    yes   yes      yes         no
close               yes   yes      yes         no
force_close         no    no       yes         no
reopen              no    no       yes         no
withdraw            yes   no       yes         no
merge               yes   no       yes         no
unmerge             no    no       yes         no
append              yes   yes      yes         no
chase               yes   yes      yes         no
pause               yes   yes      yes         no
resume              yes   yes      yes         no
correct_intake      yes   no       yes         no
reclassify          no    yes      yes         no
sign_finding        no    yes      yes         no
owner_confirms_finding yes yes     yes         no
"""


def may_take() -> dict[str, dict[str, bool]]:
    """``ROLE_TABLE`` as {action: {role: allowed}}."""
    lines = [line.split() for line in ROLE_TABLE.strip().splitlines()]
    roles = lines[0]
    return {row[0]: {role: cell == "yes" for role, cell in zip(roles, row[1:], strict=True)} for row in lines[1:]}


def test_the_role_table_names_every_action_and_every_role() -> None:
    table = may_take()
    assert set(table) == {a.value for a in Action}
    assert all(set(row) == {r.value for r in Role} for row in table.values())


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_may_take_exactly_the_steps_of_the_role_table(role: Role) -> None:
    actor = Actor(9, role)
    for action in Action:
        start = next(iter(TRANSITIONS[action][0])) if action is not Action.INTAKE else Status.RECEIVED
        scope = {"finding_valid": False} if action is Action.REFER else {}
        found = refusal(action, facts(status=start, paused=action is Action.RESUME, **scope), actor)
        if may_take()[action.value][role.value]:
            assert found is None or found.key != "guard.role", (action, found.key)
        else:
            assert found is not None and found.key == "guard.role", action
            assert t(f"role.{role.value}", "en") in found.message("en")
    offered = available(facts(status=Status.INVESTIGATING), actor)
    assert {a.value for a in offered} == {a for a, row in may_take().items() if row[role.value]} - {"intake"}


def test_no_finding_before_an_investigation_note() -> None:
    case = facts(status=Status.INVESTIGATING, notes=0, has_finding=False)
    found = refusal(Action.RECORD_FINDING, case, SUPERVISOR)
    assert found is not None and found.key == "guard.finding_needs_note"
    assert refusal(Action.RECORD_FINDING, facts(status=Status.INVESTIGATING, notes=1), SUPERVISOR) is None


@pytest.mark.parametrize(
    "heard,missing",
    [
        (frozenset(), Party.COMPLAINANT),
        (frozenset({Party.COMPLAINANT}), Party.RESPONDENT),
        (frozenset({Party.RESPONDENT}), Party.COMPLAINANT),
    ],
)
def test_a_neighbour_dispute_needs_both_statements_before_the_finding(heard: frozenset[Party], missing: Party) -> None:
    """S2.5: both parties' statements are heard and recorded."""
    case = facts(status=Status.INVESTIGATING, both_parties=True, notes=2, parties_heard=heard)
    found = refusal(Action.RECORD_FINDING, case, SUPERVISOR)
    assert found is not None and found.key == "guard.finding_needs_both_parties"
    assert t(f"party.{missing.value}", "zh") in found.message("zh")
    both = facts(status=Status.INVESTIGATING, both_parties=True, notes=2, parties_heard=frozenset(Party))
    assert refusal(Action.RECORD_FINDING, both, SUPERVISOR) is None


def test_a_plan_needs_a_finding_that_holds_the_company_responsible() -> None:
    base = facts(status=Status.INVESTIGATING)
    assert (
        refusal(Action.PLAN, dataclasses.replace(base, has_finding=False), SUPERVISOR).key == "guard.plan_needs_finding"
    )  # type: ignore[union-attr]
    invalid = dataclasses.replace(base, finding_valid=False)
    assert refusal(Action.PLAN, invalid, SUPERVISOR).key == "guard.plan_needs_valid_finding"  # type: ignore[union-attr]
    nobody = dataclasses.replace(base, finding_responsibility="none")
    assert refusal(Action.PLAN, nobody, SUPERVISOR).key == "guard.plan_needs_valid_finding"  # type: ignore[union-attr]
    assert refusal(Action.PLAN, base, SUPERVISOR) is None
    # ...and an invalid complaint is referred and explained instead (S3.2), as is one nobody here
    # is responsible for; a valid complaint against the company is not referred away.
    assert refusal(Action.REFER, invalid, SUPERVISOR) is None
    assert refusal(Action.REFER, nobody, SUPERVISOR) is None
    assert refusal(Action.REFER, base, SUPERVISOR).key == "guard.refer_needs_out_of_scope"  # type: ignore[union-attr]
    with_task = dataclasses.replace(nobody, status=Status.RESOLVING, open_tasks=1)
    assert refusal(Action.REFER, with_task, SUPERVISOR).key == "guard.refer_open_tasks"  # type: ignore[union-attr]
    assert (
        refusal(Action.REFER, dataclasses.replace(base, has_finding=False), SUPERVISOR).key
        == "guard.refer_needs_finding"
    )  # type: ignore[union-attr]


def test_resolving_needs_a_plan_and_no_open_department_task() -> None:
    base = facts(status=Status.RESOLVING)
    assert (
        refusal(Action.RESOLVE, dataclasses.replace(base, has_plan=False), SUPERVISOR).key == "guard.resolve_needs_plan"
    )  # type: ignore[union-attr]
    open_task = refusal(Action.RESOLVE, dataclasses.replace(base, open_tasks=2), SUPERVISOR)
    assert open_task is not None and open_task.key == "guard.resolve_open_tasks" and "2" in open_task.message("en")
    assert refusal(Action.RESOLVE, base, SUPERVISOR) is None


def test_closing_needs_a_satisfied_return_visit() -> None:
    base = facts(status=Status.FEEDBACK_GIVEN)
    for unsatisfied in (None, False):
        found = refusal(Action.CLOSE, dataclasses.replace(base, last_visit_satisfied=unsatisfied), SUPERVISOR)
        assert found is not None and found.key == "guard.close_needs_satisfied_visit"
    assert refusal(Action.CLOSE, base, SUPERVISOR) is None
    # A supervisor may force-close with a reason (checked by the service) whatever the visit.
    assert refusal(Action.FORCE_CLOSE, dataclasses.replace(base, last_visit_satisfied=None), SUPERVISOR) is None


def test_feedback_says_why_and_what_next_when_the_demand_is_not_fully_met() -> None:
    """S4.1."""
    assert feedback_refusal(DemandMet.YES, "", "") is None
    for met in (DemandMet.PARTLY, DemandMet.NO):
        assert feedback_refusal(met, "", "下周再修").key == "guard.feedback_needs_reason"  # type: ignore[union-attr]
        assert feedback_refusal(met, "配件缺货", " ").key == "guard.feedback_needs_next_step"  # type: ignore[union-attr]
        assert feedback_refusal(met, "配件缺货", "下周再修") is None


def test_return_visit_outcomes_follow_satisfaction_and_record_recourse() -> None:
    """S4.2 and S6.4."""
    policy = default_policy()
    low, high = policy.satisfied_min - 1, policy.satisfied_min
    assert visit_refusal(VisitOutcome.CLOSE, low, policy, False, "").key == "guard.visit_close_needs_satisfied"  # type: ignore[union-attr]
    assert visit_refusal(VisitOutcome.CLOSE, high, policy, False, "") is None
    assert visit_refusal(VisitOutcome.EXPLAINED, high, policy, False, "").key == "guard.visit_explained_when_satisfied"  # type: ignore[union-attr]
    assert visit_refusal(VisitOutcome.EXPLAINED, low, policy, False, "") is None
    assert visit_refusal(VisitOutcome.REOPEN, low, policy, False, "") is None
    assert visit_refusal(VisitOutcome.EXPLAINED, 1, policy, True, "").key == "guard.visit_needs_recourse"  # type: ignore[union-attr]
    assert visit_refusal(VisitOutcome.EXPLAINED, 1, policy, True, "区住建局投诉热线") is None


def test_paused_clocks_block_the_steps_until_resumed() -> None:
    paused = facts(status=Status.RESOLVING, paused=True)
    assert refusal(Action.RESOLVE, paused, SUPERVISOR).key == "guard.paused"  # type: ignore[union-attr]
    assert refusal(Action.PAUSE, paused, SUPERVISOR).key == "guard.already_paused"  # type: ignore[union-attr]
    assert refusal(Action.RESUME, paused, SUPERVISOR) is None
    assert refusal(Action.ADD_TASK, paused, SUPERVISOR) is None  # work may go on while waiting
    running = facts(status=Status.RESOLVING)
    assert refusal(Action.RESUME, running, SUPERVISOR).key == "guard.not_paused"  # type: ignore[union-attr]
    assert refusal(Action.PAUSE, running, SUPERVISOR) is None


def test_the_staff_member_complained_about_never_handles_the_case() -> None:
    """S2.5: not assigned to, investigated or signed off by that staff member."""
    subject = Actor(7, Role.SUPERVISOR)
    for action in CASE_ACTIONS:
        start = next(iter(TRANSITIONS[action][0]))
        case = facts(status=start, subject_staff_id=7, paused=action is Action.RESUME)
        found = refusal(action, case, subject)
        if action in (Action.APPEND, Action.CHASE):  # recording the owner's words at the desk
            assert found is None
        else:
            assert found is not None and found.key == "guard.subject_staff", action
    case = facts(status=Status.INVESTIGATING, subject_staff_id=7)
    assert refusal(Action.ADD_NOTE, case, Actor(8, Role.HANDLER)) is None
    assert assignee_refusal(case, 7, Role.HANDLER, True).key == "guard.assign_subject_staff"  # type: ignore[union-attr]
    assert assignee_refusal(case, 8, Role.HANDLER, True) is None
    assert assignee_refusal(case, 8, Role.DESK, True).key == "guard.assign_role"  # type: ignore[union-attr]
    assert assignee_refusal(case, 8, Role.HANDLER, False).key == "guard.assign_inactive"  # type: ignore[union-attr]
    assert responsible_refusal(case, 7).key == "guard.responsible_subject_staff"  # type: ignore[union-attr]
    assert responsible_refusal(case, 8) is None and responsible_refusal(case, None) is None


def test_available_lists_every_action_of_the_role_with_the_reason() -> None:
    offered = available(facts(status=Status.INVESTIGATING, notes=0, has_finding=False), Actor(3, Role.HANDLER))
    assert {a.value for a in offered} == {a for a, row in may_take().items() if row["handler"]} - {"intake"}
    assert offered[Action.ADD_NOTE] is None
    assert offered[Action.RECORD_FINDING] is not None
    assert "调查记录" in offered[Action.RECORD_FINDING].message("zh")  # type: ignore[union-attr]


def test_step_states_report_due_done_time_left_and_on_time() -> None:
    t0 = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
    clocks = [
        Clock(Step.FIRST_RESPONSE, 1, t0, t0 + dt.timedelta(hours=2), t0 + dt.timedelta(hours=1)),
        Clock(Step.RESOLUTION, 1, t0, t0 + dt.timedelta(hours=5), None),
        Clock(Step.FEEDBACK, 1, t0, t0 + dt.timedelta(hours=1), t0 + dt.timedelta(hours=3)),
    ]
    now = t0 + dt.timedelta(hours=7)
    states = {s.step: s for s in step_states(clocks, now)}
    assert states[Step.FIRST_RESPONSE].on_time is True and states[Step.FIRST_RESPONSE].left is None
    assert states[Step.FEEDBACK].on_time is False
    assert states[Step.RESOLUTION].overdue and states[Step.RESOLUTION].left == -dt.timedelta(hours=2)
    paused = {s.step: s for s in step_states(clocks, now, paused_at=t0 + dt.timedelta(hours=4))}
    assert paused[Step.RESOLUTION].left == dt.timedelta(hours=1)  # frozen while paused
    assert next_open(clocks) == clocks[1]
