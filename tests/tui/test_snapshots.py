"""SVG snapshots of the desk's screens (issue 3, item 11): sign-in, queue, intake, each case tab,
the dashboard and the help screen, in zh and en, at 80x24, 100x30 and 160x45 (issue 8 item 6).
Time is fixed, the input cursor does not blink, so a change in a snapshot is a change in the screen.

Update the baselines with ``--snapshot-update`` after looking at the report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from complaint_tui.db import Store
from tests.tui.conftest import Staff, make_app, seed_centre, settle

SIZES = {"80x24": (80, 24), "100x30": (100, 30), "160x45": (160, 45)}
CASE_TABS = ("overview", "investigation", "resolution", "feedback", "history")
SCREENS = ("signin", "queue", "intake", *(f"case-{tab}" for tab in CASE_TABS), "dashboard", "help")


def steps(screen: str, ids: dict[str, int]) -> Callable[[Pilot[None]], Any]:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        app: Any = pilot.app
        if screen == "intake":
            await pilot.press("f3", "2")
        elif screen.startswith("case-"):
            app.open_case(ids["visited"])
            await settle(pilot)
            await pilot.press(str(CASE_TABS.index(screen.removeprefix("case-")) + 1))
        elif screen == "dashboard":
            await pilot.press("f4")
        elif screen == "help":  # the keys of the case screen: the longest list, some dimmed
            app.open_case(ids["visited"])
            await settle(pilot)
            await pilot.press("f1")
        await settle(pilot)
        for box in app.screen.query(Input):
            box.cursor_blink = False
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("screen", SCREENS)
def test_screen(screen: str, lang: str, size: str, sqlite_store: Store, staff: Staff, snap_compare: Any) -> None:
    ids = seed_centre(sqlite_store, staff)
    app = make_app(sqlite_store, lang, operator=None if screen == "signin" else "wang")
    assert snap_compare(app, terminal_size=SIZES[size], run_before=steps(screen, ids))
