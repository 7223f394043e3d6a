"""Saving a copy of a stored evidence file out of the store, from the case screen (DESIGN.md
"Evidence"): by keys, into a path the user types; never over an existing file; a file changed in
the store is refused."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import update

from complaint_tui.db import Store
from complaint_tui.i18n import t
from complaint_tui.models import EvidenceBlob
from complaint_tui.screens.case import CaseScreen
from complaint_tui.screens.evidence import SaveEvidenceScreen
from complaint_tui.services import EvidenceInput
from tests.tui.conftest import Keys, Staff, file_intake, make_app, settle, shown

PHOTO = b"\xff\xd8\xff\xe0 a photo of the ceiling"
RECEIPT = b"%PDF-1.4 the plumber's receipt"


def with_two_files(store: Store, staff: Staff) -> None:
    file_intake(
        store,
        staff.desk,
        evidence=[
            EvidenceInput("photo", "业主微信", "leak.jpg", PHOTO),
            EvidenceInput("document", "维修工", "receipt.pdf", RECEIPT),
        ],
    )


async def open_case(keys: Keys) -> CaseScreen:
    await settle(keys.pilot)
    await keys.press("enter")
    screen = keys.pilot.app.screen
    assert isinstance(screen, CaseScreen)
    return screen


async def type_path(keys: Keys, path: Path) -> None:
    """Replace what the path field holds: ctrl+a (start), ctrl+k (delete to the end), type."""
    await keys.press("ctrl+a", "ctrl+k")
    await keys.type(str(path))


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_save_a_copy_of_evidence_by_keys(sqlite_store: Store, staff: Staff, tmp_path: Path, lang: str) -> None:
    with_two_files(sqlite_store, staff)
    app = make_app(sqlite_store, lang)
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await open_case(keys)
        await keys.press("2")  # the investigation tab lists the files and says how to save one
        assert t("tui.case.evidence_hint", lang) in shown(app, "#pane-investigation")
        await keys.press("E")
        dialog = app.screen
        assert isinstance(dialog, SaveEvidenceScreen)
        await keys.press("2")  # the receipt: the path follows the chosen file's name
        path_box = dialog.query_one("#copy-path")
        assert path_box.has_focus and path_box.value.endswith("receipt.pdf")  # type: ignore[attr-defined]
        target = tmp_path / "copies" / "收据.pdf"
        target.parent.mkdir()
        await type_path(keys, target)
        await keys.press("ctrl+s")
        assert isinstance(app.screen, CaseScreen)
        assert shown(app, "#status").strip() == t("tui.case.copy_saved", lang, file="收据.pdf", path=str(target))
    assert target.read_bytes() == RECEIPT


async def test_a_copy_never_overwrites_and_a_folder_takes_the_stored_name(
    sqlite_store: Store, staff: Staff, tmp_path: Path
) -> None:
    with_two_files(sqlite_store, staff)
    existing = tmp_path / "leak.jpg"
    existing.write_bytes(b"someone else's file")
    app = make_app(sqlite_store, "en")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await open_case(keys)
        await keys.press("E", "1")  # the photo
        await type_path(keys, existing)
        await keys.press("enter")
        assert isinstance(app.screen, SaveEvidenceScreen)  # refused, the dialog stays
        assert t("error.evidence_exists", "en", path=str(existing)) in shown(app, "#form-banner")
        assert existing.read_bytes() == b"someone else's file"
        folder = tmp_path / "out"
        folder.mkdir()
        await type_path(keys, folder)  # a folder: the copy keeps the stored file's name
        await keys.press("ctrl+s")
        assert isinstance(app.screen, CaseScreen)
    assert (folder / "leak.jpg").read_bytes() == PHOTO


async def test_a_file_changed_in_the_store_is_not_copied(sqlite_store: Store, staff: Staff, tmp_path: Path) -> None:
    with_two_files(sqlite_store, staff)
    with sqlite_store.write() as session:
        session.execute(
            update(EvidenceBlob)
            .where(EvidenceBlob.sha256 == hashlib.sha256(PHOTO).hexdigest())
            .values(data=b"tampered")
        )
    app = make_app(sqlite_store, "en")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await open_case(keys)
        await keys.press("E", "1")
        await type_path(keys, tmp_path / "leak.jpg")
        await keys.press("ctrl+s")
        sha = hashlib.sha256(PHOTO).hexdigest()[:12]
        assert t("error.evidence_changed", "en", sha=sha) in shown(app, "#form-banner")
    assert not (tmp_path / "leak.jpg").exists()


async def test_no_save_key_without_evidence(sqlite_store: Store, staff: Staff) -> None:
    file_intake(sqlite_store, staff.desk)
    app = make_app(sqlite_store, "en")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        screen = await open_case(keys)
        assert "save_evidence" not in {a.binding.action for a in screen.active_bindings.values() if a.enabled}
        await keys.press("E")
        assert app.screen is screen
