"""Period ends resting on the fallback calendar are provisional, and staff corrections of the calendar are
announced once (``calendar_changed``) so what was computed on those days can be recomputed.

chinesecalendar has no data for 2027 today (the tests assume it, as core/tests/test_calendar.py does)."""

import datetime as dt

import pytest

from core import calendar
from core.calendar import SHANGHAI, calendar_changed, calendar_changes, years_on_fallback
from core.models import CalendarOverride
from core.periods import later_of, period_end, period_end_info

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(calendar.has_official_data(2027), reason="chinesecalendar now ships 2027: pick a later year"),
]


@pytest.fixture
def announced():
    heard = []

    def listener(sender, *, days, **kwargs):
        heard.append(set(days))

    calendar_changed.connect(listener, dispatch_uid="test-listener")
    yield heard
    calendar_changed.disconnect(dispatch_uid="test-listener")


def test_an_end_in_a_year_with_official_data_is_final():
    end = period_end_info(dt.date(2026, 3, 1), days=30)
    assert end == period_end_info(dt.datetime(2026, 3, 1, 10, tzinfo=SHANGHAI), days=30)
    assert (end.at, end.provisional) == (period_end(dt.date(2026, 3, 1), days=30), False)


def test_an_end_in_a_year_known_only_by_the_fallback_rule_is_provisional():
    end = period_end_info(dt.date(2026, 10, 1), months=12)  # nominally Fri 1 Oct 2027, National Day
    assert end.provisional
    assert end.at == dt.datetime(2027, 10, 5, tzinfo=SHANGHAI)  # fallback: 1–3 Oct off, Mon 4 Oct the last day


def test_an_end_moved_over_new_year_into_a_fallback_year_is_provisional():
    CalendarOverride.objects.create(date=dt.date(2026, 12, 31), kind=CalendarOverride.Kind.HOLIDAY)
    end = period_end_info(dt.date(2026, 12, 1), days=30)  # last day 31 Dec 2026, now a holiday
    assert end.at == dt.datetime(2027, 1, 5, tzinfo=SHANGHAI) and end.provisional


def test_a_year_with_a_staff_holiday_is_no_longer_provisional():
    assert years_on_fallback([2026, 2027]) == [2027]
    CalendarOverride.objects.create(date=dt.date(2027, 10, 1), kind=CalendarOverride.Kind.HOLIDAY, name="国庆节")
    assert years_on_fallback([2026, 2027]) == []
    assert not period_end_info(dt.date(2026, 10, 1), months=12).provisional


def test_a_make_up_working_day_alone_does_not_count_as_entering_the_year():
    CalendarOverride.objects.create(date=dt.date(2027, 9, 26), kind=CalendarOverride.Kind.WORKDAY)
    assert years_on_fallback([2027]) == [2027]


def test_a_recomputed_end_keeps_the_later_of_what_was_shown_and_what_is_computed():
    shown, earlier, later = (dt.datetime(2027, 10, day, tzinfo=SHANGHAI) for day in (5, 3, 9))
    assert later_of(shown, earlier) == shown
    assert later_of(shown, later) == later
    assert later_of(None, earlier) == earlier


def test_saving_changing_and_deleting_an_override_announces_its_days(announced):
    override = CalendarOverride.objects.create(date=dt.date(2027, 10, 1), kind=CalendarOverride.Kind.HOLIDAY)
    override.date = dt.date(2027, 10, 2)
    override.save()
    override.delete()
    assert announced == [{dt.date(2027, 10, 1)}, {dt.date(2027, 10, 1), dt.date(2027, 10, 2)}, {dt.date(2027, 10, 2)}]


def test_changes_inside_calendar_changes_are_announced_once_at_the_end(announced):
    with calendar_changes():
        for day in range(1, 8):
            CalendarOverride.objects.create(date=dt.date(2027, 10, day), kind=CalendarOverride.Kind.HOLIDAY)
        with calendar_changes():  # nested: the outer block announces
            CalendarOverride.objects.filter(date=dt.date(2027, 10, 7)).delete()
        assert announced == []
    assert announced == [{dt.date(2027, 10, day) for day in range(1, 8)}]


def test_a_failed_block_announces_nothing(announced):
    with pytest.raises(RuntimeError), calendar_changes():
        CalendarOverride.objects.create(date=dt.date(2027, 10, 1), kind=CalendarOverride.Kind.HOLIDAY)
        raise RuntimeError("staff pressed cancel")
    assert announced == []


def test_a_holiday_of_several_days_is_entered_at_once_in_the_admin_and_announced_once(client, staff_user, announced):
    client.force_login(staff_user)
    response = client.post(
        "/admin/core/calendaroverride/add/",
        {"date": "2027-10-01", "through": "2027-10-07", "kind": "holiday", "name": "国庆节"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(CalendarOverride.objects.values_list("date", "name")) == [
        (dt.date(2027, 10, day), "国庆节") for day in range(1, 8)
    ]
    assert announced == [{dt.date(2027, 10, day) for day in range(1, 8)}]


def test_the_admin_refuses_a_range_that_ends_before_it_starts(client, staff_user):
    client.force_login(staff_user)
    response = client.post(
        "/admin/core/calendaroverride/add/", {"date": "2027-10-07", "through": "2027-10-01", "kind": "holiday"}
    )
    assert response.status_code == 200 and not CalendarOverride.objects.exists()
