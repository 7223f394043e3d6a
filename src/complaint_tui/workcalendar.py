"""The Chinese working-day calendar: statutory holidays, make-up working days (调休), and the days
a centre adds in its policy.

The ``holidays`` library has the official schedule, make-up days included, for the years the
State Council has published; for later years it computes the statutory holidays by rule but
knows no make-up days. Past its range it knows nothing. Each year is therefore graded:

- ``official``: the library has the year's make-up working days: used as is;
- ``statutory_only``: holidays by rule, no make-up days: used, and reported so a centre can add
  the announced make-up days to its policy;
- ``weekends_only``: the library has nothing: Saturday and Sunday off, plus the policy's dates.

Whatever the grade, a date never raises: the policy's ``extra_days_off`` and
``extra_working_days`` are applied on top.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import holidays


class CalendarGrade(StrEnum):
    OFFICIAL = "official"
    STATUTORY_ONLY = "statutory_only"
    WEEKENDS_ONLY = "weekends_only"


@dataclass(frozen=True)
class YearData:
    grade: CalendarGrade
    days_off: frozenset[dt.date]
    make_up_days: frozenset[dt.date]


@dataclass
class WorkCalendar:
    """Answers "is this a working day?" for any date, and counts working days forward."""

    extra_days_off: frozenset[dt.date] = frozenset()
    extra_working_days: frozenset[dt.date] = frozenset()
    _years: dict[int, YearData] = field(default_factory=dict, repr=False)

    def year(self, year: int) -> YearData:
        data = self._years.get(year)
        if data is None:
            data = self._years[year] = self._load(year)
        return data

    @staticmethod
    def _load(year: int) -> YearData:
        try:
            lib = holidays.country_holidays("CN", years=year)
            days_off = frozenset(d for d in lib if d.year == year)
            make_up = frozenset(d for d in lib.weekend_workdays if d.year == year)
        except (NotImplementedError, KeyError, ValueError, OverflowError):
            return YearData(CalendarGrade.WEEKENDS_ONLY, frozenset(), frozenset())
        if make_up:
            return YearData(CalendarGrade.OFFICIAL, days_off, make_up)
        if days_off:
            return YearData(CalendarGrade.STATUTORY_ONLY, days_off, frozenset())
        return YearData(CalendarGrade.WEEKENDS_ONLY, frozenset(), frozenset())

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        data = self.year(day.year)
        if day in data.make_up_days:
            return True
        if day in data.days_off:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """The same local time of day on the ``days``-th working day after ``start``'s date.

        ``start`` must be timezone-aware in the centre's zone; counting starts the next day, so a
        case received on a Saturday with a one-working-day limit is due on Monday (or on the
        make-up working day, if that Sunday is one).
        """
        if days < 0:
            raise ValueError("days must not be negative")
        day = start.date()
        left = days
        while left:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        naive = dt.datetime.combine(day, start.timetz().replace(tzinfo=None))
        return naive.replace(tzinfo=start.tzinfo)

    def grades(self, years: Iterable[int]) -> dict[int, CalendarGrade]:
        return {y: self.year(y).grade for y in years}
