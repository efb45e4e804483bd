"""Journey 5: a buyer saves a search from /cars/, a matching car is listed, the alert arrives in the inbox and by
e-mail, and the e-mail's link turns the alerts off without signing in (both languages)."""

import re

import pytest
from django.core import mail
from django.utils import timezone

from conftest import make_user
from tests.journeys.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = {
    "en": {"name": "Cheap Toyotas", "alerts_off": "no more alerts"},
    "zh-hans": {"name": "便宜的丰田", "alerts_off": "不再收到"},
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_buyer_saves_a_search_and_receives_the_alert(open_page, language):
    from accounts.models import User
    from marketplace.tasks import saved_search_sweep_task
    from marketplace.tests.factories import ListingFactory, VehicleFactory
    from notifications.services import send_pending_emails

    dealer = make_user(f"alert_dealer_{language[:2]}", User.Role.DEALER)
    buyer = make_user(f"alert_buyer_{language[:2]}")
    ListingFactory(dealer=dealer, vehicle=VehicleFactory(make="Toyota", model="Corolla"))
    page = open_page(language)
    sign_in(page, buyer.username)

    # Save the filtered search from the browse page.
    page.goto("/cars/?make=Toyota&price_max=150000")
    form = page.locator("form[action='/saved-searches/']")
    form.locator("[name=name]").fill(TEXT[language]["name"])
    form.locator("[data-testid=save-search]").click()
    page.wait_for_url("**/saved-searches/")
    assert TEXT[language]["name"] in page.locator("[data-testid=saved-searches]").inner_text()

    # A matching car is put on sale; the minute's sweep announces it.
    car = ListingFactory(dealer=dealer, vehicle=VehicleFactory(make="Toyota", model="Camry"), published_at=timezone.now())
    ListingFactory(dealer=dealer, vehicle=VehicleFactory(make="BYD", model="Qin PLUS"), published_at=timezone.now())
    assert saved_search_sweep_task()["notified"] == 1

    page.goto("/notifications/")
    alert = page.locator("main form[action$='/open/']", has_text=TEXT[language]["name"])
    assert alert.count() == 1
    alert.locator("button[type=submit]").click()
    page.wait_for_url(f"**/cars/{car.pk}/")

    # The e-mail carries a one-click unsubscribe link that works signed out.
    send_pending_emails()
    (email,) = [m for m in mail.outbox if buyer.email in m.to]
    link = re.search(r"https?://\S+/saved-searches/unsubscribe/\S+/", email.body).group(0)
    visitor = open_page(language)
    visitor.goto("/saved-searches/unsubscribe/" + link.split("/saved-searches/unsubscribe/", 1)[1])
    assert TEXT[language]["alerts_off"] in visitor.locator("[data-testid=unsubscribe]").inner_text()
    buyer.saved_searches.get().refresh_from_db()
    assert buyer.saved_searches.get().alerts_on is False
