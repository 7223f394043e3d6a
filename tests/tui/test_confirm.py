"""Nothing typed is dropped without asking (issue 8, item 2): ctrl+n on an intake with content,
F10 and ctrl+q with an unsaved intake or verb form, and Esc on a verb form with something typed
ask first, in the desk's language; only ``y`` goes on (Enter does not); ``n`` or Esc returns to
the form as it was. An empty form is cleared or closed, and the desk signed out or quit, without
a question.
"""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual.widgets import Input

from complaint_tui.db import Store
from complaint_tui.i18n import t
from complaint_tui.models import OwnerUpdate
from complaint_tui.screens.case import CaseScreen
from complaint_tui.screens.confirm import ConfirmLeaveScreen
from complaint_tui.screens.forms import ActionForm
from complaint_tui.screens.intake import IntakeScreen
from complaint_tui.screens.queue import QueueScreen
from complaint_tui.screens.signin import SignInScreen
from tests.tui.conftest import Keys, Staff, file_intake, make_app, settle, shown
from tests.tui.helpers import put
from tests.tui.test_case_flows import open_first_case
from tests.tui.test_type_ahead import investigated


def owner_name(app: object) -> Input:
    screens = [s for s in app.screen_stack if isinstance(s, IntakeScreen)]  # type: ignore[attr-defined]
    return screens[0].query_one("#f-owner_name", Input)


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_clearing_a_form_with_content_asks_first(sqlite_store: Store, staff: Staff, lang: str) -> None:
    """S1.4: ctrl+n on a half-typed call asks; Enter and n keep it, y clears it; ctrl+n on an
    empty form clears at once."""
    app = make_app(sqlite_store, lang, operator="zhao")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.press("f3")
        await keys.press("ctrl+n")  # nothing typed: no question
        assert isinstance(app.screen, IntakeScreen)

        await keys.press("2")
        put(owner_name(app), "刘洋")
        await keys.press("ctrl+n")
        assert isinstance(app.screen, ConfirmLeaveScreen)
        assert shown(app, "#leave-question").strip() == t("tui.leave.clear", lang)
        await keys.press("enter")  # typed ahead: not an answer
        assert isinstance(app.screen, ConfirmLeaveScreen)
        await keys.press("n")
        assert isinstance(app.screen, IntakeScreen) and owner_name(app).value == "刘洋"

        await keys.press("ctrl+n", "escape")
        assert isinstance(app.screen, IntakeScreen) and owner_name(app).value == "刘洋"

        await keys.press("ctrl+n", "y")
        assert isinstance(app.screen, IntakeScreen) and owner_name(app).value == ""
        assert app.focused is not None and app.focused.id == "f-channel"


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_signing_out_with_an_unsaved_intake_asks_first(sqlite_store: Store, staff: Staff, lang: str) -> None:
    """F10 from the queue while the intake mode holds a half-typed call: asked; n keeps the desk
    and the call; y signs out."""
    app = make_app(sqlite_store, lang, operator="zhao")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.press("f3")
        put(owner_name(app), "刘洋")
        await keys.press("f2")
        assert isinstance(app.screen, QueueScreen)
        await keys.press("f10")
        assert isinstance(app.screen, ConfirmLeaveScreen)
        assert shown(app, "#leave-question").strip() == t("tui.leave.sign_out", lang)
        await keys.press("n")
        assert isinstance(app.screen, QueueScreen) and app.operator is not None
        await keys.press("f3")
        assert owner_name(app).value == "刘洋"

        await keys.press("f10", "y")
        assert app.operator is None
        assert isinstance(app.screen, SignInScreen)


async def test_signing_out_with_nothing_typed_asks_nothing(sqlite_store: Store, staff: Staff) -> None:
    app = make_app(sqlite_store, "en", operator="zhao")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.press("f3", "f2", "f10")
        assert app.operator is None and isinstance(app.screen, SignInScreen)


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_quitting_with_an_unsaved_intake_asks_first(sqlite_store: Store, staff: Staff, lang: str) -> None:
    """ctrl+q with a half-typed call: asked; n keeps the desk running with the call; y quits."""
    app = make_app(sqlite_store, lang, operator="zhao")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.press("f3")
        put(owner_name(app), "刘洋")
        await keys.press("ctrl+q")
        assert isinstance(app.screen, ConfirmLeaveScreen)
        assert shown(app, "#leave-question").strip() == t("tui.leave.quit", lang)
        await keys.press("n")
        assert isinstance(app.screen, IntakeScreen) and app.is_running
        assert owner_name(app).value == "刘洋"
        await keys.press("ctrl+q", "y")
        await pilot.pause()
        assert app.return_code == 0


async def test_quitting_with_nothing_typed_asks_nothing(sqlite_store: Store, staff: Staff) -> None:
    app = make_app(sqlite_store, "en", operator="zhao")
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_code == 0


def updates(store: Store) -> list[str]:
    with store.read() as session:
        return [u.content for u in session.exec(select(OwnerUpdate).order_by(OwnerUpdate.id)).all()]


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_a_verb_form_with_text_typed_asks_before_closing(sqlite_store: Store, staff: Staff, lang: str) -> None:
    """S2-S4, issue 8 item 2 for every verb form: Esc on an untouched form closes it at once; with
    words typed, Esc asks (Enter is no answer), n keeps the form and the words, F10 and ctrl+q
    ask too; y closes it and nothing is written."""
    file_intake(sqlite_store, staff.desk)
    before = updates(sqlite_store)
    app = make_app(sqlite_store, lang, operator="wang")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await open_first_case(keys)
        await keys.press("a", "escape")  # the first response, untouched
        assert isinstance(app.screen, CaseScreen)

        await keys.press("a")
        form = app.screen
        assert isinstance(form, ActionForm)
        await keys.type("已联系业主")
        await keys.press("enter")
        await keys.type("明早九点上门")
        await keys.press("escape")
        assert isinstance(app.screen, ConfirmLeaveScreen)
        assert shown(app, "#leave-question").strip() == t("tui.leave.discard", lang)
        await keys.press("enter")  # typed ahead: not an answer
        assert isinstance(app.screen, ConfirmLeaveScreen)
        await keys.press("n")
        assert app.screen is form and form.values()["content"] == "已联系业主\n明早九点上门"

        await keys.press("f10")
        assert shown(app, "#leave-question").strip() == t("tui.leave.sign_out", lang)
        await keys.press("n", "ctrl+q")
        assert shown(app, "#leave-question").strip() == t("tui.leave.quit", lang)
        await keys.press("escape")
        assert app.screen is form and app.operator is not None and app.is_running

        await keys.press("escape", "y")
        assert isinstance(app.screen, CaseScreen)
    assert updates(sqlite_store) == before


async def test_a_changed_choice_counts_as_input_and_a_default_does_not(sqlite_store: Store, staff: Staff) -> None:
    """A form opened with its defaults (the plan's deadline, department and person) closes at
    once; a choice changed from its default is input, and asks."""
    investigated(sqlite_store, staff)
    app = make_app(sqlite_store, "en", operator="li")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await open_first_case(keys)
        await keys.press("p", "escape")
        assert isinstance(app.screen, CaseScreen)
        await keys.press("p")
        app.screen.query_one("#ff-department").pick("environment")  # type: ignore[attr-defined]
        await keys.press("escape")
        assert isinstance(app.screen, ConfirmLeaveScreen)
        await keys.press("y")
        assert isinstance(app.screen, CaseScreen)
