"""One complaint from intake to closed, by the keys a person presses (issue 3, item 10): a new
owner's call with evidence, in English. ``test_key_counts`` walks a known owner's call to its
close in Chinese and counts the keys of both."""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual.widgets import Static

from complaint_tui.db import Store
from complaint_tui.i18n import t
from complaint_tui.models import Case, Evidence, Feedback, Finding, InvestigationNote, Plan, ReturnVisit
from complaint_tui.screens.case import CaseScreen
from complaint_tui.screens.intake import IntakeScreen, ReceiptScreen
from tests.tui.conftest import Keys, Staff, make_app, screen_text, settle

CHINESE_WORDS = {
    "phone": "13900001111",
    "name": "刘洋",
    "object": "厨房顶棚",
    "what": "楼上漏水 顶棚滴水",
    "demand": "尽快修好",
}


def the_case(store: Store) -> Case:
    with store.read() as session:
        return session.exec(select(Case).order_by(Case.id.desc())).first()  # type: ignore[union-attr]


@pytest.mark.parametrize("lang", ["en"])
async def test_phone_intake_to_closed_by_keys(sqlite_store: Store, staff: Staff, lang: str, evidence_file) -> None:
    """S1 → S2 → S3 → S4: every step taken by keys on the desk; the database holds each record."""
    app = make_app(sqlite_store, lang)
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.press("f3")
        assert isinstance(app.screen, IntakeScreen)
        w = CHINESE_WORDS
        await keys.press("2")  # 24-hour hotline: its scope and promise are shown (S1.1)
        guide = str(app.screen.query_one("#channel-guide", Static).render())
        assert app.policy.channels["hotline"].promise(lang) in guide
        await keys.field(w["phone"])  # Enter looks the owner up: nobody yet
        await keys.field(w["name"])
        await keys.field("5栋")
        await keys.field("1")
        await keys.field("302")
        await keys.press("2")  # object: a facility
        await keys.field(w["object"])
        await keys.field(w["what"], then=("tab",))  # several lines: Enter is a new line there
        await keys.press("enter", "enter", "tab")  # when, where, state: left empty
        await keys.field(w["demand"], then=("tab",))
        await keys.press("1", "2")  # category repair, urgency high
        # Evidence by path: copied into the store and hashed (S1.4).
        await keys.press("tab")
        await keys.type(str(evidence_file))
        await keys.press("tab")
        await keys.type("业主微信")
        await keys.press("ctrl+f")
        assert "leak.jpg" in screen_text(app)
        await keys.press("ctrl+s")  # live channel: confirm the contact first (S1.2)
        assert t("tui.intake.confirm_title", lang) in screen_text(app)
        await keys.press("enter")
        assert isinstance(app.screen, ReceiptScreen)
        case = the_case(sqlite_store)
        assert case.number in screen_text(app)
        assert case.contact_confirmed and case.urgency == "high" and case.category == "repair"
        await keys.press("o")  # open the new case, in the queue's area (F2 then Esc: the queue)
        assert isinstance(app.screen, CaseScreen) and app.current_mode == "queue"

        await keys.press("a")  # first response (S2.1)
        await keys.type("已联系业主 今天下午上门查看")
        await keys.press("ctrl+s")
        await keys.press("s", "1", "ctrl+s")  # assign to the first handler listed (陈静)
        await keys.press("n", "1", "tab")  # a site inspection note (S2.2)
        await keys.type("李强")
        await keys.press("tab")
        await keys.type("楼上卫生间防水层破损")
        await keys.press("ctrl+s")
        await keys.press("f", "1", "3")  # finding: the company is responsible; a facility fault
        await keys.type("防水层老化")
        await keys.press("tab", "tab")  # past "valid" (ticked)
        await keys.type("属物业维修范围")
        await keys.press("tab")
        await keys.type("刘洋、李强")
        await keys.press("ctrl+s")
        await keys.press("p")  # the plan (S3.1): deadline, department and person prefilled
        await keys.type("重做防水层并修补顶棚")
        await keys.press("ctrl+s")
        await keys.press("v", "ctrl+s")  # resolved (S3.4)
        await keys.press("b")  # feedback (S4.1), by phone
        for text in ("重做防水层", "防水+修补", "已不再漏水"):
            await keys.type(text)
            await keys.press("tab")
        await keys.press("1", "ctrl+s")  # the demand was met
        await keys.press("w", "5", "1", "ctrl+s")  # return visit: very satisfied, close (S4.2)

        case = the_case(sqlite_store)
        assert case.status == "closed" and case.close_kind == "satisfied"
        assert t("status.closed", lang) in screen_text(app)
        await keys.press("5")  # the history tab shows the trail in words
        assert t("action.log_return_visit", lang) in screen_text(app)
    with sqlite_store.read() as session:
        for model in (InvestigationNote, Finding, Plan, Feedback, ReturnVisit, Evidence):
            assert session.exec(select(model).where(model.case_id == case.id)).first() is not None, model
