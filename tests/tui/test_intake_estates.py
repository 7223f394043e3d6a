"""Intake on a store of several estates (issue 9 item 6) and the intake form's key (issue 9
item 3): the estate is asked where there is a choice, the owner's history is looked up within it,
and a form keeps one key until it is saved, so a retried save cannot make a second case."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Input

from complaint_tui.db import Store
from complaint_tui.models import Case
from complaint_tui.policy import load_policy
from complaint_tui.screens.intake import IntakeScreen
from complaint_tui.services import intake
from complaint_tui.widgets.choice import ChoiceBar
from tests.tui.conftest import NOW, Staff, make_app, press, settle, shown, wait_until

TWO_ESTATES = """
[[estates]]
code = "lh"
name = { zh = "绿湖小区", en = "Green Lake" }

[[estates]]
code = "hy"
name = { zh = "海韵花园", en = "Sea Breeze Gardens" }
"""


def two_estates(store: Store, tmp_path: Path) -> Store:
    base = resources.files("complaint_tui.data").joinpath("policy.toml").read_text("utf-8")
    path = tmp_path / "two.toml"
    path.write_text(base + TWO_ESTATES, encoding="utf-8")
    return Store(store.engine, load_policy(path))


async def open_intake(pilot: Pilot[None]) -> IntakeScreen:
    """F3 once the desk has settled: the intake form, ready."""
    await settle(pilot)
    await press(pilot, "f3")
    screen = pilot.app.screen
    assert isinstance(screen, IntakeScreen)
    return screen


def fill(screen: IntakeScreen) -> None:
    """A whole e-mailed complaint (no live caller to confirm the contact with)."""
    typed = {
        "phone": "139 0000 1111",
        "owner_name": "周洁",
        "building": "3栋",
        "unit": "2",
        "room": "1502",
        "object_text": "电梯",
        "matter_what": "电梯异响",
        "demand": "尽快检修",
    }
    for name, value in typed.items():
        screen.field(name).value = value
    for name, value in (("channel", "email"), ("object_kind", "facility"), ("category", "repair")):
        screen.query_one(f"#f-{name}", ChoiceBar).value = value


async def test_a_desk_of_two_estates_is_asked_which_and_the_case_is_filed_there(
    sqlite_store: Store, staff: Staff, tmp_path: Path
) -> None:
    store = two_estates(sqlite_store, tmp_path)
    app = make_app(store, "en")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_intake(pilot)
        fill(screen)
        screen.action_save()
        await settle(pilot)
        assert "Estate" in shown(app, "#err-estate")  # asked for, by the field's name
        with store.read() as s:
            assert s.exec(select(Case)).all() == []
        screen.query_one("#f-estate", ChoiceBar).value = "hy"
        screen.action_save()
        await wait_until(pilot, lambda: not isinstance(app.screen, IntakeScreen))
    with store.read() as s:
        assert [c.estate for c in s.exec(select(Case)).all()] == ["hy"]


async def test_a_desk_of_one_estate_is_not_asked(sqlite_store: Store, staff: Staff) -> None:
    app = make_app(sqlite_store, "en")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await press(pilot, "f3")
        assert not app.screen.query("#f-estate")


async def test_a_form_keeps_its_key_until_it_is_saved(sqlite_store: Store, staff: Staff) -> None:
    """The same form saved twice (the first acknowledgement lost) is one case; the next call's
    form has a new key."""
    app = make_app(sqlite_store, "en")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_intake(pilot)
        fill(screen)
        first, again = screen.form(confirmed=True), screen.form(confirmed=True)
        assert first.intake_key and first.intake_key == again.intake_key
        one = intake(sqlite_store, staff.desk, first, now=NOW)
        two = intake(sqlite_store, staff.desk, again, now=NOW)
        assert one.case_id == two.case_id
        screen.reset()
        fill(screen)
        assert screen.form(confirmed=True).intake_key != first.intake_key
    with sqlite_store.read() as s:
        assert len(s.exec(select(Case)).all()) == 1


async def test_the_staff_complained_about_is_typed_by_name(sqlite_store: Store, staff: Staff) -> None:
    """Issue 8 item 7: the desk offers the staff by name; the name, "name login" (a taken
    suggestion) and the login each give the person's login."""
    app = make_app(sqlite_store, "zh")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_intake(pilot)
        fill(screen)
        screen.query_one("#f-object_kind", ChoiceBar).pick("staff")  # as the clerk's key does
        await settle(pilot)
        box = screen.query_one("#f-object_staff_login", Input)
        assert screen.query_one("#block-object_staff_login").display and "姓名" in str(box.placeholder)
        assert box.suggester is not None and await box.suggester.get_suggestion("王") == "王芳 wang"
        for typed, login in (("王芳", "wang"), ("李强 li", "li"), ("chen", "chen")):
            box.value = typed
            assert screen.form(confirmed=True).object_staff_login == login
