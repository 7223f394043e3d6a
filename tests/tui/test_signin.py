"""The sign-in screen with PINs (issue 7, item 2): --operator asks for the PIN, the first
supervisor must set one, a locked account is told so only after its right PIN, and --demo opens
a signed-in desk at once."""

from __future__ import annotations

from textual.widgets import Input

from complaint_tui.db import Store
from complaint_tui.i18n import t
from complaint_tui.screens.queue import QueueScreen
from complaint_tui.services import sign_in
from complaint_tui.settings import Settings
from tests.tui.conftest import Keys, Staff, make_app, settle, shown


async def test_operator_with_a_pin_is_asked_for_it(sqlite_store: Store, staff: Staff) -> None:
    """``--operator wang`` on a real store: the login is chosen, the PIN must still be typed."""
    app = make_app(sqlite_store, "en", operator=None)
    app.preselect_login = "wang"
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        assert app.current_mode == "signin" and app.operator is None
        assert app.screen.query_one("#pin", Input).has_focus
        await keys.type("2468")
        await keys.press("enter")
        assert isinstance(app.screen, QueueScreen) and app.operator is not None and app.operator.login == "wang"


async def test_first_supervisor_needs_a_pin(sqlite_store: Store) -> None:
    app = make_app(sqlite_store, "en", operator=None)
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.type("wang")
        await keys.press("tab")
        await keys.type("王芳")
        await keys.press("ctrl+s")
        assert "required for a supervisor" in shown(app, "#err-pin-first")
        assert app.operator is None
        app.screen.query_one("#first-pin", Input).value = "2468"
        await keys.press("ctrl+s")
        assert isinstance(app.screen, QueueScreen) and app.operator is not None
    assert sign_in(sqlite_store, "wang", "2468").role.value == "supervisor"


async def test_a_locked_account_is_told_only_after_its_right_pin(sqlite_store: Store, staff: Staff) -> None:
    for _ in range(sqlite_store.policy.max_failed_pins):
        try:
            sign_in(sqlite_store, "zhao", "0000")
        except Exception:  # noqa: BLE001 - each is the refused sign-in; what counts is the lock
            pass
    app = make_app(sqlite_store, "en", operator=None)
    app.preselect_login = "zhao"
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.type("9999")
        await keys.press("enter")
        assert t("error.sign_in_failed", "en") in shown(app, "#err-pin-signin")
        await keys.type("1357")
        await keys.press("enter")
        assert t("error.account_locked", "en") in shown(app, "#err-pin-signin")
        assert app.operator is None


async def test_the_demo_pin_opens_the_desk_at_once(sqlite_store: Store, staff: Staff) -> None:
    """``--demo`` passes the accounts' PIN: the queue is shown with no sign-in screen."""
    settings = Settings(db_url=sqlite_store.url_for_display(), lang="en", operator_login="wang", operator_pin="2468")
    from complaint_tui.app import DeskApp
    from tests.tui.conftest import NOW

    app = DeskApp(settings, sqlite_store, clock=lambda: NOW, poll_seconds=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen) and app.operator is not None and app.operator.login == "wang"
