"""The queue's filter dialog fits Chinese labels whole (issue 8 item 6): no option or list
label is cut inside a word at 100x30 or larger."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.widgets import Checkbox, SelectionList

from complaint_tui.db import Store
from complaint_tui.screens.filters import FilterScreen
from tests.tui.conftest import Keys, Staff, make_app, settle


@pytest.mark.parametrize("size", [(100, 30), (160, 45)])
@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_every_filter_choice_has_room_for_its_label(
    sqlite_store: Store, staff: Staff, lang: str, size: tuple[int, int]
) -> None:
    app = make_app(sqlite_store, lang)
    async with app.run_test(size=size) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.press("f")
        assert isinstance(app.screen, FilterScreen)
        for chooser in app.screen.query(SelectionList):
            room = chooser.scrollable_content_region.width
            for i in range(chooser.option_count):
                label = str(chooser.get_option_at_index(i).prompt)
                # the check box and its gap take 4 cells; the option's padding one each side
                assert cell_len(label) + 6 <= room, (chooser.id, label, room)
        rows = {chooser.region.y for chooser in app.screen.query(SelectionList)}
        assert len(rows) == (2 if size[0] >= 130 else 3)  # five lists: 3 + 2 a row when wide, else 2 + 2 + 1
        for switch in app.screen.query(Checkbox):
            assert cell_len(str(switch.label)) + 4 <= switch.content_region.width, str(switch.label)
