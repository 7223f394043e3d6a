"""One case walked through the real workflow rules in memory, verb by verb, as the services would.

Each verb of ``CaseSim`` mirrors the service of the same name: it asks ``workflow.refusal()`` first,
then changes the case, its clocks and rows, and records the audit event. A rule change therefore
stops the demo with ``DemoRuleBroken`` instead of producing illegal data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from complaint_tui.demo.stories import Generator

import datetime as dt
from dataclasses import dataclass
from typing import Any

from complaint_tui.demo import data
from complaint_tui.estates import DEFAULT_ESTATE
from complaint_tui.i18n import t
from complaint_tui.models import (
    OPEN_STATUSES,
    CloseKind,
    ContactKind,
    DemandMet,
    Party,
    Role,
    Status,
    UpdateKind,
    VisitOutcome,
)
from complaint_tui.policy import Step as Clock
from complaint_tui.services.step import STATE_FIELDS
from complaint_tui.workflow import (
    HANDLING_ROLES,
    Action,
    Actor,
    CaseFacts,
    Refusal,
    assignee_refusal,
    feedback_refusal,
    queue_due_at,
    refusal,
    target_status,
    task_finisher_refusal,
    visit_refusal,
)

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


class DemoRuleBroken(RuntimeError):
    """The demo's walk of a case broke a workflow rule: the generator and the rules disagree."""


class StopWalk(Exception):
    """The walk of one case ends here (the next step lies after ``now``, or the case stalls)."""


# --- people, places and files -----------------------------------------------------------------


@dataclass(frozen=True)
class DemoStaff:
    id: int
    login: str
    name: str
    role: Role
    department: str | None
    active: bool
    actor: Actor


@dataclass(slots=True)
class DemoOwner:
    id: int
    name: str
    phone: str


@dataclass(slots=True)
class DemoRoom:
    building: str
    unit: str
    room: str
    floor: int
    index: int
    top: int
    id: int = 0
    owners: list[DemoOwner] | None = None


@dataclass(slots=True)
class DocCase:
    """The fields ``case_document`` reads from a case, without building an ORM object."""

    number: str
    object_text: str
    matter_what: str
    matter_where: str
    matter_state: str
    demand: str


# --- one case, walked through the rules -------------------------------------------------------


@dataclass(slots=True)
class SimClock:
    step: Clock
    cycle: int
    started_at: dt.datetime
    due_at: dt.datetime
    unit: str  # of the limit that set due_at: a pause moves it the same way
    done_at: dt.datetime | None = None
    paused_seconds: int = 0
    cancelled_at: dt.datetime | None = None

    @property
    def running(self) -> bool:
        return self.done_at is None and self.cancelled_at is None


@dataclass(slots=True)
class SimTask:
    row: list[Any]
    due: dt.datetime


def audit_value(value: Any) -> Any:
    """An audit value as services.base._plain writes it (times as ISO text in UTC)."""
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo is dt.UTC else value.astimezone(dt.UTC)).isoformat()
    return value


def record(columns: tuple[str, ...], values: tuple[Any, ...]) -> dict[str, Any]:
    """A row as services.base.record_dict puts it into an audit event: every column, times as text."""
    return {name: audit_value(value) for name, value in zip(columns, values, strict=True)}


SimEvent = tuple[dt.datetime, int | None, str, dict[str, Any] | None, dict[str, Any] | None]
# The case fields an audit event shows before and after a step: the services' own list, and
# ``CaseSim._snap`` gives them in this order.
SNAP_FIELDS = STATE_FIELDS


class CaseSim:
    """One case in memory: its fields, the guard inputs of its current cycle, its clocks and rows.

    Each verb mirrors the service of the same name: it asks the workflow first, then changes the
    case, its clocks and rows, and records the audit event.
    """

    def __init__(
        self,
        gen: Generator,
        case_id: int,
        number: str,
        received_at: dt.datetime,
        channel: str,
        category: str,
        urgency: str,
        owner: DemoOwner,
        room: DemoRoom,
        matter: data.Matter,
        fill: dict[str, Any],
        subject: DemoStaff | None,
    ) -> None:
        self.gen = gen
        self.id = case_id
        self.number = number
        self.received_at = received_at
        self.channel = channel
        self.category = category
        self.urgency = urgency
        self.owner = owner
        self.room = room
        self.matter = matter
        self.fill = fill
        self.subject = subject
        self.both_parties = gen.policy.categories[category].both_parties
        self.department: str | None = gen.policy.categories[category].department
        self.status = Status.RECEIVED
        self.status_before: str | None = None
        self.cycle = 1
        self.t = received_at
        self.assignee: DemoStaff | None = None
        self.paused_at: dt.datetime | None = None
        self.pause_reason: str | None = None
        self.pause_row: list[Any] | None = None
        self.clocks: list[SimClock] = []
        self.events: list[SimEvent] = []
        self.appended: list[str] = []
        self.reopen_count = self.append_count = self.chase_count = 0
        self.merged_into: CaseSim | None = None
        self.close_kind: str | None = None
        self.close_reason: str | None = None
        self.closed_at: dt.datetime | None = None
        self.closed_by: int | None = None
        self.withdrawn_reason: str | None = None
        self.rejects = False
        self.recourse: str | None = None
        self.first_final_at: dt.datetime | None = None
        self.stop_before: frozenset[Action] = frozenset()
        # guard inputs of the current cycle (services.base.case_facts)
        self.notes = 0
        self.parties: set[Party] = set()
        self.finding: tuple[bool, str] | None = None
        self.has_plan = False
        self.open_tasks = 0
        self.last_visit_satisfied: bool | None = None
        # set by intake()
        self.object_text = self.what = self.where = self.state = self.demand = self.when = ""
        self.received_by: DemoStaff | None = None
        self.contact_confirmed = False
        self._last: tuple[Any, ...] = ()

    # -- the rules

    def facts(self) -> CaseFacts:
        return CaseFacts(
            status=self.status,
            both_parties=self.both_parties,
            subject_staff_id=self.subject.id if self.subject else None,
            assignee_id=self.assignee.id if self.assignee else None,
            paused=self.paused_at is not None,
            notes=self.notes,
            parties_heard=frozenset(self.parties),
            has_finding=self.finding is not None,
            finding_valid=self.finding[0] if self.finding else None,
            finding_responsibility=self.finding[1] if self.finding else None,
            has_plan=self.has_plan,
            open_tasks=self.open_tasks,
            last_visit_satisfied=self.last_visit_satisfied,
            department=self.department,
            immediate=self.gen.policy.categories[self.category].immediate
            or self.gen.policy.urgency_rank(self.urgency) == 0,
        )

    def _refused(self, action: Action | str, found: Refusal) -> DemoRuleBroken:
        name = action.value if isinstance(action, Action) else action
        return DemoRuleBroken(f"demo case {self.number}: {name} refused: {found.message('en')} ({found.key})")

    def _begin(self, action: Action, staff: DemoStaff, at: dt.datetime) -> tuple[dt.datetime, tuple[Any, ...]]:
        """The moment of the step (after the previous one, never after now) once the rules allow it."""
        if action in self.stop_before:
            raise StopWalk
        # whole seconds: what a person's step looks like, and shorter audit text
        at = max(at, self.t + MINUTE).replace(microsecond=0)
        if at > self.gen.now:
            raise StopWalk
        found = refusal(action, self.facts(), staff.actor)
        if found is not None:
            raise self._refused(action, found)
        return at, self._last

    def _end(
        self,
        action: Action,
        staff: DemoStaff,
        at: dt.datetime,
        before: tuple[Any, ...],
        details: dict[str, Any] | None = None,
    ) -> None:
        """Like ``services.step.case_step`` on leaving: the target status, and the audit event."""
        target = target_status(action)
        if target is not None and self.status is before[0]:
            self.status = target
        if self.status is Status.CLOSED and self.closed_at is None:
            self.closed_at, self.closed_by = at, staff.id
        if self.status not in OPEN_STATUSES and before[0] in OPEN_STATUSES:
            self._leave_cycle(staff, at)  # services.step.case_step: leaving for good
        if self.first_final_at is None and self.status not in OPEN_STATUSES:
            self.first_final_at = at
        self.t = at
        after = self._last = self._snap()  # only verbs change a case: the next step starts from this
        was: dict[str, Any] = {}
        now: dict[str, Any] = {}
        for name, old, new in zip(SNAP_FIELDS, before, after, strict=True):
            if old != new:
                was[name], now[name] = audit_value(old), audit_value(new)
        if details:
            now.update(details)
        # services.step.case_step: both sides written, empty or not
        self.events.append((at, staff.id, action.value, was, now))

    def _snap(self) -> tuple[Any, ...]:
        """The SNAP_FIELDS (services.step.STATE_FIELDS) of the case now, in that order."""
        clock = self.next_clock()
        # Enum members as they are (they are str): JSON writes them as their codes.
        return (
            self.status,
            self.assignee.id if self.assignee else None,
            self.department,
            self.urgency,
            self.cycle,
            self.paused_at,
            self.pause_reason,
            clock.step if clock else None,
            clock.due_at if clock else None,
            self.reopen_count,
            self.append_count,
            self.chase_count,
            self.merged_into.id if self.merged_into else None,
            self.close_kind,
            self.close_reason,
            self.closed_at,
            self.withdrawn_reason,
            self.rejects,
            self.recourse,
        )

    # -- clocks (services.base.start_clock / finish_clock / cancel_open_clocks / refresh_queue_keys)

    def start_clock(self, step: Clock, start: dt.datetime) -> SimClock:
        due, limit = self.gen.policy.due_and_limit(step, start, self.urgency, self.category, self.channel)
        clock = SimClock(step, self.cycle, start, due, limit.unit)
        self.clocks.append(clock)
        return clock

    def finish_clock(self, step: Clock, at: dt.datetime) -> None:
        for clock in self.clocks:
            if clock.cycle == self.cycle and clock.step is step and clock.running:
                clock.done_at = at

    def _leave_cycle(self, staff: DemoStaff, at: dt.datetime) -> None:
        """services.base.end_pause + cancel_open_clocks: the case leaves its cycle (final, or reopened);
        an open pause ends without moving a clock, and what is undone will never be done."""
        if self.paused_at is not None and self.pause_row is not None:
            self.pause_row[5], self.pause_row[6] = self.gen.ts(at), staff.id
            self.paused_at = self.pause_reason = self.pause_row = None
        for clock in self.clocks:
            if clock.cycle == self.cycle and clock.running:
                clock.cancelled_at = at

    def clock(self, step: Clock) -> SimClock:
        return next(c for c in reversed(self.clocks) if c.step is step and c.cycle == self.cycle)

    def next_clock(self) -> SimClock | None:
        if self.status not in OPEN_STATUSES:
            return None
        found = None
        for c in self.clocks:
            if c.cycle == self.cycle and c.running and (found is None or c.due_at < found.due_at):
                found = c
        return found

    # -- the verbs

    def intake(self, staff: DemoStaff, raised_from: str | None) -> None:
        found = refusal(Action.INTAKE, CaseFacts(status=Status.RECEIVED), staff.actor)
        if found is not None:
            raise self._refused(Action.INTAKE, found)
        gen, at = self.gen, self.received_at
        self.received_by = staff
        self.contact_confirmed = gen.policy.channels[self.channel].live or gen.rng.random() < 0.6
        first = self.start_clock(Clock.FIRST_RESPONSE, at)
        self.start_clock(Clock.RESOLUTION, at)
        files = gen.intake_evidence(self, staff, at)
        receipt = t(
            "receipt.text",
            "zh",
            number=self.number,
            due=first.due_at.astimezone(gen.policy.zone).strftime("%Y-%m-%d %H:%M"),
        )
        gen.owner_update(self, UpdateKind.RECEIPT, self.channel, receipt, staff, at)
        # services.intake.intake_after: the new case's whole record (but its id), and its files
        clock = self.next_clock()
        assert clock is not None
        received = audit_value(at)
        after: dict[str, Any] = {
            "number": self.number,
            "source_id": None,
            "intake_key": None,  # a demo case was typed into no desk form
            "version": 1,
            "channel": self.channel,
            "received_at": received,
            "received_by_id": staff.id,
            "contact_confirmed": self.contact_confirmed,
            "owner_id": self.owner.id,
            "room_id": self.room.id,
            "object_kind": self.matter.object_kind,
            "object_text": self.object_text,
            "object_staff_id": self.subject.id if self.subject else None,
            "matter_what": self.what,
            "matter_when": self.when,
            "matter_where": self.where,
            "matter_state": self.state,
            "demand": self.demand,
            "category": self.category,
            "urgency": self.urgency,
            "status": self.status.value,
            "status_before": None,
            "is_open": True,
            "department": self.department,
            "assignee_id": None,
            "cycle": 1,
            "paused_at": None,
            "pause_reason": None,
            "next_step": clock.step.value,
            "next_due_at": audit_value(clock.due_at),
            "queue_due_at": audit_value(queue_due_at(clock.due_at, None)),
            "reopen_count": 0,
            "append_count": 0,
            "chase_count": 0,
            "merged_into_id": None,
            "close_kind": None,
            "close_reason": None,
            "closed_at": None,
            "closed_by_id": None,
            "withdrawn_reason": None,
            "owner_rejects_decision": False,
            "external_recourse": None,
            "created_at": received,
            "updated_at": received,
            "estate": DEFAULT_ESTATE,
            "caller_name": self.owner.name,  # the demo's callers are the owners
            "caller_phone": self.owner.phone,
            "evidence": files,
        }
        if raised_from:
            after["urgency_raised_from"] = raised_from
        self.events.append((at, staff.id, Action.INTAKE.value, None, after))
        self._last = self._snap()

    def assign(self, staff: DemoStaff, assignee: DemoStaff, at: dt.datetime) -> None:
        at, before = self._begin(Action.ASSIGN, staff, at)
        found = assignee_refusal(self.facts(), assignee.id, assignee.role, assignee.active)
        if found is not None:
            raise self._refused(Action.ASSIGN, found)
        self.assignee = assignee
        self.department = assignee.department or self.department
        self._end(Action.ASSIGN, staff, at, before)

    def acknowledge(self, staff: DemoStaff, at: dt.datetime, channel: str, content: str) -> None:
        at, before = self._begin(Action.ACKNOWLEDGE, staff, at)
        self.finish_clock(Clock.FIRST_RESPONSE, at)
        self.gen.owner_update(self, UpdateKind.FIRST_RESPONSE, channel, content, staff, at)
        self._end(Action.ACKNOWLEDGE, staff, at, before, {"channel": channel, "content": content})

    def add_note(
        self, staff: DemoStaff, at: dt.datetime, kind: str, content: str, party: Party | None = None, person: str = ""
    ) -> int:
        at, before = self._begin(Action.ADD_NOTE, staff, at)
        gen = self.gen
        note_id = gen.next_id("investigation_note")
        values = (note_id, self.id, self.cycle, kind, party.value if party else None, person, content, staff.id, at)
        gen.add("investigation_note", (*values[:-1], gen.ts(at)))
        self.notes += 1
        if party is not None:
            self.parties.add(party)
        files = gen.note_evidence(self, note_id, kind, staff, at)
        self._end(
            Action.ADD_NOTE,
            staff,
            at,
            before,
            {"note": gen.record("investigation_note", values), "evidence": files},
        )
        return note_id

    def record_finding(
        self,
        staff: DemoStaff,
        at: dt.datetime,
        confirmer: DemoStaff,
        responsibility: str,
        cause: str,
        cause_text: str,
        valid: bool,
        reason: str,
        signatories: str,
    ) -> None:
        at, before = self._begin(Action.RECORD_FINDING, staff, at)
        # The checks services.investigation.record_finding adds to the workflow's.
        if self.subject is not None and confirmer.id == self.subject.id:
            raise DemoRuleBroken(f"demo case {self.number}: the finding is confirmed by the staff complained about")
        if confirmer.role not in HANDLING_ROLES:
            raise DemoRuleBroken(f"demo case {self.number}: the finding is confirmed by a {confirmer.role.value}")
        gen = self.gen
        values = (
            gen.next_id("finding"),
            self.id,
            self.cycle,
            responsibility,
            cause,
            cause_text,
            valid,
            reason,
            signatories,
            confirmer.id,
            at,
            staff.id,
            at,
        )
        stamp = gen.ts(at)
        gen.add("finding", (*values[:10], stamp, staff.id, stamp))
        self.finding = (valid, responsibility)
        details = {"finding": gen.record("finding", values)}
        self._end(Action.RECORD_FINDING, staff, at, before, details)

    def plan(
        self,
        staff: DemoStaff,
        at: dt.datetime,
        measures: str,
        deadline: dt.datetime,
        department: str,
        responsible: DemoStaff,
        resources: str,
    ) -> None:
        at, before = self._begin(Action.PLAN, staff, at)
        if deadline <= at:  # services.resolution._future
            deadline = at + DAY
        gen = self.gen
        values = (
            gen.next_id("plan"),
            self.id,
            self.cycle,
            measures,
            deadline,
            department,
            responsible.id,
            responsible.name,
            resources,
            staff.id,
            at,
        )
        gen.add("plan", (*values[:4], gen.ts(deadline), *values[5:10], gen.ts(at)))
        self.has_plan = True
        self.department = department
        details = {"plan": gen.record("plan", values)}
        self._end(Action.PLAN, staff, at, before, details)

    def refer(self, staff: DemoStaff, at: dt.datetime, authority: str, explanation: str) -> None:
        at, before = self._begin(Action.REFER, staff, at)
        gen = self.gen
        values = (gen.next_id("referral"), self.id, self.cycle, authority, "", explanation, staff.id, at)
        gen.add("referral", (*values[:-1], gen.ts(at)))
        self.finish_clock(Clock.RESOLUTION, at)
        self.start_clock(Clock.FEEDBACK, at)
        self._end(Action.REFER, staff, at, before, {"referral": gen.record("referral", values)})

    def add_task(
        self,
        staff: DemoStaff,
        at: dt.datetime,
        department: str,
        what: str,
        due: dt.datetime,
        assignee: DemoStaff | None,
    ) -> SimTask:
        at, before = self._begin(Action.ADD_TASK, staff, at)
        due = max(due, at + HOUR)  # services.resolution._future
        gen = self.gen
        values = (
            gen.next_id("department_task"),
            self.id,
            self.cycle,
            department,
            assignee.id if assignee else None,
            what,
            due,
            None,
            "",
            staff.id,
            at,
            None,
        )
        row: list[Any] = [*values[:6], gen.ts(due), None, "", staff.id, gen.ts(at), None]
        gen.add("department_task", row)
        self.open_tasks += 1
        self._end(Action.ADD_TASK, staff, at, before, {"task": gen.record("department_task", values)})
        return SimTask(row, due)

    def finish_task(self, staff: DemoStaff, at: dt.datetime, task: SimTask, result: str) -> None:
        at, before = self._begin(Action.FINISH_TASK, staff, at)
        row = task.row  # still in this batch's rows: done_at, result and done_by are filled in place
        found = task_finisher_refusal(self.facts(), staff.actor, row[3])
        if found is not None:
            raise self._refused(Action.FINISH_TASK, found)
        row[7], row[8], row[11] = self.gen.ts(at), result, staff.id
        self.open_tasks -= 1
        details = {"task_id": row[0], "result": result, "on_time": at <= task.due}
        self._end(Action.FINISH_TASK, staff, at, before, details)

    def follow_up(self, staff: DemoStaff, at: dt.datetime, kind: str, content: str) -> None:
        at, before = self._begin(Action.FOLLOW_UP, staff, at)
        gen = self.gen
        gen.add("follow_up", (gen.next_id("follow_up"), self.id, kind, content, staff.id, gen.ts(at)))
        self._end(Action.FOLLOW_UP, staff, at, before, {"kind": kind, "content": content})

    def update_owner(self, staff: DemoStaff, at: dt.datetime, channel: str, content: str) -> None:
        at, before = self._begin(Action.UPDATE_OWNER, staff, at)
        self.gen.owner_update(self, UpdateKind.PROGRESS, channel, content, staff, at)
        self._end(Action.UPDATE_OWNER, staff, at, before, {"channel": channel, "content": content})

    def resolve(self, staff: DemoStaff, at: dt.datetime) -> None:
        at, before = self._begin(Action.RESOLVE, staff, at)
        self.finish_clock(Clock.RESOLUTION, at)
        self.start_clock(Clock.FEEDBACK, at)
        self._end(Action.RESOLVE, staff, at, before)

    def give_feedback(
        self,
        staff: DemoStaff,
        at: dt.datetime,
        channel: str,
        what_done: str,
        measures: str,
        result: str,
        met: DemandMet,
        unmet_reason: str = "",
        next_step: str = "",
    ) -> None:
        found = feedback_refusal(met, unmet_reason, next_step)
        if found is not None:
            raise self._refused(Action.GIVE_FEEDBACK, found)
        at, before = self._begin(Action.GIVE_FEEDBACK, staff, at)
        gen = self.gen
        values = (
            gen.next_id("feedback"),
            self.id,
            self.cycle,
            channel,
            what_done,
            measures,
            result,
            met.value,
            unmet_reason,
            next_step,
            staff.id,
            at,
        )
        gen.add("feedback", (*values[:-1], gen.ts(at)))
        self.finish_clock(Clock.FEEDBACK, at)
        self.start_clock(Clock.RETURN_VISIT, at)
        self._end(Action.GIVE_FEEDBACK, staff, at, before, {"feedback": gen.record("feedback", values)})

    def log_return_visit(
        self,
        staff: DemoStaff,
        at: dt.datetime,
        method: str,
        score: int,
        outcome: VisitOutcome,
        remaining: str = "",
        rejects: bool = False,
        recourse: str = "",
    ) -> None:
        found = visit_refusal(outcome, score, self.gen.policy, rejects, recourse)
        if found is not None:
            raise self._refused(Action.LOG_RETURN_VISIT, found)
        at, before = self._begin(Action.LOG_RETURN_VISIT, staff, at)
        gen = self.gen
        values = (
            gen.next_id("return_visit"),
            self.id,
            self.cycle,
            method,
            score,
            remaining,
            outcome.value,
            rejects,
            recourse,
            staff.id,
            at,
        )
        gen.add("return_visit", (*values[:-1], gen.ts(at)))
        self.last_visit_satisfied = score >= gen.policy.satisfied_min
        self.finish_clock(Clock.RETURN_VISIT, at)
        if rejects:
            self.rejects, self.recourse = True, recourse
        if outcome is VisitOutcome.CLOSE:
            self._close(CloseKind.SATISFIED, None, staff, at)
        elif outcome is VisitOutcome.REOPEN:
            self._reopen(staff, at)
        self._end(Action.LOG_RETURN_VISIT, staff, at, before, {"visit": gen.record("return_visit", values)})

    def _close(self, kind: CloseKind, reason: str | None, staff: DemoStaff, at: dt.datetime) -> None:
        self.status = Status.CLOSED
        self.close_kind, self.close_reason, self.closed_at, self.closed_by = kind.value, reason, at, staff.id

    def _reopen(self, staff: DemoStaff, at: dt.datetime) -> None:
        """services.closing._reopen: the old cycle's leftovers cancelled, a new cycle, counted, with a
        resolution clock from now."""
        self._leave_cycle(staff, at)
        self.status = Status.INVESTIGATING
        self.reopen_count += 1
        self.cycle += 1
        self.close_kind = self.close_reason = None
        self.closed_at = self.closed_by = None
        self.notes, self.parties, self.finding = 0, set(), None
        self.has_plan, self.last_visit_satisfied = False, None
        self.start_clock(Clock.RESOLUTION, at)

    def force_close(self, staff: DemoStaff, at: dt.datetime, reason: str) -> None:
        at, before = self._begin(Action.FORCE_CLOSE, staff, at)
        self._close(CloseKind.FORCED, reason, staff, at)
        self._end(Action.FORCE_CLOSE, staff, at, before)  # kind and reason are among the case's fields

    def reopen(self, staff: DemoStaff, at: dt.datetime, reason: str) -> None:
        at, before = self._begin(Action.REOPEN, staff, at)
        self._reopen(staff, at)
        self._end(Action.REOPEN, staff, at, before, {"reason": reason})

    def withdraw(self, staff: DemoStaff, at: dt.datetime, reason: str) -> None:
        at, before = self._begin(Action.WITHDRAW, staff, at)
        self.withdrawn_reason = reason
        self._end(Action.WITHDRAW, staff, at, before)

    def merge(self, staff: DemoStaff, at: dt.datetime, target: CaseSim) -> None:
        at, before = self._begin(Action.MERGE, staff, at)
        # services.case_contacts.merge's own checks: another case, still open at that moment.
        if target is self or target.received_at >= at:
            raise DemoRuleBroken(f"demo case {self.number}: merged into itself or into a later case")
        if target.first_final_at is not None and target.first_final_at <= at:
            raise DemoRuleBroken(f"demo case {self.number}: merged into {target.number}, which was already final")
        self.status_before = self.status.value
        self.status = Status.MERGED
        self.merged_into = target
        target.events.append((at, staff.id, "merged_in", None, {"duplicate": self.number}))
        self._end(Action.MERGE, staff, at, before, {"into": target.number})

    def contact(self, kind: ContactKind, staff: DemoStaff, at: dt.datetime, channel: str, content: str) -> None:
        action = Action.APPEND if kind is ContactKind.APPEND else Action.CHASE
        at, before = self._begin(action, staff, at)
        gen = self.gen
        gen.add(
            "case_contact", (gen.next_id("case_contact"), self.id, kind.value, channel, content, staff.id, gen.ts(at))
        )
        if kind is ContactKind.APPEND:
            self.append_count += 1
            self.appended.append(content)  # services.search_index.reindex_case: appended text is searchable
        else:
            self.chase_count += 1
        self._end(action, staff, at, before, {"channel": channel, "content": content})

    def pause(self, staff: DemoStaff, at: dt.datetime, reason: str) -> None:
        at, before = self._begin(Action.PAUSE, staff, at)
        self.paused_at, self.pause_reason = at, reason
        gen = self.gen
        self.pause_row = [gen.next_id("case_pause"), self.id, reason, gen.ts(at), staff.id, None, None]
        gen.add("case_pause", self.pause_row)
        self._end(Action.PAUSE, staff, at, before)

    def resume(self, staff: DemoStaff, at: dt.datetime) -> None:
        at, before = self._begin(Action.RESUME, staff, at)
        assert self.paused_at is not None and self.pause_row is not None
        gap = max(at - self.paused_at, dt.timedelta(0))
        extend = self.gen.policy.extend_for_pause
        for clock in self.clocks:  # services.case_contacts.resume: running clocks move on by the pause
            if clock.cycle == self.cycle and clock.running:
                since = max(self.paused_at, clock.started_at)
                clock.due_at = extend(clock.due_at, clock.unit, since, at)
                clock.paused_seconds += int(max(at - since, dt.timedelta(0)).total_seconds())
        self.pause_row[5], self.pause_row[6] = self.gen.ts(at), staff.id
        self.paused_at = self.pause_reason = None
        self.pause_row = None
        self._end(Action.RESUME, staff, at, before, {"paused_seconds": int(gap.total_seconds())})
