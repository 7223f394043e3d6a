"""The desk's messages seen on the screen (STYLE 6a, issue 10 item 2): a save on this desk tells
the other screens at once, without waiting for the poll of other desks' changes."""

from __future__ import annotations

from textual.widgets import DataTable

from complaint_tui.db import Store
from complaint_tui.screens.case import CaseScreen
from complaint_tui.screens.queue import QueueScreen
from tests.tui.conftest import Keys, Staff, file_intake, make_app, settle


def status_in_queue(screen: QueueScreen, case_id: int) -> str:
    return str(screen.query_one(DataTable).get_cell(str(case_id), "status"))


async def test_a_save_shows_in_the_queue_at_once(sqlite_store: Store, staff: Staff) -> None:
    """S2.1: the first response given on the case screen; back in the queue (no polling at all
    in this app) the case's row already says "investigating"."""
    receipt = file_intake(sqlite_store, staff.desk)
    app = make_app(sqlite_store, "en", operator="li", poll_seconds=None)
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        assert status_in_queue(queue, receipt.case_id) == "received"
        await keys.press("enter")
        assert isinstance(app.screen, CaseScreen)
        await keys.press("a")  # give the first response: the channel (phone) is preset
        await keys.type("Called the owner back")
        await keys.press("ctrl+s")
        assert isinstance(app.screen, CaseScreen)
        await keys.press("escape")
        assert app.screen is queue
        assert status_in_queue(queue, receipt.case_id) == "investigating"
