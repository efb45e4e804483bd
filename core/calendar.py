"""The China working-day calendar (public holidays and adjusted working days, 调休) in Asia/Shanghai.

Sources, in order: staff overrides (``core.CalendarOverride``), the official data shipped by the
``chinesecalendar`` package, and — for a year the package has no data for — a documented fallback
rule: Monday–Friday are working days except the fixed-date holidays below. The fallback never applies
silently: ``years_missing_official_data`` lets the admin warn staff to enter that year's days.

Deadlines are "end of business" of a working day: ``BUSINESS_END`` local time.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
BUSINESS_START = dt.time(9, 0)
BUSINESS_END = dt.time(18, 0)

# Fallback rule for years without official data: only the holidays fixed by the solar calendar
# (New Year, Labour Day, National Day 1–3 Oct). Lunar holidays and 调休 need the official notice.
FALLBACK_FIXED_HOLIDAYS = {(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)}


def _overrides() -> dict[dt.date, str]:
    from .models import CalendarOverride

    return dict(CalendarOverride.objects.values_list("date", "kind"))


@lru_cache(maxsize=64)
def has_official_data(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _is_working_day(day: dt.date, overrides: dict[dt.date, str]) -> bool:
    kind = overrides.get(day)
    if kind is not None:
        return kind == "workday"
    if has_official_data(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5 and (day.month, day.day) not in FALLBACK_FIXED_HOLIDAYS


def is_working_day(day: dt.date) -> bool:
    """True on a China working day (a make-up Saturday counts; a statutory holiday does not)."""
    return _is_working_day(day, _overrides())


def next_working_day(day: dt.date, *, include_today: bool = False) -> dt.date:
    """The first working day after ``day`` (or ``day`` itself when ``include_today`` and it is one)."""
    overrides = _overrides()
    candidate = day if include_today else day + dt.timedelta(days=1)
    while not _is_working_day(candidate, overrides):
        candidate += dt.timedelta(days=1)
    return candidate


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SHANGHAI).date()


def end_of_business(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, BUSINESS_END, tzinfo=SHANGHAI)


def add_working_days(moment: dt.datetime, days: int) -> dt.datetime:
    """Deadline ``days`` working days after ``moment``: 18:00 Asia/Shanghai of the N-th working day
    after the local date of ``moment`` (a case filed on Friday with 1 working day is due Monday 18:00,
    or later when Monday is a holiday)."""
    overrides = _overrides()
    day = local_date(moment)
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if _is_working_day(day, overrides):
            remaining -= 1
    return end_of_business(day)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Number of working days in the half-open range (start, end]; negative when end < start."""
    if end < start:
        return -working_days_between(end, start)
    overrides = _overrides()
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if _is_working_day(day, overrides):
            count += 1
    return count


def years_missing_official_data(years) -> list[int]:
    """Years among ``years`` that the calendar can only answer with the fallback rule."""
    return [year for year in years if not has_official_data(year)]
