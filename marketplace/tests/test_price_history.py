"""Price history: every change recorded, the chart on the car's page, "reduced ¥X" on cards while recent."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from marketplace import notices, price_history, services
from marketplace.browse import _card_macro, card_context, card_texts
from marketplace.models import Listing, PriceChange
from marketplace.tests.factories import ListingFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_every_price_change_is_recorded_with_who_and_when(dealer):
    listing = ListingFactory(dealer=dealer, price=Decimal("100000"))
    for price in ("95000", "97000", "90000"):
        services.listing_set_price(listing=listing, actor=dealer, price=Decimal(price))
    services.listing_set_price(listing=listing, actor=dealer, price=Decimal("90000"))  # no change, no row
    rows = list(PriceChange.objects.filter(listing=listing).values_list("old_price", "new_price", "changed_by"))
    assert rows == [(100000, 95000, dealer.pk), (95000, 97000, dealer.pk), (97000, 90000, dealer.pk)]


def test_a_drop_tells_each_favouriter_once_and_a_rise_tells_nobody(dealer, buyer, other_buyer):
    listing = ListingFactory(dealer=dealer, price=Decimal("100000"))
    services.favourite_add(user=buyer, listing=listing)
    services.favourite_add(user=other_buyer, listing=listing)
    services.listing_set_price(listing=listing, actor=dealer, price=Decimal("105000"))
    assert not Notification.objects.filter(kind=notices.PRICE_DROP.code).exists()
    services.listing_set_price(listing=listing, actor=dealer, price=Decimal("92000"))
    services.listing_set_price(listing=listing, actor=dealer, price=Decimal("88000"))
    assert Notification.objects.filter(kind=notices.PRICE_DROP.code, recipient=buyer).count() == 2
    assert Notification.objects.filter(kind=notices.PRICE_DROP.code).count() == 4


def test_the_card_says_reduced_while_the_drop_is_recent_and_the_daily_sweep_ends_it(dealer):
    listing = ListingFactory(dealer=dealer, price=Decimal("100000"))
    services.listing_set_price(listing=listing, actor=dealer, price=Decimal("95000"))
    services.listing_set_price(listing=listing, actor=dealer, price=Decimal("90000"))
    listing.refresh_from_db()
    assert card_context(listing)["reduced"] == "¥10,000"  # from the price before the first recent drop
    stamp = listing.updated_at
    with time_machine.travel(timezone.now() + price_history.RECENT_DROP + dt.timedelta(hours=1)):
        assert price_history.price_drops_expire(now=timezone.now()) == 1
        listing.refresh_from_db()
        assert card_context(listing)["reduced"] == ""
        assert listing.updated_at > stamp  # the card's cache key moved: no stale "reduced" served
        assert price_history.price_drops_expire(now=timezone.now()) == 0


def test_a_rise_ends_the_reduction(dealer):
    listing = ListingFactory(dealer=dealer, price=Decimal("100000"))
    services.listing_set_price(listing=listing, actor=dealer, price=Decimal("95000"))
    services.listing_set_price(listing=listing, actor=dealer, price=Decimal("99000"))
    listing.refresh_from_db()
    assert (listing.previous_price, listing.price_reduced_at, card_context(listing)["reduced"]) == (None, None, "")


def test_the_card_macro_prints_the_reduction_and_the_monthly_payment(dealer):
    listing = ListingFactory(dealer=dealer, price=Decimal("100000"))
    services.listing_set_price(listing=listing, actor=dealer, price=Decimal("95000"))
    listing.refresh_from_db()
    html = str(_card_macro()(card_context(listing), card_texts()))
    assert "reduced ¥5,000" in html
    assert "from ¥1,979/month" in html  # ¥95,000, 30 % down, 36 months at 4.5 %: ¥1,978.… rounded up


def test_the_detail_page_shows_the_history_as_a_chart_and_a_list(client, dealer):
    listing = ListingFactory(dealer=dealer, price=Decimal("100000"))
    assert 'id="price-history"' not in client.get(reverse("marketplace:detail", args=[listing.pk])).content.decode()
    services.listing_set_price(listing=listing, actor=dealer, price=Decimal("95000"))
    html = client.get(reverse("marketplace:detail", args=[listing.pk])).content.decode()
    spec = json.loads(re.search(r'<script id="price-history-data" type="application/json">(.*?)</script>', html).group(1))
    assert spec["kind"] == "line" and spec["datasets"][0]["data"] == [100000, 95000]
    assert 'data-chart="price-history-data"' in html and "(−¥5,000)" in html
    assert 'data-testid="price-drop"' in html and "Reduced by ¥5,000" in html


def test_the_card_shows_the_reduction_and_the_monthly_payment_on_browse(client, dealer):
    listing = ListingFactory(dealer=dealer, price=Decimal("100000"))
    assert "reduced ¥" not in client.get(reverse("marketplace:browse")).content.decode()
    services.listing_set_price(listing=listing, actor=dealer, price=Decimal("95000"))
    html = client.get(reverse("marketplace:browse")).content.decode()
    assert "reduced ¥5,000" in html and "/month" in html
    assert Listing.objects.get(pk=listing.pk).price == 95000
