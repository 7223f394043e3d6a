"""Sign-in finds a name as you type, and the highlight never moves by itself (issue 8 item 5)."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Input, OptionList

from complaint_tui.db import Store
from complaint_tui.screens import signin
from complaint_tui.screens.queue import QueueScreen
from tests.tui.conftest import Keys, Staff, make_app, settle


def shown_logins(app: object) -> list[str]:
    options = app.screen.query_one("#staff-list", OptionList)  # type: ignore[attr-defined]
    return [str(options.get_option_at_index(i).id) for i in range(options.option_count)]


async def test_initials_find_and_enter_signs_in(sqlite_store: Store, staff: Staff) -> None:
    """``cj`` finds 陈静 among four; Enter signs her in (she has no PIN)."""
    app = make_app(sqlite_store, "en", operator=None)
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        assert app.screen.query_one("#staff-find", Input).has_focus
        await keys.type("cj")
        await settle(pilot)
        assert shown_logins(app) == ["chen"]
        await keys.press("enter")
        assert isinstance(app.screen, QueueScreen) and app.operator is not None and app.operator.login == "chen"


async def test_a_name_with_a_pin_asks_for_it(sqlite_store: Store, staff: Staff) -> None:
    app = make_app(sqlite_store, "zh", operator=None)
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.type("王")
        await keys.press("enter")
        assert app.screen.query_one("#pin", Input).has_focus and app.operator is None
        await keys.type("2468")
        await keys.press("enter")
        assert app.operator is not None and app.operator.login == "wang"


async def test_nothing_matches_is_said(sqlite_store: Store, staff: Staff) -> None:
    app = make_app(sqlite_store, "en", operator=None)
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.type("xyz")
        await keys.press("enter")
        assert shown_logins(app) == [] and app.operator is None
        assert "No staff name matches" in str(app.screen.query_one("#status").render())


async def test_keys_typed_before_the_list_arrives_count(
    sqlite_store: Store, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Down, Down, Enter typed while the list is still loading sign in the third name in login
    order (chen, li, wang, zhao → wang asks for a PIN), not the first."""
    real = signin.list_staff
    keys_typed = threading.Event()

    def slow_list(store: Store) -> list[signin.StaffRow]:
        keys_typed.wait(10)  # the store answers only after the clerk has typed
        return real(store)

    monkeypatch.setattr(signin, "list_staff", slow_list)
    app = make_app(sqlite_store, "en", operator=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("down", "down", "enter")
        assert not app.screen.loaded  # type: ignore[attr-defined]
        keys_typed.set()
        await settle(pilot)
        assert app.screen.chosen is not None and app.screen.chosen.login == "wang"  # type: ignore[attr-defined]
        assert app.screen.query_one("#pin", Input).has_focus


async def test_arrows_from_the_find_box_walk_the_list_in_login_order(sqlite_store: Store, staff: Staff) -> None:
    """Down ×3 from the find box: the fourth account by login (zhao), whose PIN is then asked."""
    app = make_app(sqlite_store, "en", operator=None)
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        assert shown_logins(app) == ["chen", "li", "wang", "zhao"]
        await keys.press("down", "down", "down", "down", "up", "down", "enter")
        assert app.screen.chosen is not None and app.screen.chosen.login == "zhao"  # type: ignore[attr-defined]
        assert app.screen.query_one("#pin", Input).has_focus
