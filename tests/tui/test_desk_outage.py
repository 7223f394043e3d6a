"""A running Pilot desk while its PostgreSQL server stops, restarts and hangs (issue 9 items 3, 8).

The server is this module's own (the test stops it and sends SIGSTOP/SIGCONT to its processes),
never the session's shared one. What a clerk sees: a status line that says the database is
unreachable while it is and clears by itself; a save during the outage that keeps the typed
words and says so; the same save retried afterwards, stored once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import select
from textual.widgets import TextArea

from complaint_tui.db import DbTimeouts, Store, make_engine, upgrade
from complaint_tui.i18n import t
from complaint_tui.models import OwnerUpdate
from complaint_tui.screens.case import CaseScreen
from complaint_tui.screens.forms import ActionForm
from tests.pg_server import PORT, PgServer
from tests.tui.conftest import Keys, Staff, file_intake, make_app, settle, shown, wait_until

pytestmark = pytest.mark.slow

QUICK = DbTimeouts(connect_s=2, statement_s=2, lock_s=1, grace_s=1)
UNREACHABLE = t("tui.error.db_unreachable", "en")


@pytest.fixture(scope="module")
def server() -> Iterator[PgServer]:
    own = PgServer.start(port=PORT - 41)
    try:
        admin = create_engine(own.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE centre"))
            conn.execute(text("CREATE DATABASE frozen"))
            conn.execute(text("CREATE DATABASE hung"))
        admin.dispose()
        for name in ("centre", "frozen", "hung"):  # one store per test
            engine = make_engine(own.url(name))
            upgrade(engine)
            engine.dispose()
        yield own
    finally:
        if (own.data / "postmaster.pid").exists():
            own.thaw()
        own.stop()


def _status(app: object) -> str:
    return shown(app, "#status")  # type: ignore[arg-type]


async def test_the_status_line_says_unreachable_while_the_server_is_stopped(server: PgServer) -> None:
    """Stop the server under a desk: the queue's status line says so within a few seconds, and
    clears by itself once the server is started again."""
    store = Store(make_engine(server.url("centre"), timeouts=QUICK))
    Staff(store)
    app = make_app(store, "en", poll_seconds=0.3)
    try:
        async with app.run_test(size=(150, 45)) as pilot:
            await settle(pilot)
            assert UNREACHABLE not in _status(app)
            server.stop_only()
            await wait_until(pilot, lambda: UNREACHABLE in _status(app), timeout=10)
            server.start_again()
            await wait_until(pilot, lambda: UNREACHABLE not in _status(app), timeout=15)
    finally:
        if not (server.data / "postmaster.pid").exists():
            server.start_again()
        store.engine.dispose()


async def test_a_hung_server_is_said_before_the_drivers_own_limits_run_out(server: PgServer) -> None:
    """A frozen server with long connect limits (40 s before a call is cut): the desk notices
    that its look at the server has not come back, and says so within seconds."""
    patient = DbTimeouts(connect_s=20, statement_s=20, grace_s=20)
    store = Store(make_engine(server.url("hung"), timeouts=patient))
    Staff(store)
    app = make_app(store, "en", poll_seconds=0.3)
    try:
        async with app.run_test(size=(150, 45)) as pilot:
            await settle(pilot)
            server.freeze()
            try:
                await wait_until(pilot, lambda: UNREACHABLE in _status(app), timeout=15)
            finally:
                server.thaw()
            await wait_until(pilot, lambda: UNREACHABLE not in _status(app), timeout=30)
    finally:
        server.thaw()
        store.engine.dispose()


async def test_a_save_on_a_frozen_server_keeps_the_words_and_is_saved_once_when_retried(server: PgServer) -> None:
    """SIGSTOP the server while a clerk types a progress update: the status line says the
    database is unreachable; ctrl+s ends in words (not "saving…" forever) with the text still
    in the form; after SIGCONT the line clears by itself and ctrl+s saves it, once."""
    store = Store(make_engine(server.url("frozen"), timeouts=QUICK))
    staff = Staff(store)
    file_intake(store, staff.desk)
    app = make_app(store, "en", poll_seconds=0.3)
    words = "Plumber booked for 3 pm"
    try:
        async with app.run_test(size=(150, 45)) as pilot:
            keys = Keys(pilot)
            await settle(pilot)
            await keys.press("enter")
            assert isinstance(app.screen, CaseScreen)
            await keys.press("o")
            await keys.type(words)
            server.freeze()
            try:
                await wait_until(pilot, lambda: UNREACHABLE in screen_status_under(app), timeout=10)
                await pilot.press("ctrl+s")
                saving = t("tui.form.saving", "en")
                await wait_until(pilot, lambda: saving not in shown(app, "#form-banner"), timeout=15)
                form = app.screen
                assert isinstance(form, ActionForm)
                assert t("error.db_unreachable", "en") in shown(app, "#form-banner")
                assert form.query_one("#ff-content", TextArea).text == words
            finally:
                server.thaw()
            await wait_until(pilot, lambda: UNREACHABLE not in screen_status_under(app), timeout=15)
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen), timeout=15)
    finally:
        server.thaw()
        store.engine.dispose()
    check = Store(make_engine(server.url("frozen")))
    with check.read() as session:
        updates = session.exec(select(OwnerUpdate).where(OwnerUpdate.kind == "progress")).all()
    check.engine.dispose()
    assert [u.content for u in updates] == [words]


def screen_status_under(app: object) -> str:
    """The status line of the case screen (under the form while the form is open)."""
    from textual.app import App

    assert isinstance(app, App)
    for screen in reversed(app.screen_stack):
        lines = screen.query("#status")
        if lines:
            return str(lines.first().render())
    return ""
