"""How many keys a desk clerk and a handler press (issue 3 item 4, issue 8 item 12): a known owner's
phone call taken at intake, and the same case carried by keys to a satisfied close, in Chinese
(``test_lifecycle_keys`` walks a new owner's call with evidence in English).

Every step is a key a person presses on the real desk; only the words themselves go into the
focused field through the widget (a paste, not counted). Each count is held to the figure measured
when it was written, so a change that makes the desk ask for more keys fails here and has to say
why. Before issue 8's work (commit 0750a1b), measured by the same walks: 15 keys for the intake
(the owner lookup then jumped the focus past the fields it filled; issue 8 item 1 has it keep the
focus, so each filled field now takes an Enter) and 31 for the case's steps.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from complaint_tui.db import Store
from complaint_tui.i18n import t
from complaint_tui.models import Case, Feedback, Finding, InvestigationNote, Plan, ReturnVisit
from complaint_tui.screens.case import CaseScreen
from complaint_tui.screens.intake import IntakeScreen, ReceiptScreen
from complaint_tui.services import force_close
from tests.tui.conftest import NOW, Keys, Staff, file_intake, make_app, screen_text, settle, shown

# The figures measured (this file's docstring has the ones from before issue 8).
PHONE_INTAKE_KEYS = 19  # F3 to the receipt and Enter for the next call: a known owner, no evidence
CASE_KEYS = 31  # on the case: respond, assign, note, finding, plan, resolve, feedback, return visit


def newest_case(store: Store) -> Case:
    with store.read() as session:
        case = session.exec(select(Case).order_by(Case.id.desc())).first()  # type: ignore[union-attr]
        assert case is not None
        return case


async def test_a_known_owners_call_to_a_satisfied_close(sqlite_store: Store, staff: Staff) -> None:
    """S1 → S4 by keys, counted: the hotline call of a known owner (found by phone, name and room
    filled in, each taken with Enter; category and urgency a digit each; the contact confirmed
    with one key), then the case's every step to the return visit that closes it satisfied."""
    earlier = file_intake(sqlite_store, staff.desk, received_at=NOW - dt.timedelta(days=30))  # the owner's last call
    force_close(sqlite_store, staff.supervisor, earlier.case_id, earlier.version, "业主已自行修好", now=NOW)
    app = make_app(sqlite_store, "zh", operator="wang")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)  # signed in, the queue shown
        await keys.press("f3", "2")  # intake, the 24-hour hotline: its scope and promise are shown (S1.1)
        assert app.policy.channels["hotline"].promise("zh") in shown(app, "#channel-guide")
        await keys.field("13812345678")  # Enter: the owner is found, name and room filled in
        assert app.screen.query_one("#f-room").value == "1502"  # type: ignore[attr-defined]
        assert app.focused is not None and app.focused.id == "f-owner_name"  # the lookup kept the focus
        await keys.press("enter", "enter", "enter", "enter")  # name, building, unit, room: as found
        assert app.focused is not None and app.focused.id == "f-object_kind"
        await keys.press("2")  # a facility
        await keys.field("电梯")
        await keys.field("2号电梯停在12楼不动", then=("tab",))  # several lines: Tab goes on
        await keys.field("今天早上")
        await keys.field("2号电梯")
        await keys.field("仍未恢复", then=("tab",))
        await keys.field("尽快修复", then=("tab",))
        await keys.press("1", "1")  # repair, critical
        await keys.press("ctrl+s")  # a live channel: the contact is confirmed first (S1.2)
        assert t("tui.intake.confirm_title", "zh") in screen_text(app)
        await keys.press("enter")  # the owner confirmed it
        assert isinstance(app.screen, ReceiptScreen)
        await keys.press("enter")  # the next call: a clean form
        assert isinstance(app.screen, IntakeScreen) and not app.screen.query_one("#f-phone").value  # type: ignore[attr-defined]
        intake_keys = keys.count
        assert intake_keys <= PHONE_INTAKE_KEYS, intake_keys

        await keys.press("f2", "enter")  # the queue: the one open case (not counted)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == newest_case(sqlite_store).id
        opened = keys.count
        await keys.press("a")  # first response (S2.1), by phone
        await keys.type("已联系业主 今天下午上门查看")
        await keys.press("ctrl+s")
        await keys.press("s", "1", "ctrl+s")  # assign to the first handler offered
        await keys.press("n", "1", "tab")  # a site inspection note (S2.2)
        await keys.type("李强")
        await keys.press("tab")
        await keys.type("电梯控制板烧坏")
        await keys.press("ctrl+s")
        await keys.press("f", "1", "3")  # finding: the company is responsible; a facility fault
        await keys.type("控制板老化")
        await keys.press("tab", "tab")  # past "valid" (ticked)
        await keys.type("属物业维修范围")
        await keys.press("tab")
        await keys.type("张伟、王芳")
        await keys.press("ctrl+s")
        await keys.press("p")  # the plan (S3.1): deadline, department and person prefilled
        await keys.type("更换控制板")
        await keys.press("ctrl+s")
        await keys.press("v", "ctrl+s")  # resolved (S3.4)
        await keys.press("b")  # feedback (S4.1): measures from the plan; what was done and the result
        await keys.type("更换了控制板")
        await keys.press("tab", "tab")
        await keys.type("电梯已恢复运行")
        await keys.press("tab", "1", "ctrl+s")  # the demand was met
        await keys.press("w", "5", "1", "ctrl+s")  # return visit: very satisfied, close (S4.2)
        case_keys = keys.count - opened
        assert t("status.closed", "zh") in screen_text(app)
        await keys.press("5")  # the history tab tells the trail in words
        assert t("action.log_return_visit", "zh") in screen_text(app)
    print(f"\nkeys pressed besides the words: phone intake {intake_keys}, the case's steps {case_keys}")
    case = newest_case(sqlite_store)
    assert (case.status, case.close_kind) == ("closed", "satisfied")
    assert (case.category, case.urgency, case.contact_confirmed) == ("repair", "critical", True)
    with sqlite_store.read() as session:
        for model in (InvestigationNote, Finding, Plan, Feedback, ReturnVisit):
            assert session.exec(select(model).where(model.case_id == case.id)).first() is not None, model
    assert case_keys <= CASE_KEYS, case_keys
