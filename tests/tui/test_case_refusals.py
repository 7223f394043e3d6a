"""A refused verb key says why at once (issue 8, item 3), and F2 leaves a case for the queue
(issue 8): Pilot tests on a real temporary SQLite store, asserting on the screen and the database."""

from __future__ import annotations

from sqlmodel import select

from complaint_tui.app import DeskApp
from complaint_tui.db import Store
from complaint_tui.i18n import t
from complaint_tui.models import Case, Finding
from complaint_tui.screens.case import CaseScreen
from complaint_tui.screens.queue import QueueScreen
from complaint_tui.services import acknowledge, add_note
from tests.tui.conftest import NOW, Keys, Staff, file_intake, make_app, screen_text
from tests.tui.test_case_flows import open_first_case


def flat(text: str) -> str:
    """Screen text without line breaks, borders and padding: a notice may wrap at any width."""
    return "".join(ch for ch in text if not ch.isspace() and ch not in "▁▔▏▕│┃▌▐▊▎")


def notices(app: DeskApp) -> str:
    """The words of the notices (toasts) the screen shows now."""
    return "\n".join(str(toast.render()) for toast in app.screen.query("Toast"))


async def test_close_before_a_return_visit_says_why_at_80x24(sqlite_store: Store, staff: Staff) -> None:
    """S4.3: `c` on a case not yet visited is refused; at the smallest terminal (where the overview's
    "not yet" list is below the fold) a notice says the guard's words at once, in Chinese."""
    file_intake(sqlite_store, staff.desk)
    app = make_app(sqlite_store, "zh", operator="wang")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        keys = Keys(pilot)
        await open_first_case(keys)
        reason = t("guard.status", "zh", action=t("action.close", "zh"), status=t("status.received", "zh"))
        assert flat(reason) not in flat(screen_text(app))
        await keys.press("c")
        assert isinstance(app.screen, CaseScreen)  # no dialog
        assert flat(reason) in flat(notices(app))
        assert flat(reason) in flat(screen_text(app))
    with sqlite_store.read() as session:
        assert session.exec(select(Case)).one().status == "received"


async def test_finding_with_one_statement_says_which_is_missing(sqlite_store: Store, staff: Staff) -> None:
    """S2.5: in a neighbour dispute `f` with only the complainant's statement opens nothing and a
    notice names the missing party; nothing is recorded."""
    receipt = file_intake(
        sqlite_store,
        staff.desk,
        category="neighbour_dispute",
        object_kind="management",
        object_text="楼上噪音",
        matter_what="楼上每晚十二点后拖动家具",
    )
    change = acknowledge(sqlite_store, staff.supervisor, receipt.case_id, receipt.version, "phone", "已受理", now=NOW)
    add_note(
        sqlite_store,
        staff.supervisor,
        receipt.case_id,
        change.version,
        "party_statement",
        "每晚都有噪音",
        party="complainant",
        now=NOW,
    )
    app = make_app(sqlite_store, "en", operator="wang")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        keys = Keys(pilot)
        await open_first_case(keys)
        await keys.press("f")
        assert isinstance(app.screen, CaseScreen)
        missing = t("guard.finding_needs_both_parties", "en", party=t("party.respondent", "en"))
        assert flat(missing) in flat(notices(app))
        assert flat(missing) in flat(screen_text(app))
    with sqlite_store.read() as session:
        assert session.exec(select(Finding)).first() is None


async def test_a_step_the_role_never_takes_says_so(sqlite_store: Store, staff: Staff) -> None:
    """The desk clerk's `X` (force close, a supervisor's step) is not offered; pressed anyway, the
    notice says the role may not, and the case stays open."""
    file_intake(sqlite_store, staff.desk)
    app = make_app(sqlite_store, "en", operator="zhao")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        keys = Keys(pilot)
        await open_first_case(keys)
        await keys.press("X")
        assert isinstance(app.screen, CaseScreen)
        words = t("guard.role", "en", action=t("action.force_close", "en"), role=t("role.desk", "en"))
        assert flat(words) in flat(notices(app))
    with sqlite_store.read() as session:
        assert session.exec(select(Case)).one().status == "received"


async def test_an_allowed_key_still_opens_its_dialog_without_a_notice(sqlite_store: Store, staff: Staff) -> None:
    """The notice is for refusals only: `a` on a new case opens the first-response dialog."""
    file_intake(sqlite_store, staff.desk)
    app = make_app(sqlite_store, "en", operator="wang")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        keys = Keys(pilot)
        await open_first_case(keys)
        await keys.press("a")
        assert not isinstance(app.screen, CaseScreen)
        assert t("action.acknowledge", "en") in screen_text(app)
        assert not notices(app)


async def test_f2_on_a_case_opened_from_the_queue_goes_back_to_it(sqlite_store: Store, staff: Staff) -> None:
    """F2 means "the queue": on a case opened from the queue it goes back there, like Esc."""
    file_intake(sqlite_store, staff.desk)
    app = make_app(sqlite_store, "en", operator="wang")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        keys = Keys(pilot)
        await open_first_case(keys)
        await keys.press("f2")
        assert isinstance(app.screen, QueueScreen)
        await keys.press("enter")  # and the queue works as before: the case opens again
        assert isinstance(app.screen, CaseScreen)
