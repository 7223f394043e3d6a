"""The store: SQLite settings, migrations on start, integrity check and online backup."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from complaint_tui import services as sv
from complaint_tui.db import HEAD_REVISION, check, current_revision, head_revision, make_engine, open_store
from complaint_tui.paths import db_url
from complaint_tui.services.evidence import EvidenceInput
from tests.conftest import Team
from tests.helpers import intake_form


def test_sqlite_runs_in_wal_with_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(db_url(tmp_path / "a.sqlite3"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000


def test_opening_a_store_applies_the_migrations(tmp_path: Path) -> None:
    store = open_store(db_url(tmp_path / "new.sqlite3"), create=True)
    assert current_revision(store.engine) == head_revision() == HEAD_REVISION


def test_opening_a_current_store_does_not_load_alembic(tmp_path: Path) -> None:
    path = tmp_path / "current.sqlite3"
    open_store(db_url(path), create=True).engine.dispose()
    code = (
        "import sys\n"
        "from complaint_tui.db import open_store\n"
        f"open_store({db_url(path)!r})\n"
        "sys.exit(1 if 'alembic' in sys.modules else 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_check_notices_a_changed_evidence_file(tmp_path: Path) -> None:
    store = open_store(db_url(tmp_path / "c.sqlite3"), create=True)
    team = Team(store)
    photo = EvidenceInput(kind="photo", source="业主", filename="a.jpg", data=b"original bytes")
    sv.intake(store, team.desk, intake_form(evidence=[photo]))
    assert check(store, [2026, 2027]).ok
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE evidence_blob SET data = :d"), {"d": b"tampered"})
    report = check(store, [2026])
    assert not report.ok and len(report.evidence_mismatches) == 1
    assert report.calendar == {2026: "official"}
