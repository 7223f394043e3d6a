"""Everything recorded on one case, as plain data for the case screen and the JSON export."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Any

from sqlmodel import col, select

from complaint_tui.case_numbers import typed_case_number
from complaint_tui.db import Store
from complaint_tui.errors import NotFound
from complaint_tui.models import Case, Party, Status
from complaint_tui.operators import Operator
from complaint_tui.policy import Step
from complaint_tui.queries.driver import fetch_many, from_db_date, from_db_time
from complaint_tui.queries.visibility import shown_phone
from complaint_tui.workflow import (
    Action,
    Actor,
    CaseFacts,
    Clock,
    Refusal,
    StepState,
    available,
    correction_until,
    refusal,
    step_states,
)


@dataclass(frozen=True)
class EvidenceView:
    id: int
    note_id: int | None
    kind: str
    source: str
    taken_on: dt.date | None
    filename: str
    sha256: str
    size: int
    note: str
    added_by: str
    added_at: dt.datetime


@dataclass(frozen=True)
class NoteView:
    id: int
    cycle: int
    kind: str
    party: str | None
    person: str
    content: str
    author: str
    at: dt.datetime


@dataclass(frozen=True)
class FindingView:
    cycle: int
    responsibility: str
    cause_code: str
    cause_text: str
    valid: bool
    validity_reason: str
    signatories: str
    confirmed_by: str
    confirmed_at: dt.datetime
    recorded_by: str
    at: dt.datetime
    # S2.6: who has signed; the named confirmer while they have not; when the owner confirmed.
    signed_by: tuple[str, ...] = ()
    awaiting: str | None = None
    owner_confirmed_at: dt.datetime | None = None


@dataclass(frozen=True)
class PlanView:
    cycle: int
    measures: str
    deadline: dt.datetime
    department: str
    responsible: str
    resources: str
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class ReferralView:
    cycle: int
    authority: str
    authority_text: str
    explanation: str
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class TaskView:
    id: int
    cycle: int
    department: str
    assignee: str
    what: str
    due_at: dt.datetime
    done_at: dt.datetime | None
    result: str


@dataclass(frozen=True)
class EntryView:
    """A follow-up, an owner update, an appended complaint or a chase."""

    kind: str
    channel: str
    content: str
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class FeedbackView:
    cycle: int
    channel: str
    what_done: str
    measures: str
    result: str
    demand_met: str
    unmet_reason: str
    next_step: str
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class VisitView:
    cycle: int
    method: str
    satisfaction: int
    remaining_issues: str
    outcome: str
    rejects_decision: bool
    external_recourse: str
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class AuditView:
    """One event of the case's history. ``before`` and ``after`` are decoded from the stored JSON
    when first read: the history tab reads them, the rest of the case screen does not, and
    decoding two documents an event was a tenth of the case view's time."""

    id: int
    at: dt.datetime
    who: str
    action: str
    version: int | None
    before_stored: Any = field(default=None, repr=False)
    after_stored: Any = field(default=None, repr=False)

    @cached_property
    def before(self) -> dict[str, Any] | None:
        return _json(self.before_stored)

    @cached_property
    def after(self) -> dict[str, Any] | None:
        return _json(self.after_stored)


@dataclass(frozen=True)
class CaseDetail:
    id: int
    number: str
    version: int
    source_id: str | None
    channel: str
    received_at: dt.datetime
    received_by: str
    contact_confirmed: bool
    owner_name: str
    phone: str
    phone_is_masked: bool
    building: str
    unit: str
    room: str
    object_kind: str
    object_text: str
    object_staff: str | None
    matter_what: str
    matter_when: str
    matter_where: str
    matter_state: str
    demand: str
    category: str
    urgency: str
    status: str
    department: str | None
    assignee_id: int | None
    assignee: str | None
    cycle: int
    paused_at: dt.datetime | None
    pause_reason: str | None
    reopen_count: int
    append_count: int
    chase_count: int
    merged_into: str | None
    close_kind: str | None
    close_reason: str | None
    closed_at: dt.datetime | None
    withdrawn_reason: str | None
    owner_rejects_decision: bool
    external_recourse: str | None
    steps: list[StepState]
    clocks: list[Clock]
    evidence: list[EvidenceView]
    notes: list[NoteView]
    findings: list[FindingView]
    plans: list[PlanView]
    referrals: list[ReferralView]
    tasks: list[TaskView]
    follow_ups: list[EntryView]
    owner_updates: list[EntryView]
    contacts: list[EntryView]
    feedback: list[FeedbackView]
    visits: list[VisitView]
    history: list[AuditView]
    actions: dict[Action, Refusal | None]
    # Every staff member's name by id, for the history's "handler: 王芳 → 李强" (ids in the trail).
    staff_names: dict[int, str] = field(default_factory=dict)
    # Who called, as given at intake (migration 0011): a tenant or a relative on the owner's
    # phone; its phone masked as ``phone`` is.
    caller_name: str = ""
    caller_phone: str = ""

    @property
    def finding(self) -> FindingView | None:
        current = [f for f in self.findings if f.cycle == self.cycle]
        return current[-1] if current else None

    @property
    def open_tasks(self) -> list[TaskView]:
        return [t for t in self.tasks if t.done_at is None]


def case_id_by_number(store: Store, number: str) -> int:
    """The id of the case numbered ``number``, typed in any form ``case_numbers`` reads."""
    stored = typed_case_number(number, store.policy.case_number_prefix) or number.strip().upper()
    query = select(Case.id).where(Case.number == stored)
    if store.estates:  # a desk bound to its estates does not open another estate's case either
        query = query.where(col(Case.estate).in_(store.estates))
    with store.read() as session:
        found = session.exec(query).first()
    if found is None:
        raise NotFound("error.case_not_found", case=number)
    return int(found)


# --- the reads ---------------------------------------------------------------------------------
#
# Seven statements for a whole case (issue 11 item 3), each keyed by the case id through an index:
# the case with its owner, room and the case it was merged into; the staff names; the clocks;
# the history; and the other records in two UNION ALLs of a common shape. The guard inputs for
# the actions are computed from these rows instead of read again (``case_facts`` reads the same
# five tables for a verb, inside its write transaction).

_CASE_COLUMNS = (
    "number",
    "version",
    "source_id",
    "channel",
    "received_at",
    "received_by_id",
    "contact_confirmed",
    "object_kind",
    "object_text",
    "object_staff_id",
    "matter_what",
    "matter_when",
    "matter_where",
    "matter_state",
    "demand",
    "category",
    "urgency",
    "status",
    "department",
    "assignee_id",
    "cycle",
    "paused_at",
    "pause_reason",
    "reopen_count",
    "append_count",
    "chase_count",
    "close_kind",
    "close_reason",
    "closed_at",
    "withdrawn_reason",
    "owner_rejects_decision",
    "external_recourse",
    "caller_name",
    "caller_phone",
)
_CASE_SQL = (
    "SELECT "
    + ", ".join(f"c.{name}" for name in _CASE_COLUMNS)
    + ", o.name, o.phone, r.building, r.unit, r.room, m.number FROM complaint_case c "
    "JOIN owner o ON o.id = c.owner_id JOIN room r ON r.id = c.room_id "
    "LEFT JOIN complaint_case m ON m.id = c.merged_into_id WHERE c.id = ?"
)
_STAFF_SQL = "SELECT id, name FROM staff"
_CLOCK_SQL = "SELECT step, cycle, started_at, due_at, done_at FROM step_clock WHERE case_id = ? ORDER BY id"
_AUDIT_SQL = (
    'SELECT id, at, staff_id, action, version, "before", "after" FROM audit_event WHERE case_id = ? ORDER BY id'
)
_EVIDENCE_SQL = (
    "SELECT id, note_id, kind, source, taken_on, filename, sha256, size, note, added_by_id, added_at "
    "FROM evidence WHERE case_id = ? ORDER BY id"
)
# Records of a similar shape: tag, id, cycle, four texts, one staff id, one time.
_ENTRIES_SQL = (
    " UNION ALL ".join(
        (
            "SELECT 'note', id, cycle, kind, party, person, content, author_id, created_at "
            "FROM investigation_note WHERE case_id = ?",
            "SELECT 'follow_up', id, NULL, kind, '', NULL, content, by_id, at FROM follow_up WHERE case_id = ?",
            "SELECT 'owner_update', id, NULL, kind, channel, NULL, content, by_id, at "
            "FROM owner_update WHERE case_id = ?",
            "SELECT 'contact', id, NULL, kind, channel, NULL, content, by_id, at FROM case_contact WHERE case_id = ?",
            "SELECT 'referral', id, cycle, authority, authority_text, explanation, NULL, created_by_id, created_at "
            "FROM referral WHERE case_id = ?",
            # A finding's signatures: the finding's id in the cycle's column (S2.6).
            "SELECT 'signature', id, finding_id, signer_kind, method, note, NULL, staff_id, signed_at "
            "FROM finding_signature WHERE case_id = ?",
        )
    )
    + " ORDER BY 1, 2"
)
# Records with more fields: tag, id, cycle, seven texts, three numbers, two times.
_DECISIONS_SQL = (
    " UNION ALL ".join(
        (
            "SELECT 'finding', id, cycle, responsibility, cause_code, cause_text, validity_reason, signatories, "
            "NULL, NULL, CASE WHEN valid THEN 1 ELSE 0 END, confirmed_by_id, recorded_by_id, confirmed_at, created_at "
            "FROM finding WHERE case_id = ?",
            "SELECT 'plan', id, cycle, measures, department, responsible_name, resources, NULL, NULL, NULL, "
            "responsible_id, created_by_id, NULL, deadline, created_at FROM plan WHERE case_id = ?",
            "SELECT 'task', id, cycle, department, what, result, NULL, NULL, NULL, NULL, "
            "assignee_id, NULL, NULL, due_at, done_at FROM department_task WHERE case_id = ?",
            "SELECT 'feedback', id, cycle, channel, what_done, measures, result, demand_met, unmet_reason, next_step, "
            "NULL, by_id, NULL, at, NULL FROM feedback WHERE case_id = ?",
            "SELECT 'visit', id, cycle, method, remaining_issues, outcome, external_recourse, NULL, NULL, NULL, "
            "satisfaction, by_id, CASE WHEN owner_rejects_decision THEN 1 ELSE 0 END, at, NULL "
            "FROM return_visit WHERE case_id = ?",
        )
    )
    + " ORDER BY 1, 2"
)


def _json(value: Any) -> dict[str, Any] | None:
    """An audit ``before``/``after`` cell: SQLite keeps JSON text, psycopg decodes it already."""
    if value is None or isinstance(value, dict):
        return value
    loaded = json.loads(value)
    return loaded if isinstance(loaded, dict) else None


def _utc(value: Any) -> dt.datetime:
    out = from_db_time(value)
    assert out is not None
    return out


def _facts(store: Store, c: dict[str, Any], notes: list[NoteView], decisions: list[tuple[Any, ...]]) -> CaseFacts:
    """The guard inputs ``case_facts`` reads for a verb, computed from the rows the view holds:
    the current cycle's notes, its latest finding and visit, whether it has a plan, open tasks."""
    cycle = c["cycle"]
    current = [n for n in notes if n.cycle == cycle]
    finding = [d for d in decisions if d[0] == "finding" and d[2] == cycle]
    visit = [d for d in decisions if d[0] == "visit" and d[2] == cycle]
    category = store.policy.categories.get(c["category"])
    last_finding = finding[-1] if finding else None
    return CaseFacts(
        status=Status(c["status"]),
        both_parties=bool(category and category.both_parties),
        subject_staff_id=c["object_staff_id"],
        assignee_id=c["assignee_id"],
        paused=c["paused_at"] is not None,
        notes=len(current),
        parties_heard=frozenset(Party(n.party) for n in current if n.party),
        has_finding=last_finding is not None,
        finding_valid=bool(last_finding[10]) if last_finding else None,
        finding_responsibility=last_finding[3] if last_finding else None,
        has_plan=any(d[0] == "plan" and d[2] == cycle for d in decisions),
        open_tasks=sum(1 for d in decisions if d[0] == "task" and d[14] is None),
        last_visit_satisfied=(visit[-1][10] >= store.policy.satisfied_min) if visit else None,
        department=c["department"],
        immediate=bool(category and category.immediate) or store.policy.urgency_rank(c["urgency"]) == 0,
        correction_until=correction_until(store.policy, c["received_at"]),
    )


# The one action whose guard reads the time (``workflow.refusal``: the desk's correction window).
_TIMED = Action.CORRECT_INTAKE


@lru_cache(maxsize=4096)
def _untimed_actions(facts: CaseFacts, actor: Actor) -> dict[Action, Refusal | None]:
    """``available`` for the guards that depend on the facts and the actor alone: a pure function
    of a few dozen kinds of case (status, the cycle's records, assignee, department), so cases
    alike share one answer. Evaluating every guard was a fifth of the case view's time."""
    return available(facts, actor)


def _actions(facts: CaseFacts, actor: Actor, now: dt.datetime) -> dict[Action, Refusal | None]:
    """``available(facts, actor, now=now)``, in its order, with the time-free guards remembered."""
    untimed = _untimed_actions(replace(facts, correction_until=None), actor)
    return {a: refusal(a, facts, actor, now) if a is _TIMED else why for a, why in untimed.items()}


def case_statements(case_id: int) -> list[tuple[str, tuple[int, ...]]]:
    """The view's SELECTs for one case (``?`` placeholders) with their parameters."""
    key = (case_id,)
    return [
        (_CASE_SQL, key),
        (_STAFF_SQL, ()),
        (_CLOCK_SQL, key),
        (_AUDIT_SQL, key),
        (_EVIDENCE_SQL, key),
        (_ENTRIES_SQL, key * 6),
        (_DECISIONS_SQL, key * 5),
    ]


def case_detail(store: Store, viewer: Operator | None, case_id: int, now: dt.datetime | None = None) -> CaseDetail:
    """The whole case, with the actions the viewer may take now and why the others are refused."""
    now = now or dt.datetime.now(dt.UTC)
    case_rows, staff, clock_rows, audit_rows, evidence_rows, entries, decisions = fetch_many(
        store, case_statements(case_id)
    )
    if not case_rows:
        raise NotFound("error.case_not_found", case=str(case_id))
    row = case_rows[0]
    n = len(_CASE_COLUMNS)
    c = dict(zip(_CASE_COLUMNS, row[:n], strict=True))
    owner_name, phone, building, unit, room, merged_into = row[n:]
    for name in ("received_at", "paused_at", "closed_at"):
        c[name] = from_db_time(c[name])
    names: dict[int, str] = dict(staff)

    def who(sid: int | None) -> str:
        return names.get(sid, "") if sid is not None else ""

    clocks = [Clock(Step(k[0]), k[1], _utc(k[2]), _utc(k[3]), from_db_time(k[4])) for k in clock_rows]
    notes = [
        NoteView(e[1], e[2], e[3], e[4], e[5] or "", e[6], who(e[7]), _utc(e[8])) for e in entries if e[0] == "note"
    ]

    def entry_views(tag: str) -> list[EntryView]:
        return [EntryView(e[3], e[4] or "", e[6], who(e[7]), _utc(e[8])) for e in entries if e[0] == tag]

    def decided(tag: str) -> list[tuple[Any, ...]]:
        return [d for d in decisions if d[0] == tag]

    def signed(d: tuple[Any, ...]) -> dict[str, Any]:
        """The finding ``d``'s signatures: who signed, who is awaited, the owner's confirmation."""
        rows = [e for e in entries if e[0] == "signature" and e[2] == d[1]]
        staff_ids = [e[7] for e in rows if e[3] == "staff"]
        owner = [e for e in rows if e[3] == "owner"]
        return {
            "signed_by": tuple(who(sid) for sid in staff_ids),
            "awaiting": None if d[11] in staff_ids else who(d[11]),
            "owner_confirmed_at": _utc(owner[0][8]) if owner else None,
        }

    shown = shown_phone(phone, viewer, store.policy, c["assignee_id"])
    actions = _actions(_facts(store, c, notes, decisions), viewer.actor, now) if viewer is not None else {}
    return CaseDetail(
        id=case_id,
        number=c["number"],
        version=c["version"],
        source_id=c["source_id"],
        channel=c["channel"],
        received_at=c["received_at"],
        received_by=who(c["received_by_id"]),
        contact_confirmed=bool(c["contact_confirmed"]),
        owner_name=owner_name,
        phone=shown,
        phone_is_masked=shown != phone,
        building=building,
        unit=unit,
        room=room,
        object_kind=c["object_kind"],
        object_text=c["object_text"],
        object_staff=who(c["object_staff_id"]) or None,
        matter_what=c["matter_what"],
        matter_when=c["matter_when"],
        matter_where=c["matter_where"],
        matter_state=c["matter_state"],
        demand=c["demand"],
        category=c["category"],
        urgency=c["urgency"],
        status=c["status"],
        department=c["department"],
        assignee_id=c["assignee_id"],
        assignee=who(c["assignee_id"]) or None,
        cycle=c["cycle"],
        paused_at=c["paused_at"],
        pause_reason=c["pause_reason"],
        reopen_count=c["reopen_count"],
        append_count=c["append_count"],
        chase_count=c["chase_count"],
        merged_into=merged_into,
        close_kind=c["close_kind"],
        close_reason=c["close_reason"],
        closed_at=c["closed_at"],
        withdrawn_reason=c["withdrawn_reason"],
        owner_rejects_decision=bool(c["owner_rejects_decision"]),
        external_recourse=c["external_recourse"],
        caller_name=c["caller_name"],
        caller_phone=shown_phone(c["caller_phone"], viewer, store.policy, c["assignee_id"]),
        steps=step_states(clocks, now, c["paused_at"]),
        clocks=clocks,
        evidence=[
            EvidenceView(e[0], e[1], e[2], e[3], from_db_date(e[4]), e[5], e[6], e[7], e[8], who(e[9]), _utc(e[10]))
            for e in evidence_rows
        ],
        notes=notes,
        findings=[
            FindingView(
                d[2],
                d[3],
                d[4],
                d[5],
                bool(d[10]),
                d[6],
                d[7],
                who(d[11]),
                _utc(d[13]),
                who(d[12]),
                _utc(d[14]),
                **signed(d),
            )
            for d in decided("finding")
        ],
        plans=[
            PlanView(d[2], d[3], _utc(d[13]), d[4], d[5] or who(d[10]), d[6], who(d[11]), _utc(d[14]))
            for d in decided("plan")
        ],
        referrals=[
            ReferralView(e[2], e[3], e[4] or "", e[5] or "", who(e[7]), _utc(e[8]))
            for e in entries
            if e[0] == "referral"
        ],
        tasks=[
            TaskView(d[1], d[2], d[3], who(d[10]), d[4], _utc(d[13]), from_db_time(d[14]), d[5])
            for d in decided("task")
        ],
        follow_ups=entry_views("follow_up"),
        owner_updates=entry_views("owner_update"),
        contacts=entry_views("contact"),
        feedback=[
            FeedbackView(d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], who(d[11]), _utc(d[13]))
            for d in decided("feedback")
        ],
        visits=[
            VisitView(d[2], d[3], d[10], d[4], d[5], bool(d[12]), d[6], who(d[11]), _utc(d[13]))
            for d in decided("visit")
        ],
        history=[AuditView(a[0], _utc(a[1]), who(a[2]) or "system", a[3], a[4], a[5], a[6]) for a in audit_rows],
        actions=actions,
        staff_names=names,
    )
