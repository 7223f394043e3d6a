"""Type-ahead (issue 8, item 1): a clerk types a whole form and its save key without waiting for
the screen, while the store (and the owner lookup) are slowed down; the database holds exactly
what was typed, each text in its field.

The keys are posted to the App all at once (``tests.tui.helpers.burst``), the way a terminal
delivers keys typed faster than a busy desk shows them: nothing waits between two keys.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from sqlmodel import Session, select
from textual.css.query import NoMatches

from complaint_tui.db import Store
from complaint_tui.desk import OpenCase
from complaint_tui.models import Case, DepartmentTask, InvestigationNote, Owner, OwnerUpdate, Plan, Room
from complaint_tui.screens.case import CaseScreen
from complaint_tui.services import acknowledge, add_note, add_task, plan, record_finding
from tests.tui.conftest import NOW, Staff, file_intake, make_app, settle, wait_until
from tests.tui.helpers import burst

DELAY = 0.25  # seconds each read and write of the store takes, as on a busy server


def slowed(opener: Callable[[], AbstractContextManager[Session]]) -> Callable[[], AbstractContextManager[Session]]:
    @contextmanager
    def slow() -> Iterator[Session]:
        time.sleep(DELAY)
        with opener() as session:
            yield session

    return slow


@pytest.fixture
def slow_store(sqlite_store: Store, monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call it to slow every read and write of the desk's store (after the test's own setup)."""

    def slow_down() -> None:
        monkeypatch.setattr(sqlite_store, "read", slowed(sqlite_store.read))
        monkeypatch.setattr(sqlite_store, "write", slowed(sqlite_store.write))

    return slow_down


def value_of(app: Any, selector: str) -> str | None:
    """What the field ``selector`` holds on the screen shown, or None while it is not there."""
    try:
        return str(app.screen.query_one(selector).value)
    except NoMatches:
        return None


def rows(store: Store, model: Any, case_id: int) -> list[Any]:
    with store.read() as session:
        return list(session.exec(select(model).where(model.case_id == case_id).order_by(model.id)).all())


def version(store: Store, case_id: int) -> int:
    with store.read() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case.version


async def test_a_whole_phone_intake_typed_ahead_lands_in_its_fields(
    sqlite_store: Store, staff: Staff, slow_store: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """S1.2, S1.4, S6.2: the owner is known by phone, but the lookup answers late (after the clerk
    has typed on); the new owner's name typed after Enter stays as typed, every word is in its
    field, the save takes every key before ctrl+s, the contact is confirmed with the key typed
    ahead of the dialog, and the Enter typed ahead of the receipt starts a clean form."""
    file_intake(sqlite_store, staff.desk, received_at=None)  # 张伟 on 13812345678, 3栋-2-1502
    from complaint_tui.screens import intake as intake_screen

    looked_up = intake_screen.owner_history

    def late_lookup(*args: Any, **kwargs: Any) -> Any:
        # The owner is found only once the clerk has typed the caller's name (and gone on).
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and typed_name() != "徐娜":
            time.sleep(0.05)
        return looked_up(*args, **kwargs)

    def typed_name() -> str | None:
        try:
            return value_of(app, "#f-owner_name")
        except Exception:  # read from the lookup's thread while the form changes: look again
            return None

    monkeypatch.setattr(intake_screen, "owner_history", late_lookup)
    app = make_app(sqlite_store, "zh", operator="zhao")
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        slow_store()
        burst(
            app,
            "f3",  # the intake form is built while the keys come
            "2",  # hotline
            "13812345678",
            "enter",  # the lookup starts and answers late
            "徐娜",  # the owner's daughter calls this time
            "enter",
            "3栋",
            "enter",
            "2",
            "enter",
            "1502",
            "enter",
            "2",  # object: a facility
            "2号电梯",
            "enter",
            "电梯停在12楼不动",
            "enter",
            "今天早上",
            "enter",
            "enter",  # where: left empty
            "仍未恢复",
            "enter",
            "尽快修复",
            "enter",
            "1",  # repair
            "2",  # high
            "ctrl+s",
            "y",  # the contact read back and confirmed (live channel)
            "enter",  # the receipt read out: the next call
        )

        def saved() -> bool:
            with sqlite_store.read() as session:
                return len(session.exec(select(Case)).all()) == 2

        await wait_until(pilot, saved, timeout=180)
        await settle(pilot)
        await wait_until(pilot, lambda: app.focused is not None and app.focused.id == "f-channel", timeout=20)
        with sqlite_store.read() as session:
            case = session.exec(select(Case).order_by(Case.id.desc())).first()
            assert case is not None
            owner, room = session.get(Owner, case.owner_id), session.get(Room, case.room_id)
            assert owner is not None and room is not None
        assert (owner.name, owner.phone) == ("徐娜", "13812345678")
        assert (room.building, room.unit, room.room) == ("3栋", "2", "1502")
        typed = {
            "channel": "hotline",
            "object_kind": "facility",
            "object_text": "2号电梯",
            "matter_what": "电梯停在12楼不动",
            "matter_when": "今天早上",
            "matter_where": "",
            "matter_state": "仍未恢复",
            "demand": "尽快修复",
            "category": "repair",
            "urgency": "high",
        }
        assert {name: getattr(case, name) for name in typed} == typed
        assert case.contact_confirmed
        # The Enter typed ahead of the receipt: a clean form, the channel first.
        assert app.screen.id == "intake"
        assert app.focused is not None and app.focused.id == "f-channel"
        assert app.screen.query_one("#f-owner_name").value == ""  # type: ignore[attr-defined]


async def open_case(pilot: Any, case_id: int) -> CaseScreen:
    pilot.app.post_message(OpenCase(case_id))
    await settle(pilot)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CaseScreen) and pilot.app.screen.detail is not None)
    screen = pilot.app.screen
    assert isinstance(screen, CaseScreen)
    return screen


def acknowledged(store: Store, staff: Staff) -> int:
    case_id = file_intake(store, staff.desk).case_id
    acknowledge(store, staff.handler, case_id, version(store, case_id), "phone", "已联系", now=NOW)
    return case_id


def investigated(store: Store, staff: Staff) -> int:
    case_id = acknowledged(store, staff)
    add_note(store, staff.handler, case_id, version(store, case_id), "site_inspection", "现场查看属实", now=NOW)
    record_finding(
        store,
        staff.handler,
        case_id,
        version(store, case_id),
        responsibility="property_company",
        cause_code="facility_fault",
        cause_text="防水层老化",
        valid=True,
        validity_reason="属维修范围",
        signatories="张伟、李强",
        confirmed_by_id=staff.handler.id,
        now=NOW,
    )
    return case_id


def planned(store: Store, staff: Staff) -> int:
    case_id = investigated(store, staff)
    deadline = NOW + dt.timedelta(days=2)
    plan(
        store,
        staff.handler,
        case_id,
        version(store, case_id),
        measures="重做防水",
        deadline=deadline,
        department="engineering",
        responsible_name="李强",
        now=NOW,
    )
    return case_id


def with_task(store: Store, staff: Staff) -> int:
    case_id = planned(store, staff)
    due = NOW + dt.timedelta(hours=5)
    add_task(
        store,
        staff.handler,
        case_id,
        version(store, case_id),
        department="environment",
        what="清理",
        due_at=due,
        now=NOW,
    )
    return case_id


def new_case(store: Store, staff: Staff) -> int:
    return file_intake(store, staff.desk).case_id


# Each verb form: how the case gets there, the keys (the verb's key first, ctrl+s last), and
# what the database must hold afterwards.
FORMS: list[tuple[str, Callable[[Store, Staff], int], tuple[str, ...], Callable[[Store, int], object], object]] = [
    (
        "first response",
        new_case,
        ("a", "已联系业主，今天下午上门查看", "ctrl+s"),
        lambda s, c: [u.content for u in rows(s, OwnerUpdate, c)][1:],  # after the intake's receipt
        ["已联系业主，今天下午上门查看"],
    ),
    (
        "update the owner",
        acknowledged,
        ("o", "维修师傅明早九点到，请家里留人", "ctrl+s"),
        lambda s, c: [u.content for u in rows(s, OwnerUpdate, c)][-1],
        "维修师傅明早九点到，请家里留人",
    ),
    (
        "investigation note",
        acknowledged,
        ("n", "1", "tab", "李强", "tab", "卫生间防水层破损，顶棚渗水", "ctrl+s"),  # no party: a site visit
        lambda s, c: [(n.person, n.content) for n in rows(s, InvestigationNote, c)],
        [("李强", "卫生间防水层破损，顶棚渗水")],
    ),
    (
        "plan",
        investigated,
        ("p", "重做防水层并修补顶棚", "ctrl+s"),
        lambda s, c: [p.measures for p in rows(s, Plan, c)],
        ["重做防水层并修补顶棚"],
    ),
    (
        "department task",
        planned,
        ("t", "3", "清理楼道杂物并消毒", "ctrl+s"),
        lambda s, c: [t.what for t in rows(s, DepartmentTask, c)],
        ["清理楼道杂物并消毒"],
    ),
    (
        "finish a task",
        with_task,
        ("d", "1", "已清理完毕，业主确认", "ctrl+s"),
        lambda s, c: [t.result for t in rows(s, DepartmentTask, c)],
        ["已清理完毕，业主确认"],
    ),
]


@pytest.mark.parametrize(("what", "setup", "keys", "stored", "expected"), FORMS, ids=[f[0] for f in FORMS])
async def test_a_verb_form_typed_ahead_saves_every_key(
    sqlite_store: Store,
    staff: Staff,
    slow_store: Callable[[], None],
    what: str,
    setup: Callable[[Store, Staff], int],
    keys: tuple[str, ...],
    stored: Callable[[Store, int], object],
    expected: object,
) -> None:
    """S2-S3: the verb's key, its words and ctrl+s typed at once, the form still mounting and the
    store slow: the text is stored whole, in its field (never cut short, never "required")."""
    case_id = setup(sqlite_store, staff)
    app = make_app(sqlite_store, "zh", operator="wang")
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        await open_case(pilot, case_id)
        slow_store()
        burst(app, *keys)
        await wait_until(pilot, lambda: stored(sqlite_store, case_id) == expected, timeout=120)
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)  # the form closed: saved, nothing refused


async def test_keys_typed_while_a_save_runs_go_to_the_next_form(
    sqlite_store: Store, staff: Staff, slow_store: Callable[[], None]
) -> None:
    """S2.1 then an owner update, typed as one burst: the keys after the first ctrl+s wait for the
    save and the case's reload, then open the next form and fill it (none lost in the closing
    form, none read against the case as it was before the save)."""
    case_id = new_case(sqlite_store, staff)
    app = make_app(sqlite_store, "zh", operator="wang")
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        await open_case(pilot, case_id)
        slow_store()
        burst(app, "a", "已联系业主", "ctrl+s", "o", "明早九点上门", "ctrl+s")
        expected = ["已联系业主", "明早九点上门"]
        updates = lambda: [u.content for u in rows(sqlite_store, OwnerUpdate, case_id)][1:]  # noqa: E731
        await wait_until(pilot, lambda: updates() == expected, 120)
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)


async def test_a_name_typed_over_the_owner_found_replaces_it(sqlite_store: Store, staff: Staff) -> None:
    """S6.2: the lookup answers before the clerk types (the known owner's name fills the empty,
    focused name field, the focus stays there); the name the clerk then types replaces the offer
    instead of being added to it, and the rooms filled are kept."""
    file_intake(sqlite_store, staff.desk, received_at=None)  # 张伟 on 13812345678, 3栋-2-1502
    app = make_app(sqlite_store, "zh", operator="zhao")
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        burst(app, "f3", "2", "13812345678", "enter")
        await wait_until(pilot, lambda: value_of(app, "#f-owner_name") == "张伟", timeout=60)
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "f-owner_name"
        burst(app, "徐娜", "enter")
        await wait_until(pilot, lambda: app.focused is not None and app.focused.id == "f-building", timeout=60)
        assert (value_of(app, "#f-owner_name"), value_of(app, "#f-room")) == ("徐娜", "1502")
