"""The supervisor's statistics (SPEC S4.3, S6.6): where complaints come from, how fast each step
is done, how satisfied owners are, how often cases reopen, and the weekly trend.

Every figure is a GROUP BY in the database over the chosen period (cases received in
``[since, until)``); nothing loads the cases themselves.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Date, and_, case, cast, false, func, literal, literal_column, select
from sqlmodel import col

from complaint_tui.db import Store
from complaint_tui.estates import visible
from complaint_tui.models import Case, Finding, ReturnVisit, Room, StepClock, UTCDateTime, utcnow
from complaint_tui.policy import Step


@dataclass(frozen=True)
class OnTime:
    done: int
    done_on_time: int
    open_overdue: int
    open_in_time: int

    @property
    def rate(self) -> float | None:
        """Share of finished steps finished by their due time (None when none finished)."""
        return self.done_on_time / self.done if self.done else None


@dataclass(frozen=True)
class WeekCount:
    week_start: dt.date
    received: int
    closed: int


@dataclass(frozen=True)
class Statistics:
    since: dt.datetime | None
    until: dt.datetime | None
    total: int
    by_status: dict[str, int]
    by_category: dict[str, int]
    by_building: dict[str, int]
    by_department: dict[str, int]
    by_channel: dict[str, int]
    by_urgency: dict[str, int]
    by_cause: dict[str, int]
    on_time: dict[str, OnTime]
    on_time_by_department: dict[str, dict[str, OnTime]]
    satisfaction_count: int
    satisfaction_mean: float | None
    satisfaction_histogram: dict[int, int]
    visited_cases: int
    reopened_cases: int
    weekly: list[WeekCount] = field(default_factory=list)
    by_estate: dict[str, int] = field(default_factory=dict)

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened_cases / self.visited_cases if self.visited_cases else None


def _period(since: dt.datetime | None, until: dt.datetime | None) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if since is not None:
        conds.append(col(Case.received_at) >= since)
    if until is not None:
        conds.append(col(Case.received_at) < until)
    return conds


def _local_day(store: Store, column: Any) -> ColumnElement[dt.date]:
    if store.dialect == "sqlite":
        # SQLite has no zones; the centre's offset now is right for zones without summer time.
        offset = int((dt.datetime.now(store.policy.zone).utcoffset() or dt.timedelta()).total_seconds() // 60)
        return func.date(column, f"{offset:+d} minutes")
    return cast(func.timezone(store.policy.zone.key, column), Date)


def statistics(
    store: Store,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    now: dt.datetime | None = None,
    estates: tuple[str, ...] = (),
) -> Statistics:
    """The figures of the cases received in ``[since, until)``, of ``estates`` if any are named,
    and only ever of the estates the desk is bound to (``Store.estates``)."""
    now = now or utcnow()
    period = _period(since, until)
    shown = visible(store.estates, estates)
    if shown is not None:
        period.append(col(Case.estate).in_(shown) if shown else false())
    where = and_(*period) if period else literal_column("1") == literal_column("1")

    with store.read() as s:

        def grouped(column: Any, join_room: bool = False) -> dict[str, int]:
            stmt = select(column, func.count()).select_from(Case)
            if join_room:
                stmt = stmt.join(Room, col(Room.id) == col(Case.room_id))
            stmt = stmt.where(where).group_by(column)
            return {str(k) if k is not None else "": int(n) for k, n in s.execute(stmt).all()}

        by_status = grouped(col(Case.status))
        by_category = grouped(col(Case.category))
        by_building = grouped(col(Room.building), join_room=True)
        by_department = grouped(col(Case.department))
        by_channel = grouped(col(Case.channel))
        by_urgency = grouped(col(Case.urgency))
        by_estate = grouped(col(Case.estate))

        cause_rows = s.execute(
            select(col(Finding.cause_code), func.count(func.distinct(col(Finding.case_id))))
            .join(Case, col(Case.id) == col(Finding.case_id))
            .where(where)
            .group_by(col(Finding.cause_code))
        ).all()
        by_cause = {str(k): int(n) for k, n in cause_rows}

        done = col(StepClock.done_at).is_not(None)
        on_time_expr = case((and_(done, col(StepClock.done_at) <= col(StepClock.due_at)), 1), else_=0)
        # Only the clocks of the case's current cycle still run; a paused one is judged at its pause.
        open_clock = and_(
            col(StepClock.done_at).is_(None),
            col(StepClock.cancelled_at).is_(None),
            col(StepClock.cycle) == col(Case.cycle),
            col(Case.is_open).is_(True),
        )
        moment = func.coalesce(col(Case.paused_at), literal(now, UTCDateTime()))
        overdue_expr = case((and_(open_clock, col(StepClock.due_at) < moment), 1), else_=0)
        in_time_expr = case((and_(open_clock, col(StepClock.due_at) >= moment), 1), else_=0)
        clock_rows = s.execute(
            select(
                col(Case.department),
                col(StepClock.step),
                func.sum(case((done, 1), else_=0)),
                func.sum(on_time_expr),
                func.sum(overdue_expr),
                func.sum(in_time_expr),
            )
            .join(Case, col(Case.id) == col(StepClock.case_id))
            .where(where)
            .group_by(col(Case.department), col(StepClock.step))
        ).all()
        on_time_by_department: dict[str, dict[str, OnTime]] = {}
        totals: dict[str, list[int]] = {st.value: [0, 0, 0, 0] for st in Step}
        for dept, step, d, ok, over, in_time in clock_rows:
            figures = [int(d or 0), int(ok or 0), int(over or 0), int(in_time or 0)]
            on_time_by_department.setdefault(dept or "", {})[step] = OnTime(*figures)
            acc = totals.setdefault(step, [0, 0, 0, 0])
            for i, v in enumerate(figures):
                acc[i] += v
        on_time = {step: OnTime(*v) for step, v in totals.items()}

        sat_rows = s.execute(
            select(col(ReturnVisit.satisfaction), func.count())
            .join(Case, col(Case.id) == col(ReturnVisit.case_id))
            .where(where)
            .group_by(col(ReturnVisit.satisfaction))
        ).all()
        histogram = {int(k): int(n) for k, n in sat_rows}
        sat_count = sum(histogram.values())
        sat_mean = sum(k * n for k, n in histogram.items()) / sat_count if sat_count else None

        visited = s.execute(
            select(func.count(func.distinct(col(ReturnVisit.case_id))))
            .join(Case, col(Case.id) == col(ReturnVisit.case_id))
            .where(where)
        ).scalar_one()
        # Of the cases visited, those reopened since (by a dissatisfied visit or a supervisor): the
        # numerator is a part of the denominator, so the rate never passes 100%.
        reopened = s.execute(
            select(func.count(func.distinct(col(ReturnVisit.case_id))))
            .join(Case, col(Case.id) == col(ReturnVisit.case_id))
            .where(where, col(Case.reopen_count) > 0)
        ).scalar_one()

        day = _local_day(store, col(Case.received_at))
        received_by_day = s.execute(select(day, func.count()).where(where).group_by(day)).all()
        closed_day = _local_day(store, col(Case.closed_at))
        closed_by_day = s.execute(
            select(closed_day, func.count()).where(where, col(Case.closed_at).is_not(None)).group_by(closed_day)
        ).all()

    weekly_received: Counter[dt.date] = Counter()
    weekly_closed: Counter[dt.date] = Counter()
    for raw_day, n in received_by_day:
        weekly_received[_week_start(raw_day)] += int(n)
    for raw_day, n in closed_by_day:
        weekly_closed[_week_start(raw_day)] += int(n)
    weeks = sorted(set(weekly_received) | set(weekly_closed))
    weekly = [WeekCount(w, weekly_received[w], weekly_closed[w]) for w in weeks]

    return Statistics(
        since=since,
        until=until,
        total=sum(by_status.values()),
        by_status=by_status,
        by_category=by_category,
        by_building=by_building,
        by_department=by_department,
        by_channel=by_channel,
        by_urgency=by_urgency,
        by_cause=by_cause,
        on_time=on_time,
        on_time_by_department=on_time_by_department,
        satisfaction_count=sat_count,
        satisfaction_mean=sat_mean,
        satisfaction_histogram=histogram,
        visited_cases=int(visited),
        reopened_cases=int(reopened),
        weekly=weekly,
        by_estate=by_estate,
    )


def _week_start(raw: object) -> dt.date:
    day = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
    return day - dt.timedelta(days=day.weekday())
