"""Intake evidence as a list the keyboard can move into, edit and remove from (issue 8, item 2;
SPEC S1.4): an item is never added without its source, a refused save points at the item it
refuses, and the case is saved with each item as last edited.

The words go into the fields through the widget (``tests.tui.helpers.put``); the keys that are
under test (Enter, Tab, Delete, ctrl+f, ctrl+s) are pressed.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select
from textual.widgets import Input

from complaint_tui.db import Store
from complaint_tui.i18n import t
from complaint_tui.models import Case, Evidence
from complaint_tui.screens.intake import IntakeScreen, ReceiptScreen
from complaint_tui.widgets.evidence_list import EvidenceList
from complaint_tui.widgets.long_text import LongText
from tests.tui.conftest import Keys, Staff, make_app, screen_text, settle
from tests.tui.helpers import put


def field(app: object, name: str) -> Input | LongText:
    return app.screen.field(name)  # type: ignore[attr-defined, no-any-return]


async def fill_the_call(keys: Keys) -> None:
    """A complaint by WeChat (no confirmation dialog), every required field filled."""
    app = keys.pilot.app
    await keys.press("3")  # WeChat: not a live channel (no contact read-back)
    for name, text in (
        ("phone", "13900001111"),
        ("owner_name", "刘洋"),
        ("building", "5栋"),
        ("unit", "1"),
        ("room", "302"),
        ("object_text", "厨房顶棚"),
        ("matter_what", "楼上漏水"),
        ("demand", "尽快修好"),
    ):
        put(field(app, name), text)
    app.screen.query_one("#f-object_kind").pick("facility")  # type: ignore[attr-defined]
    app.screen.query_one("#f-category").pick("repair")  # type: ignore[attr-defined]
    await settle(keys.pilot)


async def test_evidence_is_added_with_its_source_and_can_be_edited_and_removed(
    sqlite_store: Store, staff: Staff, evidence_file: Path, tmp_path: Path
) -> None:
    """S1.4: Enter in the path goes on to the source (no item without one); ctrl+f without a
    source says so at the source; the list is reached by Tab, Enter edits an item's source, date
    and note, Delete removes one; the case holds the items as they were left."""
    second = tmp_path / "receipt.pdf"
    second.write_bytes(b"%PDF-1.4 a receipt")
    app = make_app(sqlite_store, "en", operator="zhao")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.press("f3")
        assert isinstance(app.screen, IntakeScreen)
        await fill_the_call(keys)
        listing = app.screen.query_one(EvidenceList)
        assert not listing.display  # nothing to move into yet

        field(app, "evidence_path").focus()
        put(field(app, "evidence_path"), str(evidence_file))
        await keys.press("enter")
        assert app.focused is field(app, "evidence_source")
        assert not app.screen.evidence  # type: ignore[attr-defined]
        await keys.press("ctrl+f")  # no source yet: refused at the source
        assert "Evidence source" in screen_text(app)
        assert app.focused is field(app, "evidence_source")
        assert not app.screen.evidence  # type: ignore[attr-defined]

        put(field(app, "evidence_source"), "owner's WeChat")
        await keys.press("enter")
        put(field(app, "evidence_taken_on"), "2026-03-01")
        await keys.press("enter")
        put(field(app, "evidence_note"), "ceiling stain")
        await keys.press("enter")  # Enter in the note adds the item
        assert listing.display and listing.option_count == 1
        assert field(app, "evidence_path").value == "" and field(app, "evidence_source").value == ""

        field(app, "evidence_path").focus()
        put(field(app, "evidence_path"), str(second))
        put(field(app, "evidence_source"), "owner")
        await keys.press("ctrl+f")
        assert listing.option_count == 2

        # Into the list, to the first item, and edit it.
        field(app, "evidence_note").focus()
        await keys.press("tab")
        assert app.focused is listing
        await keys.press("up", "enter")
        assert field(app, "evidence_path").value == "leak.jpg" and field(app, "evidence_path").disabled
        assert field(app, "evidence_source").value == "owner's WeChat"
        assert field(app, "evidence_note").value == "ceiling stain"
        assert app.focused is field(app, "evidence_source")
        put(field(app, "evidence_source"), "property photo")
        put(field(app, "evidence_note"), "stain over the sink")
        await keys.press("ctrl+f")
        assert app.focused is listing and not field(app, "evidence_path").disabled
        assert t("tui.intake.evidence_kept", "en", item=1) in screen_text(app)

        # The second item goes.
        await keys.press("down", "delete")
        assert listing.option_count == 1
        assert "receipt.pdf" not in screen_text(app)

        await keys.press("ctrl+s")
        assert isinstance(app.screen, ReceiptScreen)
    with sqlite_store.read() as session:
        case = session.exec(select(Case)).one()
        stored = session.exec(select(Evidence).where(Evidence.case_id == case.id)).all()
    assert [(e.filename, e.source, e.note, str(e.taken_on)) for e in stored] == [
        ("leak.jpg", "property photo", "stain over the sink", "2026-03-01")
    ]


async def test_a_refused_save_points_at_the_evidence_item(
    sqlite_store: Store, staff: Staff, evidence_file: Path
) -> None:
    """S1.4: an item dated in the future is refused by the save; the list is focused on that item
    and the status line names it; Esc leaves an item being edited as it was; after correcting the
    date the save goes through and nothing else typed was lost."""
    app = make_app(sqlite_store, "zh", operator="zhao")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.press("f3")
        await fill_the_call(keys)
        put(field(app, "evidence_path"), str(evidence_file))
        put(field(app, "evidence_source"), "业主微信")
        put(field(app, "evidence_taken_on"), "2026-03-01")
        await keys.press("ctrl+f")
        put(field(app, "evidence_path"), str(evidence_file))
        put(field(app, "evidence_source"), "业主")
        put(field(app, "evidence_taken_on"), "2030-01-01")  # after today: refused by the save
        await keys.press("ctrl+f")
        listing = app.screen.query_one(EvidenceList)
        assert listing.option_count == 2

        await keys.press("ctrl+s")
        assert isinstance(app.screen, IntakeScreen)
        assert app.focused is listing and listing.highlighted == 1
        status = screen_text(app)
        assert t("tui.intake.evidence_check", "zh", item=2, problem="").rstrip() in status
        assert field(app, "owner_name").value == "刘洋"  # nothing typed is lost

        await keys.press("enter")  # edit item 2
        assert field(app, "evidence_taken_on").value == "2030-01-01"
        put(field(app, "evidence_taken_on"), "2019-01-01")
        await keys.press("escape")  # changed my mind: item 2 stays as it was
        assert app.focused is listing and not field(app, "evidence_path").disabled
        assert "2030-01-01" in screen_text(app)

        await keys.press("enter")
        put(field(app, "evidence_taken_on"), "2026-02-28")
        await keys.press("ctrl+f", "ctrl+s")
        assert isinstance(app.screen, ReceiptScreen)
    with sqlite_store.read() as session:
        dates = sorted(str(e.taken_on) for e in session.exec(select(Evidence)).all())
    assert dates == ["2026-02-28", "2026-03-01"]
