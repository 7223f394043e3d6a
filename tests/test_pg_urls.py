"""Every command takes a PostgreSQL URL where it takes a SQLite path, and never prints its password
(issue 9 item 1).

On the session's PostgreSQL server (tests/pg_server.py) a role with a real password signs in by
password (scram), everyone else as before. Each command runs through typer's ``CliRunner`` as a
user runs it; what it prints (stdout and stderr) is searched for the password, as typed and as
written in the URL (percent-encoded).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner, Result

from complaint_tui.cli import app
from tests.pg_server import PgServer

SCRIPT = Path(sys.executable).with_name("complaint-tui")
ROLE = "ctui_pw"
# A password with the characters a URL must percent-encode: both spellings are searched for.
PASSWORD = "p@ss:w0rd/Zq7#x"
WRONG = "Wr0ng-Pa55word"
_names = itertools.count()


def _admin(server: PgServer, sql: str, database: str = "postgres") -> None:
    engine = create_engine(server.url(database), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def _scalar(server: PgServer, database: str, sql: str) -> int:
    engine = create_engine(server.url(database))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def pw_server(pg_server: PgServer) -> PgServer:
    """The session server, with ``ROLE`` signing in by password (its line comes first in
    pg_hba.conf; every other role keeps signing in as before)."""
    # Set up again when a worker comes back to this module (xdist's worksteal splits modules):
    # the role then owns the databases made before, so it is altered, not dropped and made anew.
    exists = _scalar(pg_server, "postgres", f"SELECT count(*) FROM pg_roles WHERE rolname = '{ROLE}'")
    verb = "ALTER" if exists else "CREATE"
    _admin(pg_server, f"{verb} ROLE {ROLE} LOGIN CREATEDB PASSWORD '{PASSWORD}'")
    hba = pg_server.data / "pg_hba.conf"
    rules = hba.read_text("utf-8")
    line = f"local all {ROLE} scram-sha-256\n"
    if line not in rules:
        hba.write_text(line + rules, "utf-8")
    _admin(pg_server, "SELECT pg_reload_conf()")
    return pg_server


def url(server: PgServer, database: str, password: str = PASSWORD, role: str = ROLE) -> str:
    return f"postgresql+psycopg://{role}:{quote(password, safe='')}@/{database}?host={server.sock}&port={server.port}"


def new_database(server: PgServer) -> str:
    """An empty database owned by the password role."""
    name = f"ctui_url_{os.getpid()}_{next(_names)}"
    _admin(server, f"CREATE DATABASE {name} OWNER {ROLE}")
    return name


def cli(*args: str, env: dict[str, str | None] | None = None) -> Result:
    base: dict[str, str | None] = {
        "LANG": "C.UTF-8",
        "LC_ALL": None,
        "LC_MESSAGES": None,
        "COMPLAINT_TUI_DB": None,
        "COMPLAINT_TUI_LANG": None,
        "COMPLAINT_TUI_PIN": None,
        "COLUMNS": "250",
    }
    return CliRunner().invoke(app, list(args), env=base | (env or {}))


def shows_no_password(result: Result, *passwords: str) -> str:
    """Everything the command printed, after checking that no password is in it."""
    printed = result.stdout + result.stderr
    for secret in passwords or (PASSWORD,):
        for spelling in {secret, quote(secret, safe="")}:
            assert spelling not in printed, printed
    return printed


def refused_in_one_line(result: Result, *passwords: str) -> str:
    shows_no_password(result, *passwords)
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def demo_db(pw_server: PgServer) -> Iterator[str]:
    """A demo built by ``complaint-tui demo --db URL`` (200 cases) in a database of its own."""
    name = new_database(pw_server)
    done = cli("demo", "--db", url(pw_server, name), "--cases", "200", "--seed", "3")
    shows_no_password(done)
    assert done.exit_code == 0, done.stderr
    assert "200 cases" in done.stdout and "***" in done.stdout
    yield name


def test_demo_builds_a_store_in_an_empty_postgresql_database(pw_server: PgServer, demo_db: str) -> None:
    """Issue 9 item 1: `demo --db postgresql+psycopg://user:pw@.../db` fills the database."""
    assert _scalar(pw_server, demo_db, "SELECT count(*) FROM complaint_case") == 200
    assert _scalar(pw_server, demo_db, "SELECT count(*) FROM staff") > 0
    # The sequences follow the demo's ids: a case added later does not collide.
    assert _scalar(pw_server, demo_db, "SELECT last_value FROM complaint_case_id_seq") > 200


def test_every_command_works_on_the_demo_url_and_prints_no_password(
    pw_server: PgServer, demo_db: str, tmp_path: Path
) -> None:
    address = url(pw_server, demo_db)
    check = cli("db", "check", "--db", address)
    assert check.exit_code == 0, check.stdout + check.stderr
    assert "Check passed." in shows_no_password(check)
    upgraded = cli("db", "upgrade", "--db", address)
    assert upgraded.exit_code == 0 and "***" in shows_no_password(upgraded)
    report = cli("report", "--db", address, "-f", "json")
    assert report.exit_code == 0, report.stderr
    assert json.loads(shows_no_password(report))["total"] == 200
    exported = cli("export", "--db", address)
    assert exported.exit_code == 0, exported.stderr
    assert len(shows_no_password(exported).splitlines()) == 201  # the header and 200 cases
    staff = cli("staff", "list", "--db", address, "--operator", "wang", "--pin", "2468")
    assert staff.exit_code == 0 and "wang" in shows_no_password(staff)
    # Through $COMPLAINT_TUI_DB as well as --db.
    env_check = cli("report", "-f", "json", env={"COMPLAINT_TUI_DB": address})
    assert env_check.exit_code == 0 and shows_no_password(env_check) == report.stdout + report.stderr


def test_demo_refuses_a_database_that_already_holds_cases(pw_server: PgServer, demo_db: str) -> None:
    line = refused_in_one_line(cli("demo", "--db", url(pw_server, demo_db), "--cases", "5"))
    assert "***" in line
    assert _scalar(pw_server, demo_db, "SELECT count(*) FROM complaint_case") == 200


def _error_urls(server: PgServer) -> dict[str, str]:
    foreign = new_database(server)
    _admin(server, f"CREATE TABLE inventory (id int); ALTER TABLE inventory OWNER TO {ROLE}", foreign)
    empty = new_database(server)
    tcp = f"postgresql+psycopg://{ROLE}:{quote(PASSWORD, safe='')}"
    return {
        "bad host": f"{tcp}@no-such-host.invalid:5432/complaints?connect_timeout=3",
        "refused": f"{tcp}@127.0.0.1:1/complaints?connect_timeout=3",
        "wrong password": url(server, empty, WRONG),
        "missing database": url(server, "ctui_no_such_database"),
        "another program's database": url(server, foreign),
        "empty database": url(server, empty),
        "port not a number": f"{tcp}@localhost:54x32/complaints",
        "unknown driver": f"postgresql+nodriver://{ROLE}:{quote(PASSWORD, safe='')}@localhost/complaints",
    }


def test_no_error_path_prints_the_password(pw_server: PgServer, tmp_path: Path) -> None:
    """Each refusal (host unknown, connection refused, wrong password, no such database, a
    database that is not a store, an empty one, a URL that does not parse) through each command
    taking --db, and through $COMPLAINT_TUI_DB: exit code 1, one line, no password."""
    intake = tmp_path / "intake.csv"
    intake.write_text("source_id\n", "utf-8")
    commands: list[tuple[str, ...]] = [
        ("db", "check"),
        ("db", "upgrade"),
        ("export",),
        ("report",),
        ("staff", "list", "--operator", "wang", "--pin", "2468"),
        ("import", str(intake), "--operator", "zhao", "--pin", "1357"),
        ("db", "backup", str(tmp_path / "backup.sqlite3")),
        ("demo", "--cases", "3"),
        (),  # the desk itself
    ]
    for case, address in _error_urls(pw_server).items():
        for command in commands:
            if case == "empty database" and command[:2] in (("demo", "--cases"), ("db", "upgrade")):
                continue  # these make a store of an empty database: not an error path
            line = refused_in_one_line(cli(*command, "--db", address), PASSWORD, WRONG)
            assert line.strip(), (case, command)
        line = refused_in_one_line(cli("export", env={"COMPLAINT_TUI_DB": address}), PASSWORD, WRONG)
        assert line.strip(), case


def test_the_console_script_keeps_the_password_out_of_a_refused_login(pw_server: PgServer) -> None:
    """The installed console script, a wrong password on the command line and in the environment,
    in English and in Chinese."""
    address = url(pw_server, "postgres", WRONG)
    for lang in ("C.UTF-8", "zh_CN.UTF-8"):
        env = os.environ | {"LANG": lang, "COLUMNS": "80"}
        env.pop("LC_ALL", None)
        env.pop("COMPLAINT_TUI_LANG", None)
        for argv, extra in ((["db", "check", "--db", address], {}), (["db", "check"], {"COMPLAINT_TUI_DB": address})):
            done = subprocess.run(
                [str(SCRIPT), *argv], capture_output=True, text=True, env=env | extra, timeout=120, check=False
            )
            printed = done.stdout + done.stderr
            assert done.returncode == 1 and len(done.stderr.splitlines()) == 1, printed
            assert WRONG not in printed and quote(WRONG, safe="") not in printed
            assert ROLE in printed  # the refusal names the login it tried (S: words, not driver text)


def test_a_demo_that_fails_half_way_leaves_no_half_demo_in_the_database(
    pw_server: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PostgreSQL database cannot be deleted like a half-built SQLite file: the demo is one
    transaction, so a failure after several batches (here: the fifth) leaves an empty store, and
    the same command then builds the demo."""
    from complaint_tui.demo import stories, writer

    name = new_database(pw_server)
    monkeypatch.setattr(stories, "BATCH_CASES", 10)
    monkeypatch.setattr(stories, "COMMIT_EVERY", 1)  # SQLite would commit after every batch
    real_insert = writer.Writer.insert
    calls = itertools.count(1)

    def failing_insert(self: writer.Writer, table: str, rows: Any) -> None:
        if table == "complaint_case" and next(calls) == 5:
            raise OSError(28, "No space left on device")
        real_insert(self, table, rows)

    monkeypatch.setattr(writer.Writer, "insert", failing_insert)
    line = refused_in_one_line(cli("demo", "--db", url(pw_server, name), "--cases", "100"))
    assert "disk is full" in line
    assert _scalar(pw_server, name, "SELECT count(*) FROM complaint_case") == 0
    assert _scalar(pw_server, name, "SELECT count(*) FROM staff") == 0
    monkeypatch.setattr(writer.Writer, "insert", real_insert)
    again = cli("demo", "--db", url(pw_server, name), "--cases", "30")
    assert again.exit_code == 0, again.stderr
    assert _scalar(pw_server, name, "SELECT count(*) FROM complaint_case") == 30
