"""A PostgreSQL server that refuses, stops or hangs under the desks (issue 9 items 3 and 4).

Each test here runs against a server of its own module (``own_server``), which it may stop,
restart and freeze (SIGSTOP), never the session's shared one. Words, not driver text: every
refusal is one sentence of the catalog, and never carries the password of the URL.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import create_engine, text

from complaint_tui import services as sv
from complaint_tui.db import DbTimeouts, Store, make_engine, open_store, upgrade
from complaint_tui.errors import DeskError, StoreBusy
from complaint_tui.i18n import t
from tests.conftest import Team
from tests.helpers import intake_form
from tests.pg_server import PORT, PgServer

pytestmark = pytest.mark.slow

# Small limits, so that a hung server is given up on in seconds.
QUICK = DbTimeouts(connect_s=2, statement_s=2, lock_s=1, grace_s=1)
MAX_CONNECTIONS = 12


@pytest.fixture(scope="module")
def own_server() -> Iterator[PgServer]:
    server = PgServer.start(port=PORT - 40, max_connections=MAX_CONNECTIONS)
    try:
        admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE centre"))
        admin.dispose()
        engine = make_engine(server.url("centre"))
        upgrade(engine)
        engine.dispose()
        yield server
    finally:
        server.thaw() if (server.data / "postmaster.pid").exists() else None
        server.stop()


@pytest.fixture
def server(own_server: PgServer) -> Iterator[PgServer]:
    """The module's server, running and answering again after each test."""
    yield own_server
    if not (own_server.data / "postmaster.pid").exists():
        own_server.start_again()
    else:
        own_server.thaw()


_fresh = itertools.count()


def _fresh_store(server: PgServer) -> Store:
    """An empty current store in a database of its own (cloned from the module's template)."""
    name = f"centre_{next(_fresh)}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE centre"))
    admin.dispose()
    return Store(make_engine(server.url(name), timeouts=QUICK))


def _words(action: object) -> str:
    with pytest.raises(DeskError) as refused:
        action()  # type: ignore[operator]
    return refused.value.message("en")


def test_a_server_that_is_not_running_is_said_in_words(server: PgServer) -> None:
    """Issue 9 item 3: a stopped server at start is one sentence, not libpq's text."""
    server.stop_only()
    words = _words(lambda: open_store(server.url("centre")))
    assert words == t("error.db_unreachable", "en")


def test_a_missing_database_and_a_refused_login_are_said_without_the_password(server: PgServer) -> None:
    """Issue 9 item 4: no such database, an unknown role; the URL's password is never shown."""
    url = f"postgresql+psycopg://ctui_desk:s3cret-Pw@/no_such_db?host={server.sock}&port={server.port}"
    words = _words(lambda: open_store(url))
    assert words == t("error.db_auth_failed", "en", user="ctui_desk")  # the role is checked first
    assert "s3cret" not in words
    url = f"postgresql+psycopg://postgres:s3cret-Pw@/no_such_db?host={server.sock}&port={server.port}"
    words = _words(lambda: open_store(url))
    assert words == t("error.db_no_database", "en", database="no_such_db")
    assert "s3cret" not in words


def test_a_full_server_is_said_in_words(server: PgServer) -> None:
    """Issue 9 item 4: max_connections reached; the desk says so and what IT can do."""
    held: list[psycopg.Connection[object]] = []
    dsn = f"host={server.sock} port={server.port} user=postgres dbname=centre"
    try:
        while True:
            try:
                held.append(psycopg.connect(dsn))
            except psycopg.OperationalError:
                break
            assert len(held) <= MAX_CONNECTIONS
        words = _words(lambda: open_store(server.url("centre")))
        assert words == t("error.db_too_many_clients", "en")
        assert "max_connections" in words
    finally:
        for conn in held:
            conn.close()


def _app_names(server: PgServer) -> list[str]:
    with psycopg.connect(f"host={server.sock} port={server.port} user=postgres dbname=postgres") as conn:
        rows = conn.execute(
            "SELECT application_name FROM pg_stat_activity WHERE datname = 'centre' AND pid <> pg_backend_pid()"
        ).fetchall()
    return sorted(str(r[0]) for r in rows)


def test_connections_carry_the_operator_and_the_pool_stays_small(server: PgServer) -> None:
    """Issue 9 item 4: application_name is `complaint-tui <operator>@<host>` once signed in;
    a burst of work opens at most size + overflow connections and keeps only the pool's size."""
    host = socket.gethostname()
    store = Store(make_engine(server.url("centre"), timeouts=QUICK))
    try:
        with store.read() as session:
            session.execute(text("SELECT 1"))
        assert _app_names(server) == [f"complaint-tui @{host}"]
        store.sign_as("wang")
        with store.read() as session:
            session.execute(text("SELECT 1"))
        assert _app_names(server) == [f"complaint-tui wang@{host}"]

        start = threading.Barrier(6)

        def busy_worker() -> None:
            start.wait(timeout=10)
            with store.read() as session:
                session.execute(text("SELECT pg_sleep(0.3)"))

        workers = [threading.Thread(target=busy_worker) for _ in range(6)]
        peak = 0
        for w in workers:
            w.start()
        while any(w.is_alive() for w in workers):
            peak = max(peak, len(_app_names(server)))
            time.sleep(0.05)
        # The README's sizing: at most four at once, two kept (its max_connections rule needs these).
        assert 2 <= peak <= 4
        assert _app_names(server) == [f"complaint-tui wang@{host}"] * 2
    finally:
        store.engine.dispose()


def test_statement_and_lock_timeouts_come_from_the_settings(server: PgServer) -> None:
    """Issue 9 item 3: a statement past statement_timeout, a row held past lock_timeout."""
    store = Store(make_engine(server.url("centre"), timeouts=QUICK))
    other = Store(make_engine(server.url("centre"), timeouts=QUICK))
    try:
        with store.read() as session:
            assert session.execute(text("SHOW statement_timeout")).scalar() == "2s"
            assert session.execute(text("SHOW lock_timeout")).scalar() == "1s"
        began = time.monotonic()

        def sleep_long() -> None:
            with store.read() as session:
                session.execute(text("SELECT pg_sleep(10)"))

        assert _words(sleep_long) == t("error.db_unreachable", "en")
        assert time.monotonic() - began < 4
        holding = threading.Event()
        release = threading.Event()

        def hold_head() -> None:
            with other.write() as session:
                session.execute(text("SELECT * FROM audit_head FOR UPDATE"))
                holding.set()
                release.wait(timeout=20)

        holder = threading.Thread(target=hold_head)
        holder.start()
        assert holding.wait(timeout=10)
        began = time.monotonic()
        with pytest.raises(StoreBusy):
            with store.write() as session:
                session.execute(text("SELECT * FROM audit_head FOR UPDATE"))
        assert time.monotonic() - began < 3
        release.set()
        holder.join(timeout=20)
    finally:
        store.engine.dispose()
        other.engine.dispose()


def test_a_frozen_server_is_given_up_on_and_the_store_recovers_when_it_thaws(server: PgServer) -> None:
    """Issue 9 item 3: SIGSTOP under a running statement: the call ends within the limits
    (not when the server comes back), in words; after SIGCONT the same store works again."""
    store = _fresh_store(server)
    try:
        team = Team(store)
        outcome: list[str] = []

        def save() -> None:
            try:
                with store.write() as session:
                    session.execute(text("SELECT pg_sleep(0.5)"))
                outcome.append("saved")
            except DeskError as exc:
                outcome.append(exc.message("en"))

        saver = threading.Thread(target=save)
        saver.start()
        time.sleep(0.2)
        server.freeze()
        began = time.monotonic()
        saver.join(timeout=30)
        waited = time.monotonic() - began
        assert outcome == [t("error.db_unreachable", "en")]
        assert waited < QUICK.statement_s + QUICK.grace_s + 2  # type: ignore[operator]
        began = time.monotonic()
        assert _words(lambda: sv.intake(store, team.desk, intake_form())) == t("error.db_unreachable", "en")
        assert time.monotonic() - began < QUICK.connect_s * 2 + QUICK.grace_s + 2
        server.thaw()
        receipt = sv.intake(store, team.desk, intake_form())
        assert receipt.number
    finally:
        server.thaw()
        store.engine.dispose()


def test_a_restarted_server_is_used_again_without_restarting_the_desk(server: PgServer) -> None:
    """Issue 9 item 3: fast shutdown ends the desk's pooled sessions; after the restart the
    same store (the same desk) saves again, the first call included."""
    store = _fresh_store(server)
    try:
        team = Team(store)
        sv.intake(store, team.desk, intake_form())
        server.stop_only()
        assert _words(lambda: sv.intake(store, team.desk, intake_form())) == t("error.db_unreachable", "en")
        server.start_again()
        assert sv.intake(store, team.desk, intake_form(phone="13900001111")).number
    finally:
        store.engine.dispose()


def test_no_refusal_shows_the_password(server: PgServer) -> None:
    """Issue 9 item 4: every refusal of a URL with a password, stopped server included."""
    secret = "s3cret-Pw"
    urls = [
        f"postgresql+psycopg://nobody:{secret}@/centre?host={server.sock}&port={server.port}",
        f"postgresql+psycopg://postgres:{secret}@/missing?host={server.sock}&port={server.port}",
    ]
    for url in urls:
        assert secret not in _words(lambda u=url: open_store(u))  # type: ignore[misc]
    server.stop_only()
    words = _words(lambda: open_store(urls[0]))
    assert secret not in words and words == t("error.db_unreachable", "en")
    assert os.environ.get("PGPASSWORD") is None or secret not in os.environ["PGPASSWORD"]
