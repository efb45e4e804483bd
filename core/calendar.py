"""The China working-day calendar (public holidays and adjusted working days, 调休) in Asia/Shanghai.

Sources, in order: staff overrides (``core.CalendarOverride``), the official data shipped by the
``chinesecalendar`` package, and — for a year the package has no data for — a documented fallback
rule: Monday–Friday are working days except the fixed-date holidays below. The fallback never applies
silently: ``years_needing_staff_attention`` lets the admin warn staff to enter that year's days, period
ends computed on it are marked provisional (``years_on_fallback``), and ``calendar_changed`` tells the
apps when staff correct a day so they can recompute.

Deadlines are "end of business" of a working day: ``BUSINESS_END`` local time.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from contextlib import contextmanager
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
from django.dispatch import Signal

logger = logging.getLogger(__name__)

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
    """True when ``chinesecalendar`` ships the State Council's notice for ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=64)
def _log_fallback(year: int) -> None:
    # Once per process and year: the admin banner is the staff-facing warning, this is for the logs.
    logger.warning("no official China holiday data for %s; using the fallback rule (weekends + fixed-date holidays)", year)


def _is_working_day(day: dt.date, overrides: dict[dt.date, str]) -> bool:
    kind = overrides.get(day)
    if kind is not None:
        return kind == "workday"
    if has_official_data(day.year):
        return chinese_calendar.is_workday(day)
    _log_fallback(day.year)
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
    """Years among ``years`` for which ``chinesecalendar`` has no official data."""
    return [year for year in years if not has_official_data(year)]


def years_on_fallback(years) -> list[int]:
    """Years among ``years`` that only the fallback rule answers: no official data, and no holiday entered by
    staff (a year with one staff holiday counts as entered: staff are then expected to enter all its days).
    A period end falling in such a year is provisional (``core.periods.period_end_info``)."""
    from .models import CalendarOverride

    missing = years_missing_official_data(sorted(set(years)))
    if not missing:
        return []
    covered = set(
        CalendarOverride.objects.filter(date__year__in=missing, kind=CalendarOverride.Kind.HOLIDAY).values_list(
            "date__year", flat=True
        )
    )
    return [year for year in missing if year not in covered]


#: Sent (``days``: the set of dates concerned) when staff add, change or remove ``CalendarOverride`` rows:
#: whatever was computed on those days (period ends, deadlines) may now end differently. Receivers
#: recompute; they run in the transaction of the change. Inside ``calendar_changes()`` (a holiday entered
#: as a range, a bulk delete) it is sent once, for all the days, when the block ends.
calendar_changed = Signal()
_pending = threading.local()


def calendar_days_changed(days) -> None:
    """Announce that the calendar changed on ``days`` (now, or at the end of the enclosing ``calendar_changes``)."""
    days = set(days)
    if not days:
        return
    collected = getattr(_pending, "days", None)
    if collected is not None:
        collected.update(days)
        return
    from .models import CalendarOverride

    calendar_changed.send(sender=CalendarOverride, days=days)


@contextmanager
def calendar_changes():
    """Collect the days changed inside the block; announce them once when it ends without an error."""
    if getattr(_pending, "days", None) is not None:  # nested: the outer block announces
        yield
        return
    _pending.days = set()
    try:
        yield
        days = _pending.days
    finally:
        _pending.days = None
    calendar_days_changed(days)


# How long before the year ends we start warning that next year's official days are missing:
# the State Council usually publishes them in November, and deadlines filed in December run into January.
NEXT_YEAR_WARNING_DAYS = 60


def years_needing_staff_attention(today: dt.date | None = None) -> list[int]:
    """Years that deadlines may fall in but for which only the fallback rule is known.

    The current year always counts; next year counts from ``NEXT_YEAR_WARNING_DAYS`` before New Year.
    A year stops counting once the package ships its data, or once staff have entered at least one
    holiday override for it in the admin (``years_on_fallback``).
    """
    today = today or local_date(dt.datetime.now(tz=SHANGHAI))
    years = [today.year]
    if (dt.date(today.year + 1, 1, 1) - today).days <= NEXT_YEAR_WARNING_DAYS:
        years.append(today.year + 1)
    return years_on_fallback(years)


# --- working time (business hours on working days), for reminder lead times and paused clocks ---


def _business_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime.combine(day, BUSINESS_START, tzinfo=SHANGHAI), dt.datetime.combine(day, BUSINESS_END, tzinfo=SHANGHAI)


def working_seconds_between(start: dt.datetime, end: dt.datetime) -> int:
    """Seconds of business hours (09:00–18:00 on working days, Asia/Shanghai) between two moments."""
    if end <= start:
        return 0
    overrides = _overrides()
    total = 0.0
    day, last = local_date(start), local_date(end)
    while day <= last:
        if _is_working_day(day, overrides):
            opens, closes = _business_window(day)
            lo, hi = max(opens, start), min(closes, end)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += dt.timedelta(days=1)
    return int(total)


def add_working_seconds(moment: dt.datetime, seconds: int) -> dt.datetime:
    """The moment ``seconds`` of business time after ``moment`` (negative: before it).

    Used to move a deadline by time a case was paused, and to find "4 working hours before" a deadline.
    """
    if seconds == 0:
        return moment
    overrides = _overrides()
    local = moment.astimezone(SHANGHAI)
    remaining = dt.timedelta(seconds=abs(seconds))
    step = 1 if seconds > 0 else -1
    day = local.date()
    for _ in range(3660):  # ten years of days: a hard stop instead of an endless loop on bad data
        if _is_working_day(day, overrides):
            opens, closes = _business_window(day)
            if step > 0:
                lo = max(opens, local) if day == local.date() else opens
                if lo < closes:
                    if lo + remaining <= closes:
                        return lo + remaining
                    remaining -= closes - lo
            else:
                hi = min(closes, local) if day == local.date() else closes
                if hi > opens:
                    if hi - remaining >= opens:
                        return hi - remaining
                    remaining -= hi - opens
        day += dt.timedelta(days=step)
    raise ValueError("working-time arithmetic ran past ten years")
