"""The audit trail proves itself (SPEC S6.6): every event is chained to the one before it.

Rows are rewritten, removed and inserted behind the append-only triggers' back, as the owner of
the tables could, and ``db check`` must name the first broken event. The canonical form is
checked against a hash the test computes itself from the documented form.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from complaint_tui import services as sv
from complaint_tui.audit_chain import Event, link
from complaint_tui.audit_chain import verify as verify_chain
from complaint_tui.db import Store, make_engine
from tests.conftest import Team, new_store_url
from tests.helpers import intake_form


def _walk(store: Store, team: Team) -> int:
    """A case taken through a few verbs: intake, first response, assignment, a note."""
    r = sv.intake(store, team.desk, intake_form())
    v = sv.acknowledge(store, team.desk, r.case_id, r.version, "phone", "已回电").version
    v = sv.assign(store, team.supervisor, r.case_id, v, team.handler.id).version
    sv.add_note(store, team.handler, r.case_id, v, "site_inspection", "现场查看属实")
    return r.case_id


def _verify(store: Store):  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return verify_chain(conn)


def _ids(store: Store) -> list[int]:
    with store.engine.connect() as conn:
        return [int(r[0]) for r in conn.execute(text("SELECT id FROM audit_event ORDER BY id"))]


def _behind_the_triggers(store: Store, sql: str, **params: object) -> None:
    """Run ``sql`` with the append-only triggers lifted, as a table owner could."""
    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            conn.execute(text("DROP TRIGGER audit_event_append_only_update"))
            conn.execute(text("DROP TRIGGER audit_event_append_only_delete"))
        else:
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
        conn.execute(text(sql), params)
        if store.dialect == "sqlite":
            for verb in ("update", "delete"):
                conn.execute(
                    text(
                        f"CREATE TRIGGER audit_event_append_only_{verb} BEFORE {verb.upper()} ON audit_event "
                        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
                    )
                )
        else:
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))


def test_the_canonical_form_is_the_documented_one() -> None:
    event = Event(7, 3, dt.datetime(2026, 12, 1, 1, 2, 3, 4, tzinfo=dt.UTC), "intake", 1, None, {"房": "1502", "n": 2})
    documented = (
        '{"action":"intake","after":{"n":2,"房":"1502"},"at":"2026-12-01T01:02:03.000004Z","before":null,'
        '"case":7,"prev":"' + "0" * 64 + '","staff":3,"v":1,"version":1}'
    )
    assert link("0" * 64, event) == hashlib.sha256(documented.encode()).hexdigest()


def test_every_verb_leaves_an_intact_chain(store: Store, team: Team) -> None:
    _walk(store, team)
    _walk(store, team)
    report = _verify(store)
    # 5 accounts + 2 cases × 4 verbs, each event one link
    assert (report.ok, report.events, report.first_broken) == (True, 13, None)


def test_a_rewritten_event_is_named_by_the_check(store: Store, team: Team) -> None:
    _walk(store, team)
    ids = _ids(store)
    target = ids[7]
    _behind_the_triggers(store, "UPDATE audit_event SET action = 'withdraw' WHERE id = :i", i=target)
    report = _verify(store)
    assert report.ok is False
    assert report.first_broken == target


def test_a_rewritten_event_with_a_recomputed_hash_breaks_the_next_link(store: Store, team: Team) -> None:
    """Recomputing the row's own hash is not enough: the next event sealed the old one."""
    _walk(store, team)
    ids = _ids(store)
    target = ids[6]
    with store.engine.connect() as conn:
        prev = conn.execute(text("SELECT hash FROM audit_event WHERE id = :i"), {"i": ids[5]}).scalar_one()
        row = conn.execute(
            text("SELECT case_id, staff_id, at, version, before, after FROM audit_event WHERE id = :i"), {"i": target}
        ).one()
    before, after = (json.loads(v) if isinstance(v, str) else v for v in (row.before, row.after))
    at = row.at if isinstance(row.at, dt.datetime) else dt.datetime.fromisoformat(row.at)
    at = at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at
    forged = link(prev, Event(row.case_id, row.staff_id, at, "withdraw", row.version, before, after))
    _behind_the_triggers(
        store, "UPDATE audit_event SET action = 'withdraw', hash = :h WHERE id = :i", h=forged, i=target
    )
    assert _verify(store).first_broken == ids[7]


def test_a_removed_event_in_the_middle_breaks_the_chain(store: Store, team: Team) -> None:
    _walk(store, team)
    ids = _ids(store)
    _behind_the_triggers(store, "DELETE FROM audit_event WHERE id = :i", i=ids[6])
    assert _verify(store).first_broken == ids[7]


def test_a_cut_tail_shows_at_the_head_and_in_the_case_versions(store: Store, team: Team) -> None:
    case_id = _walk(store, team)
    ids = _ids(store)
    _behind_the_triggers(store, "DELETE FROM audit_event WHERE id >= :i", i=ids[-2])
    report = _verify(store)
    assert report.first_broken is None  # what is left still links up
    assert report.head_ok is False
    assert (report.head_events, report.events) == (len(ids), len(ids) - 2)
    with store.engine.connect() as conn:
        number = conn.execute(text("SELECT number FROM complaint_case WHERE id = :i"), {"i": case_id}).scalar_one()
    assert report.version_gaps == [number]


def test_truncating_the_trail_on_postgresql_is_seen(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    store = Store(make_engine(new_store_url("postgresql", tmp_path, request)))
    try:
        team = Team(store)
        _walk(store, team)
        with store.engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_event"))
        report = _verify(store)
        assert report.ok is False
        assert report.head_ok is False and report.events == 0
    finally:
        store.engine.dispose()


def test_desks_writing_at_once_keep_one_chain(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Four desks record chases on four different cases at once on PostgreSQL.

    Different cases share no row lock, so only the chain head's lock orders their events.
    """
    store = Store(make_engine(new_store_url("postgresql", tmp_path, request)))
    try:
        team = Team(store)
        cases = [sv.intake(store, team.desk, intake_form()) for _ in range(4)]
        before = _verify(store).events
        errors: list[BaseException] = []
        start = threading.Barrier(4)

        def desk(case_id: int, version: int) -> None:
            try:
                start.wait()
                for _ in range(10):
                    version = sv.record_chase(
                        store, team.desk, case_id, version, channel="hotline", content="业主催促"
                    ).version
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=desk, args=(c.case_id, c.version)) for c in cases]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert errors == []
        report = _verify(store)
        assert (report.ok, report.first_broken, report.events) == (True, None, before + 40)
    finally:
        store.engine.dispose()


def test_db_check_says_so_plainly_and_fails(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = new_store_url("sqlite", tmp_path, request)
    store = Store(make_engine(url))
    team = Team(store)
    _walk(store, team)
    target = _ids(store)[5]
    _behind_the_triggers(store, "UPDATE audit_event SET staff_id = NULL WHERE id = :i", i=target)
    store.engine.dispose()
    db_file = url.removeprefix("sqlite:///")
    run = subprocess.run(
        [str(Path(sys.executable).with_name("complaint-tui")), "--lang", "en", "db", "check", "--db", db_file],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert f"Audit trail BROKEN at event #{target}" in run.stdout
    assert "Check found problems." in run.stdout


def test_the_migration_seals_an_existing_trail(tmp_path: Path) -> None:
    """A store written before the chain existed (revision 0003) is sealed by the upgrade."""
    from alembic import command

    from complaint_tui.db import _alembic_config, upgrade

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = make_engine(url)
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    with engine.begin() as conn:
        for i in range(3):
            conn.execute(
                text(
                    "INSERT INTO audit_event (case_id, staff_id, at, action, version, before, after) "
                    "VALUES (NULL, NULL, :at, 'add_staff', NULL, NULL, :after)"
                ),
                {"at": f"2026-11-0{i + 1} 08:00:00.000000", "after": json.dumps({"login": f"u{i}"})},
            )
    upgrade(engine)
    store = Store(engine)
    report = _verify(store)
    assert (report.ok, report.events) == (True, 3)
    engine.dispose()
