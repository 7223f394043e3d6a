"""Evidence files (S1.4, S2.2; DESIGN.md "Evidence"; issue 7, item 6): read within the size limit
without holding more of the file than that, only ordinary files, stored under a safe base name,
and saved back out only inside the folder chosen, never over a file, readable by its owner only."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import stat
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import func, select

from complaint_tui import paths
from complaint_tui import services as sv
from complaint_tui.db import Store
from complaint_tui.errors import DeskError, InvalidInput
from complaint_tui.models import Case, Evidence, EvidenceBlob
from complaint_tui.screens.evidence import SaveEvidenceScreen
from complaint_tui.services import EvidenceInput
from complaint_tui.services.evidence import FILENAME_MAX_BYTES, FILENAME_MAX_CHARS, safe_filename
from tests.conftest import Team
from tests.helpers import intake_form
from tests.tui.conftest import Keys, Staff, file_intake, make_app, settle

MB = 1024 * 1024
PHOTO = b"\xff\xd8\xff\xe0 a photo of the ceiling"


def refusal(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(InvalidInput) as err:
        call()
    [problem] = err.value.problems
    return problem.field, problem.rule


def within(seconds: float, call: Callable[[], Any]) -> Any:
    """``call()`` in a thread; a call still running after ``seconds`` fails the test (it hung)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # handed to the test's thread
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still blocked after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    assert hasattr(os, "mkfifo"), "the desk runs on POSIX systems, which have FIFOs"
    path = tmp_path / "evidence.jpg"
    os.mkfifo(path)
    yield path
    # A reader the code under test left blocked in open() is released by a writer appearing.
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass


# --- reading a file -----------------------------------------------------------------------


def test_a_file_is_read_and_hashed_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "漏水照片.jpg"
    data = os.urandom(3 * MB + 123)  # several read chunks
    path.write_bytes(data)
    item = EvidenceInput.from_path(path, "业主微信", max_bytes=4 * MB)
    assert item.data == data
    assert item.sha256 == hashlib.sha256(data).hexdigest()
    assert (item.filename, item.kind, item.source) == ("漏水照片.jpg", "photo", "业主微信")


def test_a_file_of_exactly_the_limit_is_taken_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"x" * 1000)
    assert len(EvidenceInput.from_path(path, "维修工", max_bytes=1000).data) == 1000
    path.write_bytes(b"x" * 1001)
    assert refusal(lambda: EvidenceInput.from_path(path, "维修工", max_bytes=1000)) == (
        "evidence_file",
        "file_too_large",
    )


def test_the_default_limit_is_the_policys_25_mb(tmp_path: Path) -> None:
    path = tmp_path / "video.mp4"
    with path.open("wb") as out:
        out.truncate(25 * MB + 1)  # sparse: no disk used
    assert refusal(lambda: EvidenceInput.from_path(path, "业主")) == ("evidence_file", "file_too_large")


def test_a_huge_file_is_refused_without_being_read_into_memory(tmp_path: Path) -> None:
    """The tester's 1.5 GB video took 1.6 GB of memory; now the limit bounds what is held."""
    path = tmp_path / "huge.mp4"
    with path.open("wb") as out:
        out.truncate(64 * MB)  # sparse, so the test costs no disk
    tracemalloc.start()
    try:
        started = time.perf_counter()
        assert refusal(lambda: EvidenceInput.from_path(path, "业主", max_bytes=MB)) == (
            "evidence_file",
            "file_too_large",
        )
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * MB, f"held {peak / MB:.1f} MB of a file refused at 1 MB"
    assert elapsed < 5


def test_a_growing_file_is_stopped_at_the_limit_even_if_it_was_small_when_looked_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit is enforced on the bytes read, not on the size the file claimed beforehand."""
    path = tmp_path / "recording.m4a"
    path.write_bytes(b"a" * 10)
    real_fstat = os.fstat
    looked: list[os.stat_result] = []

    def then_grows(fd: int) -> os.stat_result:
        if not looked:
            looked.append(real_fstat(fd))
            path.write_bytes(b"a" * (2 * MB))  # the recorder keeps writing after the look
        return looked[0]  # what the file claimed when it was looked at

    monkeypatch.setattr(os, "fstat", then_grows)
    assert refusal(lambda: EvidenceInput.from_path(path, "业主", max_bytes=MB)) == ("evidence_file", "file_too_large")


def test_a_fifo_is_refused_at_once(fifo: Path) -> None:
    assert within(5, lambda: refusal(lambda: EvidenceInput.from_path(fifo, "业主"))) == (
        "evidence_path",
        "file_not_regular",
    )


def test_a_fifo_swapped_in_after_the_check_cannot_hang_the_desk(
    fifo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the look at the path and the open, the path may become a FIFO: the open must not
    wait for a writer, and the open file is checked again."""
    regular = tmp_path / "regular.jpg"
    regular.write_bytes(PHOTO)
    real_stat = os.stat

    def looks_regular(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        return real_stat(regular if str(path) == str(fifo) else path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", looks_regular)
    assert within(5, lambda: refusal(lambda: EvidenceInput.from_path(fifo, "业主"))) == (
        "evidence_path",
        "file_not_regular",
    )


def test_a_fifo_or_device_is_refused_without_being_opened(
    fifo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening is already an act on a device (a tape rewinds, a watchdog arms): refuse first."""
    opened: list[str] = []
    real_open = os.open

    def spy(path: Any, *args: Any, **kwargs: Any) -> int:
        opened.append(os.path.realpath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    for path in (fifo, Path(os.devnull), tmp_path):
        assert within(5, lambda p=path: refusal(lambda: EvidenceInput.from_path(p, "业主"))) == (
            "evidence_path",
            "file_not_regular",
        )
    assert opened == []


def test_folders_devices_and_sockets_are_refused(tmp_path: Path) -> None:
    assert refusal(lambda: EvidenceInput.from_path(tmp_path, "业主")) == ("evidence_path", "file_not_regular")
    assert within(5, lambda: refusal(lambda: EvidenceInput.from_path(os.devnull, "业主"))) == (
        "evidence_path",
        "file_not_regular",
    )
    if hasattr(socket, "AF_UNIX") and len(str(tmp_path / "s")) < 100:
        sock = socket.socket(socket.AF_UNIX)
        try:
            sock.bind(str(tmp_path / "s"))
            assert refusal(lambda: EvidenceInput.from_path(tmp_path / "s", "业主")) == (
                "evidence_path",
                "file_not_regular",
            )
        finally:
            sock.close()


def test_a_symlink_is_followed_to_the_file_it_names_and_refused_if_that_is_no_file(tmp_path: Path, fifo: Path) -> None:
    target = tmp_path / "IMG_2034.jpg"
    target.write_bytes(PHOTO)
    link = tmp_path / "latest.jpg"
    link.symlink_to(target)
    item = EvidenceInput.from_path(link, "业主")
    assert (item.data, item.filename) == (PHOTO, "latest.jpg")
    to_fifo = tmp_path / "trap.jpg"
    to_fifo.symlink_to(fifo)
    assert within(5, lambda: refusal(lambda: EvidenceInput.from_path(to_fifo, "业主"))) == (
        "evidence_path",
        "file_not_regular",
    )
    dangling = tmp_path / "gone.jpg"
    dangling.symlink_to(tmp_path / "nothing-here")
    assert refusal(lambda: EvidenceInput.from_path(dangling, "业主")) == ("evidence_path", "file_unreadable")


@pytest.mark.parametrize("name", ["missing.jpg", "bad\x00name.jpg", "bad\udc80name.jpg"])
def test_an_unreadable_path_is_a_field_problem_not_a_traceback(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidInput) as err:
        EvidenceInput.from_path(tmp_path / name, "业主")
    [problem] = err.value.problems
    assert (problem.field, problem.rule) == ("evidence_path", "file_unreadable")
    assert "\x00" not in err.value.message("en")


def _as_unprivileged(call: Callable[[], tuple[str, str]]) -> tuple[str, str]:
    """``call()`` under a user that file permissions bind: this process, or, as root (CI runs as
    root, and root reads any file), a forked child that drops to ``nobody`` first."""
    if os.geteuid() != 0:
        return call()
    import pwd

    nobody = pwd.getpwnam("nobody")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop root for good, try, report through the pipe
        code = 1
        try:
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            os.write(write_end, "|".join(call()).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        got = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the unprivileged child failed"
    field, rule = got.split("|")
    return field, rule


def test_a_file_without_read_permission_is_unreadable() -> None:
    # A folder of its own that nobody may enter but not list, holding a file nobody may read.
    folder = Path(tempfile.mkdtemp(prefix="ctui-unreadable-"))
    try:
        folder.chmod(0o711)
        path = folder / "private.jpg"
        path.write_bytes(PHOTO)
        path.chmod(0)
        assert _as_unprivileged(lambda: refusal(lambda: EvidenceInput.from_path(path, "业主"))) == (
            "evidence_path",
            "file_unreadable",
        )
    finally:
        shutil.rmtree(folder)


# --- the stored name ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,safe",
    [
        ("ceiling.jpg", "ceiling.jpg"),
        ("漏水 照片.jpg", "漏水 照片.jpg"),
        ("../../x", "x"),
        ("../../../etc/cron.d/job", "job"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("/abs/path/photo.png", "photo.png"),
        ("..", "evidence"),
        (".", "evidence"),
        ("", "evidence"),
        ("   ", "evidence"),
        ("folder/", "evidence"),
        (".bashrc", "bashrc"),
        ("-rf.jpg", "rf.jpg"),
        ("--.jpg", "jpg"),
        ("...hidden.txt", "hidden.txt"),
        ("\x1b[31mred.jpg", "[31mred.jpg"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("a\x00b.jpg", "ab.jpg"),
        ("what?.jpg", "what_.jpg"),
        ("x:y|z.pdf", "x_y_z.pdf"),
        ("name. ", "name"),
    ],
)
def test_a_stored_file_name_is_a_safe_base_name(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


@pytest.mark.parametrize("name", ["a" * 300 + ".jpg", "照" * 300 + ".jpg", "x" * 1000, "照" * 100 + "." + "y" * 40])
def test_a_long_file_name_is_cut_to_fit_keeping_its_extension(name: str) -> None:
    safe = safe_filename(name)
    assert 0 < len(safe) <= FILENAME_MAX_CHARS and len(safe.encode()) <= FILENAME_MAX_BYTES
    if name.endswith(".jpg"):
        assert safe.endswith(".jpg") and safe[0] == name[0]


def test_the_file_name_is_made_safe_when_stored(store: Store, team: Team) -> None:
    bad = EvidenceInput("photo", "业主微信", "../../etc/\x1bpasswd", PHOTO)
    r = sv.intake(store, team.desk, intake_form(evidence=[bad]))
    with store.read() as s:
        row = s.exec(select(Evidence).where(Evidence.case_id == r.case_id)).one()
    assert row.filename == "passwd"


def test_evidence_text_fields_follow_the_text_rules(store: Store, team: Team) -> None:
    """The source and note of a file are free text like any other: no control characters, and a
    source too long for its column is a field problem, not a database error."""
    items = [
        EvidenceInput("photo", "业主\x00微信", "a.jpg", PHOTO),
        EvidenceInput("photo", "x" * 201, "b.jpg", PHOTO),
        EvidenceInput("photo", "业主", "c.jpg", PHOTO, note="\u202e备注"),
        EvidenceInput("photo", "\u200b", "d.jpg", PHOTO),
    ]
    with pytest.raises(InvalidInput) as err:
        sv.intake(store, team.desk, intake_form(evidence=items))
    assert {(p.field, p.rule, p.params["item"]) for p in err.value.problems} == {
        ("evidence_source", "control_char", 1),
        ("evidence_source", "too_long", 2),
        ("evidence_note", "control_char", 3),
        ("evidence_source", "required", 4),
    }
    with store.read() as s:
        assert s.exec(select(func.count()).select_from(Case)).one() == 0
        assert s.exec(select(func.count()).select_from(EvidenceBlob)).one() == 0


def test_a_photo_taken_before_2000_is_a_typo(store: Store, team: Team) -> None:
    import datetime as dt

    old = EvidenceInput("photo", "业主", "a.jpg", PHOTO, taken_on=dt.date(760, 1, 1))
    with pytest.raises(InvalidInput) as err:
        sv.intake(store, team.desk, intake_form(evidence=[old]))
    assert [(p.field, p.rule) for p in err.value.problems] == [("evidence_taken_on", "date_range")]


# --- saving a copy ------------------------------------------------------------------------


def stored_with_old_name(store: Store, team: Team, name: str) -> str:
    """A case with one photo whose row holds ``name`` as written before names were made safe."""
    r = sv.intake(store, team.desk, intake_form(evidence=[EvidenceInput("photo", "业主", "a.jpg", PHOTO)]))
    with store.write() as s:
        s.execute(update(Evidence).where(Evidence.case_id == r.case_id).values(filename=name))  # type: ignore[arg-type]
    return hashlib.sha256(PHOTO).hexdigest()


def test_an_old_row_with_a_path_in_its_name_is_saved_inside_the_chosen_folder(
    store: Store, team: Team, tmp_path: Path
) -> None:
    sha = stored_with_old_name(store, team, "../../x")
    root = tmp_path / "home"
    folder = root / "a" / "copies"
    folder.mkdir(parents=True)
    written = sv.save_evidence_copy(store, sha, "../../x", folder)
    assert written == folder / "x" and written.read_bytes() == PHOTO
    assert [p for p in root.rglob("*") if p.is_file()] == [folder / "x"]


def test_a_copy_is_readable_by_its_owner_only_and_never_replaces_a_file(
    store: Store, team: Team, tmp_path: Path
) -> None:
    sha = stored_with_old_name(store, team, "ceiling.jpg")
    written = sv.save_evidence_copy(store, sha, "ceiling.jpg", tmp_path)
    if os.name == "posix":
        assert stat.S_IMODE(written.stat().st_mode) == 0o600
    written.write_bytes(b"edited since")
    with pytest.raises(DeskError) as err:
        sv.save_evidence_copy(store, sha, "ceiling.jpg", tmp_path)
    assert err.value.key == "error.evidence_exists" and written.read_bytes() == b"edited since"


def test_a_copy_does_not_follow_a_link_planted_under_its_name(store: Store, team: Team, tmp_path: Path) -> None:
    sha = stored_with_old_name(store, team, "ceiling.jpg")
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep me")
    folder = tmp_path / "copies"
    folder.mkdir()
    (folder / "ceiling.jpg").symlink_to(victim)
    with pytest.raises(DeskError) as err:
        sv.save_evidence_copy(store, sha, "ceiling.jpg", folder)
    assert err.value.key == "error.evidence_exists" and victim.read_bytes() == b"keep me"


async def test_the_save_dialog_offers_the_safe_name_inside_the_folder(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The desk's dialog fills the path in from the stored name: an old ``../../x`` row must not
    point the copy out of the folder when the clerk just presses ctrl+s."""
    staff = Staff(sqlite_store)
    r = file_intake(sqlite_store, staff.desk, evidence=[EvidenceInput("photo", "业主", "a.jpg", PHOTO)])
    with sqlite_store.write() as s:
        s.execute(update(Evidence).where(Evidence.case_id == r.case_id).values(filename="../../x.jpg"))  # type: ignore[arg-type]
    root = tmp_path / "home"
    folder = root / "one" / "downloads"
    folder.mkdir(parents=True)
    monkeypatch.setattr(paths, "copies_dir", lambda: folder)
    app = make_app(sqlite_store, "en")
    async with app.run_test(size=(140, 45)) as pilot:
        keys = Keys(pilot)
        await settle(pilot)
        await keys.press("enter", "E")
        assert isinstance(app.screen, SaveEvidenceScreen)
        assert app.screen.query_one("#copy-path").value == str(folder / "x.jpg")  # type: ignore[attr-defined]
        await keys.press("ctrl+s")
        await settle(pilot)
    assert (folder / "x.jpg").read_bytes() == PHOTO
    assert [p for p in root.rglob("*") if p.is_file()] == [folder / "x.jpg"]
