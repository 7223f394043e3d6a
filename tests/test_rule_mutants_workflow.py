"""The workflow's transition table stated literally (DESIGN.md States): where each step may be
taken, and where it leads. tests/test_workflow.py checks ``refusal()`` against ``TRANSITIONS``
itself; this table is written from the design, so a changed transition fails here."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from complaint_tui.models import Party, Role, Status
from complaint_tui.policy import Step
from complaint_tui.workflow import Action, Actor, CaseFacts, Clock, refusal, step_states, target_status

OPEN = "received investigating resolving resolved feedback_given referred"
# action: (the statuses it may be taken from, the status it leads to or "-" for none)
TABLE = {
    "acknowledge": ("received", "investigating"),
    "assign": (OPEN, "-"),
    "add_note": ("investigating resolving", "-"),
    "add_evidence": (OPEN, "-"),
    "record_finding": ("investigating", "-"),
    "plan": ("investigating resolving", "resolving"),
    "refer": ("investigating resolving", "referred"),
    "add_task": ("resolving", "-"),
    "finish_task": ("resolving", "-"),
    "follow_up": ("resolving resolved", "-"),
    "update_owner": (OPEN, "-"),
    "resolve": ("resolving", "resolved"),
    "give_feedback": ("resolved referred", "feedback_given"),
    "log_return_visit": ("feedback_given", "-"),
    "close": ("feedback_given", "closed"),
    "force_close": (OPEN, "closed"),
    "reopen": ("feedback_given closed", "investigating"),
    "withdraw": (OPEN, "withdrawn"),
    "merge": (OPEN, "merged"),
    "unmerge": ("merged", "-"),
    "append": (OPEN, "-"),
    "chase": (OPEN, "-"),
    "pause": (OPEN, "-"),
    "resume": (OPEN, "-"),
    "correct_intake": (OPEN, "-"),
    "reclassify": (OPEN, "-"),
    "sign_finding": (OPEN, "-"),
    "owner_confirms_finding": (OPEN, "-"),
}
SUPERVISOR = Actor(1, Role.SUPERVISOR)
READY = CaseFacts(
    status=Status.RECEIVED,
    notes=1,
    parties_heard=frozenset(Party),
    has_finding=True,
    finding_valid=True,
    finding_responsibility="property_company",
    has_plan=True,
    last_visit_satisfied=True,
)


def test_the_table_names_every_case_action() -> None:
    assert set(TABLE) == {a.value for a in Action} - {"intake"}


@pytest.mark.parametrize("action", sorted(TABLE))
def test_each_step_is_allowed_from_exactly_the_statuses_of_the_table_and_leads_where_it_says(action: str) -> None:
    starts, leads = TABLE[action]
    scope = {"finding_valid": False, "finding_responsibility": "none"} if action == "refer" else {}
    allowed = set()
    for status in Status:
        facts = dataclasses.replace(READY, status=status, paused=action == "resume", **scope)  # type: ignore[arg-type]
        found = refusal(Action(action), facts, SUPERVISOR)
        if found is None:
            allowed.add(status.value)
        else:
            assert found.key in ("guard.status", "guard.final"), (status, found.key)
    assert allowed == set(starts.split())
    target = target_status(Action(action))
    assert (target.value if target else "-") == leads


def test_a_step_done_exactly_at_its_due_time_is_on_time() -> None:
    due = dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)
    clocks = [
        Clock(Step.FIRST_RESPONSE, 1, due - dt.timedelta(hours=2), due, done_at=due),
        Clock(Step.RESOLUTION, 1, due - dt.timedelta(hours=2), due, done_at=due + dt.timedelta(seconds=1)),
    ]
    states = step_states(clocks, now=due + dt.timedelta(hours=1))
    assert [(s.step.value, s.on_time) for s in states] == [("first_response", True), ("resolution", False)]
