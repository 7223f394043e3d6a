"""The README's PostgreSQL roles, run on the test server: the desks own nothing (SPEC S6.6).

The SQL block of the README is executed as written; the schema is made by the owner through the
real console script; then a desk connects as the desk role, works a case, and cannot truncate,
rewrite or delete the audit trail, disable its trigger, or drop a table.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from complaint_tui import services as sv
from complaint_tui.audit_chain import verify
from complaint_tui.db import Store, make_engine
from tests.conftest import Team
from tests.helpers import intake_form
from tests.pg_server import PgServer

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_sql() -> list[str]:
    text_ = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- roles-sql[^>]*-->\s*```sql\n(.*?)```", text_, re.S)
    assert block, "the README lost its roles SQL block"
    return [s.strip() for s in block.group(1).split(";") if s.strip()]


def _url(server: PgServer, user: str, database: str) -> str:
    return f"postgresql+psycopg://{user}@/{database}?host={server.sock}&port={server.port}"


@pytest.fixture(scope="module")
def roles(pg_server: PgServer) -> Iterator[PgServer]:
    admin = create_engine(pg_server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in _readme_sql():
            conn.execute(text(statement))
    admin.dispose()
    yield pg_server


def _complaint_tui(*args: str) -> subprocess.CompletedProcess[str]:
    exe = str(Path(sys.executable).with_name("complaint-tui"))
    return subprocess.run([exe, "--lang", "en", *args], capture_output=True, text=True, timeout=180)


def test_desks_work_as_a_role_that_owns_nothing(roles: PgServer) -> None:
    owner_url = _url(roles, "ctui_owner", "complaints")
    desk_url = _url(roles, "ctui_desk", "complaints")
    run = _complaint_tui("db", "upgrade", "--db", owner_url, "--desk-role", "ctui_desk")
    assert run.returncode == 0, run.stderr
    assert "ctui_desk" in run.stdout

    store = Store(make_engine(desk_url))
    try:
        team = Team(store)
        r = sv.intake(store, team.desk, intake_form())
        v = sv.acknowledge(store, team.desk, r.case_id, r.version, "phone", "已回电").version
        sv.assign(store, team.supervisor, r.case_id, v, team.handler.id)
        with store.engine.connect() as conn:
            assert verify(conn).ok

        refused = {
            "TRUNCATE audit_event": "permission denied",
            "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only": "must be owner",
            "UPDATE audit_event SET action = 'withdraw'": "permission denied",
            "DELETE FROM audit_event": "permission denied",
            "DELETE FROM complaint_case": "permission denied",
            "DROP TABLE owner CASCADE": "must be owner",
            "UPDATE alembic_version SET version_num = '9999'": "permission denied",
            "CREATE TABLE mine (x int)": "permission denied",
        }
        for statement, words in refused.items():
            with store.engine.connect() as conn, pytest.raises(DBAPIError) as caught:
                conn.execute(text(statement))
            assert words in str(caught.value.orig), statement
    finally:
        store.engine.dispose()

    # As the owner the trail still checks out: nothing the desk tried went through.
    run = _complaint_tui("db", "check", "--db", owner_url)
    assert "every link intact" in run.stdout, run.stdout + run.stderr


def test_desk_roles_are_refused_on_sqlite_in_words(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    assert _complaint_tui("db", "upgrade", "--db", str(db)).returncode == 0
    run = _complaint_tui("db", "upgrade", "--db", str(db), "--desk-role", "ctui_desk")
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        "Desk roles are a PostgreSQL matter; a SQLite store is guarded by its file's permissions."
    ]
    assert "Traceback" not in run.stderr
