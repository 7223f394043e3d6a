"""Getting around the desk (issue 3, items 3, 6 and 7): the command palette (a case by its number,
the language, a queue section), the dashboard's drill-down into the queue, the filter dialog, the
help screen, and another desk's change showing up without a key press. Real keys on a real
temporary SQLite store; the assertions read the screen's widgets and the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import select
from textual.app import ScreenStackError
from textual.command import CommandPalette
from textual.geometry import Size
from textual.widgets import DataTable, TabbedContent

from complaint_tui.db import Store
from complaint_tui.i18n import t
from complaint_tui.models import Case, Room
from complaint_tui.queries import QueueFilter, queue_count
from complaint_tui.screens.case import CaseScreen
from complaint_tui.screens.dashboard import DashboardScreen
from complaint_tui.screens.filters import FilterScreen
from complaint_tui.screens.help import HelpScreen
from complaint_tui.screens.queue import QueueScreen
from complaint_tui.services import intake
from complaint_tui.widgets.key_bar import KeyBar
from tests.tui.conftest import (
    NOW,
    Keys,
    Staff,
    file_intake,
    intake_form,
    make_app,
    other_desk,
    press,
    seed_centre,
    settle,
    shown,
    wait_until,
)


def queue_numbers(app: Any) -> list[str]:
    """The case numbers in the queue's table, top to bottom."""
    screen = app.screen
    assert isinstance(screen, QueueScreen)
    table = screen.query_one(DataTable)
    return [str(table.get_cell(row.key, "number")) for row in table.ordered_rows]


def numbers_where(store: Store, *conditions: Any) -> set[str]:
    with store.read() as session:
        return set(session.exec(select(Case.number).where(*conditions)).all())


def numbers_in_building(store: Store, building: str) -> set[str]:
    with store.read() as session:
        return set(session.exec(select(Case.number).join(Room).where(Room.building == building)).all())


def footer_words(app: Any) -> set[str]:
    """The words of the keys the key bar at the foot of the current screen shows, as laid out."""
    bar = app.screen.query_one(KeyBar)
    return {entry.words for line in bar.lines(bar.size.width) for entry in line}


async def run_command(keys: Keys, query: str) -> None:
    """ctrl+p, type ``query``, Enter on the best match: what a person does in the palette."""
    await keys.press("ctrl+p")
    assert isinstance(keys.pilot.app.screen, CommandPalette)
    await keys.type(query)
    await settle(keys.pilot)  # the palette gathers its hits in a worker
    await keys.press("enter")


# --- the command palette -----------------------------------------------------------------------


async def test_palette_opens_a_case_by_its_number(sqlite_store: Store, staff: Staff) -> None:
    """The number as a clerk types it, prefix left out; an unknown number says so."""
    ids = seed_centre(sqlite_store, staff)
    with sqlite_store.read() as session:
        wanted = session.get(Case, ids["overdue"])
        assert wanted is not None
        number = wanted.number
    app = make_app(sqlite_store, "en")
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await run_command(keys, number.removeprefix(sqlite_store.policy.case_number_prefix))
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == ids["overdue"]
        assert number in shown(app, "#case-title")
        await run_command(keys, "19990101-7")
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == ids["overdue"]
        expected = t("error.case_not_found", "en", case=f"{sqlite_store.policy.case_number_prefix}19990101-0007")
        assert expected in shown(app, "#status")


async def test_palette_switches_the_language_and_keeps_the_case_open(sqlite_store: Store, staff: Staff) -> None:
    ids = seed_centre(sqlite_store, staff)
    app = make_app(sqlite_store, "en")
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        assert t("keys.queue.search", "en") in footer_words(app)
        await run_command(keys, "中文")
        assert app.lang == "zh" and app.title == t("tui.app.title", "zh")
        assert isinstance(app.screen, QueueScreen)
        assert t("tui.section.open", "zh") in shown(app, "#sections")
        header = [str(c.label) for c in app.screen.query_one(DataTable).columns.values()]
        assert header[0] == t("tui.queue.col.number", "zh")
        assert t("keys.queue.search", "zh") in footer_words(app)
        assert t("keys.queue.search", "en") not in footer_words(app)

        await keys.press("enter")  # the first case of the queue, then back to English from there
        assert isinstance(app.screen, CaseScreen)
        case_id = app.screen.case_id
        assert t("tui.case.record", "zh") in shown(app, "#pane-overview")
        await run_command(keys, "English")
        assert app.lang == "en"
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == case_id
        assert t("tui.case.record", "en") in shown(app, "#pane-overview")
        tabs = app.screen.query_one(TabbedContent)
        assert str(tabs.get_tab("overview").label) == t("tui.case.tab.overview", "en")
        await keys.press("escape")
        assert isinstance(app.screen, QueueScreen)
        assert t("tui.section.open", "en") in shown(app, "#sections")
    assert ids  # the seeded centre stays as it was
    assert len(numbers_where(sqlite_store)) == 5


async def test_palette_jumps_to_a_section_from_a_case(sqlite_store: Store, staff: Staff) -> None:
    """ "Queue section: Overdue" from an open case: the case closes, the queue shows that section."""
    ids = seed_centre(sqlite_store, staff)
    app = make_app(sqlite_store, "en")
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        app.open_case(ids["visited"])
        await settle(pilot)
        await run_command(keys, t("tui.palette.section", "en", name=t("tui.section.overdue", "en")))
        screen = app.screen
        assert isinstance(screen, QueueScreen) and screen.section.code == "overdue"
        overdue = {r.number for r in [*queue_rows(sqlite_store, staff, QueueFilter(overdue=True))]}
        assert overdue and set(queue_numbers(app)) == overdue
        # From the queue itself, and to a section whose shortcut is another digit.
        await run_command(keys, t("tui.palette.section", "en", name=t("tui.section.all", "en")))
        assert app.screen is screen and screen.section.code == "all"
        assert set(queue_numbers(app)) == numbers_where(sqlite_store)


def queue_rows(store: Store, staff: Staff, filt: QueueFilter) -> list[Any]:
    from complaint_tui.queries import QueueSort, queue_page

    return queue_page(store, staff.supervisor, filt, QueueSort.URGENT, None, 100, NOW).rows


# --- the dashboard's drill-down and the filter dialog ---------------------------------------------


async def test_dashboard_row_opens_the_queue_filtered_to_it(sqlite_store: Store, staff: Staff) -> None:
    seed_centre(sqlite_store, staff)
    file_intake(sqlite_store, staff.desk, category="safety", phone="13911112222", room="602")
    app = make_app(sqlite_store, "en")
    async with app.run_test(size=(150, 45)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.press("f4")
        assert isinstance(app.screen, DashboardScreen)
        table = app.screen.query_one("#hot-category", DataTable)
        assert table.has_focus
        row = table.get_row_index("safety")
        assert str(table.get_cell("safety", "count")) == "2"
        await keys.press(*["down"] * row, "enter")
        assert app.current_mode == "queue"
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        safety = numbers_where(sqlite_store, Case.category == "safety")
        assert len(safety) == 2 and set(queue_numbers(app)) == safety
        info = shown(app, "#queue-info")
        assert t("tui.queue.filtered", "en", what=t("tui.filter.categories", "en")) in info
        assert t("tui.queue.total", "en", count="2") in info
        await keys.press("x")  # clear: back to the whole section
        assert len(queue_numbers(app)) > 2

        # By building, from the dashboard again (its cursor where it was).
        await keys.press("f4")
        assert isinstance(app.screen, DashboardScreen)
        buildings = app.screen.query_one("#hot-building", DataTable)
        buildings.focus()
        await settle(pilot)
        await keys.press(*["down"] * buildings.get_row_index("12栋"), "enter")
        assert set(queue_numbers(app)) == numbers_in_building(sqlite_store, "12栋")


async def test_filter_dialog_narrows_the_queue(sqlite_store: Store, staff: Staff) -> None:
    """f opens the filters; the choices made by keys apply with ctrl+s; Esc changes nothing;
    ctrl+l resets."""
    seed_centre(sqlite_store, staff)
    app = make_app(sqlite_store, "en")
    async with app.run_test(size=(150, 45)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.press("8")  # section "all": the closed case too
        everything = set(queue_numbers(app))
        assert everything == numbers_where(sqlite_store)
        await keys.press("f")
        assert isinstance(app.screen, FilterScreen)
        # Statuses list first; Tab to the categories: Repair is first, Environment fifth.
        await keys.press("tab", "space", *["down"] * 4, "space", "ctrl+s")
        assert isinstance(app.screen, QueueScreen)
        wanted = numbers_where(sqlite_store, Case.category.in_(("repair", "environment")))  # type: ignore[attr-defined]
        assert len(wanted) == 3 and set(queue_numbers(app)) == wanted

        await keys.press("f")  # the dialog shows what is chosen; Esc keeps it
        assert isinstance(app.screen, FilterScreen)
        assert app.screen.query_one("#filter-categories").selected == ["repair", "environment"]  # type: ignore[attr-defined]
        await keys.press("escape")
        assert set(queue_numbers(app)) == wanted

        # The "overdue" switch, by keys: tab to it past the five lists and the building field.
        await keys.press("f")
        await keys.press(*["tab"] * 6, "space", "ctrl+s")
        assert isinstance(app.screen, QueueScreen)
        assert queue_numbers(app) == []  # no repair or environment case is overdue
        assert t("tui.queue.total", "en", count="0") in shown(app, "#queue-info")

        await keys.press("f", "ctrl+l")
        assert set(queue_numbers(app)) == everything


# --- the help screen ------------------------------------------------------------------------------


async def test_help_lists_the_keys_of_the_screen_in_front(sqlite_store: Store, staff: Staff) -> None:
    ids = seed_centre(sqlite_store, staff)
    app = make_app(sqlite_store, "zh")
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.press("f1")
        assert isinstance(app.screen, HelpScreen)
        queue_help = shown(app, "#help-keys")
        for key in ("keys.queue.search", "keys.queue.filters", "keys.queue.sort", "keys.app.queue"):
            assert t(key, "zh") in queue_help
        assert t("action.record_finding", "zh") not in queue_help
        await keys.press("escape")
        assert isinstance(app.screen, QueueScreen)

        app.open_case(ids["visited"])
        await settle(pilot)
        await keys.press("f1")
        case_help = shown(app, "#help-keys")
        assert t("action.log_return_visit", "zh") in case_help and t("keys.case.back", "zh") in case_help
        assert t("keys.queue.search", "zh") not in case_help
        # Textual's own keys in Chinese too (tabs, next field), none of its English words.
        assert t("tui.help.builtin.next_tab", "zh") in case_help and t("tui.help.builtin.focus_next", "zh") in case_help
        for english in ("Focus", "Previous tab", "Next tab", "Copy selected"):
            assert english not in case_help
        # Allowed steps come first; a step that waits for something is listed after them.
        assert case_help.index(t("action.log_return_visit", "zh")) < case_help.index(t("action.close", "zh"))
        await keys.press("f1")  # F1 again closes it too
        assert isinstance(app.screen, CaseScreen)


# --- another desk's change, without a key press -------------------------------------------------


async def test_another_desks_intake_shows_up_by_itself(sqlite_store: Store, staff: Staff) -> None:
    """Issue 3, item 3: a second store on the same file (another desk) records a complaint; the
    first desk's queue shows it within seconds, with no key pressed. The case screen of a case
    the other desk changes reloads too."""
    first = file_intake(sqlite_store, staff.desk)
    app = make_app(sqlite_store, "en", poll_seconds=0.2)
    with other_desk(sqlite_store) as second:
        async with app.run_test(size=(150, 45)) as pilot:
            await settle(pilot)
            assert queue_numbers(app) == [first.number]
            before = shown(app, "#queue-info")
            receipt = intake(second, staff.desk, intake_form(phone="13922223333", room="101"), now=NOW)
            await wait_until(pilot, lambda: receipt.number in queue_numbers(app))
            assert set(queue_numbers(app)) == {first.number, receipt.number}
            # The count runs after the page is shown (the page must not wait for it).
            total = t("tui.queue.total", "en", count="2")
            await wait_until(pilot, lambda: total in shown(app, "#queue-info"))
            assert shown(app, "#queue-info") != before

            app.open_case(first.case_id)
            await settle(pilot)
            from complaint_tui.services import acknowledge

            with sqlite_store.read() as session:
                version = session.get(Case, first.case_id).version  # type: ignore[union-attr]
            acknowledge(
                second, staff.handler, first.case_id, version, "phone", "已联系", now=NOW + dt.timedelta(minutes=5)
            )
            status = t("status.investigating", "en")
            await wait_until(pilot, lambda: status in shown(app, "#case-title"))
    assert queue_count(sqlite_store, staff.supervisor, QueueFilter(), NOW) == 2


async def test_poll_stops_when_signing_out(sqlite_store: Store, staff: Staff) -> None:
    app = make_app(sqlite_store, "en", poll_seconds=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.poll_timer is not None
        await press(pilot, "f10")
        assert app.operator is None and app.poll_timer is None
        assert app.current_mode == "signin"  # and nobody is signed in again by --operator
        await settle(pilot)
        assert app.operator is None
        mark = app.change_mark
        file_intake(sqlite_store, staff.desk, phone="13922223333")
        await pilot.pause(0.5)
        assert app.change_mark == mark  # nobody is looking any more


async def test_a_key_bar_laid_out_while_the_app_closes_shows_no_keys(
    sqlite_store: Store, staff: Staff, monkeypatch: Any
) -> None:
    """At shutdown Textual empties the shown mode's stack before it prunes the other modes'
    screens, and pruning lays a screen out once more: a key bar asked for its keys then found no
    screen and the whole shutdown failed (``No screens on stack``, seen once on CI)."""
    seed_centre(sqlite_store, staff)
    app = make_app(sqlite_store, "en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(KeyBar)
        assert bar.lines(120)  # the queue's keys, while its screen is shown

        def no_screen(self: Any) -> Any:
            raise ScreenStackError("No screens on stack")

        with monkeypatch.context() as patch:
            patch.setattr(type(app), "screen", property(no_screen))
            assert bar.lines(120) == []
            assert bar.get_content_height(Size(120, 1), Size(120, 40), 120) == 1
