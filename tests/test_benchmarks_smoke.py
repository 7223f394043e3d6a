"""The benchmark entry point runs (issue 11 item 1): ``python -m benchmarks`` at 10,000 cases.

A smoke test: it checks that a demo store is built, measured and printed with every row and a
raw baseline beside each figure, not the timings (CI machines differ too much for those).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from benchmarks.pg_load import load, verify
from sqlalchemy import Engine, create_engine, select, text
from sqlmodel import SQLModel

from complaint_tui import services as sv
from complaint_tui.db import check, open_store
from complaint_tui.demo import build_demo
from complaint_tui.models import Case, Staff
from complaint_tui.operators import Operator
from complaint_tui.queries.sections import SECTIONS
from tests.helpers import intake_form
from tests.pg_server import PgServer

ROOT = Path(__file__).resolve().parent.parent
_databases = itertools.count()
FIGURE = re.compile(r"^(?P<name>.+?)\s+(?P<ours>\d+\.\d\d)\s+(?P<raw>\d+\.\d\d)\s+(?P<ratio>\d+\.\d|inf)$")


def expected_rows() -> list[str]:
    """Every queue view the issue names: each section in each sort, a search in each section,
    phone and case number, each single filter in each sort, a deep page, the case view, the
    statistics."""
    sorts = ("urgent", "newest", "oldest")
    rows = [f"{s.code} / {sort}" for s in SECTIONS for sort in sorts]
    rows += [f"search 漏水 in {s.code}" for s in SECTIONS] + ["search 漏水 in all / newest"]
    rows += ["search a case number", "search a phone"]
    filters = ("status", "category", "urgency", "department", "channel", "building", "assignee", "unassigned")
    filters += ("reopened", "received last 30 days")
    rows += [f"filter {f} / {sort}" for f in filters for sort in sorts]
    rows += ["open + building + category", "all / urgent, deep keyset page", "case view", "statistics (all cases)"]
    return rows


def _figures(stdout: str) -> dict[str, tuple[float, float]]:
    """The rows of a printed table: name → (ours, raw)."""
    printed = {}
    for line in stdout.splitlines():
        found = FIGURE.match(line)
        if found:
            printed[found["name"].strip()] = (float(found["ours"]), float(found["raw"]))
    return printed


def test_the_benchmark_builds_a_store_and_prints_every_row_beside_its_baseline(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--cases", "10000", "--repeat", "1", "--cache", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "10,000 ours" in run.stdout
    printed = _figures(run.stdout)
    missing = [row for row in expected_rows() if row not in printed]
    assert not missing, run.stdout
    assert all(raw > 0 for _, raw in printed.values()), run.stdout
    # The store is kept for the next run at this size and schema: a second run builds nothing.
    assert len(list(tmp_path.glob("demo-10000-r*.sqlite3"))) == 1


# --- The PostgreSQL copy the benchmark measures (benchmarks/pg_load.py) ------------------------

NOW = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)
# Characters COPY's text format escapes, and a backslash-N that must not turn into NULL.
TRICKY = "漏水\t滴水\n第二行 C:\\目录\\N 结束"


def _empty_database(server: PgServer) -> str:
    """A new database whose sessions are not in UTC: a time copied without its zone would move."""
    name = f"load_{os.getpid()}_{next(_databases)}"
    with create_engine(server.url(), isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
        conn.execute(text(f"ALTER DATABASE {name} SET timezone = 'America/New_York'"))
    return server.url(name)


SCHEMA = (
    "SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' UNION ALL "
    "SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE connamespace = 'public'::regnamespace"
)


def _schema(url: str) -> set[tuple[str, str, str]]:
    """The indexes and constraints of a database (foreign keys, checks, keys)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {(str(a), str(b), str(c)) for a, b, c in conn.execute(text(SCHEMA))}
    finally:
        engine.dispose()


def _every_row(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Each table of the model, as the model reads it (times, booleans, JSON, bytes converted)."""
    out = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
        search = (
            "SELECT rowid, doc FROM case_search" if engine.dialect.name == "sqlite" else "SELECT * FROM case_search"
        )
        out["case_search"] = sorted(tuple(r) for r in conn.exec_driver_sql(search))
    return out


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo store, with texts COPY must escape (a tab, line breaks, backslashes)."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    store = open_store(f"sqlite:///{path}", create=True)
    try:
        build_demo(store, cases=40, seed=3, now=NOW)
        with store.read() as session:
            desk = next(Operator.of(s) for s in session.exec(select(Staff)).scalars() if s.role == "desk")
        sv.intake(store, desk, intake_form(matter_what=TRICKY), NOW)
        with store.engine.begin() as conn:  # a carriage return, which no verb stores
            conn.exec_driver_sql("UPDATE complaint_case SET pause_reason = 'a\rb\\tc' WHERE id = 1")
    finally:
        store.engine.dispose()
    return path


def test_the_postgresql_copy_holds_every_row_of_the_sqlite_store(demo_file: Path, pg_server: PgServer) -> None:
    """Issue 11 item 1: the benchmark measures PostgreSQL on the same store as SQLite, copied by
    COPY. Every row reads back equal through the model, the indexes and constraints are those the
    migrations make, the copy passes `db check` (the audit chain re-hashed from the copied JSON
    and times, the tallies against a recount), and the next case written gets the next id."""
    url = _empty_database(pg_server)

    load(demo_file, url)

    copy = open_store(url, migrate=False)
    original = open_store(f"sqlite:///{demo_file}", migrate=False)
    try:
        assert _every_row(copy.engine) == _every_row(original.engine)
        with copy.read() as session:
            cases = session.exec(select(Case).order_by(Case.id)).scalars().all()  # type: ignore[arg-type]
            desk = next(Operator.of(s) for s in session.exec(select(Staff)).scalars() if s.role == "desk")
        assert cases[0].pause_reason == "a\rb\\tc"
        assert cases[-1].matter_what == TRICKY
        # The indexes and constraints dropped for the load are all back, as the migrations make them.
        assert _schema(url) == _schema(pg_server.url("ctui_template"))
        with copy.engine.connect() as conn:  # analysed: the planner has the columns' statistics
            columns = conn.execute(text("SELECT count(*) FROM pg_stats WHERE tablename = 'complaint_case'")).scalar()
        assert columns
        report = check(copy, [2026])
        assert report.ok, report
        assert report.audit.events > 40
        # The benchmark's own check before it measures: whole, and a copy short of a row is named.
        assert verify(demo_file, url) == []
        with copy.engine.begin() as conn:
            conn.execute(text("DELETE FROM case_contact WHERE id = (SELECT min(id) FROM case_contact)"))
        assert [p.split(":")[0] for p in verify(demo_file, url)] == ["case_contact"]
        later = sv.intake(copy, desk, intake_form(), NOW + dt.timedelta(hours=1))
        assert later.case_id == cases[-1].id + 1
    finally:
        copy.engine.dispose()
        original.engine.dispose()


def test_the_benchmark_measures_the_same_store_on_a_postgresql_server_it_starts(demo_file: Path) -> None:
    """``--pg``: a server of the benchmark's own, the store loaded by COPY and checked (row counts,
    tallies, and with ``--pg-check`` all of `db check`), then every row of the table on it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "benchmarks", "--db", str(demo_file), "--pg-only", "--pg-check", "--repeat", "1"]
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "PostgreSQL" in run.stdout and "wall time" in run.stdout and "loaded by COPY" in run.stdout
    assert "41 ours" in run.stdout
    printed = _figures(run.stdout)
    missing = [row for row in expected_rows() if row not in printed]
    assert not missing, run.stdout
    assert all(raw > 0 for _, raw in printed.values()), run.stdout
