"""Fixtures for the desk TUI tests: a staffed SQLite store, a fixed clock, the app factory.

The app is built exactly as ``run_app`` builds it (``DeskApp(settings, store)``), with a fixed
clock so due times and "time left" are stable, and polling off unless a test wants it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from rich.console import Console
from textual import events
from textual.app import App
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from textual.message_pump import MessagePump
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea
from textual.worker import WorkerCancelled, WorkerFailed, WorkerState

from complaint_tui.app import DeskApp
from complaint_tui.db import Store
from complaint_tui.i18n import set_language
from complaint_tui.services import IntakeForm, IntakeReceipt, Operator, add_staff, intake, sign_in
from complaint_tui.settings import Settings
from complaint_tui.textual_private import screen_lines
from tests.conftest import TEAM_PINS

# A Monday morning in the centre's zone (10:00 Asia/Shanghai): the clocks of every test.
NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


class Staff:
    """The staff of a small centre (like tests/conftest.py's Team), on the SQLite store."""

    def __init__(self, store: Store) -> None:
        pins = TEAM_PINS  # the supervisor and the desk clerk need PINs; the handlers have none
        cs = "customer_service"
        add_staff(store, None, login="wang", name="王芳", role="supervisor", department=cs, pin_code=pins["wang"])
        self.supervisor: Operator = sign_in(store, "wang", pins["wang"])
        boss = self.supervisor
        add_staff(store, boss, login="li", name="李强", role="handler", department="engineering")
        add_staff(store, boss, login="chen", name="陈静", role="handler", department=cs)
        add_staff(store, boss, login="zhao", name="赵敏", role="desk", department=cs, pin_code=pins["zhao"])
        self.handler: Operator = sign_in(store, "li")
        self.handler2: Operator = sign_in(store, "chen")
        self.desk: Operator = sign_in(store, "zhao", pins["zhao"])


@pytest.fixture
def staff(sqlite_store: Store) -> Staff:
    return Staff(sqlite_store)


def make_app(
    store: Store,
    lang: str = "en",
    operator: str | None = "wang",
    now: dt.datetime = NOW,
    poll_seconds: float | None = None,
) -> DeskApp:
    """The app as ``run_app`` builds it, at a fixed time; no polling unless ``poll_seconds``.

    ``operator`` is signed in at start with its PIN (as ``--demo`` does), straight to the queue.
    """
    pin_code = TEAM_PINS.get(operator) if operator else None
    settings = Settings(db_url=store.url_for_display(), lang=lang, operator_login=operator, operator_pin=pin_code)
    return DeskApp(settings, store, clock=lambda: now, poll_seconds=poll_seconds)


@contextmanager
def other_desk(store: Store) -> Iterator[Store]:
    """A second store on the same database file, with its own engine: another desk's connections."""
    from complaint_tui.db import make_engine

    second = Store(make_engine(store.engine.url.render_as_string(hide_password=False)), store.policy)
    try:
        yield second
    finally:
        second.engine.dispose()


async def settle(pilot: Pilot[None]) -> None:
    """Wait until the app has done everything it was asked to: no typed key held back, no worker
    running, no message waiting in the App or on the screen; then the screen is painted.

    Asked of the app, not guessed: Textual's ``Pilot.press`` and ``pause()`` wait until the
    process has used little CPU for 20 ms, up to a second each, twice a key; on a busy machine
    that was most of a TUI test's time (issue 8, item 12). A handler may start the next worker
    (a saved form reloads the case) or post the next message, so it is quiet only when two
    rounds in a row found nothing to do.
    """
    app = pilot.app
    deadline = time.monotonic() + QUIET_SECONDS
    calm = 0
    while calm < 2:
        if time.monotonic() > deadline:
            raise AssertionError(f"the desk was still busy after {QUIET_SECONDS} s")
        await _handled(app)
        if getattr(app, "keys_waiting", 0):
            calm = 0
            await asyncio.sleep(0.002)  # a key held until a save or a mount is done
        elif any(worker.state in _UNFINISHED for worker in app.workers):
            calm = 0
            # A refused save (the app shows it, the test reads it), or a load replaced by a newer
            # one (an exclusive worker cancelled): the app's own business, not the wait's.
            with contextlib.suppress(WorkerFailed, WorkerCancelled):
                await app.workers.wait_for_complete()
        elif any(pump.message_queue_size for pump in _pumps(app)):
            calm = 0
        else:
            calm += 1
    paint(app)


def paint(app: App[None]) -> None:
    """Lay out and paint what the app did, now (what the screen's refresh timer does next).

    Not ``pilot.pause(0)``: that first asks every widget of the screen to call back, a hundred
    wake-ups on a form, more CPU than the key itself (issue 8, item 12), and ``settle`` has just
    seen every widget's queue empty. The call is the one ``Pilot.pause`` ends with.
    """
    with contextlib.suppress(Exception):  # no screen yet, or the App closing: nothing to paint
        app.screen._on_timer_update()


async def _handled(app: App[None]) -> None:
    """Return once the App and its screen have handled the messages they hold now.

    Only those two are asked to call back (waking every widget of a form costs more CPU than
    the key itself); the widgets' own queues are looked at without waking them.
    """
    waiting: set[MessagePump] = set()
    done = asyncio.Event()

    def answered(pump: MessagePump) -> None:
        waiting.discard(pump)
        if not waiting:
            done.set()

    try:
        pumps: list[MessagePump] = [app, app.screen]
    except Exception:  # no screen yet, or the App closing
        pumps = [app]
    for pump in pumps:
        if pump.call_later(answered, pump):
            waiting.add(pump)
    while waiting:
        try:
            await asyncio.wait_for(done.wait(), 0.05)
        except TimeoutError:
            waiting.difference_update([p for p in waiting if not p.is_running or not p.is_attached])
            if not waiting:
                return


# Long enough for a save on a loaded machine; a test never waits this long unless it hangs.
QUIET_SECONDS = 60.0
_UNFINISHED = (WorkerState.PENDING, WorkerState.RUNNING)


def _pumps(app: App[None]) -> list[MessagePump]:
    """The App, its current screen and every widget on it."""
    try:
        screen = app.screen
    except Exception:  # no screen yet, or the App closing
        return [app]
    return [app, *screen.walk_children(with_self=True)]


def key_event(app: App[None], key: str) -> events.Key:
    """The Key event ``Pilot.press`` makes of ``key`` (Textual's names, and the character typed)."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char: str | None = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        char = key if len(key) == 1 else None
    event = events.Key(key, char)
    event.set_sender(app)
    return event


async def press(pilot: Pilot[None], *keys: str) -> None:
    """Press ``keys`` one at a time, as the terminal delivers them, each handled before the next
    (what ``Pilot.press`` does, with ``settle`` instead of its CPU-idle guesses)."""
    for key in keys:
        pilot.app.post_message(key_event(pilot.app, key))
        await settle(pilot)


async def wait_until(pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let the app run, pressing nothing, until ``condition()`` holds (or fail after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {getattr(condition, '__name__', condition)}")
        # A look every 20 ms, painted (a condition may read the screen); not ``pilot.pause``,
        # which wakes every widget of the screen each time it looks.
        await asyncio.sleep(0.02)
        paint(pilot.app)


class Keys:
    """Presses keys like a person and counts them, apart from the words typed (issue 3, item 4)."""

    def __init__(self, pilot: Pilot[None]) -> None:
        self.pilot = pilot
        self.count = 0

    async def press(self, *keys: str) -> None:
        self.count += len(keys)
        await press(self.pilot, *keys)

    async def type(self, text: str) -> None:
        """Words typed into the focused field: not counted as key presses.

        Put in through the focused widget, like a paste (issue 8, item 12): pressing each
        character waits for the app to go idle twice, half a second a character on a busy
        machine, and the characters are not what these tests are about (``test_type_ahead``
        types real keys, all at once).
        """
        await type_into_focus(self.pilot, text)

    async def field(self, text: str, then: Iterable[str] = ("enter",)) -> None:
        await self.type(text)
        await self.press(*then)


async def type_into_focus(pilot: Pilot[None], text: str) -> None:
    """``text`` into the focused Input or TextArea through the widget (replacing a selection, as
    typing does); pressed key by key where something else has the focus."""
    await settle(pilot)  # a focus() just called moves the focus only when the app gets to it
    focused = pilot.app.focused
    if isinstance(focused, Input):
        start, end = focused.selection
        focused.replace(text, min(start, end), max(start, end))
    elif isinstance(focused, TextArea):
        focused.replace(text, *focused.selection)
    else:
        await press(pilot, *text)
        return
    await settle(pilot)


def screen_text(app: DeskApp) -> str:
    """What the terminal shows now, as plain text lines."""
    return "\n".join(screen_lines(app.screen))


def shown(app: DeskApp, selector: str) -> str:
    """The plain text a Static of the current screen holds (all of it, scrolled out of view or not)."""
    content = app.screen.query_one(selector, Static).content
    console = Console(width=200, file=io.StringIO(), record=True, color_system=None)
    console.print(content)
    return console.export_text()


def intake_form(**changes: object) -> IntakeForm:
    """A typical phone complaint, with ``changes``."""
    fields: dict[str, object] = {
        "channel": "hotline",
        "owner_name": "张伟",
        "phone": "13812345678",
        "building": "3栋",
        "unit": "2",
        "room": "1502",
        "object_kind": "facility",
        "object_text": "厨房顶棚",
        "matter_what": "楼上卫生间漏水，厨房顶棚滴水",
        "demand": "尽快维修并赔偿",
        "category": "repair",
        "urgency": "normal",
        "contact_confirmed": True,
        "received_at": NOW - dt.timedelta(hours=1),
    }
    fields.update(changes)
    return IntakeForm(**fields)  # type: ignore[arg-type]


def file_intake(store: Store, operator: Operator, **changes: object) -> IntakeReceipt:
    """A complaint recorded through the service (for tests that start from an existing case)."""
    return intake(store, operator, intake_form(**changes), now=NOW)


@pytest.fixture(autouse=True)
def _english_core() -> None:
    set_language("en")


@pytest.fixture
def evidence_file(tmp_path: Path) -> Path:
    path = tmp_path / "leak.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 not really a photo, but bytes with a hash")
    return path


def seed_centre(store: Store, staff: Staff) -> dict[str, int]:
    """A small centre's cases in every stage, all at fixed times (stable snapshots).

    Returns the case ids by what they show: ``"visited"`` has notes, a finding, a plan, a
    finished task, feedback and a return visit explained as unresolvable, so every tab has rows.
    """
    from complaint_tui import services as sv

    def v(case_id: int) -> int:
        with store.read() as session:
            from complaint_tui.models import Case

            row = session.get(Case, case_id)
            assert row is not None
            return row.version

    h = staff.handler
    ids: dict[str, int] = {}
    ids["new"] = file_intake(store, staff.desk, received_at=NOW - dt.timedelta(minutes=40)).case_id
    ids["overdue"] = file_intake(
        store,
        staff.desk,
        owner_name="欧阳娜娜",
        phone="13700002222",
        building="12栋",
        unit="1",
        room="801",
        category="neighbour_dispute",
        object_kind="management",
        object_text="楼上噪音",
        matter_what="楼上每晚十二点后拖动家具",
        demand="请物业出面协调",
        received_at=NOW - dt.timedelta(hours=30),
    ).case_id
    ids["safety"] = file_intake(
        store,
        staff.desk,
        owner_name="Li Ming",
        phone="021-62345678",
        building="A座",
        unit="3",
        room="2201",
        category="safety",
        object_text="消防通道",
        matter_what="消防通道被电动车堵塞",
        demand="立即清理",
        channel="wechat",
        received_at=NOW - dt.timedelta(hours=3),
    ).case_id
    cid = ids["visited"] = file_intake(
        store,
        staff.desk,
        owner_name="王五",
        phone="13600003333",
        building="5栋",
        unit="2",
        room="302",
        received_at=NOW - dt.timedelta(days=9),
    ).case_id
    earlier = NOW - dt.timedelta(days=8)
    sv.acknowledge(store, h, cid, v(cid), "phone", "已联系业主，约定上门时间", now=earlier)
    sv.assign(store, staff.supervisor, cid, v(cid), h.id, now=earlier)
    sv.add_note(store, h, cid, v(cid), "site_inspection", "卫生间防水层破损，顶棚渗水", person="李强", now=earlier)
    sv.record_finding(
        store,
        h,
        cid,
        v(cid),
        responsibility="property_company",
        cause_code="facility_fault",
        cause_text="防水层老化",
        valid=True,
        validity_reason="属物业维修范围",
        signatories="王五、李强",
        confirmed_by_id=h.id,
        now=earlier,
    )
    sv.plan(
        store,
        h,
        cid,
        v(cid),
        measures="重做防水层并修补顶棚",
        deadline=earlier + dt.timedelta(days=3),
        department="engineering",
        responsible_name="李强",
        resources="防水材料、两名工人",
        now=earlier,
    )
    sv.add_task(
        store,
        h,
        cid,
        v(cid),
        department="environment",
        what="清理顶棚碎屑",
        due_at=earlier + dt.timedelta(days=1),
        now=earlier,
    )
    with store.read() as session:
        from sqlmodel import select

        from complaint_tui.models import DepartmentTask

        task_id = session.exec(select(DepartmentTask.id).where(DepartmentTask.case_id == cid)).one()
    later = NOW - dt.timedelta(days=6)
    sv.finish_task(store, h, cid, v(cid), task_id=int(task_id), result="已清理", now=later)
    sv.resolve(store, h, cid, v(cid), now=later)
    sv.give_feedback(
        store,
        h,
        cid,
        v(cid),
        channel="phone",
        what_done="重做防水层",
        measures="防水+修补顶棚",
        result="不再漏水",
        demand_met="partly",
        unmet_reason="赔偿金额未谈妥",
        next_step="主管与业主面谈",
        now=later,
    )
    sv.log_return_visit(
        store,
        staff.desk,
        cid,
        v(cid),
        method="phone",
        satisfaction_score=3,
        outcome="explained",
        remaining_issues="希望赔偿吊顶",
        now=NOW - dt.timedelta(days=4),
    )
    closed = file_intake(
        store,
        staff.desk,
        owner_name="赵六",
        phone="13500004444",
        room="1101",
        category="environment",
        received_at=NOW - dt.timedelta(days=20),
    ).case_id
    sv.force_close(store, staff.supervisor, closed, v(closed), "业主已搬离，无法联系", now=NOW - dt.timedelta(days=15))
    ids["closed"] = closed
    return ids
