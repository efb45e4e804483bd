"""Journey 6: a buyer books a viewing from a car's page, moves it to another time, and the dealer marks it
attended after the visit (both languages)."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import make_user
from tests.journeys.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

ATTENDED = {"en": "Attended", "zh-hans": "已到店"}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_buyer_books_reschedules_and_the_dealer_marks_the_viewing_attended(open_page, language):
    from accounts.models import User
    from marketplace.models import Appointment, ViewingHours
    from marketplace.tests.factories import ListingFactory, VehicleFactory

    dealer = make_user(f"viewing_dealer_{language[:2]}", User.Role.DEALER)
    ViewingHours.objects.create(
        dealer=dealer, weekly={str(d): ["09:00", "18:00"] for d in range(7)}, closed_on_public_holidays=False
    )
    buyer = make_user(f"viewing_buyer_{language[:2]}")
    car = ListingFactory(dealer=dealer, vehicle=VehicleFactory(make="Toyota", model="Corolla"))

    page = open_page(language, mobile=True)
    sign_in(page, buyer.username)
    page.goto(f"/cars/{car.pk}/")
    page.locator("[data-testid=book]").click()
    page.wait_for_url(f"**/cars/{car.pk}/book/")
    page.locator("[data-testid=slots] label").first.click()
    page.locator("[data-testid=book-submit]").click()
    page.wait_for_url("**/appointments/*/")
    appointment = Appointment.objects.get(buyer=buyer)
    first_start = appointment.starts_at

    # Move it: the second free time in the reschedule form.
    page.locator("form:has([data-testid=reschedule]) [data-testid=slots] label").nth(1).click()
    page.locator("[data-testid=reschedule]").click()
    page.wait_for_load_state()
    appointment.refresh_from_db()
    assert appointment.starts_at != first_start and appointment.status == Appointment.Status.BOOKED

    # The visit happened (the clock moved past its start); the dealer records it.
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=1), ends_at=timezone.now(), next_reminder_at=None
    )
    dealer_page = open_page(language)
    sign_in(dealer_page, dealer.username)
    dealer_page.goto("/dealer/appointments/")
    dealer_page.locator(f"[data-testid=to-mark] a[data-appointment='{appointment.pk}']").click()
    dealer_page.locator("[data-testid=mark-attended]").click()
    dealer_page.wait_for_load_state()
    assert ATTENDED[language] in dealer_page.locator("[data-testid=status]").inner_text()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.ATTENDED
