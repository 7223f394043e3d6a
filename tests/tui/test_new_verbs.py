"""The new verbs at the desk (issue 8 items 8, 9, 11): correcting the intake record, reclassifying
a case, the feedback form starting from the plan and the tasks, and the assignee picker offering
the handling department first. Each asserted on the screen and in the database."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select
from textual.widgets import Input, TextArea

from complaint_tui.db import Store
from complaint_tui.models import Case, DepartmentTask, FindingSignature, Owner, StepClock
from complaint_tui.screens.case import CaseScreen
from complaint_tui.screens.forms import ActionForm
from complaint_tui.services import acknowledge, add_note, add_task, finish_task, record_finding, resolve
from complaint_tui.widgets.choice import ChoiceBar
from tests.tui.conftest import NOW, Keys, Staff, file_intake, make_app, screen_text, shown
from tests.tui.helpers import put
from tests.tui.test_case_flows import open_first_case, to_resolving, version


async def test_the_desk_corrects_a_wrong_phone_from_the_form(sqlite_store: Store, staff: Staff) -> None:
    """Issue 8 item 9 (S1.4): `I` opens the intake record as typed; the desk fixes the phone
    and saves; the case now belongs to the right number and the history shows old → new."""
    receipt = file_intake(sqlite_store, staff.desk)
    app = make_app(sqlite_store, "en", operator="zhao", now=NOW + dt.timedelta(minutes=30))
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await open_first_case(keys)
        await keys.press("I")
        form = app.screen
        assert isinstance(form, ActionForm)
        assert form.query_one("#ff-owner_name", Input).value == "张伟"
        assert form.query_one("#ff-room", Input).value == "1502"
        put(form.query_one("#ff-phone", Input), "139 8765 4321")
        await keys.press("ctrl+s")
        assert isinstance(app.screen, CaseScreen)
        assert "Phone: 13812345678 → 13987654321" in shown(app, "#pane-history")
    with sqlite_store.read() as session:
        case = session.get(Case, receipt.case_id)
        assert case is not None and case.version == receipt.version + 1
        owner = session.get(Owner, case.owner_id)
        assert owner is not None and owner.phone == "13987654321"


async def test_after_the_window_the_desk_is_told_why_and_nothing_is_written(sqlite_store: Store, staff: Staff) -> None:
    """The form opened just inside the window and saved after it: refused, nothing lost (the key
    itself is no longer offered after the window: tests/test_correction.py)."""
    receipt = file_intake(sqlite_store, staff.desk)
    app = make_app(sqlite_store, "zh", operator="zhao", now=NOW + dt.timedelta(minutes=59))
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await open_first_case(keys)
        await keys.press("I")
        form = app.screen
        assert isinstance(form, ActionForm)
        put(form.query_one("#ff-unit", Input), "3")
        app.clock = lambda: NOW + dt.timedelta(hours=3)
        await keys.press("ctrl+s")
        assert isinstance(app.screen, ActionForm)  # still open: nothing typed is lost
        # Received at 09:00 Shanghai (an hour before NOW), the 2-hour window ended at 11:00.
        assert "前台可在 2026-03-02 11:00 之前更正受理记录" in shown(app, "#form-banner")
        assert form.query_one("#ff-unit", Input).value == "3"
    assert version(sqlite_store, receipt.case_id) == receipt.version


async def test_a_handler_raises_a_leak_to_a_safety_matter(sqlite_store: Store, staff: Staff) -> None:
    """S6.3: `K`, category safety, a reason: the case is critical and its resolution clock runs
    24 h from now; the overview shows the new category."""
    receipt = file_intake(sqlite_store, staff.desk)
    acknowledge(sqlite_store, staff.handler, receipt.case_id, receipt.version, "phone", "已联系", now=NOW)
    now = NOW + dt.timedelta(hours=1)
    app = make_app(sqlite_store, "en", operator="li", now=now)
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await open_first_case(keys)
        await keys.press("K")
        form = app.screen
        assert isinstance(form, ActionForm)
        bar = form.query_one("#ff-category", ChoiceBar)
        assert bar.value == "repair"  # starts from what intake recorded
        bar.value = "safety"
        put(form.query_one("#ff-reason", TextArea), "Water on the wiring")
        await keys.press("ctrl+s")
        assert isinstance(app.screen, CaseScreen)
        assert "Safety" in screen_text(app)
    with sqlite_store.read() as session:
        case = session.get(Case, receipt.case_id)
        assert case is not None and (case.category, case.urgency) == ("safety", "critical")
        clocks = session.exec(
            select(StepClock).where(StepClock.case_id == receipt.case_id, StepClock.step == "resolution")
        ).all()
        assert [c.due_at for c in clocks] == [now + dt.timedelta(hours=24)]


async def test_the_feedback_form_starts_from_the_plan_and_the_tasks(sqlite_store: Store, staff: Staff) -> None:
    """Issue 8 item 8: the measures are the plan's, the result the finished tasks' results."""
    receipt = file_intake(sqlite_store, staff.desk)
    cid = receipt.case_id
    to_resolving(sqlite_store, staff, cid)
    due = NOW + dt.timedelta(days=1)
    add_task(
        sqlite_store,
        staff.handler,
        cid,
        version(sqlite_store, cid),
        department="engineering",
        what="更换防水层",
        due_at=due,
        now=NOW,
    )
    with sqlite_store.read() as session:
        task_id = session.exec(select(DepartmentTask.id)).one()
    assert task_id is not None
    result = "防水层已更换，闭水试验通过"
    finish_task(sqlite_store, staff.handler, cid, version(sqlite_store, cid), task_id=task_id, result=result, now=NOW)
    resolve(sqlite_store, staff.handler, cid, version(sqlite_store, cid), now=NOW)
    app = make_app(sqlite_store, "zh", operator="li")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await open_first_case(keys)
        await keys.press("b")
        form = app.screen
        assert isinstance(form, ActionForm)
        assert form.query_one("#ff-measures", TextArea).text == "重做防水"
        assert form.query_one("#ff-result", TextArea).text == "防水层已更换，闭水试验通过"


async def test_the_assignee_picker_offers_the_handling_department_first(sqlite_store: Store, staff: Staff) -> None:
    """Issue 8 item 11: a service complaint (customer service) lists 王芳 and 陈静 before 李强
    (engineering), although the staff list puts 李强 before 陈静."""
    file_intake(sqlite_store, staff.desk, category="complaint", phone="139 1111 2222")
    app = make_app(sqlite_store, "zh", operator="wang")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await open_first_case(keys)
        await keys.press("s")
        form = app.screen
        assert isinstance(form, ActionForm)
        names = [name for _, name in form.query_one("#ff-assignee", ChoiceBar).options]
        assert set(names[:2]) == {"王芳", "陈静"} and names[2:] == ["李强"]


async def test_the_named_confirmer_signs_the_finding_at_their_own_desk(sqlite_store: Store, staff: Staff) -> None:
    """S2.6: the finding names 王芳 and waits for her; at her desk `g` (herself preselected, no
    PIN needed: she signed in) signs it; the overview of the finding says so."""
    receipt = file_intake(sqlite_store, staff.desk)
    cid = receipt.case_id
    acknowledge(sqlite_store, staff.handler, cid, receipt.version, "phone", "已联系", now=NOW)
    add_note(sqlite_store, staff.handler, cid, version(sqlite_store, cid), "site_inspection", "现场查看属实", now=NOW)
    record_finding(
        sqlite_store,
        staff.handler,
        cid,
        version(sqlite_store, cid),
        responsibility="property_company",
        cause_code="facility_fault",
        cause_text="防水层老化",
        valid=True,
        validity_reason="属维修范围",
        signatories="张伟、王芳",
        confirmed_by_id=staff.supervisor.id,
        now=NOW,
    )
    app = make_app(sqlite_store, "zh", operator="wang")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await open_first_case(keys)
        assert "等待王芳签字" in shown(app, "#pane-investigation")
        await keys.press("g")
        form = app.screen
        assert isinstance(form, ActionForm)
        assert form.query_one("#ff-signer", ChoiceBar).value == str(staff.supervisor.id)
        await keys.press("ctrl+s")
        assert isinstance(app.screen, CaseScreen)
        assert "王芳已签字" in shown(app, "#pane-investigation")
    with sqlite_store.read() as session:
        rows = session.exec(select(FindingSignature)).all()
        assert [(r.staff_id, r.method) for r in rows] == [(staff.supervisor.id, "desk")]
