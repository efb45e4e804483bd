"""When a car can be seen: the free slots of a car, from its dealer's hours, closed days and existing bookings.

A dealer's ``ViewingHours`` give one opening interval per weekday (Asia/Shanghai), a slot length and closed days;
with ``closed_on_public_holidays`` the statutory holidays of the working-day calendar (``core.calendar``: staff
overrides, the official data, the fallback rule) close the showroom too — a make-up working day (调休) does not.
A slot starts at least ``MIN_LEAD`` from now (so the 2-hour reminder can still be sent) and at most
``HORIZON_DAYS`` ahead. Three queries whatever the horizon: the hours, the calendar overrides, the bookings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar

from core import calendar
from core.models import CalendarOverride

from ..models import Appointment, Listing, ViewingHours

HORIZON_DAYS = 14
MIN_LEAD = dt.timedelta(hours=2)


@dataclass(frozen=True)
class Slot:
    starts_at: dt.datetime
    ends_at: dt.datetime

    @property
    def value(self) -> str:
        """What a form posts for this slot (the local start, minute precision)."""
        return self.starts_at.astimezone(calendar.SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def parse_slot(value: str) -> dt.datetime | None:
    """The start a form posted (``Slot.value``), as an aware datetime; None when unreadable."""
    try:
        naive = dt.datetime.strptime((value or "").strip(), "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return naive.replace(tzinfo=calendar.SHANGHAI)


def hours_of(dealer_id: int) -> ViewingHours:
    """The dealer's hours; the defaults (every day 09:00–18:00, 1-hour slots) until they set their own."""
    return ViewingHours.objects.filter(dealer_id=dealer_id).first() or ViewingHours(dealer_id=dealer_id)


def is_public_holiday(day: dt.date, overrides: dict[dt.date, str]) -> bool:
    """A statutory holiday (National Day, Spring Festival …), not an ordinary weekend: staff overrides first, then
    the official data, then the fallback's fixed-date holidays."""
    kind = overrides.get(day)
    if kind is not None:
        return kind == CalendarOverride.Kind.HOLIDAY
    if calendar.has_official_data(day.year):
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        return bool(on_holiday and name)
    return (day.month, day.day) in calendar.FALLBACK_FIXED_HOLIDAYS


def _time(value: str) -> dt.time | None:
    try:
        return dt.datetime.strptime(value, "%H:%M").time()
    except (TypeError, ValueError):
        return None


def day_slots(hours: ViewingHours, day: dt.date, overrides: dict[dt.date, str]) -> list[Slot]:
    """Every slot of ``day`` by the dealer's hours (before removing the past and the booked)."""
    if day.isoformat() in set(hours.closed_days or ()):
        return []
    if hours.closed_on_public_holidays and is_public_holiday(day, overrides):
        return []
    interval = (hours.weekly or {}).get(str(day.weekday()))
    if not interval or len(interval) != 2:
        return []
    opens, closes = _time(interval[0]), _time(interval[1])
    if opens is None or closes is None or closes <= opens:
        return []
    length = dt.timedelta(minutes=hours.slot_minutes)
    start = dt.datetime.combine(day, opens, tzinfo=calendar.SHANGHAI)
    end = dt.datetime.combine(day, closes, tzinfo=calendar.SHANGHAI)
    slots = []
    while start + length <= end:
        slots.append(Slot(start, start + length))
        start += length
    return slots


def free_slots(
    *, listing: Listing, now: dt.datetime, days: int = HORIZON_DAYS, first_day: dt.date | None = None, exclude: int | None = None
) -> dict[dt.date, list[Slot]]:
    """{day: free slots} of the car for ``days`` days from ``first_day`` (today), in three queries. ``exclude``:
    an appointment being rescheduled (its own slot counts as free)."""
    today = calendar.local_date(now)
    first_day = max(first_day or today, today)
    last_day = first_day + dt.timedelta(days=days - 1)
    hours = hours_of(listing.dealer_id)
    overrides = dict(CalendarOverride.objects.filter(date__range=(first_day, last_day)).values_list("date", "kind"))
    window_start = dt.datetime.combine(first_day, dt.time.min, tzinfo=calendar.SHANGHAI)
    window_end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=calendar.SHANGHAI)
    booked = Appointment.objects.filter(
        listing_id=listing.pk, status=Appointment.Status.BOOKED, starts_at__lt=window_end, ends_at__gt=window_start
    )
    if exclude:
        booked = booked.exclude(pk=exclude)
    taken = list(booked.values_list("starts_at", "ends_at"))
    earliest = now + MIN_LEAD
    result: dict[dt.date, list[Slot]] = {}
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        free = [
            slot
            for slot in day_slots(hours, day, overrides)
            if slot.starts_at >= earliest and not any(s < slot.ends_at and e > slot.starts_at for s, e in taken)
        ]
        if free:
            result[day] = free
    return result


def slot_at(*, listing: Listing, starts_at: dt.datetime, now: dt.datetime, exclude: int | None = None) -> Slot | None:
    """The free slot of the car starting at ``starts_at`` (None when there is none: closed, past, too far, taken)."""
    day = calendar.local_date(starts_at)
    if day > calendar.local_date(now) + dt.timedelta(days=HORIZON_DAYS - 1):
        return None
    for slot in free_slots(listing=listing, now=now, days=1, first_day=day, exclude=exclude).get(day, []):
        if slot.starts_at == starts_at:
            return slot
    return None
