"""Business days as the Good Faith Estimate rule counts them: weekends and US federal holidays are not counted.

The holidays are computed by their rule (5 U.S.C. 6103), with the observed day when one falls on a weekend
(Saturday -> the Friday before, Sunday -> the Monday after; New Year's Day on a Saturday is observed on
December 31 of the year before), so no table has to be kept up to date.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

MON, THU = 0, 3


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


def _holidays_of(year: int) -> dict[date, str]:
    """The federal holidays of `year` on their actual dates."""
    days = {
        date(year, 1, 1): "New Year's Day",
        _nth_weekday(year, 1, MON, 3): "Birthday of Martin Luther King, Jr.",
        _nth_weekday(year, 2, MON, 3): "Washington's Birthday",
        _last_weekday(year, 5, MON): "Memorial Day",
        date(year, 7, 4): "Independence Day",
        _nth_weekday(year, 9, MON, 1): "Labor Day",
        _nth_weekday(year, 10, MON, 2): "Columbus Day",
        date(year, 11, 11): "Veterans Day",
        _nth_weekday(year, 11, THU, 4): "Thanksgiving Day",
        date(year, 12, 25): "Christmas Day",
    }
    if year >= 2021:
        days[date(year, 6, 19)] = "Juneteenth National Independence Day"
    return days


@cache
def federal_holidays(year: int) -> dict[date, str]:
    """Days off in `year` (observed dates, plus the actual date when it is a weekday): date -> holiday name."""
    out: dict[date, str] = {}
    for y in (year, year + 1):  # next year's New Year's Day may be observed on this year's December 31
        for day, name in _holidays_of(y).items():
            observed = _observed(day)
            if observed.year == year:
                out[observed] = name if observed == day else f"{name} (observed)"
    return out


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in federal_holidays(day.year)


def add_business_days(day: date, n: int) -> date:
    """The n-th business day after `day` (n >= 0; 0 gives `day` itself)."""
    current = day
    while n > 0:
        current += timedelta(days=1)
        if is_business_day(current):
            n -= 1
    return current


def business_days_between(start: date, end: date) -> int:
    """Business days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_business_day(current):
            count += 1
    return count
