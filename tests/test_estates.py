"""Several estates (项目/小区) in one store (issue 9 items 6 and 8).

Two estates with the same room number stay two rooms and two owner histories; a desk bound to
its estates never sees another estate's cases; the migration of an older store puts every room
and case in the default estate. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import create_engine, text

from complaint_tui.audit_chain import Event, queue_event
from complaint_tui.db import Store, check, current_revision, make_engine, open_store
from complaint_tui.models import Case, Owner, Room, Staff
from complaint_tui.policy import default_policy
from complaint_tui.services.intake import case_columns, check_intake, plan_intake_row
from tests.helpers import intake_form
from tests.pg_server import PgServer

NOW = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)  # a Monday, 10:00 in Shanghai

# --- the migration of an older store ----------------------------------------------------------


def _empty_database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'old.sqlite3'}"
    server: PgServer = request.getfixturevalue("pg_server")
    name = f"ctui_est_{os.getpid()}_{tmp_path.name[-20:].replace('-', '_')}".lower()
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server.url(name)


def _insert(conn: sa.Connection, model: Any, row: dict[str, Any]) -> int:
    """One row written as a program of revision 0006 wrote it: only the columns it knew."""
    full = model.__table__
    table = sa.table(full.name, *(sa.column(name, full.c[name].type) for name in row))
    result = conn.execute(table.insert().values(**row).returning(sa.column("id", sa.Integer)))
    return int(result.scalar_one())


def _store_at_0006(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> tuple[str, list[int], list[int]]:
    """A store migrated to 0006 only, holding two rooms and a case in each (as the older
    program left it); returns its URL, the room ids and the case ids."""
    from alembic import command

    from complaint_tui.db import _alembic_config

    url = _empty_database_url(backend, tmp_path, request)
    engine = make_engine(url)
    cfg = _alembic_config()
    policy = default_policy()
    rooms: list[int] = []
    cases: list[int] = []
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006")
    with Store(engine, policy).write() as session:  # audited as the older program did
        conn = session.connection()
        staff = _insert(
            conn,
            Staff,
            {"login": "zhao", "name": "赵敏", "role": "desk", "active": True, "created_at": NOW, "failed_pins": 0},
        )
        owner = _insert(conn, Owner, {"name": "张伟", "phone": "13812345678", "created_at": NOW})
        for n, (building, room) in enumerate((("3栋", "1502"), ("5栋", "0801")), 1):
            room_id = _insert(conn, Room, {"building": building, "unit": "2", "room": room})
            form = intake_form(building=building, room=room)
            clean = check_intake(form, policy, NOW)
            row = plan_intake_row(policy, staff, form, clean, NOW)
            columns = case_columns(row, f"TS20261102-000{n}", owner, room_id, None)
            del columns["estate"]  # revision 0006 had no such column
            case_id = _insert(conn, Case, columns)
            queue_event(
                session,
                Event(case_id=case_id, staff_id=staff, at=NOW, action="intake", version=1, before=None, after={}),
            )
            cases.append(case_id)
            rooms.append(room_id)
    engine.dispose()
    return url, rooms, cases


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrating_an_older_store_puts_every_room_and_case_in_the_default_estate(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Issue 9 item 6: existing rooms and cases go to the one default estate; nothing is lost,
    every case keeps its room, and ``db check`` passes on the migrated store."""
    url, rooms, cases = _store_at_0006(backend, tmp_path, request)
    store = open_store(url, create=True)  # create: as ``db upgrade`` opens it (migrates PostgreSQL too)
    try:
        assert current_revision(store.engine) == "0007"
        with store.engine.connect() as conn:
            room_rows = conn.execute(text("SELECT id, estate, building, room FROM room ORDER BY id")).all()
            case_rows = conn.execute(text("SELECT id, estate, room_id FROM complaint_case ORDER BY id")).all()
        assert [tuple(r) for r in room_rows] == [(rooms[0], "main", "3栋", "1502"), (rooms[1], "main", "5栋", "0801")]
        assert [tuple(r) for r in case_rows] == [(cases[0], "main", rooms[0]), (cases[1], "main", rooms[1])]
        report = check(store, [2026])
        assert report.ok, report
        assert report.integrity == []
    finally:
        store.engine.dispose()
