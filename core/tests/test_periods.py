"""Civil-law period counting (民法典 Arts. 201–203)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from core.calendar import SHANGHAI
from core.models import CalendarOverride
from core.periods import add_months, days_left, end_of_day, is_within, last_day, period_end, period_last_day

UTC = ZoneInfo("UTC")


def test_the_day_of_delivery_is_not_counted():
    assert last_day(dt.date(2026, 3, 1), days=30) == dt.date(2026, 3, 31)


def test_thirty_day_period_from_1_march_ends_at_midnight_after_31_march(db):
    assert period_end(dt.date(2026, 3, 1), days=30) == dt.datetime(2026, 4, 1, 0, 0, tzinfo=SHANGHAI)


def test_day_30_at_23_59_shanghai_is_inside_and_day_31_at_00_00_is_outside(db):
    end = period_end(dt.date(2026, 3, 1), days=30)
    assert is_within(dt.datetime(2026, 3, 31, 23, 59, 59, tzinfo=SHANGHAI), end)
    assert not is_within(dt.datetime(2026, 4, 1, 0, 0, tzinfo=SHANGHAI), end)


def test_the_same_instants_given_in_utc_give_the_same_answers(db):
    end = period_end(dt.date(2026, 3, 1), days=30)
    assert is_within(dt.datetime(2026, 3, 31, 15, 59, tzinfo=UTC), end)  # 23:59 in Shanghai
    assert not is_within(dt.datetime(2026, 3, 31, 16, 0, tzinfo=UTC), end)  # 00:00 on day 31


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        is_within(dt.datetime(2026, 3, 31, 12, 0), end_of_day(dt.date(2026, 3, 31)))


def test_a_last_day_on_national_day_moves_to_the_first_working_day_after_the_holiday(db):
    # Delivered 1 Sep 2026: the 30th day is 1 Oct (National Day, holiday 1–7 Oct 2026).
    assert last_day(dt.date(2026, 9, 1), days=30) == dt.date(2026, 10, 1)
    assert period_last_day(dt.date(2026, 9, 1), days=30) == dt.date(2026, 10, 8)
    assert period_end(dt.date(2026, 9, 1), days=30) == dt.datetime(2026, 10, 9, 0, 0, tzinfo=SHANGHAI)


def test_a_last_day_on_a_sunday_moves_to_monday(db):
    # Delivered 1 Feb 2026 + 1 month → Sun 1 Mar 2026 → Mon 2 Mar.
    assert period_last_day(dt.date(2026, 2, 1), months=1) == dt.date(2026, 3, 2)


def test_a_make_up_working_saturday_is_not_moved(db):
    CalendarOverride.objects.create(date=dt.date(2026, 3, 7), kind=CalendarOverride.Kind.WORKDAY)
    assert period_last_day(dt.date(2026, 2, 7), months=1) == dt.date(2026, 3, 7)


def test_a_staff_entered_holiday_moves_the_end(db):
    CalendarOverride.objects.create(date=dt.date(2026, 3, 31), kind=CalendarOverride.Kind.HOLIDAY)
    assert period_last_day(dt.date(2026, 3, 1), days=30) == dt.date(2026, 4, 1)


def test_twelve_months_from_29_february_end_on_28_february(db):
    assert last_day(dt.date(2028, 2, 29), months=12) == dt.date(2029, 2, 28)
    assert last_day(dt.date(2028, 2, 29), years=1) == dt.date(2029, 2, 28)
    assert period_end(dt.date(2028, 2, 29), months=12) == dt.datetime(2029, 3, 1, 0, 0, tzinfo=SHANGHAI)


def test_months_end_on_the_corresponding_day_or_the_months_last_day():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 3, 15), 12) == dt.date(2027, 3, 15)
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)


def test_an_aware_start_uses_its_shanghai_date(db):
    # 28 Feb 2026 17:00 UTC is already 1 Mar 01:00 in Shanghai.
    assert period_end(dt.datetime(2026, 2, 28, 17, 0, tzinfo=UTC), days=30) == dt.datetime(2026, 4, 1, tzinfo=SHANGHAI)


def test_days_left_counts_today_and_is_zero_after_the_end(db):
    end = period_end(dt.date(2026, 3, 1), days=30)
    assert days_left(dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI), end) == 30
    assert days_left(dt.datetime(2026, 3, 31, 23, 0, tzinfo=SHANGHAI), end) == 1
    assert days_left(dt.datetime(2026, 4, 1, 0, 0, tzinfo=SHANGHAI), end) == 0


def test_negative_periods_are_refused():
    with pytest.raises(ValueError):
        last_day(dt.date(2026, 3, 1), days=-1)
