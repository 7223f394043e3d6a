"""The centre's time zone as spans of one UTC offset each, and as SQL that turns stored UTC
into local time on the database's side (the export's fast path, issue 11 item 5).

A zone changes its offset a few times a year at most; between two changes every instant has the
same offset. ``offset_spans`` finds those changes in a window (probing each day, then
bisecting to the microsecond), so a database can convert a time with a handful of comparisons
(a balanced ``CASE`` over the changes) and one date function. A time outside the window gives
a marker instead: the caller then converts that row in Python, so the result is always the one
``astimezone`` gives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, null

# Daily probes find each change of offset; bisection then finds its microsecond.
_PROBE = dt.timedelta(days=1)
_TICK = dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class Span:
    """From ``start`` (UTC, included) to the next span's start, local time is UTC + ``offset``."""

    start: dt.datetime
    offset: dt.timedelta


def _offset(zone: dt.tzinfo, instant: dt.datetime) -> dt.timedelta:
    off = instant.astimezone(zone).utcoffset()
    assert off is not None  # an aware datetime converted to a zone always has one
    return off


def offset_spans(zone: dt.tzinfo, lo: dt.datetime, hi: dt.datetime) -> list[Span]:
    """The spans of one offset covering ``[lo, hi)`` (UTC), the first starting at ``lo``.

    Probes once a day: a zone whose offset changes and changes back within one day would be
    missed (no zone in the tz database does; a change in the middle of an hour is found).
    """
    spans = [Span(lo, _offset(zone, lo))]
    here, off = lo, spans[0].offset
    while here < hi:
        nxt = here + _PROBE
        new = _offset(zone, nxt)
        if new != off:
            # The first instant in (here, nxt] with the new offset, to the microsecond.
            a, b = here, nxt
            while b - a > _TICK:
                mid = a + (b - a) // 2
                if _offset(zone, mid) == off:
                    a = mid
                else:
                    b = mid
            if b < hi:
                spans.append(Span(b, new))
            off = new
        here = nxt
    return spans


def sqlite_stamp(instant: dt.datetime) -> str:
    """``instant`` (UTC) as SQLite compares it with stored times (``YYYY-MM-DD HH:MM:SS`` and
    an optional ``.ffffff``): the short form when it falls on a whole second, so a stored time
    equal to it, with or without its six zeros, compares as not less."""
    text = instant.strftime("%Y-%m-%d %H:%M:%S")
    return text if not instant.microsecond else f"{text}.{instant.microsecond:06d}"


Leaf = Callable[[dt.timedelta], ColumnElement[Any]]


def _tree(value: Any, bounds: Sequence[Any], leaves: Sequence[ColumnElement[Any]]) -> ColumnElement[Any]:
    """``leaves[i]`` where ``bounds[i-1] <= value < bounds[i]``, by halving (``len(leaves) ==
    len(bounds) + 1``): a few comparisons per value however many changes the window holds."""
    if not bounds:
        return leaves[0]
    mid = len(bounds) // 2
    return case(
        (value < bounds[mid], _tree(value, bounds[:mid], leaves[: mid + 1])),
        else_=_tree(value, bounds[mid + 1 :], leaves[mid + 1 :]),
    )


def local_time_sql(
    value: Any,
    spans: list[Span],
    end: dt.datetime,
    leaf: Leaf,
    stamp: Callable[[dt.datetime], Any],
    outside: ColumnElement[Any] | None = None,
) -> ColumnElement[Any]:
    """SQL giving ``leaf(offset)`` for the span ``value`` (a stored UTC time) falls in, and
    ``outside`` (NULL by default) before the first span or from ``end`` on. ``stamp`` turns a
    UTC instant into what ``value`` is compared with."""
    bounds = [stamp(s.start) for s in spans] + [stamp(end)]
    off: ColumnElement[Any] = outside if outside is not None else null()
    leaves: list[ColumnElement[Any]] = [off, *(leaf(s.offset) for s in spans), off]
    return _tree(value, bounds, leaves)


def whole_seconds(spans: list[Span]) -> bool:
    """Whether every offset is a whole number of seconds (what SQL date arithmetic adds)."""
    return all(not s.offset.microseconds for s in spans)


def iso_offset(offset: dt.timedelta) -> str:
    """The ``+08:00`` suffix ``datetime.isoformat`` writes for ``offset``."""
    return dt.datetime(2000, 1, 1, tzinfo=dt.timezone(offset)).isoformat()[19:]
