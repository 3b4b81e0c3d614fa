"""Handling deadlines (afhandeltermijn) in working days or calendar days.

Working days are Monday to Friday except Dutch public holidays (the `holidays` package, NL:
New Year, Good Friday, Easter, King's Day, Ascension, Whitsun, Christmas, Liberation Day in
lustrum years).
Signalen ignores holidays; we do not, because a deadline on Christmas Day is not a promise kept.
A report made on a day off starts counting on the next working day at 00:00, as in Signalen.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache

import holidays


class DayKind(StrEnum):
    WORKING = "working"
    CALENDAR = "calendar"


@lru_cache(maxsize=64)
def dutch_holidays(year: int) -> frozenset[date]:
    """The Dutch public holidays of `year`."""
    return frozenset(holidays.country_holidays("NL", years=year).keys())


class DutchHolidays:
    """A container of dates answering 'is this a Dutch public holiday', any year."""

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and day in dutch_holidays(day.year)


NL_HOLIDAYS = DutchHolidays()


def is_working_day(day: date, days_off: Container[date] = NL_HOLIDAYS) -> bool:
    return day.weekday() < 5 and day not in days_off


def add_working_days(
    start: datetime, days: int, days_off: Container[date] = NL_HOLIDAYS
) -> datetime:
    """`start` moved `days` working days ahead, keeping the time of day. A start on a day off
    first moves to the next working day at 00:00. `days` must be ≥ 0."""
    if days < 0:
        raise ValueError(f"days must be 0 or more, got {days}")
    moment = start
    if not is_working_day(moment.date(), days_off):
        day = moment.date() + timedelta(days=1)
        while not is_working_day(day, days_off):
            day += timedelta(days=1)
        moment = datetime.combine(day, time(0), tzinfo=start.tzinfo)
    left = days
    while left:
        moment += timedelta(days=1)
        if is_working_day(moment.date(), days_off):
            left -= 1
    return moment


def deadline(
    start: datetime, days: int, kind: DayKind, days_off: Container[date] = NL_HOLIDAYS
) -> datetime:
    """The handling deadline for a signal reported at `start` (a local time)."""
    if kind is DayKind.CALENDAR:
        return start + timedelta(days=days)
    return add_working_days(start, days, days_off)
