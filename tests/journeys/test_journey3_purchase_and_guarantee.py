"""Journey 3: a buyer reserves a car, both parties sign the contract, the dealer records payment and
delivery, the buyer confirms, sees the guarantee clock and opens a repair request on day 10."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from conftest import make_user
from tests.journeys.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "pass-1234-word"


def _sign(page, order_pk: int, full_name: str) -> None:
    page.goto(f"/contracts/orders/{order_pk}/contract/")
    page.fill("#id_typed_name", full_name)
    page.fill("#id_password", PASSWORD)
    page.check("#id_consent")
    page.locator("main form [type=submit]").last.click()
    page.wait_for_load_state()


def _submit(page) -> None:
    page.locator("main form [type=submit]").last.click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_buyer_buys_a_car_and_asks_for_a_repair_on_day_10(open_page, language):
    from accounts.models import User
    from contracts.models import Order
    from marketplace.tests.factories import ListingFactory
    from warranty.models import AfterSalesRequest

    suffix = language[:2]
    buyer = make_user(f"j3buyer{suffix}", full_name="Wang Fang")
    dealer = make_user(f"j3dealer{suffix}", User.Role.DEALER, full_name="Zhao Lei")
    listing = ListingFactory(dealer=dealer)

    buyer_page = open_page(language)
    sign_in(buyer_page, buyer.username)
    buyer_page.goto(f"/cars/{listing.pk}/")
    buyer_page.locator("[data-testid=reserve-button]").click()
    buyer_page.wait_for_load_state()
    order = Order.objects.get(listing=listing, buyer=buyer)

    _sign(buyer_page, order.pk, buyer.full_name)
    assert buyer_page.locator("[data-testid=contract-state]").count() == 1

    dealer_page = open_page(language)
    sign_in(dealer_page, dealer.username)
    _sign(dealer_page, order.pk, dealer.full_name)
    order.refresh_from_db()
    assert order.contract.signed_at is not None, dealer_page.locator("main").inner_text()[:1500]

    now = timezone.localtime()
    dealer_page.goto(f"/contracts/orders/{order.pk}/payment/")
    dealer_page.fill("#id_amount", str(order.agreed_price))
    dealer_page.select_option("#id_method", index=1)
    dealer_page.fill("#id_reference", "TX-20261120-01")
    dealer_page.fill("#id_received_at", now.strftime("%Y-%m-%dT%H:%M"))
    _submit(dealer_page)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID, dealer_page.locator("main").inner_text()[:1500]

    dealer_page.goto(f"/contracts/orders/{order.pk}/delivery/")
    dealer_page.fill("#id_delivered_at", now.strftime("%Y-%m-%dT%H:%M"))
    dealer_page.fill("#id_odometer_km", str(listing.vehicle.mileage_km + 10))
    for box in ("keys_handed_over", "documents_handed_over", "registration_transfer_started"):
        if dealer_page.locator(f"#id_{box}").count():
            dealer_page.check(f"#id_{box}")
    _submit(dealer_page)

    buyer_page.goto(f"/contracts/orders/{order.pk}/")
    buyer_page.locator(f"form[action='/contracts/orders/{order.pk}/delivery/confirm/'] button").click()
    buyer_page.wait_for_load_state()
    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED, buyer_page.locator("main").inner_text()[:1500]

    # Day 10: the guarantee clock runs and a repair request goes in.
    with time_machine.travel(now + dt.timedelta(days=10), tick=True):
        buyer_page.goto(f"/warranty/orders/{order.pk}/")
        clock = buyer_page.locator("[data-testid=window-clock]").inner_text()
        assert "20" in clock, clock  # 20 days left of 30
        buyer_page.goto(f"/warranty/orders/{order.pk}/requests/new/")
        buyer_page.check("input[name=kind][value=repair]")
        buyer_page.fill("#id_description", "车窗升降器卡住" if suffix == "zh" else "The window motor is stuck.")
        buyer_page.fill("#id_odometer_km", str(listing.vehicle.mileage_km + 400))
        _submit(buyer_page)
        request = AfterSalesRequest.objects.get(coverage__order=order)
        assert request.kind == "repair"
        assert f"/warranty/requests/{request.pk}/" in buyer_page.url
