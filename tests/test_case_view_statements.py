"""The case view reads each row once (issue 11, item 3): at most 8 statements for a whole case.

Statements are counted by SQLite itself (``set_trace_callback`` on every connection the store
opens), below SQLAlchemy and below the query code, so a read that goes around any layer is
still counted.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session, col, select

from complaint_tui import queries as q
from complaint_tui import services as sv
from complaint_tui.case_facts import case_facts
from complaint_tui.db import Store, make_engine
from complaint_tui.demo import build_demo
from complaint_tui.models import (
    AuditEvent,
    Case,
    CaseContact,
    DepartmentTask,
    Evidence,
    Feedback,
    Finding,
    FollowUp,
    InvestigationNote,
    OwnerUpdate,
    Plan,
    Referral,
    ReturnVisit,
    Staff,
    StepClock,
)
from complaint_tui.operators import Operator
from complaint_tui.workflow import available
from tests.conftest import BACKENDS, Team, new_store_url
from tests.helpers import intake_form
from tests.test_services import finding, investigated, resolved

CASE_VIEW_MAX_STATEMENTS = 8


@contextmanager
def sqlite_statements(store: Store) -> Iterator[list[str]]:
    """Every SQL statement SQLite runs for ``store`` inside the block (SELECTs and the rest)."""
    seen: list[str] = []
    store.engine.dispose()  # every connection from here on is a new one, traced from its start

    def trace(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.set_trace_callback(seen.append)

    event.listen(store.engine, "connect", trace)
    try:
        yield seen
    finally:
        event.remove(store.engine, "connect", trace)
        store.engine.dispose()


def selects(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]


def busy_case(store: Store, team: Team) -> int:
    """A case with something in most parts the view shows: notes, a finding, a plan, an appended
    complaint, a chase, feedback and a return visit that reopened it."""
    cid, v = resolved(store, team)
    v = sv.append_complaint(store, team.desk, cid, v, channel="hotline", content="又漏了").version
    v = sv.record_chase(store, team.desk, cid, v, channel="hotline", content="催办一次").version
    v = sv.give_feedback(
        store,
        team.desk,
        cid,
        v,
        channel="phone",
        what_done="维修",
        measures="更换水管",
        result="已修好",
        demand_met="yes",
    ).version
    sv.log_return_visit(store, team.desk, cid, v, method="phone", satisfaction_score=2, outcome="reopen")
    return cid


def test_the_case_view_reads_a_case_in_at_most_eight_statements(sqlite_store: Store) -> None:
    """Issue 11 item 3: the view and the actions it offers come from one read of each row."""
    team = Team(sqlite_store)
    cid = busy_case(sqlite_store, team)
    with sqlite_statements(sqlite_store) as seen:
        detail = q.case_detail(sqlite_store, team.supervisor, cid)
    assert detail.id == cid and detail.chase_count == 1 and detail.append_count == 1
    assert len(selects(seen)) <= CASE_VIEW_MAX_STATEMENTS, "\n".join(selects(seen))


def test_a_queue_page_is_one_select_with_a_limit(sqlite_store: Store) -> None:
    """A page never asks for more rows than it shows (S5.2): one SELECT, LIMIT at the page size."""
    team = Team(sqlite_store)
    for i in range(6):
        sv.intake(sqlite_store, team.desk, intake_form(phone=f"1391234{i:04d}", room=str(1001 + i)))
    with sqlite_statements(sqlite_store) as seen:
        page = q.queue_page(sqlite_store, team.desk, limit=4, now=dt.datetime.now(dt.UTC))
    assert len(page.rows) == 4
    found = selects(seen)
    assert len(found) == 1 and found[0].rstrip().upper().endswith("LIMIT 4"), found


@pytest.fixture(scope="module", params=BACKENDS)
def demo_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A small demo (every state, every kind of record) per backend, only read here."""
    url = new_store_url(request.param, tmp_path_factory.mktemp("view"), request)
    engine = make_engine(url)
    store = Store(engine)
    build_demo(store, cases=80, seed=3, now=dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC))
    yield store
    engine.dispose()


def test_the_view_holds_what_each_table_holds_and_offers_what_the_guards_allow(demo_store: Store) -> None:
    """Reading each row once changes nothing a person sees: every record of every case equals
    the table's own row read through the ORM, and the actions offered equal the guards run on
    ``case_facts`` (what a verb checks) for a desk clerk, each handler and a supervisor."""
    store = demo_store
    with Session(store.engine) as session:
        staff = session.exec(select(Staff)).all()
        names = {s.id: s.name for s in staff}
        # One of each role, and a handler of each department (their guards differ by department).
        chosen: dict[tuple[str, str | None], Staff] = {}
        for s in staff:
            chosen.setdefault((s.role, s.department if s.role == "handler" else None), s)
        viewers = [Operator.of(s) for s in chosen.values()]
        cases = session.exec(select(Case).order_by(col(Case.id))).all()
        assert len(cases) == 80
        for case in cases:
            assert case.id is not None
            detail = q.case_detail(store, viewers[0], case.id)

            def rows(model: Any, case_id: int = case.id) -> list[Any]:
                return list(session.exec(select(model).where(model.case_id == case_id).order_by(model.id)).all())

            assert (detail.number, detail.status, detail.version, detail.cycle) == (
                case.number,
                case.status,
                case.version,
                case.cycle,
            )
            assert [(c.step.value, c.cycle, c.due_at, c.done_at) for c in detail.clocks] == [
                (c.step, c.cycle, c.due_at, c.done_at) for c in rows(StepClock)
            ]
            assert [(n.id, n.cycle, n.kind, n.party, n.content, n.author, n.at) for n in detail.notes] == [
                (n.id, n.cycle, n.kind, n.party, n.content, names[n.author_id], n.created_at)
                for n in rows(InvestigationNote)
            ]
            assert [(f.cycle, f.valid, f.responsibility, f.confirmed_at) for f in detail.findings] == [
                (f.cycle, f.valid, f.responsibility, f.confirmed_at) for f in rows(Finding)
            ]
            assert [(p.cycle, p.measures, p.deadline) for p in detail.plans] == [
                (p.cycle, p.measures, p.deadline) for p in rows(Plan)
            ]
            assert [(t.id, t.what, t.due_at, t.done_at) for t in detail.tasks] == [
                (t.id, t.what, t.due_at, t.done_at) for t in rows(DepartmentTask)
            ]
            assert [(v.cycle, v.satisfaction, v.rejects_decision, v.at) for v in detail.visits] == [
                (v.cycle, v.satisfaction, v.owner_rejects_decision, v.at) for v in rows(ReturnVisit)
            ]
            assert [(f.cycle, f.demand_met, f.at) for f in detail.feedback] == [
                (f.cycle, f.demand_met, f.at) for f in rows(Feedback)
            ]
            assert [(r.cycle, r.authority, r.explanation) for r in detail.referrals] == [
                (r.cycle, r.authority, r.explanation) for r in rows(Referral)
            ]
            assert [(e.kind, e.content, e.at) for e in detail.follow_ups] == [
                (e.kind, e.content, e.at) for e in rows(FollowUp)
            ]
            assert [(e.kind, e.channel, e.at) for e in detail.owner_updates] == [
                (e.kind, e.channel, e.at) for e in rows(OwnerUpdate)
            ]
            assert [(e.kind, e.channel, e.at) for e in detail.contacts] == [
                (e.kind, e.channel, e.at) for e in rows(CaseContact)
            ]
            assert [(e.id, e.sha256, e.taken_on, e.added_at) for e in detail.evidence] == [
                (e.id, e.sha256, e.taken_on, e.added_at) for e in rows(Evidence)
            ]
            events = session.exec(
                select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(col(AuditEvent.id))
            ).all()
            assert [(a.id, a.action, a.at, a.before, a.after) for a in detail.history] == [
                (a.id, a.action, a.at, a.before, a.after) for a in events
            ]
            facts = case_facts(session, store, case)
            at = dt.datetime.now(dt.UTC)  # the desk's correction window depends on the time
            for viewer in viewers:
                shown = q.case_detail(store, viewer, case.id, at).actions
                assert shown == available(facts, viewer.actor, now=at), (case.number, viewer.login)


def test_the_actions_follow_the_latest_finding(store: Store, team: Team) -> None:
    """The guard inputs the view computes from its rows are those a verb reads (case_facts): a
    second finding in the cycle replaces the first (S2.4), so a case found invalid after all is
    offered no plan."""
    cid, v = investigated(store, team)
    v = finding(store, team, cid, v, valid=True, responsibility="property_company")
    finding(store, team, cid, v, valid=False, responsibility="none")
    with Session(store.engine) as session:
        case = session.get(Case, cid)
        assert case is not None
        facts = case_facts(session, store, case)
    assert facts.finding_valid is False  # the second finding is the current one
    for viewer in (team.handler, team.supervisor, team.desk):
        assert q.case_detail(store, viewer, cid).actions == available(facts, viewer.actor), viewer.login
