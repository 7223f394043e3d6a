"""The owner's words and other sentences in fields of several lines (issue 8 item 8): Enter starts
a new line, Tab goes on to the next field, ctrl+s saves; the text saved is the text typed, its line
breaks kept; the same refusals as a one-line field, under the field, which takes the focus; long
Chinese wraps inside the field, which grows to a limit. And the intake's side panel at 100
columns (issue 8 item 6): the owner's cases as a list, not a table of cut words.

The keys under test are pressed; the other fields are filled through the widget.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from complaint_tui.db import Store
from complaint_tui.models import Case, Plan
from complaint_tui.screens.case import CaseScreen
from complaint_tui.screens.forms import ActionForm
from complaint_tui.screens.intake import IntakeScreen, ReceiptScreen
from complaint_tui.textual_private import SCREEN_COMPOSITOR
from complaint_tui.widgets.long_text import LongText
from tests.tui.conftest import Keys, Staff, file_intake, make_app, screen_text, settle, wait_until
from tests.tui.helpers import put
from tests.tui.test_case_flows import open_first_case
from tests.tui.test_type_ahead import investigated

LONG_CHINESE = (
    "楼上卫生间的防水层老化破损导致我家厨房顶棚持续滴水墙面已经发霉变黑物业两周前来看过一次但至今没有任何人上门维修"
)


def intake(app: Any) -> IntakeScreen:
    screen = app.screen
    assert isinstance(screen, IntakeScreen)
    return screen


async def fill_but_the_words(keys: Keys) -> IntakeScreen:
    """A WeChat complaint (no contact read-back), every field but the owner's words filled."""
    await keys.press("f3", "3")
    screen = intake(keys.pilot.app)
    for name, text in (
        ("phone", "13900001111"),
        ("owner_name", "刘洋"),
        ("building", "5栋"),
        ("unit", "1"),
        ("room", "302"),
        ("object_text", "厨房顶棚"),
    ):
        put(screen.field(name), text)
    screen.query_one("#f-object_kind").pick("facility")  # type: ignore[attr-defined]
    screen.query_one("#f-category").pick("repair")  # type: ignore[attr-defined]
    await settle(keys.pilot)
    return screen


def cases(store: Store) -> list[Case]:
    with store.read() as session:
        return list(session.exec(select(Case).order_by(Case.id)).all())


def shown_in(app: Any, widget: LongText) -> list[str]:
    """The lines the terminal shows inside ``widget`` (its border and padding cut away)."""
    strips = getattr(app.screen, SCREEN_COMPOSITOR).render_strips()
    region = widget.content_region
    return [strips[y].crop(region.x, region.right).text.rstrip() for y in range(region.y, region.bottom)]


async def test_the_owners_words_keep_their_lines_and_tab_goes_on(sqlite_store: Store, staff: Staff) -> None:
    """S1.4: Enter in "what happened" starts a new line, Tab goes to the next field (no tab
    character); the case holds the two lines as typed. Spaces and empty lines after the demand
    are dropped, as a one-line field drops its spaces."""
    app = make_app(sqlite_store, "zh", operator="zhao")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        screen = await fill_but_the_words(keys)
        screen.query_one("#f-matter_what").focus()
        await keys.type("楼上卫生间漏水")
        await keys.press("enter")
        await keys.type("厨房顶棚滴水")
        await keys.press("tab")
        assert app.focused is not None and app.focused.id == "f-matter_when"
        assert screen.value("matter_what") == "楼上卫生间漏水\n厨房顶棚滴水"
        screen.query_one("#f-demand").focus()
        await keys.type("尽快维修")
        await keys.press("enter", "enter", "space", "space")
        await keys.press("shift+tab")  # back to the state: Tab works both ways, as between Inputs
        assert app.focused is not None and app.focused.id == "f-matter_state"
        await keys.press("ctrl+s")
        assert isinstance(app.screen, ReceiptScreen)
    case = cases(sqlite_store)[-1]
    assert case.matter_what == "楼上卫生间漏水\n厨房顶棚滴水"
    assert case.demand == "尽快维修"
    assert case.matter_state == ""


async def test_a_refused_long_field_is_named_under_it_and_takes_the_focus(sqlite_store: Store, staff: Staff) -> None:
    """S1.4: leaving "what happened" empty says so under it when the focus leaves; saving without
    a demand and with a state over 4000 characters names both under their fields, moves the
    focus to the first, keeps every word and writes nothing; once fixed, the case is saved."""
    app = make_app(sqlite_store, "en", operator="zhao")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        screen = await fill_but_the_words(keys)
        screen.query_one("#f-matter_what").focus()
        await keys.press("tab")
        assert "What happened: required" in screen_text(app)
        screen.query_one("#f-matter_what").focus()
        await keys.type("Water through the kitchen ceiling")
        await keys.press("tab")
        assert "What happened: required" not in screen_text(app)
        put(screen.field("matter_state"), "drip " * 801)  # 4004 characters, 4003 once trimmed
        await keys.press("ctrl+s")
        assert isinstance(app.screen, IntakeScreen)
        assert app.focused is not None and app.focused.id == "f-matter_state"
        # Shown once the form has scrolled the refused field's block into view (after a refresh).
        await wait_until(pilot, lambda: "Current state: at most 4000 characters" in screen_text(app))
        put(screen.field("matter_state"), "Still dripping")
        await keys.press("ctrl+s")
        assert app.focused is not None and app.focused.id == "f-demand"
        # Shown once the form has scrolled the refused field's block into view (after a refresh).
        await wait_until(pilot, lambda: "Owner's demand: required" in screen_text(app))
        assert screen.value("matter_what") == "Water through the kitchen ceiling"
        assert cases(sqlite_store) == []
        await keys.type("Fix it")
        await keys.press("ctrl+s")
        assert isinstance(app.screen, ReceiptScreen)
    (case,) = cases(sqlite_store)
    typed = ("Water through the kitchen ceiling", "Still dripping", "Fix it")
    assert (case.matter_what, case.matter_state, case.demand) == typed


async def test_long_chinese_wraps_inside_the_field_which_grows_to_a_limit(sqlite_store: Store, staff: Staff) -> None:
    """Issue 8 item 6 at 100x30: a long statement with no space in it is shown whole, wrapped at
    any character (every line but the last full); the field grows from three lines as the
    text does, and stops at eight (then it scrolls)."""
    app = make_app(sqlite_store, "zh", operator="zhao")
    async with app.run_test(size=(100, 30)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.press("f3")
        box = intake(app).query_one("#f-matter_what", LongText)
        box.focus()
        await settle(pilot)
        assert box.content_region.height == 3
        await keys.type(LONG_CHINESE * 2)
        await settle(pilot)
        lines = shown_in(app, box)
        assert "".join(lines) == LONG_CHINESE * 2
        assert 3 < len(lines) <= 8
        width = box.content_region.width
        assert all(len(line) * 2 >= width - 2 for line in lines[:-1]), lines  # two cells a character
        await keys.type(LONG_CHINESE * 2)
        await settle(pilot)
        assert box.content_region.height == 8
        assert box.value == LONG_CHINESE * 4


async def test_a_plan_of_several_lines_is_saved_as_typed(sqlite_store: Store, staff: Staff) -> None:
    """S3.1: the plan's measures are typed in lines (Enter), Tab goes on to the deadline; the plan
    holds the lines. Saved from another field with the measures empty, the form says "required"
    under the measures and puts the focus there."""
    investigated(sqlite_store, staff)
    app = make_app(sqlite_store, "zh", operator="li")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await open_first_case(keys)
        await keys.press("p")
        form = app.screen
        assert isinstance(form, ActionForm)
        assert isinstance(app.focused, LongText) and app.focused.id == "ff-measures"
        await keys.press("tab", "ctrl+s")  # saved from the deadline, the measures empty
        assert app.screen is form and "整改措施：必填" in screen_text(app)
        assert app.focused is not None and app.focused.id == "ff-measures"
        await keys.type("1. 重做防水层")
        await keys.press("enter")
        await keys.type("2. 修补厨房顶棚")
        await keys.press("tab")
        assert app.focused is not None and app.focused.id == "ff-deadline"
        await keys.press("ctrl+s")
        assert isinstance(app.screen, CaseScreen)
    with sqlite_store.read() as session:
        (plan,) = session.exec(select(Plan)).all()
    assert plan.measures == "1. 重做防水层\n2. 修补厨房顶棚"


async def test_the_intake_side_panel_lists_the_owners_cases_at_100_columns(sqlite_store: Store, staff: Staff) -> None:
    """Issue 8 item 6: at 100x30 (and up to 180 columns) the owner's past cases are a list (number
    and status, then when, the category and what happened, wrapped), nothing cut; at 200 columns
    a table, its numbers whole and what happened wrapped in its column."""
    receipt = file_intake(sqlite_store, staff.desk, received_at=None)  # 张伟 on 13812345678
    for size, listed in (((100, 30), True), ((200, 45), False)):
        app = make_app(sqlite_store, "zh", operator="zhao")
        async with app.run_test(size=size) as pilot:
            keys = Keys(pilot)
            await settle(pilot)
            await keys.press("f3", "2")
            put(intake(app).field("phone"), "13812345678")
            intake(app).query_one("#f-phone").focus()
            await keys.press("enter")
            text = screen_text(app)
            assert ("张伟" in text) and (receipt.number in text), text
            side = intake(app).query_one("#lookup-list")
            table = intake(app).query_one("#lookup-table")
            assert (side.display, table.display) == (listed, not listed)
            if listed:
                # Every word whole: the number, the status, the category and the matter.
                assert f"{receipt.number}  已受理" in text
                flat = "".join(line.split("▏")[-1].strip() for line in text.splitlines())
                assert "楼上卫生间漏水，厨房顶棚滴水" in flat, text
                assert "报修类" in text
