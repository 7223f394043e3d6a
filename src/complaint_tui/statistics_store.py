"""Maintained statistics (issue 11 item 4): tallies of the figures of ``queries.stats`` kept in
the same transaction as every change, so a statistics read sums a few thousand rows instead of
grouping a million cases and four million step clocks.

Every case contributes counts to keys ``(hour, day, estate, figure, code, step, due)``:

- ``hour``: the UTC hour it was received (``YYYY-MM-DD HH``); ``day``: the local day it was
  received, in the zone the tallies are kept in (``stat_meta.zone``, the policy's zone);
- ``figure``/``code``/``step``: ``status``, ``category``, ``channel``, ``urgency``,
  ``department`` (code ``''`` for none), ``building`` (one each per case); ``closed`` (code:
  the local day it was closed); ``cause`` (cases with a finding of that cause);
  ``satisfaction`` (visits with that score), ``visited`` and ``reopened`` (cases);
  ``clocks``/``done``/``done_on_time`` (code: the department, step: the step);
  ``open_overdue``/``open_in_time`` for the running clocks of a paused case (judged at its
  pause), and ``running`` for the running clocks of the others, with ``due`` their due hour, so
  a read can tell overdue from in time at any moment.

``stat_tally`` holds the hourly keys, ``stat_day`` the same summed over the hour. One SQL text
(``contribution_sql``) computes contributions from the rows: for a full rebuild
(``rebuild_statistics``), for the cases a write transaction touched (``Store.write`` calls
``tally_changes`` before its audit events are sealed and ``apply_changes`` after), and for the
minutes of a period that are not whole hours. A case's received time and estate never change,
so the keys of its contribution stay in its own hour.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

Key = tuple[str, str, str, str, str, str, str]
KEY_COLUMNS = ("hour", "day", "estate", "figure", "code", "step", "due")
HOUR_FORMAT = "%Y-%m-%d %H"
_CHUNK = 500
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-/]+")


def hour_text(moment: dt.datetime) -> str:
    """The key of the UTC hour holding ``moment``."""
    return moment.astimezone(dt.UTC).strftime(HOUR_FORMAT)


def hour_start(key: str) -> dt.datetime:
    return dt.datetime.strptime(key, HOUR_FORMAT).replace(tzinfo=dt.UTC)


@lru_cache(maxsize=8)
def _offsets(zone_key: str) -> tuple[tuple[str, int], ...]:
    """The zone's UTC offsets in minutes since 1970, newest first, each with the UTC time (as
    stored text) it starts at: SQLite knows no zones, so the local day is computed by offset."""
    zone = ZoneInfo(zone_key)
    end = dt.datetime.now(dt.UTC) + dt.timedelta(days=365 * 5)
    moment = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

    def offset(at: dt.datetime) -> int:
        return int((at.astimezone(zone).utcoffset() or dt.timedelta()).total_seconds() // 60)

    current = offset(moment)
    spans = [("", current)]
    step = dt.timedelta(days=7)  # zones change offset at most twice a year
    while moment < end:
        nxt = moment + step
        if offset(nxt) != current:
            lo, hi = moment, nxt  # offset(lo) is the old one, offset(hi) the new: find the minute
            while hi - lo > dt.timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid <= lo:
                    break
                if offset(mid) == current:
                    lo = mid
                else:
                    hi = mid
            current = offset(hi)
            spans.append((hi.strftime("%Y-%m-%d %H:%M:%S"), current))
        moment = nxt
    return tuple(reversed(spans))


def _day_sql(dialect: str, zone_key: str, column: str) -> str:
    if not _ZONE_NAME.fullmatch(zone_key):
        raise ValueError(f"time zone name {zone_key!r}")
    if dialect == "postgresql":
        return f"to_char({column} AT TIME ZONE '{zone_key}', 'YYYY-MM-DD')"
    spans = _offsets(zone_key)
    # Whole seconds: SQLite rounds a time to milliseconds, so 23:59:59.9999 would be the next day.
    column = f"substr({column}, 1, 19)"
    if len(spans) == 1:
        return f"date({column}, '{spans[0][1]:+d} minutes')"
    branches = " ".join(
        f"WHEN {column} >= '{start}' THEN date({column}, '{minutes:+d} minutes')" for start, minutes in spans[:-1]
    )
    return f"CASE {branches} ELSE date({column}, '{spans[-1][1]:+d} minutes') END"


def _hour_sql(dialect: str, column: str) -> str:
    if dialect == "postgresql":
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"
    return f"substr({column}, 1, 13)"  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff', naive UTC


@lru_cache(maxsize=32)
def contribution_sql(dialect: str, zone_key: str, where: str) -> str:
    """SELECT hour, day, estate, figure, code, step, due, n of the cases matching ``where`` (a
    condition on ``complaint_case``'s own columns)."""
    hour, day = _hour_sql(dialect, "received_at"), _day_sql(dialect, zone_key, "received_at")
    closed_day = _day_sql(dialect, zone_key, "c.closed_at")
    due_hour = _hour_sql(dialect, "c.due_at")
    keys = "c.hour, c.day, c.estate"
    per_case = [
        f"SELECT {keys}, '{figure}', c.{column}, '', '', count(*) FROM c GROUP BY 1, 2, 3, 5"
        for figure, column in (
            ("status", "status"),
            ("category", "category"),
            ("channel", "channel"),
            ("urgency", "urgency"),
            ("department", "dept"),
        )
    ]
    parts = [
        *per_case,
        f"SELECT {keys}, 'building', r.building, '', '', count(*) FROM c JOIN room r ON r.id = c.room_id "
        "GROUP BY 1, 2, 3, 5",
        f"SELECT {keys}, 'closed', {closed_day}, '', '', count(*) FROM c WHERE c.closed_at IS NOT NULL "
        "GROUP BY 1, 2, 3, 5",
        f"SELECT {keys}, 'cause', f.cause_code, '', '', count(DISTINCT f.case_id) FROM c "
        "JOIN finding f ON f.case_id = c.id GROUP BY 1, 2, 3, 5",
        f"SELECT {keys}, 'satisfaction', CAST(v.satisfaction AS VARCHAR(4)), '', '', count(*) FROM c "
        "JOIN return_visit v ON v.case_id = c.id GROUP BY 1, 2, 3, 5",
        f"SELECT {keys}, 'visited', '', '', '', count(*) FROM c "
        "WHERE EXISTS (SELECT 1 FROM return_visit v WHERE v.case_id = c.id) GROUP BY 1, 2, 3",
        f"SELECT {keys}, 'reopened', '', '', '', count(*) FROM c "
        "WHERE c.reopen_count > 0 AND EXISTS (SELECT 1 FROM return_visit v WHERE v.case_id = c.id) "
        "GROUP BY 1, 2, 3",
        f"SELECT {keys}, 'clocks', c.dept, c.step, '', count(*) FROM k AS c GROUP BY 1, 2, 3, 5, 6",
        f"SELECT {keys}, 'done', c.dept, c.step, '', count(*) FROM k AS c WHERE c.done_at IS NOT NULL "
        "GROUP BY 1, 2, 3, 5, 6",
        f"SELECT {keys}, 'done_on_time', c.dept, c.step, '', count(*) FROM k AS c "
        "WHERE c.done_at IS NOT NULL AND c.done_at <= c.due_at GROUP BY 1, 2, 3, 5, 6",
        # Only the clocks of the case's current cycle still run; a paused one is judged at its pause.
        f"SELECT {keys}, CASE WHEN c.paused_at IS NULL THEN 'running' WHEN c.due_at < c.paused_at "
        "THEN 'open_overdue' ELSE 'open_in_time' END, c.dept, c.step, "
        f"CASE WHEN c.paused_at IS NULL THEN {due_hour} ELSE '' END, count(*) FROM k AS c "
        "WHERE c.done_at IS NULL AND c.cancelled_at IS NULL AND c.cycle = c.case_cycle AND c.is_open "
        "GROUP BY 1, 2, 3, 4, 5, 6, 7",
    ]
    union = "\nUNION ALL ".join(parts)
    return (
        f"WITH c AS MATERIALIZED (SELECT id, {hour} AS hour, {day} AS day, estate, status, category, channel, "
        "urgency, coalesce(department, '') AS dept, room_id, closed_at, reopen_count, cycle, is_open, paused_at "
        f"FROM complaint_case WHERE {where}), "
        "k AS MATERIALIZED (SELECT c.hour, c.day, c.estate, c.dept, c.cycle AS case_cycle, c.is_open, c.paused_at, "
        "s.step, s.done_at, s.due_at, s.cancelled_at, s.cycle FROM c JOIN step_clock s ON s.case_id = c.id) "
        f"SELECT * FROM ({union}) AS t"
    )


def _counter(rows: Iterable[Sequence[Any]]) -> Counter[Key]:
    out: Counter[Key] = Counter()
    for row in rows:
        n = int(row[7])
        if n:
            key = tuple(str(v) if v is not None else "" for v in row[:7])
            out[key] += n  # type: ignore[index]
    return out


def contributions(conn: Connection, zone_key: str, case_ids: Iterable[int]) -> Counter[Key]:
    """What the cases ``case_ids`` contribute, as the rows stand in ``conn``'s transaction.

    The ids are one bound parameter, so the statement's text stays the same from write to write
    and the driver reuses it prepared (it is long: preparing it anew cost more than running it).
    """
    ids = sorted({int(i) for i in case_ids})
    dialect = conn.dialect.name
    where = "id IN (SELECT value FROM json_each(?))" if dialect == "sqlite" else "id = ANY(%s)"
    sql = contribution_sql(dialect, zone_key, where)
    out: Counter[Key] = Counter()
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        value: Any = json.dumps(chunk) if dialect == "sqlite" else chunk
        out.update(_counter(conn.exec_driver_sql(sql, (value,)).fetchall()))
    return out


def time_sql(dialect: str, moment: dt.datetime) -> str:
    """``moment`` as an SQL literal that compares with a stored ``UTCDateTime``."""
    if dialect == "sqlite":
        return "'" + moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds") + "'"
    return "'" + moment.astimezone(dt.UTC).isoformat() + "'::timestamptz"


def received_between(
    conn: Connection, zone_key: str, lo: dt.datetime, hi: dt.datetime, where: str = ""
) -> Counter[Key]:
    """What the cases received in ``[lo, hi)`` contribute (``where``: a further condition)."""
    dialect = conn.dialect.name
    cond = f"received_at >= {time_sql(dialect, lo)} AND received_at < {time_sql(dialect, hi)}"
    if where:
        cond += f" AND {where}"
    return _counter(conn.exec_driver_sql(contribution_sql(dialect, zone_key, cond)).fetchall())


def kept_zone(conn: Connection) -> str | None:
    """The zone the tallies' local days are in (None: the store keeps no tallies, e.g. a store
    before migration 0009; asked of the catalog first, since a failed statement would end a
    PostgreSQL transaction)."""
    if conn.dialect.name == "sqlite":
        there = conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'stat_meta'").first()
    else:
        there = conn.exec_driver_sql("SELECT to_regclass('stat_meta')").scalar()
    if not there:
        return None
    row = conn.exec_driver_sql("SELECT zone FROM stat_meta WHERE id = 1").first()
    return str(row[0]) if row else None


def rebuild_statistics(conn: Connection, zone_key: str, contributions: str | None = None) -> None:
    """Recompute every tally from the rows, in ``conn``'s transaction, with local days in
    ``zone_key`` (the policy's zone). For bulk writers (the demo) and the migration.

    ``contributions``: a SELECT of the key columns and ``n``, one row per key, that a bulk writer
    knows to give the same counts far cheaper (the demo's copies: the template's counts times the
    copies); default: every case's, counted from the rows."""
    conn.exec_driver_sql("DELETE FROM stat_day")
    conn.exec_driver_sql("DELETE FROM stat_tally")
    cols = ", ".join(KEY_COLUMNS)
    source = contributions or contribution_sql(conn.dialect.name, zone_key, "1 = 1")
    conn.exec_driver_sql(f"INSERT INTO stat_tally ({cols}, n) SELECT * FROM ({source}) AS whole")
    rest = ", ".join(KEY_COLUMNS[1:])
    conn.exec_driver_sql(f"INSERT INTO stat_day ({rest}, n) SELECT {rest}, sum(n) FROM stat_tally GROUP BY {rest}")
    conn.exec_driver_sql("DELETE FROM stat_meta")
    conn.execute(text("INSERT INTO stat_meta (id, zone) VALUES (1, :zone)"), {"zone": zone_key})


def tally_changes(before: Connection, after: Connection, case_ids: set[int]) -> Counter[Key] | None:
    """How the tallies move for the cases ``case_ids``: their contribution in ``after`` (the write
    transaction, flushed) less their contribution in ``before`` (a connection that sees the
    store as last committed). None when the store keeps no tallies."""
    zone = kept_zone(after)
    if zone is None or not case_ids:
        return None
    delta = contributions(after, zone, case_ids)
    delta.subtract(contributions(before, zone, case_ids))
    return Counter({k: n for k, n in delta.items() if n})


def apply_changes(conn: Connection, delta: Counter[Key]) -> None:
    """Add ``delta`` to both tables, in key order (one order for every writer), dropping rows
    that fall to zero so the tables hold exactly what a recomputation gives."""
    by_day: Counter[tuple[str, ...]] = Counter()
    for key, n in delta.items():
        by_day[key[1:]] += n
    _add(conn, "stat_tally", KEY_COLUMNS, sorted(delta.items()))
    _add(conn, "stat_day", KEY_COLUMNS[1:], sorted((k, n) for k, n in by_day.items() if n))


def _add(conn: Connection, table: str, columns: Sequence[str], items: Sequence[tuple[tuple[str, ...], int]]) -> None:
    """Two statements whatever the number of keys (an import moves thousands): add each delta,
    then drop the rows a negative one brought to zero."""
    if not items:
        return
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    cols = ", ".join(columns)
    conn.exec_driver_sql(
        f"INSERT INTO {table} ({cols}, n) VALUES ({', '.join([mark] * (len(columns) + 1))}) "
        f"ON CONFLICT ({cols}) DO UPDATE SET n = {table}.n + excluded.n",
        [(*key, n) for key, n in items],
    )
    fallen = [tuple(key) for key, n in items if n < 0]
    if fallen:
        match = " AND ".join(f"{c} = {mark}" for c in columns)
        conn.exec_driver_sql(f"DELETE FROM {table} WHERE {match} AND n <= 0", fallen)


def recomputed_differences(conn: Connection, limit: int = 5) -> tuple[int, list[tuple[Key, int, int]]]:
    """How many hourly tallies differ from a recomputation from the rows, and the first few
    (key, kept, recomputed); also the daily table against the hourly one."""
    zone = kept_zone(conn)
    if zone is None:
        return 0, []
    fresh = _counter(conn.exec_driver_sql(contribution_sql(conn.dialect.name, zone, "1 = 1")))
    kept = _counter(conn.exec_driver_sql(f"SELECT {', '.join(KEY_COLUMNS)}, n FROM stat_tally"))
    days: Counter[Key] = Counter()
    for key, n in fresh.items():
        days[("*", *key[1:])] += n
    kept_days = _counter(conn.exec_driver_sql(f"SELECT '*', {', '.join(KEY_COLUMNS[1:])}, n FROM stat_day"))
    wrong = []
    for expected, got in ((fresh, kept), (days, kept_days)):
        for key in sorted(set(expected) | set(got)):
            if expected[key] != got[key]:
                wrong.append((key, got[key], expected[key]))
    return len(wrong), wrong[:limit]


def count_new_cases(conn: Connection, case_ids: Iterable[int]) -> None:
    """Add the contribution of cases this transaction created (a bulk writer that chains its
    audit events itself, like the import): before it they contributed nothing."""
    zone = kept_zone(conn)
    if zone is not None:
        apply_changes(conn, contributions(conn, zone, case_ids))
