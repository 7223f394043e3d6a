"""The supervisor's dashboard: the warning when the working-day calendar is not the official one
(issue 2, item 9), hot-spot tables that show their rows without a scrollbar of their own, and
no label cut at any terminal size (issue 8 item 6)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from rich.cells import cell_len
from textual.widget import Widget
from textual.widgets import DataTable, Static

from complaint_tui.db import Store
from complaint_tui.i18n import t
from complaint_tui.screens.dashboard import HOT_ROWS, DashboardScreen, HotSpots
from complaint_tui.textual_private import screen_lines
from complaint_tui.workcalendar import CalendarGrade
from tests.tui.conftest import Keys, Staff, file_intake, make_app, seed_centre, settle, shown, wait_until


async def open_dashboard(keys: Keys) -> DashboardScreen:
    await settle(keys.pilot)
    await keys.press("f4")
    screen = keys.pilot.app.screen
    assert isinstance(screen, DashboardScreen)
    return screen


async def test_dashboard_warns_of_a_year_without_the_official_calendar(sqlite_store: Store, staff: Staff) -> None:
    """In March 2026 the calendar library has 2026's official schedule but only the statutory
    holidays of 2027: the dashboard says so for 2027, in the operator's language."""
    calendar = sqlite_store.policy.calendar
    assert calendar.year(2026).grade is CalendarGrade.OFFICIAL
    assert calendar.year(2027).grade is CalendarGrade.STATUTORY_ONLY
    seed_centre(sqlite_store, staff)
    for lang in ("zh", "en"):
        app = make_app(sqlite_store, lang)
        async with app.run_test(size=(150, 45)) as pilot:
            await open_dashboard(Keys(pilot))
            line = app.screen.query_one("#dash-calendar", Static)
            assert line.display
            grade = t("calendar.statutory_only", lang)
            assert (
                shown(app, "#dash-calendar").split()
                == t("tui.dashboard.calendar", lang, year=2027, grade=grade).split()
            )
            assert "2026" not in shown(app, "#dash-calendar")


async def test_no_calendar_warning_when_both_years_are_official(sqlite_store: Store, staff: Staff) -> None:
    in_2025 = dt.datetime(2025, 6, 2, 2, 0, tzinfo=dt.UTC)
    assert sqlite_store.policy.calendar.year(2026).grade is CalendarGrade.OFFICIAL
    file_intake(sqlite_store, staff.desk, received_at=in_2025 - dt.timedelta(hours=1))
    app = make_app(sqlite_store, "en", now=in_2025)
    async with app.run_test(size=(150, 45)) as pilot:
        await open_dashboard(Keys(pilot))
        assert not app.screen.query_one("#dash-calendar", Static).display
        assert t("tui.dashboard.title", "en", period=t("tui.dashboard.days", "en", days=30), total="1") in shown(
            app, "#dash-title"
        )


def seed_buildings(store: Store, staff: Staff, count: int) -> None:
    """``count`` buildings, each with a complaint of another category (so every table has rows)."""
    categories = list(store.policy.categories)
    for i in range(count):
        file_intake(
            store,
            staff.desk,
            building=f"{i + 1}栋",
            phone=f"139{i:08d}",
            room=f"{i + 1}01",
            category=categories[i % len(categories)],
        )


async def test_hot_spot_tables_have_no_scrollbar_of_their_own(sqlite_store: Store, staff: Staff) -> None:
    """Ten buildings: the table shows all ten rows, with no scrollbar, whose thumb stood beside the
    weekly trend's title ("▁▁") when the table was shorter than its rows."""
    seed_buildings(sqlite_store, staff, HOT_ROWS + 2)
    app = make_app(sqlite_store, "en")
    async with app.run_test(size=(150, 45)) as pilot:
        screen = await open_dashboard(Keys(pilot))
        for table in screen.query(DataTable):
            assert not table.show_vertical_scrollbar, table.id
            assert table.size.height == table.row_count + 1, table.id  # every row and the header
        buildings = screen.query_one("#hot-building", DataTable)
        assert buildings.row_count == HOT_ROWS
        assert not screen.query_one(HotSpots).show_vertical_scrollbar  # 150x45: all of it fits


async def test_short_terminal_scrolls_the_column_to_the_cursor(sqlite_store: Store, staff: Staff) -> None:
    """At 100x30 the three tables do not fit: the column scrolls, following the cursor down to the
    last department, whose table starts below the column's bottom edge."""
    seed_buildings(sqlite_store, staff, HOT_ROWS)
    app = make_app(sqlite_store, "en")
    async with app.run_test(size=(100, 30)) as pilot:
        keys = Keys(pilot)
        screen = await open_dashboard(keys)
        column = screen.query_one(HotSpots)
        departments = screen.query_one("#hot-department", DataTable)
        assert departments.virtual_region.y >= column.scrollable_content_region.height - 1  # out of view
        await keys.press("tab", "tab")
        assert departments.has_focus
        await keys.press(*["down"] * (departments.row_count - 1))
        line = departments.virtual_region.y + 1 + departments.cursor_row

        def row_in_view() -> bool:  # the column scrolls on the next refresh
            top = column.scroll_offset.y
            return 0 < top <= line < top + column.scrollable_content_region.height

        await wait_until(pilot, row_in_view)


def crop_cells(line: str, start: int, end: int) -> str:
    """The part of a terminal line from cell ``start`` to ``end`` (a Chinese character takes two)."""
    out, x = [], 0
    for char in line:
        if start <= x < end:
            out.append(char)
        x += cell_len(char)
    return "".join(out)


def region_lines(app: Any, widget: Widget) -> list[str]:
    """The lines of the terminal that ``widget`` occupies, cut to its region."""
    region = widget.region
    lines = screen_lines(app.screen)
    return [crop_cells(lines[y], region.x, region.right).rstrip() for y in range(region.y, region.bottom)]


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_no_label_is_cut_at_any_size(sqlite_store: Store, staff: Staff, lang: str) -> None:
    """Issue 8 item 6: at 80x24 the dashboard showed ``Resolut…``, ``首次响…``, ``未完成·…`` and
    a hot-spot table cut at ``Sha``. At 80x24, 100x30 and 160x45 the on-time table shows as many
    columns as fit, each header and step whole on one line, the wide terminal all of them; each
    hot-spot table shows every column, with nothing left to scroll to sideways (S4.3, S6.6)."""
    seed_centre(sqlite_store, staff)
    headers = [t(f"tui.dashboard.col.{c}", lang) for c in ("step", "rate", "done", "overdue", "in_time")]
    steps = [t(f"step.{s}", lang) for s in ("first_response", "resolution", "feedback", "return_visit")]
    hot_headers = [t(f"tui.dashboard.col.{c}", lang) for c in ("category", "cases", "share")]
    app = make_app(sqlite_store, lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(Keys(pilot))
        for size in ((80, 24), (100, 30), (160, 45)):
            await pilot.resize_terminal(*size)
            await settle(pilot)
            text = "\n".join(screen_lines(app.screen))
            assert "…" not in text, size
            on_time = region_lines(app, screen.query_one("#dash-ontime", Static))
            head = next((i for i, line in enumerate(on_time) if line.strip().startswith(headers[0])), None)
            assert head is not None, (size, on_time)
            shown = re.split(r"\s{2,}", on_time[head].strip())
            assert shown == headers[: len(shown)] and len(shown) >= 2, (size, on_time[head])
            if size == (160, 45):
                assert shown == headers
            for step in steps:  # each step whole, at the start of its own row
                assert any(line.strip().startswith(step) for line in on_time[head + 1 :]), (size, step)
            for table in screen.query(DataTable):
                assert table.virtual_size.width <= table.scrollable_content_region.width, (size, table.id)
                assert not table.show_horizontal_scrollbar, (size, table.id)
            # The hot-spot column as it shows: the category table's header whole, all three columns.
            hot = region_lines(app, screen.query_one(HotSpots))
            header = next((line for line in hot if line.strip().startswith(hot_headers[0])), None)
            assert header is not None and re.split(r"\s{2,}", header.strip()) == hot_headers, (size, hot)
