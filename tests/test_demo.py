"""The demo database (issue 2, item 15): realistic, complete, and legal under every workflow rule.

Each property is checked from the database itself (never from the generator's bookkeeping), on
SQLite and on PostgreSQL. One demo per backend is built for the module and only read; tests that
write build their own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, func, select

from complaint_tui import queries as q
from complaint_tui import services as sv
from complaint_tui.db import Store, check, make_engine
from complaint_tui.demo import DEMO_PIN, build_demo
from complaint_tui.errors import DeskError, EditConflict
from complaint_tui.models import (
    FINAL_STATUSES,
    NO_DUE,
    OPEN_STATUSES,
    AuditEvent,
    Case,
    CaseNumberCounter,
    CasePause,
    DepartmentTask,
    Evidence,
    EvidenceBlob,
    Feedback,
    Finding,
    InvestigationNote,
    Owner,
    Plan,
    Referral,
    ReturnVisit,
    Room,
    Staff,
    Status,
    StepClock,
)
from complaint_tui.policy import Step
from complaint_tui.validation import normalise_phone
from complaint_tui.workflow import queue_due_at
from tests.conftest import BACKENDS, new_store_url
from tests.helpers import intake_form

CASES = 260
SEED = 11
NOW = dt.datetime(2026, 11, 20, 2, 30, tzinfo=dt.UTC)
NUMBER = re.compile(r"^TS(\d{8})-(\d{4,})$")


@pytest.fixture(scope="module", params=BACKENDS)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One demo per backend, built once and only read by the tests that use it."""
    url = new_store_url(request.param, tmp_path_factory.mktemp("demo"), request)
    engine = make_engine(url)
    store = Store(engine)
    summary = build_demo(store, cases=CASES, seed=SEED, now=NOW)
    assert summary.cases == CASES
    yield store
    engine.dispose()


def all_of(store: Store, model: Any) -> list[Any]:
    with store.read() as s:
        return list(s.exec(select(model)).all())


def by_case(rows: list[Any]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        out[r.case_id].append(r)
    return out


# --- what the demo holds -----------------------------------------------------------------------


def test_every_status_category_channel_and_urgency(demo: Store) -> None:
    cases = all_of(demo, Case)
    assert len(cases) == CASES
    policy = demo.policy
    assert {c.status for c in cases} == {s.value for s in Status}
    assert {c.category for c in cases} == set(policy.categories)
    assert {c.channel for c in cases} == set(policy.channels)
    assert {c.urgency for c in cases} == set(policy.urgencies)
    # S6.3: a safety case is always at the most urgent level
    assert {c.urgency for c in cases if c.category == "safety"} == {policy.most_urgent}


def test_the_interesting_cases_are_there(demo: Store) -> None:
    cases = all_of(demo, Case)
    clocks = all_of(demo, StepClock)
    assert any(c.reopen_count > 0 and c.cycle > 1 for c in cases)
    assert any(c.close_kind == "forced" and c.close_reason for c in cases)
    assert any(c.status == "withdrawn" and c.withdrawn_reason for c in cases)
    assert any(c.paused_at is not None and c.is_open for c in cases)
    assert any(c.append_count for c in cases) and any(c.chase_count for c in cases)
    assert any(c.owner_rejects_decision and c.external_recourse for c in cases)
    assert any(c.object_kind == "staff" for c in cases)
    assert len(all_of(demo, Referral)) > 0
    # overdue and on-time steps, done and still open
    done = [k for k in clocks if k.done_at is not None]
    assert any(k.done_at <= k.due_at for k in done) and any(k.done_at > k.due_at for k in done)
    assert any(c.is_open and c.queue_due_at < NOW for c in cases)
    assert any(c.is_open and NOW <= c.queue_due_at < NO_DUE for c in cases)


def test_times_are_aware_utc_and_span_six_months(demo: Store) -> None:
    cases = all_of(demo, Case)
    received = [c.received_at for c in cases]
    assert all(r.tzinfo is not None and r.utcoffset() == dt.timedelta(0) for r in received)
    assert min(received) >= NOW - dt.timedelta(days=184) and max(received) <= NOW
    assert max(received) - min(received) > dt.timedelta(days=150)
    events = all_of(demo, AuditEvent)
    assert max(e.at for e in events) <= NOW


def test_staff_roster(demo: Store) -> None:
    staff = {s.login: s for s in all_of(demo, Staff)}
    assert staff["wang"].role == "supervisor"
    assert staff["li"].role == "handler" and staff["chen"].role == "handler"
    assert staff["zhao"].role == "desk"
    assert staff["sun"].role == "admin"
    # One PIN for every demo account, hashed once (README: Accounts and PINs).
    assert len({s.pin_hash for s in staff.values()}) == 1 and staff["wang"].pin_hash
    assert all(re.search(r"[\u4e00-\u9fff]", s.name) for s in staff.values())
    for dept in demo.policy.departments:
        handlers = [s for s in staff.values() if s.department == dept and s.role == "handler" and s.active]
        assert len(handlers) >= 2, dept
    assert sv.needs_pin(demo, "wang")
    assert sv.sign_in(demo, "zhao", "2468").role.value == "desk"


def test_owners_rooms_and_evidence(demo: Store) -> None:
    owners = all_of(demo, Owner)
    assert len({o.phone for o in owners}) == len(owners)
    assert all(normalise_phone(o.phone) == o.phone for o in owners)
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", o.name) for o in owners)
    rooms = all_of(demo, Room)
    assert len({r.building for r in rooms}) >= 6
    assert all(re.fullmatch(r"\d{1,2}栋", r.building) and r.unit in {"1", "2", "3"} for r in rooms)
    assert all(re.fullmatch(r"\d{3,4}", r.room) for r in rooms)
    evidence = all_of(demo, Evidence)
    blobs = all_of(demo, EvidenceBlob)
    assert len(blobs) <= 6 < len(evidence)  # a few tiny files, shared by hash
    assert all(hashlib.sha256(b.data).hexdigest() == b.sha256 and b.size == len(b.data) for b in blobs)
    assert any(e.note_id is not None for e in evidence) and any(e.note_id is None for e in evidence)


def test_store_checks_clean(demo: Store) -> None:
    # SQLite: integrity and foreign keys; both: migration level and every evidence hash
    report = check(demo, [2026, 2027])
    assert report.ok, report


# --- the workflow rules, from the rows --------------------------------------------------------


def test_closed_cases_have_a_satisfied_visit_in_their_last_cycle(demo: Store) -> None:
    visits = by_case(all_of(demo, ReturnVisit))
    closed = [c for c in all_of(demo, Case) if c.status == "closed" and c.close_kind != "forced"]
    assert closed
    for c in closed:
        last = [v for v in visits[c.id] if v.cycle == c.cycle]
        assert last, c.number
        final = max(last, key=lambda v: v.at)
        assert final.satisfaction >= demo.policy.satisfied_min and final.outcome == "close", c.number
        assert c.close_kind == "satisfied" and c.closed_at == final.at


def test_findings_follow_the_investigation(demo: Store) -> None:
    notes = by_case(all_of(demo, InvestigationNote))
    cases = {c.id: c for c in all_of(demo, Case)}
    findings = all_of(demo, Finding)
    assert findings
    disputes = 0
    for f in findings:
        before = [n for n in notes[f.case_id] if n.cycle == f.cycle and n.created_at < f.created_at]
        assert before, cases[f.case_id].number
        if demo.policy.categories[cases[f.case_id].category].both_parties:
            disputes += 1
            heard = {n.party for n in before if n.kind == "party_statement"}
            assert heard == {"complainant", "respondent"}, cases[f.case_id].number
    assert disputes > 0


def test_resolved_cases_had_a_plan_and_no_open_task(demo: Store) -> None:
    plans = by_case(all_of(demo, Plan))
    tasks = by_case(all_of(demo, DepartmentTask))
    referred = {(r.case_id, r.cycle) for r in all_of(demo, Referral)}
    cases = {c.id: c for c in all_of(demo, Case)}
    resolved = [
        k
        for k in all_of(demo, StepClock)
        if k.step == "resolution" and k.done_at is not None and (k.case_id, k.cycle) not in referred
    ]
    assert resolved
    for k in resolved:
        number = cases[k.case_id].number
        assert any(p.cycle == k.cycle and p.created_at < k.done_at for p in plans[k.case_id]), number
        open_then = [
            t for t in tasks[k.case_id] if t.created_at < k.done_at and (t.done_at is None or t.done_at > k.done_at)
        ]
        assert not open_then, number
    # and a case standing at resolved / fed back without a referral has its cycle's plan
    for c in cases.values():
        if c.status in ("resolved", "feedback_given") and (c.id, c.cycle) not in referred:
            assert any(p.cycle == c.cycle for p in plans[c.id]), c.number


def test_staff_complaints_are_never_handled_by_that_staff_member(demo: Store) -> None:
    subject_cases = {c.id: c.object_staff_id for c in all_of(demo, Case) if c.object_staff_id is not None}
    assert subject_cases
    cases = all_of(demo, Case)
    assert all(c.assignee_id != c.object_staff_id for c in cases if c.object_staff_id)
    assert all(c.closed_by_id != c.object_staff_id for c in cases if c.object_staff_id)
    checks = [
        (InvestigationNote, "author_id"),
        (Finding, "confirmed_by_id"),
        (Finding, "recorded_by_id"),
        (Plan, "created_by_id"),
        (Feedback, "by_id"),
        (ReturnVisit, "by_id"),
    ]
    for model, who in checks:
        for row in all_of(demo, model):
            if row.case_id in subject_cases:
                assert getattr(row, who) != subject_cases[row.case_id], (model.__name__, who)


def test_clocks_are_the_policys(demo: Store) -> None:
    clocks = by_case(all_of(demo, StepClock))
    pauses = by_case([p for p in all_of(demo, CasePause) if p.resumed_at is not None])
    policy = demo.policy
    moved = 0
    for c in all_of(demo, Case):
        first = [k for k in clocks[c.id] if k.cycle == 1 and k.step in ("first_response", "resolution")]
        assert len(first) == 2 and all(k.started_at == c.received_at for k in first), c.number
        for k in clocks[c.id]:
            # the policy's due time from the clock's start ...
            due, limit = policy.due_and_limit(Step(k.step), k.started_at, c.urgency, c.category, c.channel)
            assert k.limit_unit == limit.unit, (c.number, k.step)
            assert k.done_at is None or k.cancelled_at is None, (c.number, k.step)
            # ... moved on, the way services.resume does, by each pause it ran through
            for p in pauses[c.id]:
                stopped = k.done_at or k.cancelled_at
                ended_by_leaving = k.cancelled_at is not None and k.cancelled_at == p.resumed_at
                if k.started_at < p.resumed_at and (stopped is None or stopped > p.paused_at) and not ended_by_leaving:
                    due = policy.extend_for_pause(due, k.limit_unit, max(p.paused_at, k.started_at), p.resumed_at)
                    moved += 1
            assert k.due_at == due, (c.number, k.step)
        if Status(c.status) in FINAL_STATUSES:
            # leaving for good: no pause stays open, no clock runs on
            assert c.paused_at is None, c.number
            assert all(k.done_at or k.cancelled_at for k in clocks[c.id]), c.number
    assert moved > 0


def test_queue_columns_agree_with_the_clocks(demo: Store) -> None:
    clocks = by_case(all_of(demo, StepClock))
    for c in all_of(demo, Case):
        assert c.is_open == (Status(c.status) in OPEN_STATUSES)
        mine = clocks[c.id]
        current = [k for k in mine if k.cycle == c.cycle and k.done_at is None and k.cancelled_at is None]
        nxt = min(current, key=lambda k: k.due_at) if current and c.is_open else None
        if nxt is None:
            assert c.next_step is None and c.next_due_at is None, c.number
        else:
            assert c.next_due_at == nxt.due_at, c.number
            assert c.next_step in {k.step for k in current if k.due_at == nxt.due_at}, c.number
        assert c.queue_due_at == queue_due_at(nxt.due_at if nxt is not None else None, c.paused_at), c.number


def test_audit_trail_per_case(demo: Store) -> None:
    events = by_case([e for e in all_of(demo, AuditEvent) if e.case_id is not None])
    for c in all_of(demo, Case):
        mine = sorted(events[c.id], key=lambda e: e.id)
        assert mine[0].action == "intake" and mine[0].at == c.received_at, c.number
        assert [e.version for e in mine] == list(range(1, c.version + 1)), c.number
        assert all(a.at <= b.at for a, b in zip(mine, mine[1:], strict=False)), c.number
        assert mine[-1].at == c.updated_at, c.number
        assert all(e.staff_id is not None for e in mine), c.number


def test_merged_into_an_open_case_of_the_same_owner_and_room(demo: Store) -> None:
    cases = {c.id: c for c in all_of(demo, Case)}
    merged = [c for c in cases.values() if c.status == "merged"]
    assert merged
    events = by_case([e for e in all_of(demo, AuditEvent) if e.case_id is not None])
    for c in merged:
        target = cases[c.merged_into_id]
        assert (target.owner_id, target.room_id) == (c.owner_id, c.room_id), c.number
        assert c.status_before in {s.value for s in OPEN_STATUSES}
        merge_at = next(e.at for e in events[c.id] if e.action == "merge")
        assert target.received_at < merge_at
        # the target was still open when the duplicate was folded in
        finals = {s.value for s in FINAL_STATUSES}
        ended = [e.at for e in events[target.id] if (e.after or {}).get("status") in finals]
        assert all(at > merge_at for at in ended), c.number
        assert any(e.action == "merged_in" and e.at == merge_at for e in events[target.id])


def test_case_numbers_are_unique_and_counted(demo: Store) -> None:
    cases = all_of(demo, Case)
    assert len({c.number for c in cases}) == len(cases)
    per_day: dict[str, list[int]] = defaultdict(list)
    for c in cases:
        m = NUMBER.match(c.number)
        assert m, c.number
        assert m.group(1) == c.received_at.astimezone(demo.policy.zone).strftime("%Y%m%d")
        per_day[m.group(1)].append(int(m.group(2)))
    counters = {k.day: k.last for k in all_of(demo, CaseNumberCounter)}
    assert set(counters) == set(per_day)
    for day, seqs in per_day.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)) and counters[day] == len(seqs)


def test_search_finds_demo_cases(demo: Store) -> None:
    page = q.queue_page(demo, None, q.QueueFilter(search="漏水"), limit=500, now=NOW)
    assert page.rows
    found = {r.id for r in page.rows}
    leaking = {c.id for c in all_of(demo, Case) if "漏水" in c.matter_what}
    assert leaking and leaking <= found
    some = all_of(demo, Case)[7]
    by_number = q.queue_page(demo, None, q.QueueFilter(search=some.number), now=NOW)
    assert [r.id for r in by_number.rows] == [some.id]


def test_queries_read_a_demo_case(demo: Store) -> None:
    wang = sv.sign_in(demo, "wang", DEMO_PIN)
    cases = all_of(demo, Case)
    for c in cases[:: max(1, len(cases) // 12)]:
        detail = q.case_detail(demo, wang, c.id, now=NOW)
        assert detail.number == c.number and detail.history
    stats = q.statistics(demo, now=NOW)
    assert stats is not None


# --- building -----------------------------------------------------------------------------------


def digest(store: Store) -> str:
    """A hash of every row of every table the demo fills (bar the append-only JSON text order)."""
    h = hashlib.sha256()
    with store.engine.connect() as conn:
        for name in (
            "staff",
            "owner",
            "room",
            "complaint_case",
            "step_clock",
            "investigation_note",
            "evidence",
            "finding",
            "plan",
            "referral",
            "department_task",
            "owner_update",
            "feedback",
            "return_visit",
            "case_contact",
            "case_pause",
            "audit_event",
            "case_number_counter",
        ):
            order = "day" if name == "case_number_counter" else "id"
            for row in conn.execute(text(f"SELECT * FROM {name} ORDER BY {order}")):
                # the demo PIN's hash has a random salt: the same PIN, never the same bytes
                values = {k: v for k, v in row._mapping.items() if k != "pin_hash"}
                h.update(repr(tuple(values.values())).encode())
    return h.hexdigest()


def test_same_seed_same_data(sqlite_store: Store, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    build_demo(sqlite_store, cases=120, seed=5, now=NOW)
    twin = Store(make_engine(new_store_url("sqlite", tmp_path, request)))
    other = Store(make_engine(new_store_url("sqlite", tmp_path, request)))
    try:
        build_demo(twin, cases=120, seed=5, now=NOW)
        build_demo(other, cases=120, seed=6, now=NOW)
        assert digest(twin) == digest(sqlite_store)
        assert digest(other) != digest(sqlite_store)
    finally:
        twin.engine.dispose()
        other.engine.dispose()


def test_refuses_a_store_in_use(sqlite_store: Store) -> None:
    sv.add_staff(sqlite_store, None, login="wang", name="王芳", role="supervisor", pin_code="2468")
    with pytest.raises(DeskError):
        build_demo(sqlite_store, cases=10, now=NOW)


def test_tiny_demo_still_legal(sqlite_store: Store) -> None:
    summary = build_demo(sqlite_store, cases=3, seed=2, now=NOW)
    assert summary.cases == 3 and summary.seconds >= 0
    assert len(all_of(sqlite_store, Case)) == 3


# --- the real services carry on from a demo ------------------------------------------------------


def test_intake_after_the_demo_continues_the_numbers(store: Store) -> None:
    build_demo(store, cases=CASES, seed=SEED, now=NOW)
    with store.read() as s:
        last_day = s.exec(select(CaseNumberCounter).order_by(col(CaseNumberCounter.day).desc())).first()
        assert last_day is not None
    zhao = sv.sign_in(store, "zhao", DEMO_PIN)
    receipt = sv.intake(store, zhao, intake_form(received_at=NOW), now=NOW + dt.timedelta(minutes=5))
    assert receipt.number == f"TS{last_day.day}-{last_day.last + 1:04d}"
    # the id sequences were moved past the demo's rows (PostgreSQL), and search indexes the new case
    page = q.queue_page(store, None, q.QueueFilter(search=receipt.number), now=NOW)
    assert [r.id for r in page.rows] == [receipt.case_id]


def test_services_move_demo_cases_on(store: Store) -> None:
    build_demo(store, cases=CASES, seed=SEED, now=NOW)
    later = NOW + dt.timedelta(minutes=10)
    with store.read() as s:
        waiting = s.exec(
            select(Case).where(Case.status == "received", col(Case.paused_at).is_(None)).order_by(col(Case.id))
        ).first()
        resolving = s.exec(
            select(Case)
            .where(Case.status == "resolving", col(Case.paused_at).is_(None), col(Case.object_staff_id).is_(None))
            .order_by(col(Case.id))
        ).first()
        assert waiting is not None and waiting.id is not None
        assert resolving is not None and resolving.id is not None
        wid, rid = waiting.id, resolving.id
        tasks = [
            t.id
            for t in s.exec(
                select(DepartmentTask).where(DepartmentTask.case_id == rid, col(DepartmentTask.done_at).is_(None))
            ).all()
            if t.id is not None
        ]
    wang = sv.sign_in(store, "wang", DEMO_PIN)
    # the first response on a case the demo left waiting
    done = sv.acknowledge(store, wang, wid, waiting.version, "phone", "已回电说明处理安排", now=later)
    assert done.status is Status.INVESTIGATING and done.version == waiting.version + 1
    with pytest.raises(EditConflict):
        sv.acknowledge(store, wang, wid, waiting.version, "phone", "重复操作", now=later)
    # finish the open department tasks, then resolve: the feedback clock starts
    version = resolving.version
    for task_id in tasks:
        version = sv.finish_task(store, wang, rid, version, task_id=task_id, result="已完成", now=later).version
    resolved = sv.resolve(store, wang, rid, version, now=later)
    assert resolved.status is Status.RESOLVED
    with Session(store.engine) as s:
        case = s.get(Case, rid)
        assert case is not None and case.next_step == "feedback"
        count = s.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id == rid)).one()
        assert count == case.version
