"""Every queue view is served by an index in its own order (issue 11 items 2 and 9; SPEC S5.2).

The databases are asked how they would run each page (``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN
(FORMAT JSON)`` on PostgreSQL): each section in each sort, each single filter in each sort, a
search within each section, a phone and a case number. A page is flat in the size of the store
when the cases are read from an index in the page's order and the read stops after the page;
a plan that sorts (a temporary B-tree, a Sort node) or reads the whole case table grows with it.

PostgreSQL chooses by statistics, and on a small test store a sequential scan is always cheaper,
so there the test forbids sequential scans and sorts (``enable_seqscan``/``enable_sort`` off) and
checks that a plan without them exists, which only the indexes make possible.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import text

from complaint_tui import queries as q
from complaint_tui import services as sv
from complaint_tui.db import Store
from complaint_tui.queries import queue
from complaint_tui.queries.driver import placeholders
from complaint_tui.queries.queue import page_statement
from complaint_tui.queries.sections import SECTIONS
from complaint_tui.queries.stats import running_now_sql
from tests.conftest import Team
from tests.helpers import intake_form

NOW = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)
Views = list[tuple[str, q.QueueFilter, q.QueueSort]]


def every_view(team: Team) -> Views:
    """Each section × each sort, each single filter × each sort, a search within each section
    (read from the view: ``WORD_HITS_SORTED`` set below the word's count by the test)."""
    views: Views = []
    for section in SECTIONS:
        for sort in q.QueueSort:
            views.append((f"{section.code}/{sort.value}", section.filter, sort))
            views.append((f"{section.code}/{sort.value}/search", section.filter.with_(search="漏水"), sort))
    singles: dict[str, Any] = {
        "statuses": ("investigating",),
        "categories": ("repair",),
        "departments": ("engineering",),
        "assignee_id": team.handler.id,
        "unassigned": True,
        "overdue": True,
        "reopened": True,
        "received_from": NOW - dt.timedelta(days=30),
        # Few distinct values: read in sort order and checked (a third or a fifth of the cases).
        "urgencies": ("high",),
        "channels": ("hotline",),
        "buildings": ("3栋",),
    }
    for name, value in singles.items():
        for sort in q.QueueSort:
            views.append((f"{name}/{sort.value}", q.QueueFilter(**{name: value}), sort))
    views.append(("phone", q.QueueFilter(search="138 1234 5678"), q.QueueSort.URGENT))
    views.append(("case number", q.QueueFilter(search="TS20261201-0001"), q.QueueSort.URGENT))
    return views


def sqlite_plan(store: Store, sql: str, params: list[Any]) -> list[str]:
    return [row[3] for row in sqlite_plan_rows(store, sql, params)]


def sqlite_plan_rows(store: Store, sql: str, params: list[Any]) -> list[tuple[int, int, int, str]]:
    """``EXPLAIN QUERY PLAN`` rows: id, parent id, unused, what it does."""
    with store.engine.connect() as conn:
        raw: Any = conn.connection.driver_connection
        return [tuple(row) for row in raw.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()]


def pg_plan(store: Store, sql: str, params: list[Any], *, sorts: bool = False) -> dict[str, Any]:
    """PostgreSQL's plan with sequential scans (and sorts, unless ``sorts``) priced out."""
    with store.engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        if not sorts:
            conn.execute(text("SET enable_sort = off"))
        raw: Any = conn.connection.driver_connection
        found = raw.execute("EXPLAIN (FORMAT JSON) " + placeholders("postgresql", sql), params).fetchone()[0]
        conn.rollback()
    plan = found if isinstance(found, list) else json.loads(found)
    return dict(plan[0]["Plan"])


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    out = [plan]
    for child in plan.get("Plans", []):
        out.extend(nodes(child))
    return out


def case_table_reads(plan: dict[str, Any]) -> list[str]:
    """How each PostgreSQL node reads ``complaint_case``: "Index Scan", "Seq Scan", ..."""
    return [n["Node Type"] for n in nodes(plan) if n.get("Relation Name") == "complaint_case"]


def check_sqlite(name: str, rows: list[tuple[int, int, int, str]]) -> None:
    """The cases are read through an index in the page's order, never the whole table, and no
    step sorts every match. Two shapes read the cases by id instead: the search words, whose
    matches come from the search index in id order (``SCAN w VIRTUAL TABLE``); and a view of
    several statuses, each read as a page from its own index range in a subquery, where only
    those few rows are merged by one sort at the top of the statement."""
    plan = [r[3] for r in rows]
    joined = " | ".join(plan)
    reads = [p for p in plan if p.startswith(("SCAN c", "SEARCH c"))]
    assert reads, f"{name}: {joined}"
    words = any(p.startswith("SCAN w VIRTUAL TABLE") for p in plan)
    status_pages = [p for p in plan if p.startswith("SEARCH c USING COVERING INDEX ix_case_status_")]
    merged = len(status_pages) >= 2 and "LIST SUBQUERY" in joined
    for read in reads:
        by_id = read.startswith("SEARCH c USING INTEGER PRIMARY KEY")
        assert "INDEX" in read or (by_id and (words or merged)), (
            f"{name} reads the case table without an index: {joined}"
        )
    sorts = [r for r in rows if r[3] == "USE TEMP B-TREE FOR ORDER BY"]
    if sorts:
        assert merged and len(sorts) == 1 and sorts[0][1] == 0, f"{name} sorts every match: {joined}"


def check_pg(name: str, plan: dict[str, Any]) -> None:
    kinds = [n["Node Type"] for n in nodes(plan)]
    reads = case_table_reads(plan)
    shown = json.dumps(plan)[:1500]
    assert "Sort" not in kinds and "Incremental Sort" not in kinds, f"{name} sorts every match: {shown}"
    assert reads and all("Index" in kind for kind in reads), f"{name} reads the case table without an index: {shown}"


@pytest.fixture
def filled(store: Store, team: Team) -> Team:
    """A few cases, so the planner sees the tables used (plans do not depend on the data here)."""
    for i in range(3):
        sv.intake(store, team.desk, intake_form(phone=f"1381234{i:04d}", room=str(1501 + i)), now=NOW)
    return team


def test_every_queue_view_reads_an_index_in_its_own_order(
    store: Store, filled: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11 items 2 and 9: no view sorts its matches or reads every case, on either database;
    a word in many cases is checked case by case as the view is read (its document by its key)."""
    monkeypatch.setattr(queue, "WORD_HITS_SORTED", -1)
    for name, filt, sort in every_view(filled):
        viewer = filled.handler if filt.mine else filled.supervisor
        sql, params = page_statement(store, viewer, filt, sort, None, 100, NOW)
        if store.dialect == "sqlite":
            check_sqlite(name, sqlite_plan_rows(store, sql, params))
            plan = sqlite_plan(store, sql, params)
            if name.endswith("/search"):  # each case's search document by its key, never a scan of them
                assert "SEARCH d USING INTEGER PRIMARY KEY (rowid=?)" in plan, (name, plan)
                assert not [p for p in plan if "VIRTUAL TABLE" in p], (name, plan)
            if name == "received_from/urgent":  # from that day on in the due index, not from its start
                assert any("queue_due_at>?" in p for p in plan), name
            if len(filt.statuses) > 1 and not filt.search:  # each status's own range, not all open cases
                assert len([p for p in plan if "INDEX ix_case_status_" in p]) == len(filt.statuses), (name, plan)
        else:
            plan_pg = pg_plan(store, sql, params)
            check_pg(name, plan_pg)
            if name.endswith("/search"):
                docs = [n for n in nodes(plan_pg) if n.get("Relation Name") == "case_search"]
                assert docs and all(n.get("Index Name") == "case_search_pkey" for n in docs), (name, docs)


def test_a_deep_page_starts_inside_the_index(store: Store, filled: Team) -> None:
    """A keyset page (S5.2) starts where the last one ended: a range of the index, never OFFSET."""
    cursor = q.Cursor(NOW, 10)
    for sort in q.QueueSort:
        sql, params = page_statement(store, filled.supervisor, q.QueueFilter(open_only=True), sort, cursor, 100, NOW)
        assert "OFFSET" not in sql.upper()
        if store.dialect == "sqlite":
            # Two bounded reads: the cursor's key after its id (a seek on both columns; most
            # closed cases share one key), then past the key; only their ids are sorted.
            plan = sqlite_plan(store, sql, params)
            seeks = [p for p in plan if p.startswith("SEARCH c USING") and "INDEX" in p]
            assert any("queue_due_at=? AND id" in p or "received_at=? AND id" in p for p in seeks), plan
            assert any("queue_due_at>?" in p or "received_at>?" in p or "received_at<?" in p for p in seeks), plan
            assert not [p for p in plan if p.startswith("SCAN c")], plan
        else:
            check_pg(f"deep {sort.value}", pg_plan(store, sql, params))


def test_a_phone_and_a_case_number_go_through_their_own_indexes(store: Store, filled: Team) -> None:
    """S6.2: the caller's cases by phone, a case by its number: each through its own index."""
    for search, index in (("138 1234 0001", "ix_case_owner_due"), ("TS20261201-0001", "ix_complaint_case_number")):
        sql, params = page_statement(store, filled.supervisor, q.QueueFilter(search=search), q.QueueSort.URGENT)
        if store.dialect == "sqlite":
            assert any(index in p for p in sqlite_plan(store, sql, params)), search
        else:
            used = [n.get("Index Name") for n in nodes(pg_plan(store, sql, params))]
            assert index in used, (search, used)


def test_a_word_in_few_cases_is_read_from_the_search_index_and_sorted(store: Store, filled: Team) -> None:
    """Issue 11 item 2: a word in at most ``WORD_HITS_SORTED`` cases (every word here) has its
    cases read from the search index (SQLite FTS5, PostgreSQL's GIN index), each case by its key,
    and only their ids sorted in the view's order, before and after a cursor."""
    cursor = q.Cursor(NOW, 2)
    for filt in (q.QueueFilter(open_only=True, search="漏水"), q.QueueFilter(search="漏水 lift")):
        for sort in q.QueueSort:
            for after in (None, cursor):
                sql, params = page_statement(store, filled.supervisor, filt, sort, after, 100, NOW)
                if store.dialect == "sqlite":
                    rows = sqlite_plan_rows(store, sql, params)
                    plan = [r[3] for r in rows]
                    joined = " | ".join(plan)
                    assert any(p.startswith("SCAN w VIRTUAL TABLE INDEX 0:M") for p in plan), joined
                    assert "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)" in plan, joined
                    assert not [p for p in plan if p.startswith(("SCAN c", "SEARCH d"))], joined
                else:
                    plan_pg = pg_plan(store, sql, params, sorts=True)
                    used = {n.get("Index Name") for n in nodes(plan_pg)}
                    assert "ix_case_search_doc" in used, json.dumps(plan_pg)[:1500]
                    reads = case_table_reads(plan_pg)
                    assert reads and all("Index" in kind for kind in reads), json.dumps(plan_pg)[:1500]


def test_the_last_four_digits_of_a_phone_go_through_the_phone_tail_index(store: Store, filled: Team) -> None:
    """Issue 8 item 4: four digits find the owners whose phone ends so through
    ``ix_owner_phone_tail`` (an expression index, spelt as each database has it), their cases
    through the owner index, on both databases; never a read of every owner."""
    for filt in (q.QueueFilter(search="0001"), q.QueueFilter(open_only=True, search="0001")):
        for sort in q.QueueSort:
            sql, params = page_statement(store, filled.supervisor, filt, sort, None, 100, NOW)
            if store.dialect == "sqlite":
                plan = sqlite_plan(store, sql, params)
                joined = " | ".join(plan)
                assert "SEARCH owner USING INDEX ix_owner_phone_tail (<expr>=?)" in plan, joined
                assert "SEARCH c2 USING COVERING INDEX ix_complaint_case_owner_id (owner_id=?)" in plan, joined
                # The few ids are read in id order: the cases by their key, no sort of the view.
                assert "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)" in plan, joined
                assert "TEMP B-TREE FOR ORDER BY" not in joined, joined
            else:
                plan_pg = pg_plan(store, sql, params, sorts=True)
                used = {n.get("Index Name") for n in nodes(plan_pg)}
                assert "ix_owner_phone_tail" in used, json.dumps(plan_pg)[:1500]
                owner_reads = [n["Node Type"] for n in nodes(plan_pg) if n.get("Relation Name") == "owner"]
                assert owner_reads and all("Index" in kind for kind in owner_reads), owner_reads


def test_the_running_clocks_due_this_hour_go_through_their_partial_index(store: Store, filled: Team) -> None:
    """The statistics split the running clocks due in the current hour into overdue and in time
    (issue 11 item 4): read from the partial index of running clocks, never every open case."""
    sql = running_now_sql(store.dialect, NOW - dt.timedelta(days=30), None, NOW, None)
    if store.dialect == "sqlite":
        plan = " | ".join(sqlite_plan(store, sql, []))
        assert "SEARCH s USING INDEX ix_clock_running_due (due_at>? AND due_at<?)" in plan, plan
        assert "SEARCH c USING INTEGER PRIMARY KEY" in plan, plan
    else:
        clocks = [n for n in nodes(pg_plan(store, sql, [], sorts=True)) if n.get("Relation Name") == "step_clock"]
        assert [n.get("Index Name") for n in clocks] == ["ix_clock_running_due"], clocks
