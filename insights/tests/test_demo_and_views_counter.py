"""The demo history is idempotent; the view counter adds one per view per day."""

import io
import random

import pytest

from accounts import demo as accounts_demo
from contracts.models import Order
from insights import demo
from insights.models import DealerScore, ListingViewStat, PriceAssessment, Review
from insights.services import listing_view_record
from marketplace.tests.factories import ListingFactory
from surveys.models import Survey

from .factories import at


def test_listing_view_record_counts_views_per_local_day(db):
    listing = ListingFactory()
    listing_view_record(listing=listing, now=at(2026, 5, 1, 23, 59))
    listing_view_record(listing=listing, now=at(2026, 5, 1, 8))
    listing_view_record(listing=listing, now=at(2026, 5, 2, 0, 1))
    assert sorted(ListingViewStat.objects.values_list("day", "views")) == [(at(2026, 5, 1).date(), 2), (at(2026, 5, 2).date(), 1)]


@pytest.mark.slow
def test_demo_seeds_a_year_of_history_and_a_second_run_creates_nothing(db):
    out = io.StringIO()
    accounts_demo.seed(stdout=out, rng=random.Random(1))
    demo.seed(stdout=out, rng=random.Random(1))
    counts = [Order.objects.count(), Review.objects.count(), Survey.objects.count(), ListingViewStat.objects.count()]
    assert counts[0] > 100 and counts[1] > 50 and counts[2] > 50
    assert DealerScore.objects.count() == 5 and PriceAssessment.objects.count() == 0  # only sold cars: nothing on sale
    demo.seed(stdout=out, rng=random.Random(2))
    assert [Order.objects.count(), Review.objects.count(), Survey.objects.count(), ListingViewStat.objects.count()] == counts
