"""The supervisor's statistics (SPEC S4.3, S6.6): where complaints come from, how fast each step
is done, how satisfied owners are, how often cases reopen, and the weekly trend.

Every figure is summed from the tallies ``statistics_store`` keeps in step with each change,
over the chosen period (cases received in ``[since, until)``); nothing loads the cases
themselves. ``scanned_statistics`` computes the same by GROUP BYs over the cases.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, Date, and_, case, cast, false, func, literal, literal_column, select
from sqlmodel import col

from complaint_tui.db import Store
from complaint_tui.estates import visible
from complaint_tui.models import Case, Finding, ReturnVisit, Room, StepClock, UTCDateTime, utcnow
from complaint_tui.policy import Step
from complaint_tui.statistics_store import KEY_COLUMNS, hour_text, kept_zone, received_between, time_sql


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


def scanned_statistics(
    store: Store,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    now: dt.datetime | None = None,
    estates: tuple[str, ...] = (),
) -> Statistics:
    """``statistics`` by GROUP BYs over the cases themselves: for a store whose tallies are kept
    in another zone than its policy's (slow at a million cases, but exact)."""
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


# --- from the maintained tallies (statistics_store.py) ---------------------------------------

Figures = Counter[tuple[str, str, str, str, str]]  # (estate, figure, code, step, due) -> n


def statistics(
    store: Store,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    now: dt.datetime | None = None,
    estates: tuple[str, ...] = (),
) -> Statistics:
    """The figures of the cases received in ``[since, until)``, of ``estates`` if any are named,
    and only ever of the estates the desk is bound to (``Store.estates``).

    Summed from the tallies: whole local days from ``stat_day``, whole hours at the ends from
    ``stat_tally``, and the minutes before the first whole hour and after the last from the cases
    themselves; the running clocks due in the current hour are read one by one to tell overdue
    from in time. So any period costs about the same at 10,000 or a million cases.
    """
    now = now or utcnow()
    shown = visible(store.estates, estates)
    with store.read() as s:
        conn = s.connection()
        zone_key = kept_zone(conn)
        if zone_key != store.policy.zone.key:
            return scanned_statistics(store, since, until, now, estates)
        if shown is not None and not shown:
            figures: Figures = Counter()
            by_day: Counter[str] = Counter()
            now_hour: dict[tuple[str, str], tuple[int, int]] = {}
        else:
            figures, by_day = _tallied(conn, store.policy.zone, since, until, shown)
            now_hour = _running_now(conn, since, until, now, shown)
    return _assembled(figures, by_day, now_hour, since, until, now)


def _estate_sql(shown: tuple[str, ...] | None, column: str = "estate") -> str:
    if shown is None:
        return ""
    quoted = ", ".join("'" + code.replace("'", "''") + "'" for code in shown)
    return f"{column} IN ({quoted})"


def _day_start(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)


def _tallied(
    conn: Any, zone: Any, since: dt.datetime | None, until: dt.datetime | None, shown: tuple[str, ...] | None
) -> tuple[Figures, Counter[str]]:
    figures: Figures = Counter()
    by_day: Counter[str] = Counter()
    estate = _estate_sql(shown)

    def add(rows: Iterable[Sequence[Any]]) -> None:  # hour, day, estate, figure, code, step, due, n
        for _hour, day, est, figure, code, step, due, n in rows:
            figures[(est, figure, code, step, due)] += int(n)
            if figure == "status":
                by_day[day] += int(n)

    first = None
    if since is not None:
        first = since.astimezone(zone).date()
        if _day_start(first, zone) < since:
            first += dt.timedelta(days=1)
    end = until.astimezone(zone).date() if until is not None else None
    ends: list[tuple[dt.datetime, dt.datetime]] = []
    if first is not None and end is not None and first >= end:
        assert since is not None and until is not None
        ends.append((since, until))  # no whole day inside: the period is all ends
    else:
        conds = [c for c in (estate,) if c]
        if first is not None:
            conds.append(f"day >= '{first.isoformat()}'")
        if end is not None:
            conds.append(f"day < '{end.isoformat()}'")
        where = f"WHERE {' AND '.join(conds)}" if conds else ""
        for est, figure, code, step, due, n in conn.exec_driver_sql(
            f"SELECT estate, figure, code, step, due, sum(n) FROM stat_day {where} "
            "GROUP BY estate, figure, code, step, due"
        ).fetchall():
            figures[(est, figure, code, step, due)] += int(n)
        status_where = f"{where} AND figure = 'status'" if where else "WHERE figure = 'status'"
        for day, n in conn.exec_driver_sql(f"SELECT day, sum(n) FROM stat_day {status_where} GROUP BY day").fetchall():
            by_day[day] += int(n)
        if since is not None and first is not None:
            ends.append((since, _day_start(first, zone)))
        if until is not None and end is not None:
            ends.append((_day_start(end, zone), until))
    for lo, hi in ends:
        if lo >= hi:
            continue
        h0 = lo.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
        if h0 < lo:
            h0 += dt.timedelta(hours=1)
        h1 = hi.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
        if h0 < h1:
            conds = [f"hour >= '{hour_text(h0)}'", f"hour < '{hour_text(h1)}'"] + ([estate] if estate else [])
            add(
                conn.exec_driver_sql(
                    f"SELECT {', '.join(KEY_COLUMNS)}, n FROM stat_tally WHERE {' AND '.join(conds)}"
                ).fetchall()
            )
            raw = [(lo, h0), (h1, hi)]
        else:
            raw = [(lo, hi)]
        for a, b in raw:
            if a < b:
                add((*key, n) for key, n in received_between(conn, zone.key, a, b, estate).items())
    return figures, by_day


def _running_now(
    conn: Any, since: dt.datetime | None, until: dt.datetime | None, now: dt.datetime, shown: tuple[str, ...] | None
) -> dict[tuple[str, str], tuple[int, int]]:
    """(department, step) -> (overdue, in time) of the running clocks due in the hour of ``now``."""
    rows = conn.exec_driver_sql(running_now_sql(conn.dialect.name, since, until, now, shown)).fetchall()
    return {(str(d), str(st)): (int(a or 0), int(b or 0)) for d, st, a, b in rows}


def running_now_sql(
    dialect: str, since: dt.datetime | None, until: dt.datetime | None, now: dt.datetime, shown: tuple[str, ...] | None
) -> str:
    """The running clocks due in the hour of ``now`` of the cases received in ``[since, until)``,
    read through the partial index of running clocks (a few hundred rows at a million cases)."""
    h0 = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    at = partial(time_sql, dialect)
    conds = [
        "s.done_at IS NULL",
        "s.cancelled_at IS NULL",
        f"s.due_at >= {at(h0)}",
        f"s.due_at < {at(h0 + dt.timedelta(hours=1))}",
        "s.cycle = c.cycle",
        "c.is_open",
        "c.paused_at IS NULL",
    ]
    if since is not None:
        conds.append(f"c.received_at >= {at(since)}")
    if until is not None:
        conds.append(f"c.received_at < {at(until)}")
    if shown is not None:
        conds.append(_estate_sql(shown, "c.estate"))
    # SQLite would rather walk the open cases (a tenth of the store) than this hour's clocks.
    clocks = "step_clock s INDEXED BY ix_clock_running_due" if dialect == "sqlite" else "step_clock s"
    return (
        f"SELECT coalesce(c.department, ''), s.step, sum(CASE WHEN s.due_at < {at(now)} THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN s.due_at >= {at(now)} THEN 1 ELSE 0 END) FROM {clocks} "
        f"JOIN complaint_case c ON c.id = s.case_id WHERE {' AND '.join(conds)} GROUP BY 1, 2"
    )


def _assembled(
    figures: Figures,
    by_day: Counter[str],
    now_hour: dict[tuple[str, str], tuple[int, int]],
    since: dt.datetime | None,
    until: dt.datetime | None,
    now: dt.datetime,
) -> Statistics:
    groups: dict[str, Counter[str]] = {}
    by_estate: Counter[str] = Counter()
    clocks: dict[tuple[str, str], list[int]] = {}
    current = hour_text(now)
    for (est, figure, code, step, due), n in figures.items():
        if not n:
            continue
        if figure in ("clocks", "done", "done_on_time", "open_overdue", "open_in_time", "running"):
            figs = clocks.setdefault((code, step), [0, 0, 0, 0])
            if figure == "done":
                figs[0] += n
            elif figure == "done_on_time":
                figs[1] += n
            elif figure == "open_overdue" or (figure == "running" and due < current):
                figs[2] += n
            elif figure == "open_in_time" or (figure == "running" and due > current):
                figs[3] += n
            continue
        groups.setdefault(figure, Counter())[code] += n
        if figure == "status":
            by_estate[est] += n
    for key, (over, in_time) in now_hour.items():
        figs = clocks.setdefault(key, [0, 0, 0, 0])
        figs[2] += over
        figs[3] += in_time
    on_time_by_department: dict[str, dict[str, OnTime]] = {}
    totals: dict[str, list[int]] = {st.value: [0, 0, 0, 0] for st in Step}
    for (dept, step), figs in sorted(clocks.items()):
        on_time_by_department.setdefault(dept, {})[step] = OnTime(*figs)
        acc = totals.setdefault(step, [0, 0, 0, 0])
        for i, v in enumerate(figs):
            acc[i] += v

    def plain(figure: str) -> dict[str, int]:
        return {k: n for k, n in groups.get(figure, Counter()).items() if n}

    histogram = {int(k): n for k, n in plain("satisfaction").items()}
    sat_count = sum(histogram.values())
    weekly_received: Counter[dt.date] = Counter()
    weekly_closed: Counter[dt.date] = Counter()
    for day, n in by_day.items():
        if n:
            weekly_received[_week_start(day)] += n
    for day, n in plain("closed").items():
        weekly_closed[_week_start(day)] += n
    weeks = sorted(set(weekly_received) | set(weekly_closed))
    by_status = plain("status")
    return Statistics(
        since=since,
        until=until,
        total=sum(by_status.values()),
        by_status=by_status,
        by_category=plain("category"),
        by_building=plain("building"),
        by_department=plain("department"),
        by_channel=plain("channel"),
        by_urgency=plain("urgency"),
        by_cause=plain("cause"),
        on_time={step: OnTime(*v) for step, v in totals.items()},
        on_time_by_department=on_time_by_department,
        satisfaction_count=sat_count,
        satisfaction_mean=sum(k * n for k, n in histogram.items()) / sat_count if sat_count else None,
        satisfaction_histogram=histogram,
        visited_cases=groups.get("visited", Counter()).get("", 0),
        reopened_cases=groups.get("reopened", Counter()).get("", 0),
        weekly=[WeekCount(w, weekly_received[w], weekly_closed[w]) for w in weeks],
        by_estate={k: n for k, n in by_estate.items() if n},
    )
