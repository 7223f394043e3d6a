"""The case lifecycle as pure rules: states, actions, who may take them, and the guards the
service standard implies. No database, no UI: the services load a ``CaseFacts`` snapshot, ask
``refusal()``, and only then write; the TUI asks ``available()`` to offer only what is allowed
now and to show the reason for what is not.

States (DESIGN.md): received → investigating → resolving → resolved → feedback_given → closed;
side exits referred (still gets feedback and a return visit), withdrawn, merged; a dissatisfied
return visit reopens the case into investigating with a new clock cycle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from complaint_tui.errors import StepRefused
from complaint_tui.i18n import Msg
from complaint_tui.models import FINAL_STATUSES, NO_DUE, DemandMet, Party, Role, Status, VisitOutcome
from complaint_tui.policy import Policy, Step


class Action(StrEnum):
    INTAKE = "intake"
    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    ADD_NOTE = "add_note"
    ADD_EVIDENCE = "add_evidence"
    RECORD_FINDING = "record_finding"
    PLAN = "plan"
    REFER = "refer"
    ADD_TASK = "add_task"
    FINISH_TASK = "finish_task"
    FOLLOW_UP = "follow_up"
    UPDATE_OWNER = "update_owner"
    RESOLVE = "resolve"
    GIVE_FEEDBACK = "give_feedback"
    LOG_RETURN_VISIT = "log_return_visit"
    CLOSE = "close"
    FORCE_CLOSE = "force_close"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"
    MERGE = "merge"
    UNMERGE = "unmerge"
    APPEND = "append"
    CHASE = "chase"
    PAUSE = "pause"
    RESUME = "resume"
    CORRECT_INTAKE = "correct_intake"
    RECLASSIFY = "reclassify"
    SIGN_FINDING = "sign_finding"
    OWNER_CONFIRMS_FINDING = "owner_confirms_finding"


S = Status
OPEN = frozenset(Status) - FINAL_STATUSES

# Where each action may start, and where it leads (None: the status does not change).
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status | None]] = {
    Action.ACKNOWLEDGE: (frozenset({S.RECEIVED}), S.INVESTIGATING),
    Action.ASSIGN: (OPEN, None),
    Action.ADD_NOTE: (frozenset({S.INVESTIGATING, S.RESOLVING}), None),
    Action.ADD_EVIDENCE: (OPEN, None),
    Action.RECORD_FINDING: (frozenset({S.INVESTIGATING}), None),
    Action.PLAN: (frozenset({S.INVESTIGATING, S.RESOLVING}), S.RESOLVING),
    Action.REFER: (frozenset({S.INVESTIGATING, S.RESOLVING}), S.REFERRED),
    Action.ADD_TASK: (frozenset({S.RESOLVING}), None),
    Action.FINISH_TASK: (frozenset({S.RESOLVING}), None),
    Action.FOLLOW_UP: (frozenset({S.RESOLVING, S.RESOLVED}), None),
    Action.UPDATE_OWNER: (OPEN, None),
    Action.RESOLVE: (frozenset({S.RESOLVING}), S.RESOLVED),
    Action.GIVE_FEEDBACK: (frozenset({S.RESOLVED, S.REFERRED}), S.FEEDBACK_GIVEN),
    Action.LOG_RETURN_VISIT: (frozenset({S.FEEDBACK_GIVEN}), None),  # outcome decides
    Action.CLOSE: (frozenset({S.FEEDBACK_GIVEN}), S.CLOSED),
    Action.FORCE_CLOSE: (OPEN, S.CLOSED),
    Action.REOPEN: (frozenset({S.FEEDBACK_GIVEN, S.CLOSED}), S.INVESTIGATING),
    Action.WITHDRAW: (OPEN, S.WITHDRAWN),
    Action.MERGE: (OPEN, S.MERGED),
    Action.UNMERGE: (frozenset({S.MERGED}), None),  # back to the status it had
    Action.APPEND: (OPEN, None),
    Action.CHASE: (OPEN, None),
    Action.PAUSE: (OPEN, None),
    Action.RESUME: (OPEN, None),
    Action.CORRECT_INTAKE: (OPEN, None),
    Action.RECLASSIFY: (OPEN, None),
    Action.SIGN_FINDING: (OPEN, None),
    Action.OWNER_CONFIRMS_FINDING: (OPEN, None),
}

_DESK = {
    Action.INTAKE,
    Action.ACKNOWLEDGE,
    Action.ASSIGN,
    Action.ADD_EVIDENCE,
    Action.UPDATE_OWNER,
    Action.GIVE_FEEDBACK,
    Action.LOG_RETURN_VISIT,
    Action.CLOSE,
    Action.WITHDRAW,
    Action.MERGE,
    Action.APPEND,
    Action.CHASE,
    Action.PAUSE,
    Action.RESUME,
    # Within the policy's correction window only (``correction_refusal``).
    Action.CORRECT_INTAKE,
    Action.OWNER_CONFIRMS_FINDING,
}
_HANDLER = {
    Action.ACKNOWLEDGE,
    Action.ADD_NOTE,
    Action.ADD_EVIDENCE,
    Action.RECORD_FINDING,
    Action.PLAN,
    Action.REFER,
    Action.ADD_TASK,
    Action.FINISH_TASK,
    Action.FOLLOW_UP,
    Action.UPDATE_OWNER,
    Action.RESOLVE,
    Action.GIVE_FEEDBACK,
    Action.LOG_RETURN_VISIT,
    Action.CLOSE,
    Action.APPEND,
    Action.CHASE,
    Action.PAUSE,
    Action.RESUME,
    # A safety matter found during the investigation is raised by whoever finds it (S6.3).
    Action.RECLASSIFY,
    Action.SIGN_FINDING,
    Action.OWNER_CONFIRMS_FINDING,
}
# Who may take which action. Forced closing, manual reopening and undoing a merge are the
# supervisor's; an admin keeps the staff list and the store, not cases.
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.DESK: frozenset(_DESK),
    Role.HANDLER: frozenset(_HANDLER),
    Role.SUPERVISOR: frozenset(Action),
    Role.ADMIN: frozenset(),
}
# Roles that may be assigned a case, or confirm a finding.
HANDLING_ROLES = frozenset({Role.HANDLER, Role.SUPERVISOR})
# Actions that complete a clocked step: not while the clocks are paused (resume first).
_STEP_ACTIONS = frozenset(
    {
        Action.ACKNOWLEDGE,
        Action.RESOLVE,
        Action.REFER,
        Action.GIVE_FEEDBACK,
        Action.LOG_RETURN_VISIT,
        Action.CLOSE,
    }
)
# The staff member a complaint is about must never act on it (S2.5). Only recording what the
# owner says when they call again (an appended complaint, a chase) is left to whoever answers.
_NOT_BY_SUBJECT = frozenset(Action) - {Action.INTAKE, Action.APPEND, Action.CHASE}
# A handler works the cases of their own department, or a case assigned to them by name; the
# owner calling again is recorded by whoever answers (issue 8 item 11).
# A department's task is finished by that department: ``task_finisher_refusal``.
# The person named to confirm a finding signs it, whatever their department (S2.6).
_OWN_CASES_ONLY = frozenset(Action) - {
    Action.INTAKE,
    Action.APPEND,
    Action.CHASE,
    Action.FINISH_TASK,
    Action.SIGN_FINDING,
}


@dataclass(frozen=True)
class CaseFacts:
    """What the guards need to know about a case, for its current cycle."""

    status: Status
    both_parties: bool = False
    subject_staff_id: int | None = None
    assignee_id: int | None = None
    paused: bool = False
    notes: int = 0
    parties_heard: frozenset[Party] = frozenset()
    has_finding: bool = False
    finding_valid: bool | None = None
    finding_responsibility: str | None = None
    has_plan: bool = False
    open_tasks: int = 0
    last_visit_satisfied: bool | None = None
    # The handling department (None until the case has one).
    department: str | None = None
    # S6.3: a health-and-safety matter (an ``immediate`` category, or the most urgent level).
    immediate: bool = False
    # Until when the desk may correct the intake record (``correction_until``); None: no limit.
    correction_until: dt.datetime | None = None


@dataclass(frozen=True)
class Actor:
    id: int
    role: Role
    department: str | None = None


@dataclass(frozen=True)
class Refusal:
    """Why an action is not allowed now: a message key and its parameters."""

    key: str
    params: dict[str, str | Msg] = field(default_factory=dict)

    def error(self) -> StepRefused:
        return StepRefused(self.key, **self.params)

    def message(self, lang: str | None = None) -> str:
        return Msg(self.key, **self.params).render(lang)


def refusal(action: Action, facts: CaseFacts, actor: Actor, now: dt.datetime | None = None) -> Refusal | None:
    """None when ``actor`` may take ``action`` on the case now; else the reason it may not.

    ``now``: the time the step would be taken, for the rules that depend on it (the desk's
    correction window); without it those are not checked."""
    if action not in ROLE_ACTIONS[actor.role]:
        return Refusal(
            "guard.role",
            {"action": Msg(f"action.{action.value}"), "role": Msg(f"role.{actor.role.value}")},
        )
    if action is Action.INTAKE:
        return None
    starts, _ = TRANSITIONS[action]
    if facts.status not in starts:
        if facts.status in FINAL_STATUSES:
            return Refusal("guard.final", {"status": Msg(f"status.{facts.status.value}")})
        return Refusal(
            "guard.status",
            {
                "action": Msg(f"action.{action.value}"),
                "status": Msg(f"status.{facts.status.value}"),
            },
        )
    if action in _NOT_BY_SUBJECT and facts.subject_staff_id is not None and actor.id == facts.subject_staff_id:
        return Refusal("guard.subject_staff")
    if (
        actor.role is Role.HANDLER
        and action in _OWN_CASES_ONLY
        and facts.department is not None
        and facts.assignee_id != actor.id
        and actor.department != facts.department
    ):
        return Refusal("guard.other_department")
    if action in _STEP_ACTIONS and facts.paused:
        return Refusal("guard.paused")
    if action is Action.CORRECT_INTAKE and now is not None:
        return correction_refusal(actor.role, facts.correction_until, now)
    return _GUARDS.get(action, _no_guard)(facts)


def _no_guard(facts: CaseFacts) -> Refusal | None:
    return None


def _finding_guard(facts: CaseFacts) -> Refusal | None:
    if facts.notes == 0:
        return Refusal("guard.finding_needs_note")
    if facts.both_parties:
        missing = {Party.COMPLAINANT, Party.RESPONDENT} - facts.parties_heard
        if missing:
            return Refusal(
                "guard.finding_needs_both_parties",
                {"party": Msg(f"party.{sorted(missing)[0].value}")},
            )
    return None


def _plan_guard(facts: CaseFacts) -> Refusal | None:
    if not facts.has_finding:
        return Refusal("guard.plan_needs_finding")
    if facts.finding_valid is False or facts.finding_responsibility == "none":
        return Refusal("guard.plan_needs_valid_finding")
    return None


# Responsibilities that put a case out of the company's scope (S3.2).
OUT_OF_SCOPE = frozenset({"none", "third_party", "owner"})


def _refer_guard(facts: CaseFacts) -> Refusal | None:
    if not facts.has_finding:
        return Refusal("guard.refer_needs_finding")
    if facts.finding_valid is not False and facts.finding_responsibility not in OUT_OF_SCOPE:
        return Refusal("guard.refer_needs_out_of_scope")
    if facts.open_tasks:
        return Refusal("guard.refer_open_tasks", {"count": str(facts.open_tasks)})
    return None


def _resolve_guard(facts: CaseFacts) -> Refusal | None:
    if not facts.has_plan:
        return Refusal("guard.resolve_needs_plan")
    if facts.open_tasks:
        return Refusal("guard.resolve_open_tasks", {"count": str(facts.open_tasks)})
    return None


def _close_guard(facts: CaseFacts) -> Refusal | None:
    if facts.last_visit_satisfied is not True:
        return Refusal("guard.close_needs_satisfied_visit")
    return None


def _pause_guard(facts: CaseFacts) -> Refusal | None:
    if facts.paused:
        return Refusal("guard.already_paused")
    # S6.3: a safety matter is answered at once; its first response is never put on hold.
    if facts.immediate and facts.status is Status.RECEIVED:
        return Refusal("guard.pause_before_first_response")
    return None


def _needs_finding(facts: CaseFacts) -> Refusal | None:
    return None if facts.has_finding else Refusal("guard.sign_needs_finding")


def _resume_guard(facts: CaseFacts) -> Refusal | None:
    return None if facts.paused else Refusal("guard.not_paused")


_GUARDS = {
    Action.RECORD_FINDING: _finding_guard,
    Action.PLAN: _plan_guard,
    Action.REFER: _refer_guard,
    Action.RESOLVE: _resolve_guard,
    Action.CLOSE: _close_guard,
    Action.PAUSE: _pause_guard,
    Action.RESUME: _resume_guard,
    Action.SIGN_FINDING: _needs_finding,
    Action.OWNER_CONFIRMS_FINDING: _needs_finding,
}


def available(
    facts: CaseFacts, actor: Actor, actions: Iterable[Action] | None = None, now: dt.datetime | None = None
) -> dict[Action, Refusal | None]:
    """Every case action of the actor's role, with the reason for those not allowed ``now``."""
    chosen = actions if actions is not None else (a for a in Action if a is not Action.INTAKE)
    return {a: refusal(a, facts, actor, now) for a in chosen if a in ROLE_ACTIONS[actor.role]}


def target_status(action: Action) -> Status | None:
    return TRANSITIONS[action][1]


# --- guards on what is recorded with a step ------------------------------------------------


def feedback_refusal(demand_met: DemandMet, unmet_reason: str, next_step: str) -> Refusal | None:
    """S4.1: feedback says whether the demand was met; when not fully, why and what happens next."""
    if demand_met is not DemandMet.YES:
        if not unmet_reason.strip():
            return Refusal("guard.feedback_needs_reason")
        if not next_step.strip():
            return Refusal("guard.feedback_needs_next_step")
    return None


def visit_refusal(
    outcome: VisitOutcome, satisfaction: int, policy: Policy, rejects_decision: bool, recourse: str
) -> Refusal | None:
    """S4.2 / S6.4: closing needs a satisfied owner; 'explained' is for a dissatisfied one; an owner
    who rejects the decision is told the external recourse, and that is recorded."""
    satisfied = satisfaction >= policy.satisfied_min
    if outcome is VisitOutcome.CLOSE and not satisfied:
        return Refusal("guard.visit_close_needs_satisfied", {"min": str(policy.satisfied_min)})
    if outcome is VisitOutcome.EXPLAINED and satisfied:
        return Refusal("guard.visit_explained_when_satisfied")
    if rejects_decision and not recourse.strip():
        return Refusal("guard.visit_needs_recourse")
    return None


def responsible_refusal(facts: CaseFacts, staff_id: int | None) -> Refusal | None:
    """A plan's responsible person or a task's assignee is never the staff member complained about."""
    if staff_id is not None and facts.subject_staff_id is not None and staff_id == facts.subject_staff_id:
        return Refusal("guard.responsible_subject_staff")
    return None


def task_finisher_refusal(facts: CaseFacts, actor: Actor, task_department: str) -> Refusal | None:
    """S3.3: a task is finished by the department it was given to, the case's own handlers or a
    supervisor; a handler of a third department is refused."""
    if (
        actor.role is Role.HANDLER
        and facts.assignee_id != actor.id
        and actor.department not in {facts.department, task_department}
    ):
        return Refusal("guard.other_department")
    return None


def correction_until(policy: Policy, received_at: dt.datetime) -> dt.datetime:
    """The end of the desk's correction window: the receipt time plus the policy's ``[intake]
    correction_window``, in the centre's zone (``CaseFacts.correction_until``)."""
    return policy.add_limit(received_at, policy.correction_window).astimezone(policy.zone)


def correction_refusal(role: Role, window: dt.datetime | None, now: dt.datetime) -> Refusal | None:
    """A supervisor may correct an intake record at any time; the desk only until ``window``
    (``correction_until``). The case view offers the verb and the service takes it by this one
    rule, both through ``refusal()`` with the time."""
    if role is Role.SUPERVISOR or window is None or now <= window:
        return None
    return Refusal("guard.correction_window", {"until": window.strftime("%Y-%m-%d %H:%M")})


def assignee_refusal(facts: CaseFacts, assignee_id: int, assignee_role: Role, assignee_active: bool) -> Refusal | None:
    if facts.subject_staff_id is not None and assignee_id == facts.subject_staff_id:
        return Refusal("guard.assign_subject_staff")
    if not assignee_active:
        return Refusal("guard.assign_inactive")
    if assignee_role not in HANDLING_ROLES:
        return Refusal("guard.assign_role")
    return None


# --- clocks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """One step of one cycle: a plain copy of a ``StepClock`` row."""

    step: Step
    cycle: int
    started_at: dt.datetime
    due_at: dt.datetime
    done_at: dt.datetime | None = None


@dataclass(frozen=True)
class StepState:
    """What the desk sees for one step: due, done, time left (negative: overdue), on time."""

    step: Step
    due_at: dt.datetime
    done_at: dt.datetime | None
    left: dt.timedelta | None  # None once done
    on_time: bool | None  # None while open

    @property
    def overdue(self) -> bool:
        return self.left is not None and self.left < dt.timedelta(0)


def step_states(clocks: Iterable[Clock], now: dt.datetime, paused_at: dt.datetime | None = None) -> list[StepState]:
    """The state of each step of the latest cycle; a paused case's time left is frozen."""
    clocks = list(clocks)
    if not clocks:
        return []
    latest = max(c.cycle for c in clocks)
    moment = paused_at or now
    out = []
    for c in sorted((c for c in clocks if c.cycle == latest), key=lambda c: list(Step).index(c.step)):
        if c.done_at is not None:
            out.append(StepState(c.step, c.due_at, c.done_at, None, c.done_at <= c.due_at))
        else:
            out.append(StepState(c.step, c.due_at, None, c.due_at - moment, None))
    return out


def queue_due_at(next_due: dt.datetime | None, paused_at: dt.datetime | None) -> dt.datetime:
    """The queue's sort key for a case whose next open step is due at ``next_due``.

    A paused clock stands still, so the case sorts after the running ones, unless it was already
    late when it was paused: then it keeps its due time and stays overdue. The queue, its overdue
    section and the statistics all follow this one rule.
    """
    if next_due is None:
        return NO_DUE
    if paused_at is None or next_due < paused_at:
        return next_due
    return NO_DUE


def next_open(clocks: Iterable[Clock]) -> Clock | None:
    """The open clock due first: what the queue sorts and colours by."""
    open_ = [c for c in clocks if c.done_at is None]
    return min(open_, key=lambda c: c.due_at) if open_ else None


def raise_if_refused(found: Refusal | None) -> None:
    if found is not None:
        raise found.error()
