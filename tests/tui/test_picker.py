"""The assignee picker narrows as you type (issue 8 item 11): part of a name, the login or the
pinyin initials; the handling department's handlers first; Enter takes the highlighted one,
digits still pick; a burst typed ahead of the form lands where it was typed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlmodel import select

from complaint_tui.db import Store
from complaint_tui.i18n import t
from complaint_tui.models import Case
from complaint_tui.models import Staff as StaffRow
from complaint_tui.policy import Named
from complaint_tui.screens.case import CaseScreen
from complaint_tui.screens.forms import ActionForm
from complaint_tui.services import add_staff
from complaint_tui.widgets.picker import PickerBar
from tests.tui.conftest import Keys, Staff, file_intake, make_app, settle
from tests.tui.helpers import burst

# Ten more handlers: with the centre's four, more than a row of digits holds.
MORE = [
    ("wufan", "吴凡", "engineering"),
    ("zhoujie", "周杰", "engineering"),
    ("sunli", "孙丽", "environment"),
    ("hema", "何马", "environment"),
    ("guoyu", "郭宇", "security"),
    ("luoqi", "罗琦", "security"),
    ("xuna", "徐娜", "engineering"),
    ("linfeng", "林峰", "environment"),
    ("tangwei", "唐伟", "security"),
    ("songjia", "宋佳", "engineering"),
]


def more_staff(store: Store, staff: Staff) -> None:
    for login, name, department in MORE:
        add_staff(store, staff.supervisor, login=login, name=name, role="handler", department=department)


def staff_id(store: Store, login: str) -> int:
    with store.read() as session:
        found = session.exec(select(StaffRow.id).where(StaffRow.login == login)).one()
        assert found is not None
        return int(found)


def case_row(store: Store, case_id: int) -> Case:
    with store.read() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case


async def open_assign(keys: Keys) -> tuple[ActionForm, PickerBar]:
    await settle(keys.pilot)
    await keys.press("enter")
    assert isinstance(keys.pilot.app.screen, CaseScreen)
    await keys.press("s")
    form = keys.pilot.app.screen
    assert isinstance(form, ActionForm)
    picker = form.query_one("#ff-assignee", PickerBar)
    assert picker.has_focus
    return form, picker


def names(picker: PickerBar) -> list[str]:
    return [label for _, label in picker.options]


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_typing_narrows_the_assignee_list(sqlite_store: Store, staff: Staff, lang: str) -> None:
    """Thirteen people to choose from: nine show with their digits and "and 4 more"; ``wf`` (the
    initials of 王芳 and 吴凡) leaves those two, the handling department's (customer service)
    first; Backspace widens again; ``静`` finds 陈静 by name, ``tangw`` 唐伟 by login; Enter takes
    the first match and the case is assigned to that person (S2.5)."""
    more_staff(sqlite_store, staff)
    receipt = file_intake(sqlite_store, staff.desk, category="complaint")
    app = make_app(sqlite_store, lang)
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        form, picker = await open_assign(keys)
        assert len(picker.options) == 9
        assert t("tui.picker.more", lang, count=4) in picker_text(app)
        await keys.press("w", "f")
        assert names(picker) == ["王芳", "吴凡"]  # customer service's 王芳 first
        assert t("tui.picker.typed", lang, typed="wf") in picker_text(app)
        await keys.press("backspace", "backspace", *"静")
        assert names(picker) == ["陈静"]
        await keys.press("escape", *"tangw")
        assert names(picker) == ["唐伟"]
        await keys.press("escape", *"xyz")
        assert names(picker) == [] and t("tui.picker.none", lang) in picker_text(app)
        await keys.press("escape", "w", "f", "enter")
        assert picker.value == str(staff_id(sqlite_store, "wang"))
        assert not picker.has_focus  # on to the department
        await keys.press("ctrl+s")
        assert isinstance(app.screen, CaseScreen)
    assert case_row(sqlite_store, receipt.case_id).assignee_id == staff_id(sqlite_store, "wang")


def picker_text(app: Any) -> str:
    """The picker's lines as they show (its typed words, its choices, its notes)."""
    return app.screen.query_one("#ff-assignee", PickerBar).render().plain


async def test_digits_pick_among_the_matches_and_arrows_move(sqlite_store: Store, staff: Staff) -> None:
    """``wf`` leaves 王芳 and 吴凡: the digit 2 picks 吴凡 and moves on. Back in the picker, Esc
    clears the typed words, ``l`` finds several (李强 by login, 孙丽, 林峰…): Down and Enter take
    the second one shown."""
    more_staff(sqlite_store, staff)
    file_intake(sqlite_store, staff.desk, category="complaint")
    app = make_app(sqlite_store, "zh")
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        _, picker = await open_assign(keys)
        await keys.press("w", "f", "2")
        assert picker.value == str(staff_id(sqlite_store, "wufan")) and not picker.has_focus
        await keys.press("shift+tab")
        assert picker.has_focus
        await keys.press("escape", "l")
        assert len(picker.options) > 2 and "李强" in names(picker)
        await keys.press("down", "enter")
        assert picker.value == picker.options[1][0]


async def test_a_burst_typed_ahead_of_the_form_lands_right(sqlite_store: Store, staff: Staff) -> None:
    """Issue 8 items 1, 11: ``s``, ``wf``, Enter, the department's digit and ctrl+s typed at once,
    before the form has mounted: the case is assigned to 王芳 in the second department."""
    more_staff(sqlite_store, staff)
    receipt = file_intake(sqlite_store, staff.desk, category="complaint")
    departments = list(sqlite_store.policy.departments)
    app = make_app(sqlite_store, "zh")
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.press("enter")
        assert isinstance(app.screen, CaseScreen)
        burst(app, "s", "wf", "enter", "2", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
    case = case_row(sqlite_store, receipt.case_id)
    assert (case.assignee_id, case.department) == (staff_id(sqlite_store, "wang"), departments[1])


EXTRA_DEPARTMENTS = [
    Named("greening", "绿化部", "Greening"),
    Named("finance", "财务部", "Finance"),
    Named("admin", "行政部", "Administration"),
    Named("legal", "法务部", "Legal"),
    Named("parking", "停车场管理部", "Parking"),
    Named("lifts", "电梯维保部", "Lift maintenance"),
    Named("cleaning", "保洁部", "Cleaning"),
    Named("hr", "人事部", "Human resources"),
]


async def test_a_long_department_list_narrows_too(sqlite_store: Store, staff: Staff) -> None:
    """A centre of twelve departments: the assign form's department is a list that narrows (more
    than a row of digits holds); ``dt`` (电梯维保部's initials) leaves that one, ``park`` finds
    停车场管理部 by its code, and Enter takes it; the case is handled there."""
    policy = sqlite_store.policy
    departments = dict(policy.departments) | {d.code: d for d in EXTRA_DEPARTMENTS}
    store = Store(sqlite_store.engine, replace(policy, departments=departments))
    receipt = file_intake(store, staff.desk, category="complaint")
    app = make_app(store, "zh")
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        form, picker = await open_assign(keys)
        await keys.press("1")  # the first person shown
        field = form.query_one("#ff-department", PickerBar)
        assert field.has_focus and len(field.every) == 12
        await keys.press("d", "t")
        assert names(field) == ["电梯维保部"]
        await keys.press("escape", *"park")
        assert names(field) == ["停车场管理部"]
        await keys.press("enter", "ctrl+s")
        assert isinstance(app.screen, CaseScreen)
    assert case_row(store, receipt.case_id).department == "parking"
