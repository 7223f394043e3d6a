"""Keys typed while the desk starts (issue 8 item 1, issue 11 item 7; SPEC S5.2).

A clerk starts the desk with ``--operator`` and types at once: F3 and the caller's phone while
the desk is still signing in, or the PIN before the sign-in screen is up. Nothing is on screen
to take those keys yet; they wait and reach the screen that comes, in the order typed. The
store is slowed down so that signing in at start takes a good part of a second, and the keys
are posted all at once (``burst``), as a terminal delivers keys typed ahead of the screen.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
from sqlmodel import Session
from textual.css.query import NoMatches

from complaint_tui.app import DeskApp
from complaint_tui.db import Store
from complaint_tui.screens.intake import IntakeScreen
from complaint_tui.screens.queue import QueueScreen
from complaint_tui.settings import Settings
from complaint_tui.widgets.choice import ChoiceBar
from tests.tui.conftest import NOW, Staff, make_app, wait_until
from tests.tui.helpers import burst

DELAY = 0.3  # seconds each read and write of the store takes while the desk signs in


def slowed(opener: Callable[[], AbstractContextManager[Session]]) -> Callable[[], AbstractContextManager[Session]]:
    @contextmanager
    def slow() -> Iterator[Session]:
        time.sleep(DELAY)
        with opener() as session:
            yield session

    return slow


@pytest.fixture
def slow_sign_in(sqlite_store: Store, staff: Staff, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The staffed store, every read and write of it slowed from now on (signing in reads the
    account and writes the attempt)."""
    monkeypatch.setattr(sqlite_store, "read", slowed(sqlite_store.read))
    monkeypatch.setattr(sqlite_store, "write", slowed(sqlite_store.write))
    return sqlite_store


def value_of(app: object, selector: str) -> str | None:
    try:
        return str(app.screen.query_one(selector).value)  # type: ignore[attr-defined]
    except NoMatches:
        return None


async def test_keys_typed_while_the_desk_signs_in_at_start_reach_the_intake_in_order(slow_sign_in: Store) -> None:
    """S5.2: started with ``--operator`` and its PIN, the clerk types F3, the channel and the
    caller's phone at once. The desk is still signing in (no queue, no keys on screen): the keys
    wait, F3 opens intake once the desk is signed in, and the channel and the phone land in
    their fields, every digit."""
    app = make_app(slow_sign_in, "en", operator="zhao")
    async with app.run_test(size=(140, 45)) as pilot:
        burst(app, "f3", "2", "13812345678")
        assert app.operator is None  # typed before the desk was signed in

        def phone_typed() -> bool:
            return isinstance(app.screen, IntakeScreen) and value_of(app, "#f-phone") == "13812345678"

        await wait_until(pilot, phone_typed, timeout=90)
        assert app.screen.query_one("#f-channel", ChoiceBar).value == "hotline"
        assert app.keys_waiting == 0


async def test_a_pin_typed_before_the_sign_in_screen_is_up_signs_in(slow_sign_in: Store) -> None:
    """S5.2: ``--operator zhao`` without the PIN: the desk first asks the store whether the
    account has one (slowed here), then shows the sign-in screen. The PIN and Enter typed
    meanwhile go to the PIN box and sign in, and the key after them reaches the queue."""
    settings = Settings(db_url=slow_sign_in.url_for_display(), lang="en", operator_login="zhao")
    app = DeskApp(settings, slow_sign_in, clock=lambda: NOW, poll_seconds=None)
    async with app.run_test(size=(140, 45)) as pilot:
        burst(app, "1", "3", "5", "7", "enter", "s")

        def queue_sorted() -> bool:
            screen = app.screen
            return isinstance(screen, QueueScreen) and bool(screen.sections) and screen.sort != screen.sections[0].sort

        await wait_until(pilot, queue_sorted, timeout=90)
        assert app.operator is not None and app.operator.login == "zhao"
