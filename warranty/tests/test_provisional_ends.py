"""Guarantee ends in a year without official holiday data are provisional; when the year's days arrive —
staff overrides or a newer chinesecalendar — they are recomputed: extended where the law gives more time,
never shortened below what the buyer was shown, and the buyer is told (DESIGN.md "Counting periods").

The car was delivered on Thu 1 Oct 2026: its 12-month warranty nominally ends on Fri 1 Oct 2027, National
Day. The fallback calendar knows only 1–3 Oct as holidays, so the warranty would end on Mon 4 Oct 24:00 —
a week early, once the State Council gives 1–7 Oct off (last day: Fri 8 Oct)."""

import datetime as dt
from importlib import import_module
from types import SimpleNamespace

import chinese_calendar
import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from core import calendar
from core.models import CalendarOverride
from core.periods import last_day_of
from notifications.models import Notification
from warranty import services
from warranty.models import Coverage
from warranty.services.coverage import PERIOD_END_CHANGED, coverage_recompute_ends
from warranty.tests.factories import delivered_on, sh

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(calendar.has_official_data(2027), reason="chinesecalendar now ships 2027: pick a later year"),
]

FALLBACK_LAST_DAY = dt.date(2027, 10, 4)
OFFICIAL_LAST_DAY = dt.date(2027, 10, 8)
GOLDEN_WEEK_2027 = [dt.date(2027, 10, day) for day in range(1, 8)]


@pytest.fixture
def coverage(db):
    return services.coverage_start(order=delivered_on(dt.date(2026, 10, 1)))


def _notices():
    return list(Notification.objects.filter(kind=PERIOD_END_CHANGED.code).order_by("pk"))


def _reload(coverage) -> Coverage:
    return Coverage.objects.get(pk=coverage.pk)


def test_a_warranty_ending_on_national_day_2027_is_provisional_on_the_fallback_calendar(coverage):
    assert last_day_of(coverage.warranty_ends_at) == FALLBACK_LAST_DAY
    assert coverage.warranty_end_provisional
    assert not coverage.window_end_provisional  # 31 Oct 2026: official data


def test_staff_entering_national_day_2027_extend_it_and_tell_the_buyer_once(client, coverage, staff_user):
    client.force_login(staff_user)
    response = client.post(
        reverse("admin:core_calendaroverride_add"),
        {"date": "2027-10-01", "through": "2027-10-07", "kind": "holiday", "name": "国庆节"},
    )
    assert response.status_code == 302
    coverage = _reload(coverage)
    assert last_day_of(coverage.warranty_ends_at) == OFFICIAL_LAST_DAY
    assert not coverage.warranty_end_provisional
    [notice] = _notices()
    assert notice.recipient == coverage.order.buyer
    assert notice.url == reverse("warranty:guarantee", args=[coverage.order_id])
    subject, body = notice.render("en")
    with translation.override("en"):
        new, old = date_format(OFFICIAL_LAST_DAY), date_format(FALLBACK_LAST_DAY)
    assert subject == f"Your core-part warranty now runs until {new}"
    assert f"(until 24:00 on {old})" in body and "only ever moved later" in body
    subject_zh, body_zh = notice.render("zh-hans")
    with translation.override("zh-hans"):
        new, old = date_format(OFFICIAL_LAST_DAY), date_format(FALLBACK_LAST_DAY)
    assert "核心部件质保" in subject_zh and new in subject_zh and old in body_zh


def test_one_override_saved_anywhere_recomputes_too(coverage):
    CalendarOverride.objects.create(date=dt.date(2027, 10, 4), kind=CalendarOverride.Kind.HOLIDAY)
    coverage = _reload(coverage)
    assert last_day_of(coverage.warranty_ends_at) == dt.date(2027, 10, 5)
    assert not coverage.warranty_end_provisional and len(_notices()) == 1


def test_an_end_is_never_shortened_below_what_the_buyer_was_shown(coverage):
    """Staff enter 1 Oct off and Sat 2 Oct as a make-up working day: the law now ends the warranty on
    2 Oct, but the buyer was shown 4 Oct, so 4 Oct stays — no longer provisional, and no notice."""
    CalendarOverride.objects.create(date=dt.date(2027, 10, 1), kind=CalendarOverride.Kind.HOLIDAY)
    CalendarOverride.objects.create(date=dt.date(2027, 10, 2), kind=CalendarOverride.Kind.WORKDAY)
    coverage = _reload(coverage)
    assert last_day_of(coverage.warranty_ends_at) == FALLBACK_LAST_DAY
    assert not coverage.warranty_end_provisional
    assert _notices() == []


def test_official_data_from_a_newer_chinesecalendar_is_picked_up_by_the_nightly_recomputation(coverage, monkeypatch):
    real = chinese_calendar.is_workday
    make_up_saturdays = {dt.date(2027, 9, 26), dt.date(2027, 10, 9)}

    def is_workday(day):  # what a chinesecalendar with the 2027 notice answers
        if day.year != 2027:
            return real(day)
        return day in make_up_saturdays or (day.weekday() < 5 and day not in GOLDEN_WEEK_2027)

    monkeypatch.setattr(calendar, "has_official_data", lambda year: year <= 2027)
    monkeypatch.setattr(chinese_calendar, "is_workday", is_workday)
    assert coverage_recompute_ends() == {"checked": 1, "moved": 1, "confirmed": 1}
    coverage = _reload(coverage)
    assert last_day_of(coverage.warranty_ends_at) == OFFICIAL_LAST_DAY and not coverage.warranty_end_provisional
    assert coverage_recompute_ends() == {"checked": 0, "moved": 0, "confirmed": 0}
    assert len(_notices()) == 1


def test_a_year_still_without_data_stays_provisional_and_quiet(coverage):
    assert coverage_recompute_ends() == {"checked": 1, "moved": 0, "confirmed": 0}
    assert _reload(coverage).warranty_end_provisional and _notices() == []


def test_a_returned_car_is_left_alone(coverage):
    Coverage.objects.filter(pk=coverage.pk).update(closed_at=sh(2027, 1, 10, 12))
    CalendarOverride.objects.create(date=dt.date(2027, 10, 4), kind=CalendarOverride.Kind.HOLIDAY)
    assert last_day_of(_reload(coverage).warranty_ends_at) == FALLBACK_LAST_DAY and _notices() == []


def test_an_override_far_from_an_end_touches_nothing(coverage):
    CalendarOverride.objects.create(date=dt.date(2027, 5, 3), kind=CalendarOverride.Kind.HOLIDAY)
    coverage = _reload(coverage)
    assert last_day_of(coverage.warranty_ends_at) == FALLBACK_LAST_DAY and _notices() == []
    assert not coverage.warranty_end_provisional  # 2027 now counts as entered by staff


def test_the_guarantee_page_marks_a_provisional_end_until_it_is_final(client, coverage):
    client.force_login(coverage.order.buyer)
    url = reverse("warranty:guarantee", args=[coverage.order_id])
    page = client.get(url).content.decode()
    warranty_clock = page[page.index('data-testid="warranty-clock"') :]
    assert 'data-testid="provisional-end"' in warranty_clock
    assert 'data-testid="provisional-end"' not in page[: page.index('data-testid="warranty-clock"')]
    CalendarOverride.objects.create(date=dt.date(2027, 10, 4), kind=CalendarOverride.Kind.HOLIDAY)
    assert 'data-testid="provisional-end"' not in client.get(url).content.decode()


def test_staff_can_list_the_provisional_ends(coverage):
    provisional = Coverage.objects.filter(warranty_end_provisional=True)
    assert list(provisional) == [coverage]
    explain = str(Coverage.objects.filter(warranty_end_provisional=True).only("pk").query)
    assert "warranty_end_provisional" in explain


def test_the_migration_marks_running_guarantees_that_end_in_a_fallback_year(coverage):
    Coverage.objects.filter(pk=coverage.pk).update(warranty_end_provisional=False, window_end_provisional=False)
    migration = import_module("warranty.migrations.0004_coverage_provisional_ends")
    migration.mark_provisional(apps, SimpleNamespace(connection=connection))
    coverage = _reload(coverage)
    assert coverage.warranty_end_provisional and not coverage.window_end_provisional
