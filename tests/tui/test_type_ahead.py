"""Type-ahead (issue 8, item 1): a clerk types a whole form and its save key without waiting for
the screen, while the store (and the owner lookup) are slowed down; the database holds exactly
what was typed, each text in its field.

Fields of several lines (``LongText``) are held to the same order: Enter in them is a line break,
Tab the next field, and ctrl+s saves every line typed before it.

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
from complaint_tui.models import (
    AuditEvent,
    Case,
    CaseContact,
    CasePause,
    DepartmentTask,
    Feedback,
    Finding,
    FollowUp,
    InvestigationNote,
    Owner,
    OwnerUpdate,
    Plan,
    Referral,
    ReturnVisit,
    Room,
)
from complaint_tui.screens.case import CaseScreen
from complaint_tui.services import acknowledge, add_note, plan, record_finding, resolve
from tests.tui.conftest import NOW, Staff, file_intake, make_app, screen_text, settle, wait_until
from tests.tui.helpers import burst

DELAY = 0.25  # seconds each read and write of the store takes, as on a busy server


def slowed(
    opener: Callable[[], AbstractContextManager[Session]], delay: float
) -> Callable[[], AbstractContextManager[Session]]:
    @contextmanager
    def slow() -> Iterator[Session]:
        time.sleep(delay)
        with opener() as session:
            yield session

    return slow


@pytest.fixture
def slow_store(sqlite_store: Store, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Call it to slow every read and write of the desk's store (after the test's own setup);
    ``read=`` a shorter delay for the reads where a test reloads a case many times."""

    def slow_down(read: float = DELAY) -> None:
        monkeypatch.setattr(sqlite_store, "read", slowed(sqlite_store.read, read))
        monkeypatch.setattr(sqlite_store, "write", slowed(sqlite_store.write, DELAY))

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
    has typed on); the caller's name typed after Enter stays as typed, every word is in its
    field (the owner's words in lines: Enter starts one, Tab goes on), the save takes every key
    before ctrl+s, the contact is confirmed with the key typed
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
            "enter",  # several lines: Enter starts the next, Tab goes on
            "里面没有人",
            "tab",
            "今天早上",
            "enter",
            "enter",  # where: left empty
            "仍未恢复",
            "enter",
            "已报物业",
            "tab",
            "尽快修复",
            "enter",
            "并说明原因",
            "tab",
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
        # The daughter is the caller, kept on the case as typed; the owner's record keeps its name.
        assert (case.caller_name, case.caller_phone) == ("徐娜", "13812345678")
        assert (owner.name, owner.phone) == ("张伟", "13812345678")
        assert (room.building, room.unit, room.room) == ("3栋", "2", "1502")
        typed = {
            "channel": "hotline",
            "object_kind": "facility",
            "object_text": "2号电梯",
            "matter_what": "电梯停在12楼不动\n里面没有人",
            "matter_when": "今天早上",
            "matter_where": "",
            "matter_state": "仍未恢复\n已报物业",
            "demand": "尽快修复\n并说明原因",
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


def new_case(store: Store, staff: Staff) -> int:
    return file_intake(store, staff.desk).case_id


def out_of_scope(store: Store, staff: Staff) -> int:
    """Investigated: a third party's doing, to refer (S3.2)."""
    case_id = acknowledged(store, staff)
    add_note(store, staff.handler, case_id, version(store, case_id), "site_inspection", "燃气管道问题", now=NOW)
    record_finding(
        store,
        staff.handler,
        case_id,
        version(store, case_id),
        responsibility="third_party",
        cause_code="third_party",
        cause_text="燃气公司管道",
        valid=True,
        validity_reason="属燃气公司维护范围",
        signatories="张伟、李强",
        confirmed_by_id=staff.handler.id,
        now=NOW,
    )
    return case_id


def resolved(store: Store, staff: Staff) -> int:
    case_id = planned(store, staff)
    resolve(store, staff.handler, case_id, version(store, case_id), now=NOW)
    return case_id


def audited(store: Store, case_id: int, action: str, key: str) -> list[Any]:
    """What the audit trail holds under ``key`` for each ``action`` step on the case."""
    return [(e.after or {}).get(key) for e in rows(store, AuditEvent, case_id) if e.action == action]


def records(store: Store, case_id: int, *what: tuple[Any, str]) -> dict[str, list[Any]]:
    """``{"Model.field": [value of each row]}`` for each ``(Model, field)``."""
    return {f"{model.__name__}.{name}": [getattr(r, name) for r in rows(store, model, case_id)] for model, name in what}


def first_steps(store: Store, case_id: int) -> object:
    with store.read() as session:
        case = session.get(Case, case_id)
        assert case is not None
        typed = (case.matter_what, case.matter_state, case.demand)
    return {
        "intake": typed,
        "updates": [u.content for u in rows(store, OwnerUpdate, case_id)][1:],  # after the intake's receipt
        **records(store, case_id, (CaseContact, "kind"), (CaseContact, "content")),
        "reclassify": audited(store, case_id, "reclassify", "reason"),
        **records(store, case_id, (CasePause, "reason")),
    }


def investigation(store: Store, case_id: int) -> object:
    return {
        **records(
            store,
            case_id,
            (InvestigationNote, "person"),
            (InvestigationNote, "content"),
            (Finding, "cause_text"),
            (Finding, "validity_reason"),
            (Finding, "signatories"),
        ),
        "owner_confirms": audited(store, case_id, "owner_confirms_finding", "content"),
    }


def resolution(store: Store, case_id: int) -> object:
    return records(
        store,
        case_id,
        (Plan, "measures"),
        (Plan, "resources"),
        (DepartmentTask, "what"),
        (DepartmentTask, "result"),
        (FollowUp, "content"),
    )


def closing(store: Store, case_id: int) -> object:
    with store.read() as session:
        case = session.get(Case, case_id)
        assert case is not None
        withdrawn = case.withdrawn_reason
    return {
        **records(
            store,
            case_id,
            (Feedback, "what_done"),
            (Feedback, "measures"),
            (Feedback, "result"),
            (Feedback, "unmet_reason"),
            (Feedback, "next_step"),
            (ReturnVisit, "remaining_issues"),
            (ReturnVisit, "external_recourse"),
        ),
        "reopen": audited(store, case_id, "reopen", "reason"),
        "withdrawn": withdrawn,
    }


def referral(store: Store, case_id: int) -> object:
    with store.read() as session:
        case = session.get(Case, case_id)
        assert case is not None
        closed = case.close_reason
    return {**records(store, case_id, (Referral, "explanation"), (Referral, "authority_text")), "closed": closed}


# Every verb form with a field of several lines, typed as a desk types on a live call: the verb's
# key, Chinese words with line breaks (Enter) in each long field, Tab between fields, ctrl+s, and
# at once the next verb's key, all in one burst. Grouped by the case state each chain starts
# from (one desk session each), with what the database must hold afterwards.
CHAINS: list[tuple[str, Callable[[Store, Staff], int], tuple[str, ...], Callable[[Store, int], object], object]] = [
    (
        "correct, respond, chase, append, update, reclassify, pause",
        new_case,
        (
            "I",  # the intake record: the focus starts at the first empty field (when)
            "shift+tab",
            "enter",
            "阳台",
            "tab",
            "tab",
            "tab",
            "滴水",
            "enter",
            "接盆",
            "tab",
            "enter",
            "说明",
            "ctrl+s",
            "a",
            "联系",
            "enter",
            "上门",
            "ctrl+s",
            "h",
            "1",
            "催促",
            "enter",
            "答复",
            "ctrl+s",
            "plus",
            "1",
            "渗水",
            "enter",
            "并办",
            "ctrl+s",
            "o",
            "九点",
            "enter",
            "留人",
            "ctrl+s",
            "K",
            "shift+tab",
            "1",  # critical: the focus goes on to the reason
            "电线",
            "enter",
            "触电",
            "ctrl+s",
            "z",
            "出差",
            "enter",
            "周一",
            "ctrl+s",
        ),
        first_steps,
        {
            "intake": (
                "楼上卫生间漏水，厨房顶棚滴水\n阳台",
                "滴水\n接盆",
                "尽快维修并赔偿\n说明",
            ),
            "updates": ["联系\n上门", "九点\n留人"],
            "CaseContact.kind": ["chase", "append"],
            "CaseContact.content": ["催促\n答复", "渗水\n并办"],
            "reclassify": ["电线\n触电"],
            "CasePause.reason": ["出差\n周一"],
        },
    ),
    (
        "note, finding, owner confirms",
        acknowledged,
        (
            "n",
            "1",  # a site inspection: the focus goes on to the party, left empty
            "tab",
            "李强",
            "tab",
            "破损",
            "enter",
            "渗漏",
            "ctrl+s",
            "f",
            "1",
            "3",
            "老化",
            "enter",
            "过保",
            "tab",
            "tab",  # past "valid" (ticked)
            "物业",
            "enter",
            "受理",
            "tab",
            "王芳、李强",
            "ctrl+s",
            "G",
            "认可",
            "enter",
            "同意",
            "ctrl+s",
        ),
        investigation,
        {
            "InvestigationNote.person": ["李强"],
            "InvestigationNote.content": ["破损\n渗漏"],
            "Finding.cause_text": ["老化\n过保"],
            "Finding.validity_reason": ["物业\n受理"],
            "Finding.signatories": ["王芳、李强"],
            "owner_confirms": ["认可\n同意"],
        },
    ),
    (
        "plan, task, finish, follow up",
        investigated,
        (
            "p",
            "重做",
            "enter",
            "补顶",
            "tab",  # the deadline, the department and the person: as offered
            "tab",
            "tab",
            "tab",
            "材料",
            "enter",
            "工人",
            "ctrl+s",
            "t",
            "3",
            "清理",
            "enter",
            "消毒",
            "ctrl+s",
            "d",
            "1",
            "清完",
            "enter",
            "确认",
            "ctrl+s",
            "u",
            "1",
            "回访",
            "enter",
            "无漏",
            "ctrl+s",
        ),
        resolution,
        {
            "Plan.measures": ["重做\n补顶"],
            "Plan.resources": ["材料\n工人"],
            "DepartmentTask.what": ["清理\n消毒"],
            "DepartmentTask.result": ["清完\n确认"],
            "FollowUp.content": ["回访\n无漏"],
        },
    ),
    (
        "feedback, return visit, reopen, withdraw",
        resolved,
        (
            "b",
            "做完",
            "enter",
            "补好",
            "tab",  # the measures: the plan's, typed on at their end
            "enter",
            "加管",
            "tab",
            "不漏",
            "tab",
            "2",  # partly met: the focus goes on to why not
            "赔偿",
            "enter",
            "面谈",
            "tab",
            "再谈",
            "ctrl+s",
            "w",
            "2",
            "3",  # explained: a matter that cannot be solved
            "想赔",
            "enter",
            "未定",
            "tab",
            "tab",
            "投诉",
            "enter",
            "热线",
            "ctrl+s",
            "O",
            "又漏",
            "enter",
            "再查",
            "ctrl+s",
            "W",
            "撤回",
            "enter",
            "自修",
            "ctrl+s",
        ),
        closing,
        {
            "Feedback.what_done": ["做完\n补好"],
            "Feedback.measures": ["重做防水\n加管"],
            "Feedback.result": ["不漏"],
            "Feedback.unmet_reason": ["赔偿\n面谈"],
            "Feedback.next_step": ["再谈"],
            "ReturnVisit.remaining_issues": ["想赔\n未定"],
            "ReturnVisit.external_recourse": ["投诉\n热线"],
            "reopen": ["又漏\n再查"],
            "withdrawn": "撤回\n自修",
        },
    ),
    (
        "refer, force close",
        out_of_scope,
        ("r", "1", "燃气", "enter", "告知", "tab", "燃气司", "ctrl+s") + ("X", "搬离", "enter", "失联", "ctrl+s"),
        referral,
        {
            "Referral.explanation": ["燃气\n告知"],
            "Referral.authority_text": ["燃气司"],
            "closed": "搬离\n失联",
        },
    ),
]


@pytest.mark.parametrize(("what", "setup", "keys", "stored", "expected"), CHAINS, ids=[c[0] for c in CHAINS])
async def test_verb_forms_typed_ahead_save_every_key(
    sqlite_store: Store,
    staff: Staff,
    slow_store: Callable[..., None],
    what: str,
    setup: Callable[[Store, Staff], int],
    keys: tuple[str, ...],
    stored: Callable[[Store, int], object],
    expected: object,
) -> None:
    """S2-S4, issue 8 items 1 and 8: every verb form with a field of several lines, typed in one
    burst with no wait (each form still mounting, the store slow): each text is stored whole,
    line breaks and all, in its own field (never cut short, never "required", never moved)."""
    case_id = setup(sqlite_store, staff)
    app = make_app(sqlite_store, "zh", operator="wang")
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        await open_case(pilot, case_id)
        # Every save slow; the reloads after it (a case screen reads a few dozen times) less so:
        # the keys wait for them all the same, and twenty forms stay a matter of seconds.
        slow_store(read=DELAY / 5)
        burst(app, *keys)
        deadline = time.monotonic() + 240  # the chain's saves, each slowed, on a busy machine
        while stored(sqlite_store, case_id) != expected and time.monotonic() < deadline:
            await pilot.pause(0.1)
        await settle(pilot)
        # The last form closed: saved, nothing refused (else the screen says why).
        assert isinstance(app.screen, CaseScreen), screen_text(app)
        assert stored(sqlite_store, case_id) == expected


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
