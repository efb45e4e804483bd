import io
import random

import pytest

from conftest import make_user
from inspections import demo, services
from inspections.models import InspectionReport, InspectionRequest
from marketplace.models import Listing
from marketplace.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db


def test_demo_gives_every_car_a_published_report_and_is_idempotent(dealer):
    make_user("inspector", "inspector")
    cars = ListingFactory.create_batch(12, dealer=dealer)
    history = ListingFactory(dealer=dealer, status=Listing.Status.SOLD)
    waiting = ListingFactory(dealer=dealer, status=Listing.Status.AWAITING_INSPECTION, published_at=None)
    demo.seed(stdout=io.StringIO(), rng=random.Random(1))
    for listing in cars:
        report = listing.vehicle.inspection_reports.get(status="published")
        listing.refresh_from_db()
        assert listing.inspection_grade == report.grade and listing.is_accident == report.is_accident
        assert services.report_verify(report)
    assert InspectionRequest.objects.filter(listing=waiting, status="open").exists()
    assert InspectionReport.objects.filter(status="superseded").count() == 2
    assert not history.vehicle.inspection_reports.exists()
    counts = (InspectionReport.objects.count(), InspectionRequest.objects.count())
    ListingFactory(dealer=dealer, status=Listing.Status.SOLD)  # a later app's demo adds past sales
    demo.seed(stdout=io.StringIO(), rng=random.Random(2))
    assert (InspectionReport.objects.count(), InspectionRequest.objects.count()) == counts
