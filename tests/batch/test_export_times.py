"""The export's wall-clock times (issue 11 item 5): the fast conversion of stored UTC (a SQLite
string or a PostgreSQL datetime) equals a plain ``astimezone`` for every instant, across changes
of offset, including one in the middle of an hour."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from complaint_tui.exporting import _local_times


class HalfHourShift(dt.tzinfo):
    """+1 h until 2026-03-29 01:30 UTC, +2 h after: a change of offset inside a UTC hour."""

    SHIFT = dt.datetime(2026, 3, 29, 1, 30)

    def utcoffset(self, d: dt.datetime | None) -> dt.timedelta:
        assert d is not None  # local time: the clocks jump from 02:30 to 03:30
        return dt.timedelta(hours=2 if d.replace(tzinfo=None) >= self.SHIFT + dt.timedelta(hours=2) else 1)

    def dst(self, d: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(0)

    def fromutc(self, d: dt.datetime) -> dt.datetime:
        offset = dt.timedelta(hours=2 if d.replace(tzinfo=None) >= self.SHIFT else 1)
        return (d + offset).replace(tzinfo=self)

    def tzname(self, d: dt.datetime | None) -> str:
        return "HH"


@pytest.mark.parametrize("zone", [ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/Berlin"), HalfHourShift()])
def test_every_instant_matches_astimezone(zone: dt.tzinfo) -> None:
    convert = _local_times(zone)
    start = dt.datetime(2026, 3, 28, 20, 0, 7, 123456)
    for step in range(0, 12 * 60, 7):  # every 7 minutes over 12 hours around Berlin's shift
        naive = start + dt.timedelta(minutes=step)
        aware = naive.replace(tzinfo=dt.UTC)
        expected = aware.astimezone(zone).replace(tzinfo=None, microsecond=0)
        assert convert(naive.isoformat(sep=" ")) == expected, naive  # as SQLite returns it
        assert convert(aware) == expected, naive  # as PostgreSQL returns it
    assert convert(None) is None
