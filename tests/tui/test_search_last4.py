"""A caller who gives only the last four digits of their phone is found from the queue search
(issue 8 item 4; SPEC S6.2): typing ``1821`` lists the cases of owners whose phone ends so, and
the cases where the four digits are a word (here a room), but not a phone that merely starts so."""

from __future__ import annotations

from textual.widgets import DataTable

from complaint_tui import services as sv
from complaint_tui.db import Store
from tests.helpers import intake_form
from tests.tui.conftest import NOW, Keys, Staff, make_app, screen_text, settle


async def test_typing_the_last_four_digits_lists_the_owners_cases(sqlite_store: Store, staff: Staff) -> None:
    def take(**changes: str) -> sv.IntakeReceipt:
        return sv.intake(sqlite_store, staff.desk, intake_form(**changes), now=NOW)

    theirs = [take(owner_name="徐娜", phone="189 9646 1821", room=room) for room in ("1502", "801")]
    room_1821 = take(owner_name="刘伟", phone="13812345678", room="1821")
    starts_so = take(owner_name="李明", phone="18210000000", room="1703")
    take(owner_name="周杰", phone="13912340000", room="1901")
    app = make_app(sqlite_store, "zh")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        keys = Keys(pilot)
        await keys.press("slash")
        await keys.type("1821")
        await keys.press("enter")
        table = app.screen.query_one(DataTable)
        listed = {int(str(key.value)) for key in table.rows}
        assert listed == {r.case_id for r in theirs} | {room_1821.case_id}
        text = screen_text(app)
        for receipt in (*theirs, room_1821):
            assert receipt.number in text
        assert starts_so.number not in text
