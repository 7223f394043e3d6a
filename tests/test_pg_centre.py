"""The README's "Running a centre on PostgreSQL", step by step, on a server of its own (issue 9 item 7).

The server asks for passwords (SCRAM) from everyone but its superuser, and also listens on
127.0.0.1 with TLS, its certificate made for "localhost", so the URL forms of the README are
tried for real: a service file with a password file, PGPASSWORD, sslmode=verify-full. Then the
owner's `db upgrade`, a desk's work as the desk role (its changes heard by another desk), a
backup with pg_dump restored into a new database and `db check` on it, connection counts, and
the timeouts set through the URL.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text

from complaint_tui import services as sv
from complaint_tui.change_feed import ChangeFeed, Changes
from complaint_tui.db import Store, make_engine, open_store
from complaint_tui.i18n import t
from complaint_tui.services.evidence import EvidenceInput
from tests.conftest import TEAM_PINS
from tests.helpers import intake_form
from tests.pg_server import PORT, PgServer

pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parents[1] / "README.md"
CLI = str(Path(sys.executable).with_name("complaint-tui"))
OWNER_PW, DESK_PW = "change-me-owner", "change-me-desk"  # the README's SQL sets these


def _readme_sql() -> list[str]:
    block = re.search(r"<!-- roles-sql[^>]*-->\s*```sql\n(.*?)```", README.read_text("utf-8"), re.S)
    assert block, "the README lost its roles SQL block"
    return [s.strip() for s in block.group(1).split(";") if s.strip()]


def _as_server_user(path: Path) -> None:
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(path, user.pw_uid, user.pw_gid)


@pytest.fixture(scope="module")
def centre() -> Iterator[PgServer]:
    # Not under pytest's folders: those are private to this user, and the server runs as another.
    certs = Path(tempfile.mkdtemp(prefix="ctui-certs-"))
    os.chmod(certs, 0o755)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"]
        + [
            "-addext",
            "subjectAltName=DNS:localhost",
            "-keyout",
            str(certs / "key.pem"),
            "-out",
            str(certs / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    os.chmod(certs / "key.pem", 0o600)
    os.chmod(certs / "cert.pem", 0o644)
    _as_server_user(certs / "key.pem")
    tls = (
        f"-c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file={certs / 'cert.pem'} "
        f"-c ssl_key_file={certs / 'key.pem'}"
    )
    server = PgServer.start(port=PORT - 42, extra_options=tls)
    try:
        hba = server.data / "pg_hba.conf"
        hba.write_text(
            "local all postgres trust\nlocal all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\n"
        )
        _as_server_user(hba)
        server.reload()
        with psycopg.connect(f"host={server.sock} port={server.port} user=postgres dbname=postgres") as conn:
            conn.autocommit = True
            for statement in _readme_sql():  # step 1: as written in the README
                conn.execute(statement)
        server.certs = certs  # type: ignore[attr-defined]
        yield server
    finally:
        server.stop()
        shutil.rmtree(certs, ignore_errors=True)


def _url(server: PgServer, user: str, database: str = "complaints", extra: str = "") -> str:
    return f"postgresql+psycopg://{user}@/{database}?host={server.sock}&port={server.port}{extra}"


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    return subprocess.run(
        [CLI, "--lang", "en", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, "COMPLAINT_TUI_DB": "", **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def _ok(run: subprocess.CompletedProcess[str]) -> str:
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


@pytest.fixture(scope="module")
def upgraded(centre: PgServer) -> PgServer:
    """Step 1: the owner makes the schema and grants the desk role (password in PGPASSWORD)."""
    _ok(
        _cli(
            "db",
            "upgrade",
            "--db",
            _url(centre, "ctui_owner"),
            "--desk-role",
            "ctui_desk",
            env={"PGPASSWORD": OWNER_PW},
        )
    )
    return centre


def test_step_2_a_service_file_and_a_password_file_reach_the_store(upgraded: PgServer, tmp_path: Path) -> None:
    services = tmp_path / "pg_service.conf"
    services.write_text(
        f"[complaints]\nhost={upgraded.sock}\nport={upgraded.port}\ndbname=complaints\nuser=ctui_desk\n", "utf-8"
    )
    passwords = tmp_path / "pgpass"
    passwords.write_text(f"*:*:complaints:ctui_desk:{DESK_PW}\n", "utf-8")
    passwords.chmod(0o600)
    env = {"PGSERVICEFILE": str(services), "PGPASSFILE": str(passwords)}
    _ok(_cli("report", "--db", "postgresql+psycopg:///?service=complaints", env=env))


def test_step_2_pgpassword_and_a_refused_login_without_the_password_shown(upgraded: PgServer) -> None:
    url = _url(upgraded, "ctui_desk")
    _ok(_cli("report", "--db", url, env={"PGPASSWORD": DESK_PW}))
    wrong = _cli("report", "--db", url, env={"PGPASSWORD": "not-the-password"})
    assert wrong.returncode == 1
    assert wrong.stdout + wrong.stderr == t("error.db_auth_failed", "en", user="ctui_desk") + "\n"
    missing = _cli("report", "--db", url)  # no password anywhere
    assert missing.returncode == 1 and "ctui_desk" in missing.stderr and "Traceback" not in missing.stderr


def test_step_2_tls_with_the_servers_certificate_checked(upgraded: PgServer) -> None:
    root = upgraded.certs / "cert.pem"  # type: ignore[attr-defined]
    base = f"postgresql+psycopg://ctui_desk@localhost:{upgraded.port}/complaints?sslmode=verify-full"
    _ok(_cli("report", "--db", f"{base}&sslrootcert={root}", env={"PGPASSWORD": DESK_PW}))
    store = open_store(f"{base}&sslrootcert={root}".replace("ctui_desk@", f"ctui_desk:{DESK_PW}@"))
    with store.read() as session:
        assert session.execute(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).scalar() is True
    store.engine.dispose()


def _tool(server: PgServer, name: str) -> str:
    """A client program of the server's own version: beside its binaries, or on the PATH."""
    for folder in (server.bin_dir, Path(os.path.realpath(server.bin_dir / "postgres")).parent):
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    assert found, f"no {name}"
    return found


def _desk_store(server: PgServer, database: str = "complaints") -> Store:
    return open_store(_url(server, f"ctui_desk:{DESK_PW}", database))


def test_steps_3_to_5_desks_work_back_up_restore_and_check(upgraded: PgServer, tmp_path: Path) -> None:
    """Step 3: the upgraded store opens for desks; step 5: each desk's connections stay few
    and another desk hears its changes as the desk role; step 4: pg_dump, createdb,
    pg_restore, db check of the copy."""
    owner = Store(make_engine(_url(upgraded, f"ctui_owner:{OWNER_PW}")))
    sv.add_staff(owner, None, login="wang", name="王芳", role="supervisor", pin_code=TEAM_PINS["wang"])
    owner.engine.dispose()
    desk_a, desk_b = _desk_store(upgraded), _desk_store(upgraded)
    try:
        wang = sv.sign_in(desk_a, "wang", TEAM_PINS["wang"])
        desk_a.sign_as("wang")
        feed = ChangeFeed(desk_a)
        assert feed.look()  # reachable, listening
        photo = EvidenceInput(kind="photo", source="业主", filename="leak.jpg", data=b"\xff\xd8 a photo")
        receipt = sv.intake(desk_b, wang, intake_form(evidence=[photo]))
        heard: list[object] = []
        deadline = time.monotonic() + 5
        while not heard and time.monotonic() < deadline:
            heard = [c for c in feed.look() if isinstance(c, Changes)]
            time.sleep(0.1)
        assert heard and receipt.case_id in (heard[0].case_ids or ())  # type: ignore[attr-defined]
        with psycopg.connect(f"host={upgraded.sock} port={upgraded.port} user=postgres dbname=postgres") as conn:
            rows = conn.execute("SELECT application_name FROM pg_stat_activity WHERE usename = 'ctui_desk'").fetchall()
        names = [r[0] for r in rows]
        assert len(names) <= 2 * 3  # two desks, at most three each while idle
        assert names.count(f"complaint-tui wang@{os.uname().nodename}") >= 1
        feed.close()
    finally:
        desk_a.engine.dispose()
        desk_b.engine.dispose()

    dump = tmp_path / "complaints.dump"
    owner_env = {**os.environ, "PGPASSWORD": OWNER_PW}
    where = ["--host", str(upgraded.sock), "--port", str(upgraded.port)]
    subprocess.run(
        [
            _tool(upgraded, "pg_dump"),
            *where,
            "--username",
            "ctui_owner",
            "--format=custom",
            "--file",
            str(dump),
            "complaints",
        ],
        check=True,
        env=owner_env,
        capture_output=True,
    )
    subprocess.run(
        [_tool(upgraded, "createdb"), *where, "--username", "postgres", "--owner", "ctui_owner", "complaints_drill"],
        check=True,
        capture_output=True,
    )
    restore = subprocess.run(
        [_tool(upgraded, "pg_restore"), *where, "--username", "ctui_owner", "--dbname", "complaints_drill"]
        + ["--no-owner", "--role", "ctui_owner", str(dump)],
        env=owner_env,
        capture_output=True,
        text=True,
    )
    assert restore.returncode == 0, restore.stderr
    checked = _ok(
        _cli("db", "check", "--db", _url(upgraded, "ctui_owner", "complaints_drill"), env={"PGPASSWORD": OWNER_PW})
    )
    assert t("cli.check_ok", "en") in checked
    drill = open_store(_url(upgraded, f"ctui_owner:{OWNER_PW}", "complaints_drill"))
    with drill.read() as session:
        assert session.execute(text("SELECT count(*) FROM evidence_blob")).scalar() == 1
    drill.engine.dispose()


def test_step_6_the_limits_set_in_the_url_win(upgraded: PgServer) -> None:
    extra = "&connect_timeout=10&options=-c%20statement_timeout%3D30000%20-c%20lock_timeout%3D10000"
    store = open_store(_url(upgraded, f"ctui_desk:{DESK_PW}", extra=extra))
    with store.read() as session:
        assert session.execute(text("SHOW statement_timeout")).scalar() == "30s"
        assert session.execute(text("SHOW lock_timeout")).scalar() == "10s"
    store.engine.dispose()
    admin = create_engine(_url(upgraded, "postgres"))
    admin.dispose()
