"""The demo's stories: which cases arrive when, how each one goes, and the run that writes them all."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any, cast

from sqlalchemy import func, select
from sqlmodel import SQLModel

from complaint_tui.audit_chain import GENESIS, Event, link
from complaint_tui.db import Store
from complaint_tui.demo import data
from complaint_tui.demo.clone import COPIED, Cloner, Template, TemplateCase, copies_for
from complaint_tui.demo.media import Blob, blobs
from complaint_tui.demo.simulation import (
    DAY,
    HOUR,
    MINUTE,
    CaseSim,
    DemoOwner,
    DemoRoom,
    DemoRuleBroken,
    DemoStaff,
    DocCase,
    SimClock,
    SimTask,
    StopWalk,
    record,
)
from complaint_tui.demo.writer import CHILD_ORDER, COLUMNS, ID_TABLES, Writer, check_columns
from complaint_tui.errors import DeskError
from complaint_tui.estates import DEFAULT_ESTATE
from complaint_tui.models import (
    OPEN_STATUSES,
    Case,
    ContactKind,
    DemandMet,
    NoteKind,
    ObjectKind,
    Owner,
    Party,
    Role,
    Room,
    Status,
    UpdateKind,
    VisitOutcome,
)
from complaint_tui.policy import Policy
from complaint_tui.policy import Step as Clock
from complaint_tui.services.pin_hash import hash_pin
from complaint_tui.services.search_index import case_document
from complaint_tui.validation import RuleBroken, normalise_phone
from complaint_tui.workflow import (
    Action,
    Actor,
    queue_due_at,
)

DAYS = 183  # about six months of history up to ``now``
BATCH_CASES = 2_000  # cases generated, then written, at a time
COMMIT_EVERY = 10  # batches per transaction
# Every demo account's PIN (README: Accounts and PINs); ``--demo`` signs in with it.
DEMO_PIN = "2468"


@dataclass(frozen=True)
class DemoSummary:
    """What ``build_demo`` made, and how long it took."""

    cases: int
    seconds: float
    staff: int = 0
    owners: int = 0
    rooms: int = 0
    rows: int = 0


# --- the stories ------------------------------------------------------------------------------


class _Path(Enum):
    """How a case's story goes, if time allows it to get that far."""

    CLOSE = "close"  # investigated, planned, resolved, fed back, satisfied visit, closed
    REFER = "refer"  # out of scope: referred, fed back, satisfied visit, closed
    REOPEN_VISIT = "reopen_visit"  # a dissatisfied visit reopens it; the second cycle closes it
    REOPEN_MANUAL = "reopen_manual"  # closed, then reopened by a supervisor when the problem came back
    EXPLAINED = "explained"  # dissatisfied, explained once more, force-closed by a supervisor
    FORCE_EARLY = "force_early"  # the owner cannot be reached: force-closed during the investigation
    WITHDRAW = "withdraw"
    MERGE = "merge"  # a duplicate of an open case of the same owner and room


_PATH_WEIGHTS = (
    (_Path.CLOSE, 60),
    (_Path.REFER, 9),
    (_Path.REOPEN_VISIT, 8),
    (_Path.REOPEN_MANUAL, 2),
    (_Path.EXPLAINED, 4),
    (_Path.FORCE_EARLY, 2),
    (_Path.WITHDRAW, 5),
    (_Path.MERGE, 5),
)
# Open cases left standing: (status, the actions the walk stops before, minimum age in days,
# clocks paused waiting on the owner).
_STALLS: tuple[tuple[Status, frozenset[Action], float, bool], ...] = (
    (Status.RECEIVED, frozenset({Action.ACKNOWLEDGE}), 0.0, False),
    (Status.INVESTIGATING, frozenset({Action.RECORD_FINDING}), 0.2, False),
    (Status.INVESTIGATING, frozenset({Action.PLAN, Action.REFER}), 1.0, False),
    (Status.INVESTIGATING, frozenset({Action.RECORD_FINDING}), 0.5, True),
    (Status.RESOLVING, frozenset({Action.FINISH_TASK, Action.RESOLVE}), 1.5, False),
    (Status.RESOLVING, frozenset({Action.RESOLVE}), 2.0, False),
    (Status.RESOLVED, frozenset({Action.GIVE_FEEDBACK}), 2.5, False),
    (Status.REFERRED, frozenset({Action.GIVE_FEEDBACK}), 2.5, False),
    (Status.FEEDBACK_GIVEN, frozenset({Action.LOG_RETURN_VISIT}), 4.0, False),
)
_CATEGORY_WEIGHTS = {
    "repair": 30,
    "complaint": 18,
    "neighbour_dispute": 13,
    "safety": 9,
    "environment": 20,
    "other": 6,
}
_CHANNEL_WEIGHTS = {"front_desk": 18, "hotline": 34, "wechat": 22, "owner_app": 18, "email": 8}
_URGENCY_WEIGHTS = (4, 18, 60, 18)  # most urgent first; levels past these get 10
# Calls by local hour of day (the desk's day starts at 8; the hotline never closes).
_HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 8, 16, 20, 20, 17, 11, 10, 16, 18, 17, 14, 12, 12, 10, 8, 5, 2)
_DESK_HOURS = range(8, 19)
_CONTACT_FOR_CHANNEL = {
    "front_desk": "in_person",
    "hotline": "phone",
    "wechat": "wechat",
    "owner_app": "app",
    "email": "email",
}


@dataclass
class _Plan:
    path: _Path
    stall: Status | None = None
    stop_before: frozenset[Action] = frozenset()
    pause_mid: bool = False
    pause_end: bool = False
    append: bool = False


class Generator:
    """Makes the whole demo: staff, owners, rooms, then the cases day by day, in batches."""

    def __init__(
        self, store: Store, cases: int, seed: int, now: dt.datetime, progress: bool, scratch: bool = False
    ) -> None:
        self.store = store
        self.policy: Policy = store.policy
        self.wanted = cases
        # Past a few thousand stories the rest are copies of them (demo.clone): ``total`` is the
        # number of stories simulated, ``copies`` how many times each is written.
        self.copies, self.total = copies_for(cases)
        self.template = Template(self.copies)
        self.indexes: list[tuple[str, str]] = []
        self.bases: dict[str, int] = {}
        self.rng = random.Random(seed)
        self.now = now
        self.progress = progress
        self.writer = Writer(store, scratch)
        self.ts = self.writer.ts
        self.rows: dict[str, list[Any]] = {name: [] for name in (*CHILD_ORDER, "case_search")}
        self.ids: dict[str, Iterator[int]] = {}
        self.batch: list[CaseSim] = []
        self.counters: dict[str, int] = {}
        self.made = 0
        self.owner_count = 0
        self.room_count = 0
        self.phones: set[str] = set()
        self.start = (now.astimezone(self.policy.zone) - dt.timedelta(days=DAYS - 1)).date()
        self.staff: list[DemoStaff] = []
        self.blobs: list[Blob] = []
        # Each file's stored row, written with the batch that first attaches it: as a service
        # stores a file on first use, no file sits in the store that no evidence refers to.
        self.blob_rows: dict[str, tuple[Any, ...]] = {}
        self.new_blobs: list[tuple[Any, ...]] = []
        self._plan_rooms()
        self._plan_matters()
        self._stall_deck: list[int] = []
        self._path_cum = list(itertools.accumulate(w for _, w in _PATH_WEIGHTS))
        # The audit chain's last link, carried from event to event as the rows are made.
        self.chain_last_id, self.chain_prev, self.chain_events = 0, GENESIS, 0

    # -- ids and rows

    def next_id(self, name: str) -> int:
        return next(self.ids[name])

    def add(self, name: str, row: Sequence[Any]) -> None:
        self.rows[name].append(row)

    def audit_row(
        self,
        case_id: int | None,
        staff_id: int | None,
        at: dt.datetime,
        action: str,
        version: int | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        """An audit event sealed into the chain as ``audit_chain`` seals the services' events.

        Ids are given out in the order events are made, and rows are written in that order, so
        id order is chain order here too.
        """
        event_id = self.next_id("audit_event")
        if self.copies > 1 and case_id is not None:
            self.template.events.append((event_id, case_id, staff_id, at, action, version, before, after))
        self.chain_prev = link(self.chain_prev, Event(case_id, staff_id, at, action, version, before, after))
        self.chain_events += 1
        self.chain_last_id = event_id
        js = self.writer.js
        self.add(
            "audit_event",
            (event_id, case_id, staff_id, self.writer.ts(at), action, version, js(before), js(after), self.chain_prev),
        )

    def record(self, name: str, values: Sequence[Any]) -> dict[str, Any]:
        """A row's values (times as datetimes) as services.base.record_dict puts them into an audit event."""
        return record(COLUMNS[name], tuple(values))

    def owner_update(
        self, case: CaseSim, kind: UpdateKind, channel: str, content: str, staff: DemoStaff, at: dt.datetime
    ) -> None:
        self.add(
            "owner_update", (self.next_id("owner_update"), case.id, kind.value, channel, content, staff.id, self.ts(at))
        )

    # -- the roster and the places

    def _roster(self, base: int, created: dt.datetime) -> list[tuple[Any, ...]]:
        departments = list(self.policy.departments)
        rows: list[tuple[Any, ...]] = []
        seeds = list(data.ROSTER)
        covered = {s.department for s in seeds if s.role == Role.HANDLER.value and s.active}
        pin_hash = hash_pin(DEMO_PIN)  # once: each hash takes a few tenths of a second
        extra = iter(data.EXTRA_HANDLERS)
        for dept in departments:
            # A department the centre's policy adds gets two handlers of its own.
            for _ in range(0 if dept in covered else 2):
                login, name = next(extra, (f"h{len(seeds)}", f"{data.SURNAMES[len(seeds) % 50]}工"))
                seeds.append(data.StaffSeed(login, name, Role.HANDLER.value, dept))
        for i, s in enumerate(seeds):
            # a department the centre's policy does not have: the staff member joins the first one
            home = (
                s.department if s.department in self.policy.departments else (departments[0] if s.department else None)
            )
            role = Role(s.role)
            member = DemoStaff(base + i, s.login, s.name, role, home, s.active, Actor(base + i, role, home))
            self.staff.append(member)
            rows.append((member.id, s.login, s.name, s.role, home, s.active, pin_hash, self.ts(created), 0, None))
        self.desks = [s for s in self.staff if s.role is Role.DESK and s.active]
        self.supervisors = [s for s in self.staff if s.role is Role.SUPERVISOR and s.active]
        self.handlers = [s for s in self.staff if s.role is Role.HANDLER and s.active]
        self.by_dept: dict[str, list[DemoStaff]] = {
            d: [s for s in self.handlers if s.department == d] or self.handlers for d in departments
        }
        self.subjects = [s for s in self.staff if s.role in (Role.HANDLER, Role.DESK) and s.active]
        return rows

    def _plan_rooms(self) -> None:
        """Every room of the estate, with how often it complains (a few rooms complain a lot)."""
        self.rooms: list[DemoRoom] = []
        weights: list[float] = []
        for bi, (building, top) in enumerate(data.BUILDINGS):
            older = 1.6 if bi < 4 else 1.0  # the oldest buildings need more repairs
            for unit in data.UNITS:
                for floor in range(2, top + 1):
                    for idx in range(1, data.ROOMS_PER_FLOOR + 1):
                        self.rooms.append(DemoRoom(building, unit, f"{floor}{idx:02d}", floor, idx, top))
                        weights.append(older * self.rng.paretovariate(2.0))
        self.room_cum = list(itertools.accumulate(weights))

    def _plan_matters(self) -> None:
        cats = list(self.policy.categories)
        self.cat_codes = cats
        self.cat_cum = list(itertools.accumulate(_CATEGORY_WEIGHTS.get(c, 6) for c in cats))
        self.matters_for: dict[str, list[data.Matter]] = {}
        for code in cats:
            own = [m for m in data.MATTERS if m.category == code and m.measures]
            self.matters_for[code] = own or [data.GENERIC_MATTER]
        self.referable = [m for m in data.MATTERS if m.referral is not None and m.category in self.policy.categories]
        urg = list(self.policy.urgencies)
        self.urg_codes = urg
        self.urg_cum = list(
            itertools.accumulate(_URGENCY_WEIGHTS[i] if i < len(_URGENCY_WEIGHTS) else 10 for i in range(len(urg)))
        )
        self.chan_codes = list(self.policy.channels)
        self.chan_cum_day = list(itertools.accumulate(_CHANNEL_WEIGHTS.get(c, 8) for c in self.chan_codes))
        night = [0 if c == "front_desk" else _CHANNEL_WEIGHTS.get(c, 8) for c in self.chan_codes]
        self.chan_cum_night = list(itertools.accumulate(night)) if any(night) else self.chan_cum_day
        self.hour_cum = list(itertools.accumulate(_HOUR_WEIGHTS))

    def _room(self) -> DemoRoom:
        room = self.rng.choices(self.rooms, cum_weights=self.room_cum)[0]
        if not room.id:
            room.id = self.next_id("room")
            self.room_count += 1
            self.add("room", (room.id, room.building, room.unit, room.room, DEFAULT_ESTATE))
        return room

    def _owner(self, room: DemoRoom, at: dt.datetime) -> DemoOwner:
        """The room's owner; now and then another member of the household calls instead."""
        owners = room.owners
        if owners and (len(owners) > 1 or self.rng.random() > 0.06):
            return owners[0] if len(owners) == 1 or self.rng.random() < 0.7 else owners[1]
        rng = self.rng
        name = rng.choice(data.SURNAMES) + rng.choice(data.GIVEN_NAMES)
        while True:
            if rng.random() < 0.05:
                area, length = rng.choice(data.LANDLINE_AREAS)
                phone = f"{area}-{rng.randint(2, 8)}{rng.randrange(10 ** (length - 1)):0{length - 1}d}"
            else:
                phone = f"{rng.choice(data.MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
            if phone in self.phones:
                continue
            try:
                stored = normalise_phone(phone)
            except RuleBroken:
                continue  # a range the numbering plan does not give out (say 0769-8...): draw again
            if stored != phone:
                raise DemoRuleBroken(f"demo phone {phone} is not in the normalised form")
            break
        self.phones.add(phone)
        owner = DemoOwner(self.next_id("owner"), name, phone)
        self.owner_count += 1
        self.add("owner", (owner.id, name, phone, self.ts(at)))
        room.owners = [*(owners or []), owner]
        return owner

    # -- evidence

    def _evidence(
        self, case: CaseSim, note_id: int | None, blob: Blob, source: str, note: str, staff: DemoStaff, at: dt.datetime
    ) -> str:
        local = at.astimezone(self.policy.zone)
        prefix = {"photo": "IMG", "audio": "REC", "document": "DOC"}.get(blob.kind, "FILE")
        filename = f"{prefix}_{local:%Y%m%d_%H%M}.{blob.ext}"
        first = self.blob_rows.pop(blob.sha256, None)
        if first is not None:
            self.new_blobs.append(first)
        self.add(
            "evidence",
            (
                self.next_id("evidence"),
                case.id,
                note_id,
                blob.kind,
                source,
                self.writer.day(local.date()),
                filename,
                blob.sha256,
                blob.size,
                note,
                staff.id,
                self.ts(at),
            ),
        )
        return filename

    def intake_evidence(self, case: CaseSim, staff: DemoStaff, at: dt.datetime) -> list[str]:
        """The files the owner sent with the complaint: their names."""
        rng = self.rng
        chance = {"wechat": 0.55, "owner_app": 0.5, "email": 0.4, "hotline": 0.2}.get(case.channel, 0.15)
        if rng.random() >= chance:
            return []
        if case.channel == "hotline":
            blob, source = self.blobs[3], "24小时服务热线通话录音"
        elif case.channel == "email":
            blob, source = self.blobs[4], "业主邮件附件"
        else:
            blob, source = (
                self.blobs[rng.randrange(3)],
                f"业主提供（{self.policy.label('channels', case.channel, 'zh')}）",
            )
        return [self._evidence(case, None, blob, source, case.matter.evidence_hint, staff, at)]

    def note_evidence(self, case: CaseSim, note_id: int, kind: str, staff: DemoStaff, at: dt.datetime) -> list[str]:
        if kind != NoteKind.SITE_INSPECTION.value or self.rng.random() >= 0.6:
            return []
        blob = self.blobs[self.rng.randrange(3)]
        return [self._evidence(case, note_id, blob, "现场拍摄", "现场检查照片", staff, at)]

    # -- choosing a case

    def _pick(self, pool: Sequence[DemoStaff], case: CaseSim) -> DemoStaff:
        """Someone from ``pool`` who is not the staff member the case is about (S2.5)."""
        subject = case.subject.id if case.subject else None
        choices = [s for s in pool if s.id != subject] or [s for s in self.supervisors if s.id != subject]
        return self.rng.choice(choices)

    def _handler(self, case: CaseSim, department: str | None = None) -> DemoStaff:
        return self._pick(self.by_dept.get(department or case.department or "", self.handlers), case)

    def _choose_plan(self, age_days: float) -> _Plan:
        rng = self.rng
        stall_p = 0.9 if age_days < 2 else 0.6 if age_days < 7 else 0.25 if age_days < 21 else 0.05
        plan: _Plan
        if rng.random() < stall_p:
            stall = self._deal_stall(age_days)
            status, stop, _, paused = _STALLS[stall]
            path = _Path.REFER if status is Status.REFERRED else _Path.CLOSE
            plan = _Plan(path, status, stop)
            plan.pause_end = paused or (status in (Status.INVESTIGATING, Status.RESOLVING) and rng.random() < 0.2)
        else:
            path = rng.choices([p for p, _ in _PATH_WEIGHTS], cum_weights=self._path_cum)[0]
            plan = _Plan(path)
        plan.pause_mid = rng.random() < 0.06
        plan.append = rng.random() < 0.07
        return plan

    def _deal_stall(self, age_days: float) -> int:
        """The next kind of standing case the age allows, from a shuffled deck of every kind.

        Dealing from a deck (not drawing at random) puts every status in even a small demo.
        """
        if not self._stall_deck:
            self._stall_deck = list(range(len(_STALLS)))
            self.rng.shuffle(self._stall_deck)
        for i, stall in enumerate(self._stall_deck):
            if _STALLS[stall][2] <= age_days:
                return self._stall_deck.pop(i)
        return 0  # too young for anything but "received"

    def _matter(self, plan: _Plan) -> data.Matter:
        rng = self.rng
        if plan.path is _Path.REFER and self.referable:
            return rng.choices(self.referable, weights=[m.weight for m in self.referable])[0]
        code = rng.choices(self.cat_codes, cum_weights=self.cat_cum)[0]
        pool = self.matters_for[code]
        matter = rng.choices(pool, weights=[m.weight for m in pool])[0]
        if matter is data.GENERIC_MATTER:
            matter = data.Matter(**{**matter.__dict__, "category": code})
        if plan.path is _Path.REFER and matter.referral is None:
            plan.path = _Path.CLOSE
        return matter

    def _fill(self, room: DemoRoom, subject: DemoStaff | None) -> dict[str, Any]:
        rng = self.rng
        up = room.floor + 1 if room.floor < room.top else room.floor - 1
        down = room.floor - 1 if room.floor > 2 else room.floor + 1
        nxt = room.index % data.ROOMS_PER_FLOOR + 1
        dept = self.policy.label("departments", subject.department, "zh") if subject and subject.department else ""
        return {
            "b": room.building,
            "u": room.unit,
            "r": room.room,
            "fl": room.floor,
            "up": f"{up}{room.index:02d}",
            "down": f"{down}{room.index:02d}",
            "next": f"{room.floor}{nxt:02d}",
            "n": rng.randint(1, 320),
            "when_": rng.choice(data.WHEN_PHRASES),
            "staff": subject.name if subject else "",
            "dept": dept,
        }

    def _new_case(self, number: str, received: dt.datetime) -> CaseSim:
        rng, policy = self.rng, self.policy
        age = (self.now - received).total_seconds() / 86400
        plan = self._choose_plan(age)
        target = self._merge_target(received) if plan.path is _Path.MERGE else None
        if plan.path is _Path.MERGE and target is None:
            plan.path = _Path.CLOSE
        local_hour = received.astimezone(policy.zone).hour
        chan_cum = self.chan_cum_day if local_hour in _DESK_HOURS else self.chan_cum_night
        channel = rng.choices(self.chan_codes, cum_weights=chan_cum)[0]
        if target is not None:
            matter, room, owner = target.matter, target.room, target.owner
            subject, category, urgency, raised = target.subject, target.category, target.urgency, None
            fill = target.fill
        else:
            matter = self._matter(plan)
            room = self._room()
            owner = self._owner(room, received)
            subject = rng.choice(self.subjects) if matter.object_kind == ObjectKind.STAFF.value else None
            category = matter.category
            urgency = rng.choices(self.urg_codes, cum_weights=self.urg_cum)[0]
            raised = None
            if policy.categories[category].immediate and urgency != policy.most_urgent:
                # services.intake: a safety case is raised to the most urgent level at once (S6.3)
                raised, urgency = urgency, policy.most_urgent
            fill = self._fill(room, subject)
        case = CaseSim(
            self,
            self.next_id("complaint_case"),
            number,
            received,
            channel,
            category,
            urgency,
            owner,
            room,
            matter,
            fill,
            subject,
        )
        case.object_text = matter.object_text.format_map(fill)
        case.what = matter.what.format_map(fill)
        if target is not None:
            case.what = f"再次反映：{case.what}"
        case.where = matter.where.format_map(fill)
        case.state = matter.state.format_map(fill)
        case.demand = matter.demand.format_map(fill)
        case.when = rng.choice(data.WHEN_PHRASES)
        case.stop_before = plan.stop_before
        desk_pool = self.desks if rng.random() > 0.04 else self.supervisors
        case.intake(self._pick(desk_pool, case), raised)
        if target is not None:
            self._merge_story(case, target)
        else:
            try:
                self._story(case, plan)
            except StopWalk:
                pass
            self._after_stop(case, plan)
        return case

    # -- timing

    def _gap(self, lo: dt.timedelta, hi: dt.timedelta) -> dt.timedelta:
        return lo + (hi - lo) * self.rng.random()

    def _finish(self, clock: SimClock, earliest: dt.datetime, late_p: float) -> dt.datetime:
        """When the step of ``clock`` gets done: mostly in time, sometimes late (overdue steps)."""
        rng = self.rng
        span = clock.due_at - clock.started_at
        if rng.random() < late_p or clock.due_at <= earliest + MINUTE:
            return max(clock.due_at, earliest) + span * rng.uniform(0.05, 0.8) + 5 * MINUTE
        return earliest + (clock.due_at - earliest) * rng.uniform(0.15, 0.9)

    def _spread(self, start: dt.datetime, end: dt.datetime, count: int) -> list[dt.datetime]:
        span = max(end - start, count * 2 * MINUTE)
        return sorted(start + span * self.rng.random() for _ in range(count))

    # -- the walks

    def _story(self, case: CaseSim, plan: _Plan) -> None:
        rng = self.rng
        desk = case.received_by
        assert desk is not None
        handler = self._handler(case)
        ack_at = self._finish(case.clock(Clock.FIRST_RESPONSE), case.t, 0.12)
        if plan.stall is Status.RECEIVED and rng.random() < 0.5:
            raise StopWalk  # not even assigned yet
        assigner = self._pick(self.desks if rng.random() < 0.7 else self.supervisors, case)
        case.assign(assigner, handler, case.t + (ack_at - case.t) * rng.uniform(0.1, 0.6))
        if plan.path is _Path.WITHDRAW and rng.random() < 0.4:
            case.withdraw(
                self._pick(self.desks, case),
                case.t + self._gap(30 * MINUTE, 2 * DAY),
                rng.choice(data.WITHDRAW_REASONS),
            )
            return
        acker = handler if rng.random() < 0.7 else self._pick(self.desks, case)
        dept = self.policy.label("departments", case.department, "zh")
        content = rng.choice(data.FIRST_RESPONSES).format(dept=dept)
        case.acknowledge(acker, ack_at, _CONTACT_FOR_CHANNEL.get(case.channel, "phone"), content)
        if plan.pause_mid:
            case.pause(handler, case.t + self._gap(HOUR, 6 * HOUR), rng.choice(data.PAUSE_REASONS))
            case.resume(handler, case.t + self._gap(DAY, 4 * DAY))
        if plan.append:
            case.contact(
                ContactKind.APPEND, desk, case.t + self._gap(HOUR, DAY), case.channel, rng.choice(data.APPENDS)
            )
        if plan.path is _Path.WITHDRAW:
            case.withdraw(
                self._pick(self.desks, case),
                case.t + self._gap(2 * HOUR, 3 * DAY),
                rng.choice(data.WITHDRAW_REASONS),
            )
            return
        if plan.path is _Path.FORCE_EARLY:
            kind, person, text_ = case.matter.notes[0]
            case.add_note(
                handler,
                case.t + self._gap(HOUR, DAY),
                kind,
                text_.format_map(case.fill),
                person=person.format_map(case.fill),
            )
            supervisor = self._pick(self.supervisors, case)
            case.force_close(supervisor, case.t + self._gap(10 * DAY, 25 * DAY), data.FORCE_CLOSE_REASONS[1])
            return
        self._work(case, handler, refer=plan.path is _Path.REFER)
        self._feedback(case, handler, referred=plan.path is _Path.REFER)
        if plan.path is _Path.REOPEN_VISIT and self.policy.satisfied_min > 1:
            self._visit(case, handler, satisfied=False, outcome=VisitOutcome.REOPEN)
            second = handler if rng.random() < 0.6 else self._handler(case)
            if second is not handler:
                case.assign(self._pick(self.supervisors, case), second, case.t + self._gap(30 * MINUTE, 4 * HOUR))
            self._work(case, second, refer=False)
            self._feedback(case, second, referred=False)
            self._visit(case, second, satisfied=True, outcome=VisitOutcome.CLOSE)
        elif plan.path is _Path.EXPLAINED and self.policy.satisfied_min > 1:
            self._visit(case, handler, satisfied=False, outcome=VisitOutcome.EXPLAINED)
            reason = rng.choice((data.FORCE_CLOSE_REASONS[0], data.FORCE_CLOSE_REASONS[2]))
            case.force_close(self._pick(self.supervisors, case), case.t + self._gap(DAY, 5 * DAY), reason)
        else:
            self._visit(case, handler, satisfied=True, outcome=VisitOutcome.CLOSE)
            if plan.path is _Path.REOPEN_MANUAL:
                supervisor = self._pick(self.supervisors, case)
                case.reopen(supervisor, case.t + self._gap(3 * DAY, 20 * DAY), rng.choice(data.REOPEN_REASONS))
                self._work(case, handler, refer=False)
                self._feedback(case, handler, referred=False)
                self._visit(case, handler, satisfied=True, outcome=VisitOutcome.CLOSE)

    def _work(self, case: CaseSim, handler: DemoStaff, refer: bool) -> None:
        """One cycle's investigation and resolution, spread over the resolution clock (S2, S3)."""
        rng, policy, matter, fill = self.rng, self.policy, case.matter, case.fill
        clock = case.clock(Clock.RESOLUTION)
        start = case.t
        end = self._finish(clock, start + 30 * MINUTE, 0.18)
        steps: list[Callable[[dt.datetime], object]] = []
        notes = list(matter.notes[: rng.randint(1, len(matter.notes))])
        for kind, person, content in notes:
            note = functools.partial(
                case.add_note, handler, kind=kind, content=content.format_map(fill), person=person.format_map(fill)
            )
            steps.append(note)
        if case.both_parties:
            # S2.5: both sides heard and recorded before any finding.
            statements = [
                (Party.COMPLAINANT, case.owner.name, matter.complainant_says or case.what),
                (
                    Party.RESPONDENT,
                    matter.respondent.format_map(fill) or "被投诉方",
                    matter.respondent_says or "对方陈述了情况",
                ),
            ]
            rng.shuffle(statements)
            for party, person, said in statements:
                statement = functools.partial(
                    case.add_note,
                    handler,
                    kind=NoteKind.PARTY_STATEMENT.value,
                    content=f"{person}陈述：{said.format_map(fill)}",
                    party=party,
                    person=person,
                )
                steps.insert(rng.randint(0, len(steps)), statement)
        referral = matter.referral if refer else None
        confirmer = self._pick(self.supervisors, case) if rng.random() < 0.7 else handler
        signed = rng.choice(data.SIGNATORIES).format(handler=handler.name)
        cause = matter.cause if matter.cause in policy.causes else next(iter(policy.causes))
        if referral is not None:
            resp, valid, reason = referral.responsibility, referral.valid, referral.validity_reason
        else:
            resp, valid, reason = matter.responsibility, True, "经核实，投诉情况属实"
        steps.append(
            lambda at: case.record_finding(
                handler, at, confirmer, resp, cause, matter.cause_text.format_map(fill), valid, reason, signed
            )
        )
        if referral is not None:
            authority = (
                referral.authority if referral.authority in policy.authorities else next(iter(policy.authorities))
            )
            times = self._spread(start, end, len(steps))
            for step, at in zip(steps, times, strict=True):
                step(at)
            case.refer(handler, end, authority, referral.explanation)
            return
        department = policy.categories[case.category].department
        measures = matter.measures.format_map(fill)
        steps.append(
            lambda at: case.plan(
                handler, at, measures, max(clock.due_at, at + 2 * HOUR), department, handler, matter.resources
            )
        )
        tasks: list[SimTask] = []
        finishes: list[Callable[[dt.datetime], None]] = []
        for task_dept, what, result in matter.tasks[: rng.randint(1, max(1, len(matter.tasks)))]:
            dept = task_dept if task_dept in policy.departments else department
            worker = self._handler(case, dept) if rng.random() < 0.85 else None

            def add(at: dt.datetime, d: str = dept, w: str = what, a: DemoStaff | None = worker) -> None:
                tasks.append(case.add_task(handler, at, d, w.format_map(fill), at + self._gap(DAY, 3 * DAY), a))

            def finish(at: dt.datetime, r: str = result, a: DemoStaff | None = worker, i: int = len(finishes)) -> None:
                case.finish_task(a or handler, at, tasks[i], r.format_map(fill))

            steps.append(add)
            finishes.append(finish)
        if rng.random() < 0.4:
            deadline = clock.due_at.astimezone(policy.zone).strftime("%m月%d日")
            text_ = rng.choice(data.PROGRESS_UPDATES).format(
                dept=policy.label("departments", department, "zh"), deadline=deadline
            )
            steps.append(lambda at: case.update_owner(handler, at, "phone", text_))
        steps.extend(finishes)
        if rng.random() < 0.35:
            kind, content = rng.choice(data.FOLLOW_UPS)
            follower = self._pick(self.supervisors, case) if rng.random() < 0.5 else handler
            steps.append(lambda at: case.follow_up(follower, at, kind, content))
        times = self._spread(start, end, len(steps) + 1)
        for step, at in zip(steps, times, strict=False):
            step(at)
        case.resolve(handler, max(end, times[-1]))

    def _feedback(self, case: CaseSim, handler: DemoStaff, referred: bool) -> None:
        rng, matter, fill = self.rng, case.matter, case.fill
        at = self._finish(case.clock(Clock.FEEDBACK), case.t + 10 * MINUTE, 0.1)
        who = handler if rng.random() < 0.6 else self._pick(self.desks, case)
        channel = rng.choice(("phone", "phone", "sms", "wechat", "visit"))
        if referred and matter.referral is not None:
            authority = self.policy.label("authorities", matter.referral.authority, "zh")
            case.give_feedback(
                who,
                at,
                channel,
                "已核实情况并向业主说明",
                matter.referral.explanation,
                f"已转交{authority}",
                DemandMet.PARTLY if rng.random() < 0.5 else DemandMet.NO,
                unmet_reason="该事项不属于物业服务范围",
                next_step=f"请业主联系{authority}，物业继续协助跟进",
            )
            return
        measures = matter.measures.format_map(fill)
        result = matter.result.format_map(fill)
        if rng.random() < 0.85:
            case.give_feedback(who, at, channel, f"已按方案处理：{measures}", measures, result, DemandMet.YES)
        else:
            case.give_feedback(
                who,
                at,
                channel,
                f"已按方案处理：{measures}",
                measures,
                result,
                DemandMet.PARTLY,
                unmet_reason="部分诉求（如赔偿）超出物业服务合同约定",
                next_step="已告知业主可与相关方协商，物业继续协助",
            )

    def _visit(self, case: CaseSim, handler: DemoStaff, satisfied: bool, outcome: VisitOutcome) -> None:
        rng, policy = self.rng, self.policy
        at = self._finish(case.clock(Clock.RETURN_VISIT), case.t + 2 * HOUR, 0.12)
        who = self._pick(self.desks, case) if rng.random() < 0.6 else handler
        method = "phone" if rng.random() < 0.8 else "in_person"
        if satisfied:
            score = rng.choice([s for s in range(policy.satisfied_min, 6) for _ in range(s)])
            case.log_return_visit(who, at, method, score, outcome, rng.choice(data.SATISFIED_REMARKS))
            return
        score = rng.randint(1, policy.satisfied_min - 1)
        rejects = outcome is VisitOutcome.EXPLAINED and rng.random() < 0.6
        recourse = ""
        if rejects:
            code = next((c for c in ("mediation", "housing_bureau", "court") if c in policy.authorities), None)
            authority = policy.label("authorities", code or next(iter(policy.authorities)), "zh")
            recourse = f"已告知业主如对处理结果有异议，可向{authority}申请处理"
        case.log_return_visit(who, at, method, score, outcome, rng.choice(data.UNSATISFIED_REMARKS), rejects, recourse)

    def _after_stop(self, case: CaseSim, plan: _Plan) -> None:
        """An open case left standing: the owner may chase it, or the clocks wait on the owner."""
        if case.status not in OPEN_STATUSES:
            return
        rng = self.rng
        case.stop_before = frozenset()
        clock = case.next_clock()
        try:
            if clock is not None and clock.due_at < self.now and case.paused_at is None and rng.random() < 0.5:
                start = max(clock.due_at, case.t)
                if start < self.now - 2 * MINUTE:
                    at = start + (self.now - start) * rng.random()
                    case.contact(
                        ContactKind.CHASE, self._pick(self.desks, case), at, case.channel, rng.choice(data.CHASES)
                    )
            if plan.pause_end and case.paused_at is None and case.status in (Status.INVESTIGATING, Status.RESOLVING):
                if case.t < self.now - 2 * MINUTE:
                    at = case.t + (self.now - case.t) * rng.uniform(0.2, 1.0)
                    who = case.assignee or self._handler(case)
                    case.pause(who, at, rng.choice(data.PAUSE_REASONS))
        except StopWalk:
            pass

    def _merge_target(self, received: dt.datetime) -> CaseSim | None:
        """A recent case of this batch that is still open some hours after ``received``."""
        later = received + 8 * HOUR
        found = [
            c
            for c in self.batch[-60:]
            if c.merged_into is None
            and c.status is not Status.MERGED
            and c.received_at < received
            and c.received_at > received - 5 * DAY
            and (c.first_final_at is None or c.first_final_at > later)
        ]
        return self.rng.choice(found) if found else None

    def _merge_story(self, case: CaseSim, target: CaseSim) -> None:
        """The desk sees the repeat of an open case and folds it in (S6.2: one case, one number)."""
        rng = self.rng
        at = case.t + self._gap(10 * MINUTE, 8 * HOUR)
        if target.first_final_at is not None:
            at = min(at, target.first_final_at - MINUTE)
        who = self._pick(self.desks if rng.random() < 0.8 else self.supervisors, case)
        try:
            case.merge(who, at, target)
        except StopWalk:
            pass

    # -- finishing a batch

    def _finish_case(self, case: CaseSim) -> None:
        ts, add = self.ts, self.add
        for clock in case.clocks:
            add(
                "step_clock",
                (
                    self.next_id("step_clock"),
                    case.id,
                    clock.cycle,
                    clock.step.value,
                    ts(clock.started_at),
                    ts(clock.due_at),
                    ts(clock.done_at) if clock.done_at else None,
                    clock.paused_seconds,
                    clock.unit,
                    ts(clock.cancelled_at) if clock.cancelled_at else None,
                ),
            )
        # services.base.refresh_queue_keys
        is_open = case.status in OPEN_STATUSES
        nxt = case.next_clock()
        queue_due = queue_due_at(nxt.due_at if nxt is not None else None, case.paused_at)
        # Every step bumps the version once and audits the new one, in time order (merged_in included).
        case.events.sort(key=lambda e: e[0])
        for version, (at, staff_id, action, before, after) in enumerate(case.events, 1):
            self.audit_row(case.id, staff_id, at, action, version, before, after)
        updated = case.events[-1][0]
        assert case.received_by is not None
        add(
            "complaint_case",
            (
                case.id,
                case.number,
                None,
                len(case.events),
                case.channel,
                ts(case.received_at),
                case.received_by.id,
                case.contact_confirmed,
                case.owner.id,
                case.room.id,
                case.matter.object_kind,
                case.object_text,
                case.subject.id if case.subject else None,
                case.what,
                case.when,
                case.where,
                case.state,
                case.demand,
                case.category,
                case.urgency,
                case.status.value,
                case.status_before,
                is_open,
                case.department,
                case.assignee.id if case.assignee else None,
                case.cycle,
                ts(case.paused_at) if case.paused_at else None,
                case.pause_reason,
                nxt.step.value if nxt else None,
                ts(nxt.due_at) if nxt else None,
                ts(queue_due),
                case.reopen_count,
                case.append_count,
                case.chase_count,
                case.merged_into.id if case.merged_into else None,
                case.close_kind,
                case.close_reason,
                ts(case.closed_at) if case.closed_at else None,
                case.closed_by,
                case.withdrawn_reason,
                case.rejects,
                case.recourse,
                ts(case.received_at),
                ts(updated),
                DEFAULT_ESTATE,  # the demo is one estate
                case.owner.name,  # the demo's callers are the owners (migration 0011)
                case.owner.phone,
            ),
        )
        doc_case = DocCase(case.number, case.object_text, case.what, case.where, case.state, case.demand)
        doc = case_document(cast(Case, doc_case), cast(Owner, case.owner), cast(Room, case.room), case.appended)
        add("case_search", (case.id, doc))
        if self.copies > 1:
            # A copy's document is this one with its own number's tokens first (demo.clone).
            if not doc.startswith(case.number.lower().replace("-", " ") + " "):
                raise DemoRuleBroken(f"the search document of {case.number} does not begin with its number")
            merged = case.merged_into is not None or any(e[2] == "merged_in" for e in case.events)
            self.template.cases.append(TemplateCase(case.id, case.number, merged))

    def _flush(self) -> None:
        for case in self.batch:
            self._finish_case(case)
        self.writer.insert("evidence_blob", self.new_blobs)  # before the evidence that refers to them
        self.new_blobs = []
        for name in (*CHILD_ORDER, "case_search"):
            self.writer.insert(name, self.rows[name])
            self.rows[name] = []
        self.made += len(self.batch)
        self.batch = []

    # -- the whole build

    def _clone(self, w: Writer, tick: Callable[[int], None]) -> None:
        """Write the copies of the simulated stories (demo.clone) and carry the chain past them."""
        for name in (*COPIED, "audit_event"):
            last = next(self.ids[name]) - 1
            first = self.template.events[0][0] if name == "audit_event" else self.bases[name] + 1
            self.template.spans[name] = (first, last)
        chain = (self.chain_last_id, self.chain_prev, self.chain_events)
        cloner = Cloner(w, self.template, self.wanted, self.policy.case_number_prefix, chain)
        self.chain_last_id, self.chain_prev, self.chain_events = cloner.run(tick, self.made)
        w.tallies = cloner.tallies(self.store.dialect, self.policy.zone.key)
        self.made = self.wanted

    def _days(self) -> list[tuple[dt.date, int]]:
        """How many cases each local day receives: busier on weekdays, a little noise, all of ``total``."""
        zone, rng = self.policy.zone, self.rng
        days = [self.start + dt.timedelta(days=i) for i in range(DAYS)]
        weights = []
        local_now = self.now.astimezone(zone)
        for day in days:
            w = (1.15 if day.weekday() < 5 else 0.8) * rng.uniform(0.75, 1.25)
            if day == local_now.date():
                w *= max(local_now.hour * 60 + local_now.minute, 1) / 1440
            weights.append(w)
        total_w = sum(weights)
        exact = [w / total_w * self.total for w in weights]
        counts = [int(x) for x in exact]
        # largest remainders get the cases the rounding left over
        for i in sorted(range(DAYS), key=lambda i: exact[i] - counts[i], reverse=True)[: self.total - sum(counts)]:
            counts[i] += 1
        return list(zip(days, counts, strict=True))

    def _times(self, day: dt.date, count: int) -> list[dt.datetime]:
        zone, rng = self.policy.zone, self.rng
        midnight = dt.datetime(day.year, day.month, day.day, tzinfo=zone)
        out = []
        for _ in range(count):
            for _attempt in range(30):
                hour = rng.choices(range(24), cum_weights=self.hour_cum)[0]
                local = midnight + dt.timedelta(hours=hour, seconds=rng.randrange(3600))
                at = local.astimezone(dt.UTC)
                if at <= self.now:
                    break
            else:
                at = midnight.astimezone(dt.UTC) + (self.now - midnight) * rng.random()
            out.append(at)
        out.sort()
        return out

    def run(self) -> DemoSummary:
        started = time.perf_counter()
        check_columns()
        with self.store.engine.connect() as conn:
            busy = conn.execute(
                select(func.count()).select_from(SQLModel.metadata.tables["complaint_case"])
            ).scalar_one()
            busy += conn.execute(select(func.count()).select_from(SQLModel.metadata.tables["staff"])).scalar_one()
        if busy:
            raise DeskError("cli.demo_exists", path=self.store.url_for_display())
        bases = self.bases = self.writer.max_ids()
        self.ids = {name: itertools.count(bases[name] + 1) for name in ID_TABLES}
        self.chain_last_id, self.chain_prev, self.chain_events = self.writer.audit_head()
        opened = dt.datetime.combine(self.start, dt.time(8), tzinfo=self.policy.zone).astimezone(dt.UTC) - 30 * DAY
        with self.writer as w, _progress(self.progress, self.wanted) as tick:
            if self.copies > 1:
                # Built once at the end (demo.clone): cheaper than keeping them up row by row.
                self.indexes = w.drop_indexes([*COPIED, "audit_event", "case_search"], keep_leading=("case_id",))
            staff_rows = self._roster(bases["staff"] + 1, opened)
            w.insert("staff", staff_rows)
            for member in self.staff:
                after = {
                    "login": member.login,
                    "name": member.name,
                    "role": member.role.value,
                    "department": member.department,
                }
                self.audit_row(None, None, opened, "add_staff", None, None, after)
            for content, kind, ext in blobs():
                sha = hashlib.sha256(content).hexdigest()
                self.blobs.append(Blob(sha, len(content), kind, ext))
                self.blob_rows[sha] = (sha, len(content), content, self.ts(opened))
            prefix = self.policy.case_number_prefix
            flushes = 0
            for day, count in self._days():
                if not count:
                    continue
                stamp = day.strftime("%Y%m%d")
                for seq, received in enumerate(self._times(day, count), 1):
                    # services.intake.next_case_number: prefix, the local day, that day's sequence
                    # (with copies, every copies-th number: the copies take those between)
                    number = f"{prefix}{stamp}-{(seq - 1) * self.copies + 1:04d}"
                    self.batch.append(self._new_case(number, received))
                    if len(self.batch) >= BATCH_CASES:
                        self._flush()
                        tick(self.made)
                        flushes += 1
                        if flushes % COMMIT_EVERY == 0:
                            w.checkpoint()
                self.counters[stamp] = count * self.copies
            self._flush()
            tick(self.made)
            if self.copies > 1:
                self._clone(w, tick)
            w.insert("case_number_counter", sorted(self.counters.items()))
            if self.copies > 1:
                w.create_indexes(self.indexes)
            w.fix_sequences()
            w.move_audit_head(self.chain_last_id, self.chain_prev, self.chain_events)
        return DemoSummary(
            cases=self.made,
            seconds=time.perf_counter() - started,
            staff=len(self.staff),
            owners=self.owner_count,
            rooms=self.room_count,
            rows=self.writer.rows,
        )


@contextmanager
def _progress(enabled: bool, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr while the cases are made (the CLI turns it on for a terminal)."""
    if not enabled:
        yield lambda done: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(file=sys.stderr), transient=True) as bar:
        task = bar.add_task("demo", total=total)
        yield lambda done: bar.update(task, completed=done)


def build_demo(
    store: Store,
    cases: int,
    seed: int = 1,
    progress: bool = False,
    now: dt.datetime | None = None,
    scratch: bool = False,
) -> DemoSummary:
    """Fill an empty store with ``cases`` realistic cases received over the six months up to ``now``.

    The same ``seed`` and ``now`` give the same data. Raises ``DeskError`` if the store already
    holds staff or cases, and ``DemoRuleBroken`` if a walk breaks a workflow rule.

    ``scratch``: the store is a SQLite file this call alone has open, to be deleted if the call
    fails (the ``demo`` command builds it beside the file asked for and renames it at the end): it
    is written without a rollback journal, so a failure leaves it broken.
    """
    if cases < 1:
        raise ValueError("cases must be at least 1")
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return Generator(store, cases, seed, moment, progress, scratch).run()
