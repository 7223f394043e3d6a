"""What a typed key costs the desk (issue 8, item 12): a key redraws what it changed, not the
whole screen, and the screen still shows everything it changed.

A screen layout redoes every widget of a form (the intake has a hundred); Textual's ``Input``
asked for one on every character and Textual's ``Footer`` rebuilt its keys on every Tab. These
tests count the layouts and the rebuilt keys, and read the screen to see nothing was lost.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets._footer import FooterKey

from complaint_tui.db import Store
from complaint_tui.desk import OpenCase
from complaint_tui.screens.case import CaseScreen
from complaint_tui.screens.forms import ActionForm
from complaint_tui.services import acknowledge, add_staff
from complaint_tui.widgets.picker import PickerBar
from tests.tui.conftest import NOW, Keys, Staff, file_intake, make_app, screen_text, settle, wait_until


def count_layouts(screen: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A counter of the layouts of ``screen`` from now on (one element a layout)."""
    done: list[int] = []
    layout = screen._refresh_layout

    def counted(*args: Any, **kwargs: Any) -> None:
        done.append(1)
        layout(*args, **kwargs)

    monkeypatch.setattr(screen, "_refresh_layout", counted)
    return done


async def laid_out(pilot: Any) -> None:
    """Until the screen has done the layout a key before asked for: its frame timer does it on
    the next tick, which the counting would otherwise charge to the next key (seen 4 runs in 6)."""
    await wait_until(pilot, lambda: not pilot.app.screen._layout_required)


async def test_typing_in_an_intake_field_lays_nothing_out_and_shows_every_character(
    sqlite_store: Store, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S1.4: a phone number typed key by key, then a name longer than its field: no key lays the
    form out again, the field shows the digits, and the long name's end (where the cursor is)."""
    app = make_app(sqlite_store, "en", operator="zhao")
    async with app.run_test(size=(100, 30)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.press("f3")
        await keys.press("2")  # hotline: the phone field next
        assert app.focused is not None and app.focused.id == "f-phone"
        await laid_out(pilot)  # the choice's own layout (the form below it moves) is not the phone's
        layouts = count_layouts(app.screen, monkeypatch)
        await keys.press(*"13812345678")
        # At most one: the key bar lays the screen out when the screen's keys change state (as the
        # phone fills, 4 runs in 6); before FieldInput every one of the 11 keys laid it out.
        assert len(layouts) <= 1
        assert "13812345678" in screen_text(app)
        await keys.press("tab")
        await laid_out(pilot)
        layouts.clear()
        long_name = "Abcdefghij" * 4 + "XYZ"  # wider than the field at 100 columns
        await keys.press(*long_name)
        assert layouts == []
        field = app.screen.query_one("#f-owner_name")
        assert field.value == long_name  # type: ignore[attr-defined]
        assert field.size.width < len(long_name)
        assert "ghijXYZ" in screen_text(app)  # scrolled to the cursor, as an Input does


async def test_the_assignee_picker_grows_and_shrinks_with_its_matches(sqlite_store: Store, staff: Staff) -> None:
    """S2.5: typing in the picker lays the form out only when the picker's height changes, and
    then it does: the picker is as tall as its lines at every step."""
    for i in range(12):
        add_staff(
            sqlite_store, staff.supervisor, login=f"h{i}", name=f"Handler {i}", role="handler", department="engineering"
        )
    file_intake(sqlite_store, staff.desk, category="complaint")
    app = make_app(sqlite_store, "en")
    async with app.run_test(size=(80, 40)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.press("enter")
        assert isinstance(app.screen, CaseScreen)
        await keys.press("s")
        picker = app.screen.query_one("#ff-assignee", PickerBar)
        heights = set()
        for typed in ("h", "a", "n", "backspace", "backspace", "backspace"):
            await keys.press(typed)
            lines = len(picker.rows(picker.content_size.width))
            assert picker.content_size.height == lines, typed
            heights.add(lines)
        assert len(heights) > 1  # the rows did change: the check above saw a layout


async def test_a_dialog_keeps_its_key_row_on_tab_and_redraws_it_when_a_key_changes(
    sqlite_store: Store, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S2.4: moving through a note's fields keeps the same keys at the foot of the dialog (not
    rebuilt each Tab); a key the form stops allowing is shown disabled at once."""
    case_id = file_intake(sqlite_store, staff.desk).case_id
    acknowledge(sqlite_store, staff.handler, case_id, 1, "phone", "已联系", now=NOW)
    app = make_app(sqlite_store, "en")
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        app.post_message(OpenCase(case_id))
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen) and app.screen.detail is not None)
        await keys.press("n")
        form = app.screen
        assert isinstance(form, ActionForm)
        before = list(form.query(FooterKey))
        assert before
        await keys.press("tab", "tab", "shift+tab")
        assert list(form.query(FooterKey)) == before  # the same widgets, not new ones alike

        def reload_keys(disabled: bool) -> bool:
            return any(k.key == "ctrl+r" and k.has_class("-disabled") == disabled for k in form.query(FooterKey))

        assert reload_keys(disabled=False)
        # None: the key shows, dimmed (Textual hides a key on False).
        monkeypatch.setattr(
            ActionForm, "check_action", lambda self, action, p: None if action == "take_new_version" else True
        )
        form.refresh_bindings()
        form.refresh()  # Textual's footer rebuilds after the next repaint (a key press makes one)
        await wait_until(pilot, lambda: reload_keys(disabled=True))  # shown dimmed
