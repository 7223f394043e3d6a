"""Several estates (项目/小区) in one store (issue 9 items 6 and 8).

Two estates with the same room number stay two rooms and two owner histories; a desk bound to
its estates never sees another estate's cases; the migration of an older store puts every room
and case in the default estate. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import create_engine, func, text
from sqlmodel import col, select

from complaint_tui import queries as q
from complaint_tui import services as sv
from complaint_tui.audit_chain import Event, queue_event
from complaint_tui.db import Store, check, current_revision, head_revision, make_engine, open_store
from complaint_tui.errors import InvalidInput, NotFound
from complaint_tui.exporting import COLUMN_CODES, ExportFormat, ExportRequest, export_cases
from complaint_tui.importing import IMPORT_COLUMNS, ImportRejected, apply_import, read_import
from complaint_tui.models import Case, Owner, Room, Staff
from complaint_tui.policy import Policy, PolicyError, default_policy, load_policy
from complaint_tui.reporting import Breakdown, build_report, render_markdown
from complaint_tui.services.intake import case_columns, check_intake, plan_intake_row
from tests.batch.conftest import csv_text, row
from tests.conftest import Team
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
            for later in ("estate", "caller_name", "caller_phone"):  # columns revision 0006 did not have
                del columns[later]
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
        assert current_revision(store.engine) == head_revision()  # 0007 and any after it
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


# --- two estates in one store -----------------------------------------------------------------

TWO_ESTATES = """
[[estates]]
code = "lh"
name = { zh = "绿湖小区", en = "Green Lake" }

[[estates]]
code = "hy"
name = { zh = "海韵花园", en = "Sea Breeze Gardens" }
"""


def _policy_with(tmp_path: Path, extra: str) -> Policy:
    text_ = resources.files("complaint_tui.data").joinpath("policy.toml").read_text("utf-8")
    path = tmp_path / "estates.toml"
    path.write_text(text_ + extra, encoding="utf-8")
    return load_policy(path)


@pytest.fixture
def estates(store: Store, team: Team, tmp_path: Path) -> Store:
    """The test's store under a policy of two estates, Green Lake (lh) and Sea Breeze (hy)."""
    return Store(store.engine, _policy_with(tmp_path, TWO_ESTATES))


def _bound(store: Store, *codes: str) -> Store:
    """The same store as a desk bound to ``codes`` opens it (``--estate``)."""
    return dataclasses.replace(store, estates=codes)


def _same_address_in_both(estates: Store, team: Team) -> tuple[sv.IntakeReceipt, sv.IntakeReceipt]:
    """3栋-2-1502 of Green Lake and 3栋-2-1502 of Sea Breeze, each with its own owner."""
    lh = sv.intake(estates, team.desk, intake_form(estate="lh", phone="13811110000", owner_name="林业主"), now=NOW)
    hy = sv.intake(
        estates,
        team.desk,
        intake_form(estate="hy", phone="13922220000", owner_name="海业主", category="complaint"),
        now=NOW + dt.timedelta(minutes=5),
    )
    return lh, hy


def test_two_estates_with_the_same_room_number_stay_two_rooms(estates: Store, team: Team) -> None:
    """Issue 9 items 6 and 8: the same address in two estates is two rooms, each case on its
    estate's room, with its own room history and no duplicate warning across estates (S6.2)."""
    lh, hy = _same_address_in_both(estates, team)
    with estates.read() as s:
        rooms = s.exec(select(Room).order_by(col(Room.estate))).all()
        cases = {c.id: c for c in s.exec(select(Case)).all()}
    assert [(r.estate, r.building, r.unit, r.room) for r in rooms] == [
        ("hy", "3栋", "2", "1502"),
        ("lh", "3栋", "2", "1502"),
    ]
    by_estate = {r.estate: r.id for r in rooms}
    assert cases[lh.case_id].room_id == by_estate["lh"] and cases[lh.case_id].estate == "lh"
    assert cases[hy.case_id].room_id == by_estate["hy"] and cases[hy.case_id].estate == "hy"

    in_lh = q.room_history(estates, team.supervisor, "3栋", "2", "1502", estate="lh")
    in_hy = q.room_history(estates, team.supervisor, "3栋", "2", "1502", estate="hy")
    assert [(r.number, r.estate, r.owner_name) for r in in_lh] == [(lh.number, "lh", "林业主")]
    assert [(r.number, r.estate, r.owner_name) for r in in_hy] == [(hy.number, "hy", "海业主")]
    # A desk bound to Green Lake names no estate: its room is Green Lake's.
    assert [r.number for r in q.room_history(_bound(estates, "lh"), team.desk, "3栋", "2", "1502")] == [lh.number]
    dupes = q.likely_duplicates(estates, team.desk, building="3栋", unit="2", room="1502", estate="lh", now=NOW)
    assert [r.number for r in dupes] == [lh.number]
    assert [r.number for r in q.owner_history(estates, team.desk, "13922220000")] == [hy.number]

    # A second complaint about Green Lake's 1502 goes to the same room, not a third one.
    again = sv.intake(
        estates, team.desk, intake_form(estate="lh", matter_what="又漏水"), now=NOW + dt.timedelta(hours=1)
    )
    with estates.read() as s:
        assert s.exec(select(func.count()).select_from(Room)).one() == 2
        assert s.get(Case, again.case_id).room_id == by_estate["lh"]  # type: ignore[union-attr]


def test_a_report_by_estate_has_one_line_per_estate(estates: Store, team: Team) -> None:
    """Issue 9 item 8: ``report --by estate`` counts each estate's cases on its own line;
    ``--estate`` narrows the whole report to the named estates (S6.6)."""
    _same_address_in_both(estates, team)
    sv.intake(estates, team.desk, intake_form(estate="lh", room="801", phone="13833330000"), now=NOW)
    doc = build_report(estates, None, None, Breakdown.ESTATE)
    assert doc["breakdown"]["rows"] == [
        {"key": "lh", "count": 2, "share": round(2 / 3, 4)},
        {"key": "hy", "count": 1, "share": round(1 / 3, 4)},
    ]
    assert doc["by_estate"] == {"lh": 2, "hy": 1}
    assert "Green Lake" in render_markdown(doc, estates.policy, "en")
    assert "海韵花园" in render_markdown(doc, estates.policy, "zh")
    narrowed = build_report(estates, None, None, Breakdown.CATEGORY, estates=("hy",))
    assert narrowed["total"] == 1 and narrowed["by_category"] == {"complaint": 1}


def test_a_desk_bound_to_one_estate_never_sees_the_other(estates: Store, team: Team) -> None:
    """Issue 9 item 6: queue, search (words, number, phone), counts, statistics and opening a
    case by its number show only the bound estate's cases; an unbound supervisor sees both."""
    lh, hy = _same_address_in_both(estates, team)
    desk = _bound(estates, "lh")

    def numbers(store: Store, **f: Any) -> list[str]:
        return sorted(r.number for r in q.queue_page(store, team.desk, q.QueueFilter(**f), now=NOW).rows)

    assert numbers(estates) == sorted([lh.number, hy.number])
    assert numbers(desk) == [lh.number]
    assert numbers(desk, open_only=True) == [lh.number]
    assert numbers(desk, search="漏水") == [lh.number]  # both cases hold the words
    assert numbers(desk, search=hy.number) == []
    assert numbers(desk, search="139 2222 0000") == []  # Sea Breeze's owner's phone
    assert numbers(desk, estates=("hy",)) == []  # a filter cannot widen the binding
    assert numbers(estates, estates=("hy",)) == [hy.number]
    assert [r.estate for r in q.queue_page(desk, team.desk, now=NOW).rows] == ["lh"]
    assert q.queue_count(desk, team.desk, now=NOW) == 1
    assert q.queue_count(desk, team.desk, q.QueueFilter(search="漏水"), now=NOW) == 1
    assert q.queue_count(estates, team.desk, now=NOW) == 2
    assert q.statistics(desk, now=NOW).total == 1
    assert q.statistics(desk, now=NOW).by_estate == {"lh": 1}
    assert q.owner_history(desk, team.desk, "13922220000") == []
    assert q.case_id_by_number(desk, lh.number) == lh.case_id
    with pytest.raises(NotFound):
        q.case_id_by_number(desk, hy.number)
    assert q.case_id_by_number(estates, hy.number) == hy.case_id


def test_intake_names_the_estate_when_the_store_has_several(estates: Store, team: Team, store: Store) -> None:
    """Issue 9 item 6: with one estate it is the default; with several an unbound desk must name
    one (the field and the rule); a bound desk takes only its own; nothing is written when refused."""
    with pytest.raises(InvalidInput) as missing:
        sv.intake(estates, team.desk, intake_form(), now=NOW)
    assert [(p.field, p.rule) for p in missing.value.problems] == [("estate", "required")]
    assert missing.value.problems[0].message("en") == "Estate: required"
    with pytest.raises(InvalidInput) as unknown:
        sv.intake(estates, team.desk, intake_form(estate="xx"), now=NOW)
    assert unknown.value.problems[0].message("en") == "Estate: choose one of lh, hy"
    with pytest.raises(InvalidInput) as outside:
        sv.intake(_bound(estates, "lh"), team.desk, intake_form(estate="hy"), now=NOW)
    assert outside.value.problems[0].message("zh") == "项目：请从 lh 中选择"
    assert q.queue_count(estates, team.supervisor, now=NOW) == 0  # nothing half-written

    bound = sv.intake(_bound(estates, "hy"), team.desk, intake_form(), now=NOW)
    single = sv.intake(store, team.desk, intake_form(room="801"), now=NOW)  # the default policy: one estate
    with estates.read() as s:
        assert s.get(Case, bound.case_id).estate == "hy"  # type: ignore[union-attr]
        assert s.get(Case, single.case_id).estate == "main"  # type: ignore[union-attr]


def test_the_import_takes_an_estate_column_and_the_export_gives_one(estates: Store, team: Team, tmp_path: Path) -> None:
    """Issue 9 item 6: imported rows go to the estate their column names (the same address in
    two estates makes two rooms); with several estates a row without one is refused by column and
    rule, and nothing is written; the export's last column is the estate (codes, or names)."""
    later = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)  # after the rows were received
    both = [row(1, estate="lh", room="1502"), row(2, estate="hy", room="1502")]
    both[1]["building"], both[1]["unit"] = both[0]["building"], both[0]["unit"]
    summary = apply_import(
        estates, team.desk, read_import(io.StringIO(csv_text(both)), estates.policy, later), now=later
    )
    assert len(summary.imported) == 2
    with estates.read() as s:
        assert sorted(r.estate for r in s.exec(select(Room)).all()) == ["hy", "lh"]

    columns = [c for c in IMPORT_COLUMNS if c != "estate"]
    with pytest.raises(ImportRejected) as refused:
        plan = read_import(io.StringIO(csv_text([row(3)], columns)), estates.policy, later)
        apply_import(estates, team.desk, plan, now=later)
    assert [(p.line, p.column, p.rule) for p in refused.value.problems] == [(2, "estate", "required")]
    assert q.queue_count(estates, team.supervisor, now=later) == 2

    def exported(labels: str | None) -> list[list[str]]:
        out = io.BytesIO()
        export_cases(estates, ExportRequest(ExportFormat.CSV, labels=labels), out, now=later)
        return list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))

    codes = exported(None)
    # Appended after every column an earlier export had (they keep their places); the caller's
    # columns of migration 0011 were appended after it in turn.
    at = codes[0].index("estate")
    assert codes[0][:at] == [c for c in COLUMN_CODES if c not in ("estate", "caller_name", "caller_phone")]
    assert codes[0][at + 1 :] == ["caller_name", "caller_phone"]
    assert sorted((r[1], r[at]) for r in codes[1:]) == [("PAPER-0001", "lh"), ("PAPER-0002", "hy")]
    names = exported("zh")
    assert names[0][at] == "项目" and sorted(r[at] for r in names[1:]) == ["海韵花园", "绿湖小区"]


CLI = str(Path(sys.executable).with_name("complaint-tui"))


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COMPLAINT_TUI_DB": "", "COMPLAINT_TUI_POLICY": ""}
    return subprocess.run(
        [CLI, "--lang", "en", *args], capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL
    )


def test_the_command_line_binds_reports_and_refuses_by_estate(estates: Store, team: Team, tmp_path: Path) -> None:
    """Issue 9 item 6: ``report --by estate`` and ``--estate`` through the command line; an
    estate the policy does not know is refused in one line with exit 1, for the desk too."""
    _same_address_in_both(estates, team)
    url = estates.engine.url.render_as_string(hide_password=False)
    policy = str(tmp_path / "estates.toml")  # the estates fixture's policy file
    run = _cli("report", "--by", "estate", "--format", "json", "--db", url, "--policy", policy)
    assert run.returncode == 0, run.stderr
    assert [(r["key"], r["count"]) for r in json.loads(run.stdout)["breakdown"]["rows"]] == [("hy", 1), ("lh", 1)]
    run = _cli("report", "--estate", "hy", "--format", "json", "--db", url, "--policy", policy)
    assert json.loads(run.stdout)["total"] == 1 and json.loads(run.stdout)["estates"] == ["hy"]
    for args in (["report", "--estate", "nope"], ["--estate", "nope"]):
        refused = _cli(*args, "--db", url, "--policy", policy)
        output = (refused.stdout + refused.stderr).strip()
        assert refused.returncode == 1 and len(output.splitlines()) == 1, output
        assert "nope" in output and "Traceback" not in output
    desk = _cli("--estate", "nope", "--db", url, "--policy", policy)
    assert (desk.stdout + desk.stderr).strip() == "Estate nope is not in the policy; known estates: lh, hy"


def test_a_policy_names_each_estate_once_with_a_short_code(tmp_path: Path) -> None:
    """An estate code is a code like the policy's others, at most 32 characters, declared once;
    a policy that declares none has the one default estate the migration fills."""
    assert list(default_policy().estates) == ["main"]
    assert default_policy().estates["main"].label("zh") == "本项目"
    twice = TWO_ESTATES + '\n[[estates]]\ncode = "lh"\nname = { zh = "又一个", en = "Again" }\n'
    with pytest.raises(PolicyError) as dup:
        _policy_with(tmp_path, twice)
    assert dup.value.policy_key == "estates[2].code" and dup.value.rule == "duplicate"
    long = f'\n[[estates]]\ncode = "{"x" * 33}"\nname = {{ zh = "长", en = "Long" }}\n'
    with pytest.raises(PolicyError) as too_long:
        _policy_with(tmp_path, long)
    assert too_long.value.policy_key == "estates[0].code" and too_long.value.rule == "code_length"


def test_an_estate_with_its_own_policy_file_runs_its_clocks_by_it(store: Store, team: Team, tmp_path: Path) -> None:
    """Issue 9 item 6: ``[[estates]] policy = "file.toml"`` gives one estate its own time limits
    (S5.2); the other estates keep the shared policy's. A file that misses a code is refused."""
    base = resources.files("complaint_tui.data").joinpath("policy.toml").read_text("utf-8")
    faster = base.replace('[limits.normal]\nfirst_response = "2h"', '[limits.normal]\nfirst_response = "30m"')
    assert faster != base
    (tmp_path / "hy.toml").write_text(faster, encoding="utf-8")
    policy = _policy_with(tmp_path, TWO_ESTATES.replace('code = "hy"\n', 'code = "hy"\npolicy = "hy.toml"\n'))
    estates = Store(store.engine, policy)
    lh, hy = _same_address_in_both(estates, team)
    assert lh.first_response_due - NOW == dt.timedelta(hours=2)
    assert hy.first_response_due - (NOW + dt.timedelta(minutes=5)) == dt.timedelta(minutes=30)
    assert policy.for_estate("lh") is policy and policy.for_estate("hy") is not policy

    (tmp_path / "few.toml").write_text(base.replace('code = "safety"', 'code = "danger"'), encoding="utf-8")
    with pytest.raises(PolicyError) as refused:
        _policy_with(tmp_path, TWO_ESTATES.replace('code = "hy"\n', 'code = "hy"\npolicy = "few.toml"\n'))
    assert refused.value.policy_key == "estates[1].policy" and refused.value.rule == "estate_policy_codes"
