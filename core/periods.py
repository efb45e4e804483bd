"""Civil-law period counting (民法典 Arts. 201–203) for the return window and the warranty.

- The day the period starts from (delivery) is not counted: a period of N days ends at 24:00
  Asia/Shanghai of the N-th day after it.
- A period in months or years ends on the corresponding day of the last month; when that month has no
  such day (29 Feb → a year later), on that month's last day.
- When the last day is a statutory holiday / rest day, the period ends at 24:00 of the first working
  day after it (``core.calendar``: official data, staff overrides, 调休 make-up days count as working).

Ends are returned as aware datetimes at local midnight *after* the last day, i.e. an exclusive bound:
a moment ``m`` is inside the period when ``m < end``.

An end that rests on a year the calendar only knows by its fallback rule (no official data, no staff
holidays: ``core.calendar.years_on_fallback``) is *provisional* (``period_end_info``): the holidays that
decide it are not published yet. Whoever stores it recomputes it when they are — and, since a buyer has
been shown it, only ever moves it later (``later_of``).
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from dataclasses import dataclass

from .calendar import SHANGHAI, is_working_day, local_date, next_working_day, years_on_fallback


def add_months(day: dt.date, months: int) -> dt.date:
    """The corresponding day ``months`` later, clamped to the month's last day (31 Jan + 1 month → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def last_day(start: dt.date, *, days: int = 0, months: int = 0, years: int = 0) -> dt.date:
    """The last day (inclusive) of a period counted from ``start`` (which is itself not counted).

    Exactly one unit is expected in practice; months and years may be combined (years → 12 months).
    Without holiday adjustment — see ``period_last_day``.
    """
    if days < 0 or months < 0 or years < 0:
        raise ValueError("a period cannot be negative")
    end = add_months(start, months + 12 * years) if (months or years) else start
    return end + dt.timedelta(days=days)


def period_last_day(start: dt.date, *, days: int = 0, months: int = 0, years: int = 0) -> dt.date:
    """``last_day`` moved to the first working day after it when it falls on a holiday / rest day (Art. 203)."""
    end = last_day(start, days=days, months=months, years=years)
    if not is_working_day(end):
        end = next_working_day(end)
    return end


def end_of_day(day: dt.date) -> dt.datetime:
    """24:00 Asia/Shanghai of ``day`` as an aware datetime (= 00:00 of the next day; exclusive)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)


def period_end(start: dt.date | dt.datetime, *, days: int = 0, months: int = 0, years: int = 0) -> dt.datetime:
    """The exclusive end (24:00 of the last day, Asia/Shanghai) of a period counted from ``start``.

    ``start`` may be a local date or an aware moment (its Asia/Shanghai date is used).
    """
    if isinstance(start, dt.datetime):
        start = local_date(start)
    return end_of_day(period_last_day(start, days=days, months=months, years=years))


@dataclass(frozen=True)
class PeriodEnd:
    """The exclusive end of a period, and whether it rests on the fallback calendar."""

    at: dt.datetime
    provisional: bool = False


def period_end_info(start: dt.date | dt.datetime, *, days: int = 0, months: int = 0, years: int = 0) -> PeriodEnd:
    """``period_end`` with its standing: provisional when a day that decides it — the nominal last day, and
    every rest day it was moved over — falls in a year known only by the fallback rule."""
    if isinstance(start, dt.datetime):
        start = local_date(start)
    nominal = last_day(start, days=days, months=months, years=years)
    final = period_last_day(start, days=days, months=months, years=years)
    return PeriodEnd(end_of_day(final), bool(years_on_fallback(range(nominal.year, final.year + 1))))


def later_of(shown: dt.datetime | None, computed: dt.datetime) -> dt.datetime:
    """The end to keep when a period is recomputed: never earlier than the one already shown."""
    return computed if shown is None or computed > shown else shown


def is_within(moment: dt.datetime, end: dt.datetime) -> bool:
    """True while ``moment`` is before the exclusive ``end`` (works for any timezone of ``moment``)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: periods are compared on aware moments only")
    return moment < end


def last_day_of(end: dt.datetime) -> dt.date:
    """The last (inclusive) local day of a period whose exclusive end is ``end``."""
    return local_date(end) - dt.timedelta(days=1)


def days_left(moment: dt.datetime, end: dt.datetime) -> int:
    """Whole local days left including today (0 once the period has ended)."""
    if not is_within(moment, end):
        return 0
    return (last_day_of(end) - local_date(moment)).days + 1
