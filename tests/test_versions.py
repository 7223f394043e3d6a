"""Program and store versions on one shared database (issue 9 item 5).

A store newer than the program is refused in one line; an older PostgreSQL store is migrated
only by ``db upgrade`` (the owner's command), never by a desk or a batch command that happens to
start first; an older SQLite file (one desk's own) is still migrated on open.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from complaint_tui.db import current_revision, head_revision, make_engine, open_store
from complaint_tui.errors import StoreError
from tests.conftest import new_store_url
from tests.pg_server import PgServer

CLI = str(Path(sys.executable).with_name("complaint-tui"))
OLD = "0003"
NEWER = "0099"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COMPLAINT_TUI_DB": ""}
    return subprocess.run(
        [CLI, "--lang", "en", *args], capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL
    )


def _stamp(url: str, revision: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def _old_store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A store built by the migrations up to 0003 only (as an older program left it)."""
    from alembic import command

    from complaint_tui.db import _alembic_config

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    else:
        server: PgServer = request.getfixturevalue("pg_server")
        name = f"ctui_old_{os.getpid()}_{tmp_path.name[-20:].replace('-', '_')}".lower()
        admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        url = server.url(name)
    engine = make_engine(url)
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, OLD)
    engine.dispose()
    return url


def _one_line_refusal(run: subprocess.CompletedProcess[str]) -> str:
    output = (run.stdout + run.stderr).strip()
    assert run.returncode == 1, output
    assert "Traceback" not in output and "Can't locate revision" not in output, output
    assert len(output.splitlines()) == 1, output
    return output


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_store_newer_than_the_program_is_refused_in_one_line(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Issue 9 item 5: a newer store is refused by the desk, batch commands and db upgrade alike."""
    url = new_store_url(backend, tmp_path, request)
    _stamp(url, NEWER)
    expected = f"This store was made by a newer complaint-tui (revision {NEWER}); upgrade the program."
    with pytest.raises(StoreError) as refused:
        open_store(url)
    assert refused.value.message("en") == expected
    for args in (["--db", url], ["staff", "list", "--db", url], ["db", "upgrade", "--db", url]):
        assert _one_line_refusal(_cli(*args)) == expected, args
    assert current_revision(make_engine(url)) == NEWER  # nobody tried to migrate it


def test_an_older_postgresql_store_is_not_migrated_by_a_desk_or_a_batch_command(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Issue 9 item 5: a desk says which command upgrades the shared store; only db upgrade does."""
    url = _old_store("postgresql", tmp_path, request)
    with pytest.raises(StoreError) as refused:
        open_store(url)
    words = refused.value.message("en")
    command = f"complaint-tui db upgrade --db {make_url(url).render_as_string(hide_password=True)}"
    assert f"at revision {OLD}" in words and command in words and "owner role" in words
    for args in (["--db", url], ["staff", "list", "--db", url], ["report", "--db", url]):
        assert command in _one_line_refusal(_cli(*args)), args
    engine = make_engine(url)
    assert current_revision(engine) == OLD
    done = _cli("db", "upgrade", "--db", url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert current_revision(engine) == head_revision()
    open_store(url).engine.dispose()  # and now every desk opens it
    engine.dispose()


def test_an_older_sqlite_file_is_still_migrated_when_a_desk_opens_it(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Issue 9 item 5: a local SQLite file is one desk's own; the desk may migrate it on start."""
    url = _old_store("sqlite", tmp_path, request)
    store = open_store(url)
    assert current_revision(store.engine) == head_revision()
    store.engine.dispose()


def test_a_check_of_an_older_postgresql_store_never_migrates_it(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """db check reads an outdated store as it is: it fails (exit 1, no traceback) and leaves
    the migration to db upgrade."""
    url = _old_store("postgresql", tmp_path, request)
    run = _cli("db", "check", "--db", url)
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert current_revision(make_engine(url)) == OLD


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_db_check_of_an_older_store_says_to_upgrade_it(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """An older store lacks the columns the checks read: `db check` names its revision and the
    command that brings it up, instead of a database error about a missing column."""
    url = _old_store(backend, tmp_path, request)
    run = _cli("db", "check", "--db", url)
    output = (run.stdout + run.stderr).strip()
    assert run.returncode == 1, output
    assert "Traceback" not in output and "does not exist" not in output and "no such column" not in output, output
    assert f"Schema revision {OLD} (current: {head_revision()})" in output, output
    assert "db upgrade" in output, output
    assert current_revision(make_engine(url)) == OLD  # checking migrated nothing
    upgraded = _cli("db", "upgrade", "--db", url)
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    checked = _cli("db", "check", "--db", url)
    assert checked.returncode == 0, checked.stdout + checked.stderr
