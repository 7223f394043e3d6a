"""Pilot tests of the case screen on a real temporary SQLite store (issue 3, item 10): the guards
the standard sets, seen on the screen and in the database."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select
from textual.widgets import TextArea

from complaint_tui.db import Store
from complaint_tui.i18n import t
from complaint_tui.models import Case, DepartmentTask, Finding, InvestigationNote, OwnerUpdate
from complaint_tui.screens.case import CaseScreen
from complaint_tui.screens.forms import ActionForm
from complaint_tui.services import acknowledge, add_note, add_task, give_feedback, plan, record_finding, resolve
from tests.tui.conftest import NOW, Keys, Staff, file_intake, make_app, screen_text, settle, shown


def case_row(store: Store, case_id: int) -> Case:
    with store.read() as session:
        found = session.get(Case, case_id)
        assert found is not None
        return found


def version(store: Store, case_id: int) -> int:
    return case_row(store, case_id).version


async def open_first_case(keys: Keys) -> CaseScreen:
    await settle(keys.pilot)
    await keys.press("enter")
    screen = keys.pilot.app.screen
    assert isinstance(screen, CaseScreen)
    return screen


def to_resolving(store: Store, staff: Staff, case_id: int) -> None:
    """Investigated and planned through the services (S2, S3.1)."""
    acknowledge(store, staff.handler, case_id, version(store, case_id), "phone", "已联系", now=NOW)
    add_note(store, staff.handler, case_id, version(store, case_id), "site_inspection", "现场查看属实", now=NOW)
    record_finding(
        store,
        staff.handler,
        case_id,
        version(store, case_id),
        responsibility="property_company",
        cause_code="facility_fault",
        cause_text="防水层老化",
        valid=True,
        validity_reason="属维修范围",
        signatories="张伟、李强",
        confirmed_by_id=staff.handler.id,
        now=NOW,
    )
    plan(
        store,
        staff.handler,
        case_id,
        version(store, case_id),
        measures="重做防水",
        deadline=NOW + dt.timedelta(days=2),
        department="engineering",
        responsible_name="李强",
        now=NOW,
    )


async def test_neighbour_dispute_finding_waits_for_both_statements(sqlite_store: Store, staff: Staff) -> None:
    """S2.5: in a neighbour dispute the finding is refused until both parties' statements are in;
    the overview says which statement is missing and the finding key opens nothing."""
    receipt = file_intake(
        sqlite_store,
        staff.desk,
        category="neighbour_dispute",
        object_kind="management",
        object_text="楼上噪音",
        matter_what="楼上每晚十二点后拖动家具",
    )
    # A neighbour dispute is customer service's: its handler (陈静) takes the steps.
    acknowledge(sqlite_store, staff.handler2, receipt.case_id, receipt.version, "phone", "已受理", now=NOW)
    app = make_app(sqlite_store, "en", operator="chen")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await open_first_case(keys)
        await keys.press("n", "5", "1")  # a party statement, by the complainant
        await keys.type("Zhang Wei")
        await keys.press("tab")
        await keys.type("Noise every night after midnight")
        await keys.press("ctrl+s")
        missing = t("guard.finding_needs_both_parties", "en", party=t("party.respondent", "en"))
        assert missing in shown(app, "#pane-overview")
        await keys.press("f")  # refused: no form opens
        assert isinstance(app.screen, CaseScreen)
        with sqlite_store.read() as session:
            assert session.exec(select(Finding)).first() is None
        await keys.press("n", "5", "2")  # the other party's statement
        await keys.type("Li Na, upstairs")
        await keys.press("tab")
        await keys.type("We only moved a chair once")
        await keys.press("ctrl+s")
        assert missing not in shown(app, "#pane-overview")
        await keys.press("f")
        assert isinstance(app.screen, ActionForm)
        await keys.press("2", "5")  # shared responsibility; cause: communication
        await keys.type("Both sides agree on quiet hours")
        await keys.press("tab", "tab")
        await keys.type("Noise confirmed by the night guard")
        await keys.press("tab")
        await keys.type("Zhang Wei, Li Na")
        await keys.press("ctrl+s")
        assert isinstance(app.screen, CaseScreen)
    with sqlite_store.read() as session:
        parties = {n.party for n in session.exec(select(InvestigationNote)).all()}
        assert parties == {"complainant", "respondent"}
        finding = session.exec(select(Finding)).one()
        assert finding.responsibility == "shared" and finding.cause_code == "communication"


async def test_resolve_refused_while_a_task_is_open_shows_why(sqlite_store: Store, staff: Staff) -> None:
    """S3.4: no 'resolved' while a department task is open. The reason stands on the overview,
    the key is disabled; once the task is finished the same key resolves the case."""
    receipt = file_intake(sqlite_store, staff.desk)
    to_resolving(sqlite_store, staff, receipt.case_id)
    add_task(
        sqlite_store,
        staff.handler,
        receipt.case_id,
        version(sqlite_store, receipt.case_id),
        department="environment",
        what="清理顶棚碎屑",
        due_at=NOW + dt.timedelta(days=1),
        now=NOW,
    )
    app = make_app(sqlite_store, "zh", operator="li")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await open_first_case(keys)
        reason = t("guard.resolve_open_tasks", "zh", count="1")
        assert reason in shown(app, "#pane-overview")
        await keys.press("v")
        assert isinstance(app.screen, CaseScreen)  # nothing opened
        assert case_row(sqlite_store, receipt.case_id).status == "resolving"
        await keys.press("d", "1")  # finish the task: the only open one
        await keys.type("已清理")
        await keys.press("ctrl+s")
        assert reason not in shown(app, "#pane-overview")
        await keys.press("v", "ctrl+s")
        assert t("status.resolved", "zh") in screen_text(app)
    assert case_row(sqlite_store, receipt.case_id).status == "resolved"
    with sqlite_store.read() as session:
        assert session.exec(select(DepartmentTask)).one().done_at is not None


async def test_dissatisfied_return_visit_reopens(sqlite_store: Store, staff: Staff) -> None:
    """S4.2: an owner not satisfied cannot be closed (the form shows why and keeps the input);
    choosing 'reopen' starts a new cycle, counted."""
    receipt = file_intake(sqlite_store, staff.desk)
    cid = receipt.case_id
    to_resolving(sqlite_store, staff, cid)
    resolve(sqlite_store, staff.handler, cid, version(sqlite_store, cid), now=NOW)
    give_feedback(
        sqlite_store,
        staff.handler,
        cid,
        version(sqlite_store, cid),
        channel="phone",
        what_done="重做防水",
        measures="防水+修补",
        result="已修好",
        demand_met="partly",
        unmet_reason="赔偿未谈妥",
        next_step="回访时再谈",
        now=NOW,
    )
    app = make_app(sqlite_store, "en", operator="zhao")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await open_first_case(keys)
        await keys.press("w", "2", "1")  # satisfaction 2, outcome "close": refused
        await keys.type("Still drips when it rains")
        await keys.press("ctrl+s")
        assert isinstance(app.screen, ActionForm)
        banner = shown(app, "#form-banner")
        assert t("guard.visit_close_needs_satisfied", "en", min="4") in banner
        assert app.screen.query_one("#ff-remaining_issues", TextArea).text == "Still drips when it rains"
        await keys.press("shift+tab", "2", "ctrl+s")  # back to the outcome: reopen
        assert isinstance(app.screen, CaseScreen)
        assert t("tui.case.reopened", "en", count=1) in shown(app, "#pane-overview")
    case = case_row(sqlite_store, cid)
    assert (case.status, case.reopen_count, case.cycle) == ("investigating", 1, 2)


async def test_conflict_between_two_desks_on_the_same_file(sqlite_store: Store, staff: Staff) -> None:
    """Issue 3, item 8: desk A types a progress update while desk B acknowledges the same case.
    A's save is refused with what B did, A's words stay in the form, and after taking the new
    version the same words are saved."""
    receipt = file_intake(sqlite_store, staff.desk)
    second = Store(_engine_for(sqlite_store), sqlite_store.policy)
    desk_a = make_app(sqlite_store, "en", operator="wang")
    desk_b = make_app(second, "en", operator="li")
    words = "Plumber booked for 3 pm"
    async with desk_a.run_test(size=(140, 45)) as pilot_a:
        keys_a = Keys(pilot_a)
        await open_first_case(keys_a)
        await keys_a.press("o")  # update the owner: channel phone is preset
        await keys_a.type(words)
        async with desk_b.run_test(size=(140, 45)) as pilot_b:
            keys_b = Keys(pilot_b)
            await open_first_case(keys_b)
            await keys_b.press("a")
            await keys_b.type("Called the owner back")
            await keys_b.press("ctrl+s")
            assert isinstance(desk_b.screen, CaseScreen)
        await keys_a.press("ctrl+s")
        form = desk_a.screen
        assert isinstance(form, ActionForm)
        banner = shown(desk_a, "#form-banner")
        assert receipt.number in banner and t("action.acknowledge", "en") in banner and "李强" in banner
        assert form.query_one("#ff-content", TextArea).text == words
        with sqlite_store.read() as session:
            assert session.exec(select(OwnerUpdate).where(OwnerUpdate.kind == "progress")).first() is None
        await keys_a.press("ctrl+r", "ctrl+s")
        assert isinstance(desk_a.screen, CaseScreen)
    with sqlite_store.read() as session:
        update = session.exec(select(OwnerUpdate).where(OwnerUpdate.kind == "progress")).one()
        assert update.content == words
    second.engine.dispose()


def _engine_for(store: Store):  # type: ignore[no-untyped-def]
    """A second engine on the same database file: another desk's own connections."""
    from complaint_tui.db import make_engine

    return make_engine(store.engine.url.render_as_string(hide_password=False))
