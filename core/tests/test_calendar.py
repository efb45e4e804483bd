"""The China working-day calendar: official data, 调休, staff overrides, the fallback rule and its warning.

Cross-check of the two packages (chinesecalendar 1.11 vs holidays 0.108, ``holidays.China``) for
2025–2026: they agree on every single day — every statutory holiday and every make-up working day
(``holidays`` lists 调休 Saturdays/Sundays in ``China.weekend_workdays`` and honours them in
``is_working_day``). The only differences are of kind, not of dates: ``holidays`` can also list
"half-day" observances (Women's Day, Youth Day, Children's Day, Army Day — category ``HALF_DAY``, not
loaded by default and not days off for everyone), and for a year without an official notice it
*estimates* lunar holidays where chinesecalendar refuses to answer (NotImplementedError) — which is
why our fallback warns staff instead of trusting an estimate.
"""

import datetime as dt

import chinese_calendar
import holidays
import pytest
import time_machine

from core import calendar
from core.calendar import SHANGHAI
from core.models import CalendarOverride


def at(year, month, day, hour=10, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


pytestmark = pytest.mark.django_db


def test_deadline_set_the_day_before_spring_festival_2026_lands_after_the_holiday():
    # Sat 14 Feb 2026 is a make-up working day; the holiday runs Sun 15 – Mon 23 Feb.
    assert calendar.is_working_day(dt.date(2026, 2, 14))
    deadline = calendar.add_working_days(at(2026, 2, 14), 1)
    assert deadline == at(2026, 2, 24, 18)
    # Filed on the Friday before, 7 working days: Sat 14, Tue 24 … Mon 2 Mar (Sat 28 Feb is make-up).
    assert calendar.add_working_days(at(2026, 2, 13), 7) == at(2026, 3, 2, 18)


def test_a_make_up_saturday_counts_as_a_working_day():
    assert dt.date(2026, 2, 28).weekday() == 5
    assert calendar.is_working_day(dt.date(2026, 2, 28))
    assert calendar.is_working_day(dt.date(2025, 9, 28))  # a Sunday worked before National Day 2025
    assert not calendar.is_working_day(dt.date(2026, 3, 7))  # an ordinary Saturday


def test_statutory_holidays_are_not_working_days():
    for day in (dt.date(2026, 1, 1), dt.date(2026, 2, 17), dt.date(2026, 10, 1), dt.date(2025, 5, 5)):
        assert not calendar.is_working_day(day), day


def test_a_deadline_filed_on_friday_with_one_working_day_is_due_monday_at_18():
    assert calendar.add_working_days(at(2026, 11, 20, 17), 1) == at(2026, 11, 23, 18)


def test_working_days_between_skips_the_national_day_week():
    # 30 Sep 2026 → 10 Oct 2026: Oct 1–7 holiday, Sat 10 Oct is a make-up day; Oct 8, 9, 10 count.
    assert calendar.working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 10)) == 3
    assert calendar.working_days_between(dt.date(2026, 10, 10), dt.date(2026, 9, 30)) == -3


@pytest.mark.parametrize("year", [2025, 2026])
def test_chinesecalendar_and_holidays_agree_on_every_day_of(year):
    official = holidays.China(years=year)
    day, differences = dt.date(year, 1, 1), []
    while day.year == year:
        if chinese_calendar.is_workday(day) != official.is_working_day(day):
            differences.append(day)
        day += dt.timedelta(days=1)
    assert differences == []
    make_up = sorted(d for d in official.weekend_workdays if d.year == year)
    assert make_up and all(calendar.is_working_day(d) for d in make_up)


def test_staff_overrides_win_over_the_package():
    day = dt.date(2026, 3, 3)  # an ordinary Tuesday
    CalendarOverride.objects.create(date=day, kind=CalendarOverride.Kind.HOLIDAY, name="typhoon")
    assert not calendar.is_working_day(day)
    CalendarOverride.objects.create(date=dt.date(2026, 3, 7), kind=CalendarOverride.Kind.WORKDAY)
    assert calendar.is_working_day(dt.date(2026, 3, 7))


def test_an_unknown_year_falls_back_to_weekends_and_fixed_date_holidays(caplog):
    year = 2099
    assert not calendar.has_official_data(year)
    assert not calendar.is_working_day(dt.date(year, 10, 1))  # National Day is fixed by date
    assert not calendar.is_working_day(dt.date(year, 1, 3))  # a Saturday
    assert calendar.is_working_day(dt.date(year, 1, 2))  # Friday: no 调休 known
    assert calendar.add_working_days(at(year, 9, 30), 1) == at(year, 10, 5, 18)
    assert calendar.years_missing_official_data([2026, year]) == [year]


@time_machine.travel(at(2099, 3, 1), tick=False)
def test_an_unknown_current_year_needs_staff_attention_until_staff_enter_its_holidays():
    assert calendar.years_needing_staff_attention() == [2099]
    CalendarOverride.objects.create(date=dt.date(2099, 1, 21), kind=CalendarOverride.Kind.HOLIDAY, name="春节")
    assert calendar.years_needing_staff_attention() == []


def test_next_years_missing_data_is_flagged_only_near_new_year():
    assert calendar.years_needing_staff_attention(dt.date(2026, 6, 1)) == []
    missing_next = [] if calendar.has_official_data(2027) else [2027]
    assert calendar.years_needing_staff_attention(dt.date(2026, 11, 23)) == missing_next


def test_the_admin_shows_a_banner_for_years_without_official_data(client, staff_user):
    with time_machine.travel(at(2099, 3, 1), tick=False):
        client.force_login(staff_user)
        response = client.get("/admin/")
    assert response.status_code == 200
    assert b'data-testid="calendar-warning"' in response.content
    assert b"2099" in response.content


def test_working_seconds_count_only_business_hours_on_working_days():
    # Fri 20 Nov 2026 17:00 → Mon 23 Nov 10:00: one hour on Friday, one on Monday.
    assert calendar.working_seconds_between(at(2026, 11, 20, 17), at(2026, 11, 23, 10)) == 2 * 3600
    assert calendar.working_seconds_between(at(2026, 11, 23, 10), at(2026, 11, 20, 17)) == 0


def test_adding_and_subtracting_working_seconds_skips_nights_weekends_and_holidays():
    assert calendar.add_working_seconds(at(2026, 11, 20, 17), 2 * 3600) == at(2026, 11, 23, 10)
    assert calendar.add_working_seconds(at(2026, 11, 23, 18), -4 * 3600) == at(2026, 11, 23, 14)
    assert calendar.add_working_seconds(at(2026, 11, 23, 11), -4 * 3600) == at(2026, 11, 20, 16)
    # From the evening of the last working day before Spring Festival 2026 to the first after it.
    assert calendar.add_working_seconds(at(2026, 2, 14, 18), 3600) == at(2026, 2, 24, 10)
