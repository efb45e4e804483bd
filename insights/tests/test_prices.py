"""Price-fairness badges: thresholds, comparables, "too few comparables", and cards at constant queries."""

from decimal import Decimal

import pytest

from insights.models import PriceAssessment
from insights.services import price_assessments_recompute
from insights.services.prices import badge_for
from marketplace.models import Listing
from marketplace.tests.factories import ListingFactory, VehicleFactory

from .factories import at, sold_order

B = PriceAssessment.Badge


@pytest.mark.parametrize(
    ("price", "badge"),
    [
        (89_999, B.GREAT),
        (90_000, B.GREAT),
        (90_001, B.GOOD),
        (96_000, B.GOOD),
        (96_001, B.FAIR),
        (104_000, B.FAIR),
        (104_001, B.HIGH),
        (110_000, B.HIGH),
        (110_001, B.OVERPRICED),
    ],
)
def test_badge_thresholds_against_a_market_median_of_100000(price, badge):
    assert badge_for(price, 100_000) == badge


def _car(dealer, price, *, year=2021, mileage=40_000, model="Corolla", status=Listing.Status.PUBLISHED):
    return ListingFactory(
        dealer=dealer, price=Decimal(price), status=status, vehicle=VehicleFactory(model=model, year=year, mileage_km=mileage)
    )


def test_four_comparables_are_too_few_for_a_badge(dealer):
    target = _car(dealer, 100_000)
    for price in (100_000, 101_000, 99_000, 102_000):
        _car(dealer, price)
    price_assessments_recompute(now=at(2026, 5, 1, 3))
    assessment = PriceAssessment.objects.get(listing=target)
    assert assessment.comparables_count == 4
    assert assessment.badge == "" and assessment.market_low is None


def test_five_comparables_give_a_badge_with_the_market_range(dealer, buyer):
    target = _car(dealer, 88_000)
    for price in (100_000, 96_000, 104_000, 98_000):
        _car(dealer, price)
    # A sold comparable counts at its agreed price (not its listing price).
    sold = sold_order(buyer=buyer, dealer=dealer, delivered_at=at(2026, 4, 1), price=150_000, year=2021, mileage_km=40_000)
    Listing.objects.filter(pk=sold.listing_id).update(price=Decimal(150_000))
    sold.agreed_price = Decimal(102_000)
    sold.save(update_fields=["agreed_price"])
    # Not comparable: other model, year ±2, mileage far away.
    _car(dealer, 10_000, model="Camry")
    _car(dealer, 10_000, year=2018)
    _car(dealer, 10_000, mileage=120_000)
    price_assessments_recompute(now=at(2026, 5, 1, 3))
    assessment = PriceAssessment.objects.get(listing=target)
    assert assessment.comparables_count == 5
    # prices 96, 98, 100, 102, 104 (k): median 100k; P25 98k, P75 102k; 88k / 100k = 0.88 → great
    assert (assessment.market_median, assessment.market_low, assessment.market_high) == (100_000, 98_000, 102_000)
    assert assessment.badge == B.GREAT
    assert [40_000, 102_000, True] in assessment.points


def test_recompute_is_idempotent_and_drops_cars_no_longer_on_sale(dealer):
    cars = [_car(dealer, 100_000 + i * 1000) for i in range(6)]
    now = at(2026, 5, 1, 3)
    assert price_assessments_recompute(now=now) == 6
    assert price_assessments_recompute(now=now) == 6
    assert PriceAssessment.objects.count() == 6
    Listing.objects.filter(pk=cars[0].pk).update(status=Listing.Status.WITHDRAWN)
    price_assessments_recompute(now=now)
    assert not PriceAssessment.objects.filter(listing=cars[0]).exists()


def test_listing_trust_partial_shows_badge_range_and_chart_data(dealer, rf):
    from django.template.loader import render_to_string

    target = _car(dealer, 88_000)
    for price in (100_000, 96_000, 104_000, 98_000, 102_000):
        _car(dealer, price)
    price_assessments_recompute(now=at(2026, 5, 1, 3))
    listing = Listing.objects.select_related("vehicle", "dealer__dealer_score", "price_assessment").get(pk=target.pk)
    html = render_to_string("insights/partials/listing_trust.html", {"listing": listing})
    assert "Great price" in html and "¥98,000" in html and "comparables-" in html
