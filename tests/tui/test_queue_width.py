"""The queue chooses its columns by the terminal's width (issue 8 item 6): the room is never cut,
and what has no room is on the detail line of the highlighted case."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, SelectionList

from complaint_tui.db import Store
from complaint_tui.i18n import t
from complaint_tui.views.queue import ALWAYS, COLUMNS, columns_for
from tests.tui.conftest import Staff, make_app, screen_text, seed_centre, settle, shown

ROOMS = ("3栋-2-1502", "12栋-1-801")  # two of the seeded cases' rooms, as the desk writes them


def header(app: object) -> list[str]:
    table = app.screen.query_one(DataTable)  # type: ignore[attr-defined]
    return [str(c.key.value) for c in table.columns.values()]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_a_narrow_queue_keeps_the_room_whole_and_tells_the_rest_below(
    sqlite_store: Store, staff: Staff, lang: str, size: tuple[int, int]
) -> None:
    seed_centre(sqlite_store, staff)
    app = make_app(sqlite_store, lang)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        text = screen_text(app)
        for room in ROOMS:
            assert room in text, (room, text)
        columns = header(app)
        assert {"number", "due", "address"} <= set(columns)
        assert "owner" not in columns  # no room for it here…
        detail = shown(app, "#queue-detail")
        assert t("tui.queue.col.owner", lang) in detail  # …so it is on the detail line
        table = app.screen.query_one(DataTable)
        assert table.virtual_size.width <= table.size.width  # nothing scrolls out sideways


async def test_a_wide_queue_shows_every_column_and_no_detail_line(sqlite_store: Store, staff: Staff) -> None:
    seed_centre(sqlite_store, staff)
    app = make_app(sqlite_store, "zh")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert header(app) == [c for c in COLUMNS if c != "estate"]  # one estate: no column for it
        assert not app.screen.query_one("#queue-detail").display
        await pilot.resize_terminal(100, 30)
        await settle(pilot)
        assert "owner" not in header(app) and app.screen.query_one("#queue-detail").display
        for room in ROOMS:
            assert room in screen_text(app)


def test_columns_for_keeps_the_must_haves_and_fits_the_rest() -> None:
    widths = dict.fromkeys(COLUMNS, 10)
    assert columns_for(20, widths) == tuple(c for c in COLUMNS if c in ALWAYS)  # even when too narrow
    chosen = columns_for(80, widths)
    assert sum(widths[c] + 2 for c in chosen) <= 80 - 2
    assert len(chosen) == 6  # 6 × 12 cells fit in 78, 7 do not
    assert columns_for(200, widths) == COLUMNS


async def test_a_store_of_two_estates_shows_the_estate_and_filters_by_it(
    sqlite_store: Store, staff: Staff, tmp_path: Path
) -> None:
    """Issue 9 item 6: with two estates the queue names each case's estate beside its room, and
    the filter dialog offers the estates; with one it shows neither (the test above)."""
    from complaint_tui.screens.filters import FilterScreen
    from tests.tui.conftest import Keys, file_intake
    from tests.tui.test_intake_estates import two_estates

    store = two_estates(sqlite_store, tmp_path)
    file_intake(store, staff.desk, estate="hy")
    app = make_app(store, "zh")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert "estate" in header(app)
        assert "海韵花园" in screen_text(app) and "3栋-2-1502" in screen_text(app)
        await Keys(pilot).press("f")
        assert isinstance(app.screen, FilterScreen)
        estates = app.screen.query_one("#filter-estates", SelectionList)
        assert [str(estates.get_option_at_index(i).prompt) for i in range(estates.option_count)] == [
            "绿湖小区",
            "海韵花园",
        ]
