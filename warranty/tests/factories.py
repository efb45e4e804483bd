"""Factories for warranty tests: a delivered order (own, so we do not depend on contracts' factories;
it sends no delivery signal, so it has no guarantee until a test starts one)."""

import datetime as dt
from decimal import Decimal

import factory

from contracts.models import Order
from core.calendar import SHANGHAI
from marketplace.models import Listing
from marketplace.tests.factories import ListingFactory, UserFactory
from warranty import services
from warranty.models import AfterSalesRequest, RepairShop


class DeliveredOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    buyer = factory.SubFactory(UserFactory)
    listing = factory.SubFactory(ListingFactory, status=Listing.Status.SOLD)
    status = Order.Status.DELIVERED
    agreed_price = Decimal("98000")
    delivered_at = dt.datetime(2026, 3, 1, 15, 0, tzinfo=SHANGHAI)
    delivery_odometer_km = 35000


class RepairShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RepairShop

    name = factory.Sequence(lambda n: f"Certified Shop {n}")
    city = "北京"
    certification_number = factory.Sequence(lambda n: f"CERT-{n:05d}")
    contact_name = "Li Gong"
    phone = "010-88886666"
    address = "北京市丰台区 8 号"


def delivered_on(day: dt.date, **kwargs) -> Order:
    return DeliveredOrderFactory(delivered_at=dt.datetime.combine(day, dt.time(10, 0), tzinfo=SHANGHAI), **kwargs)


def sh(*args) -> dt.datetime:
    """An aware Asia/Shanghai datetime."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


def open_request(coverage, *, at, km=35100, kind=AfterSalesRequest.Kind.REPAIR):
    return services.request_create(
        coverage=coverage, actor=coverage.order.buyer, kind=kind, description="Engine knocks", odometer_km=km, now=at
    )


def open_claim(coverage, part, *, day=dt.date(2026, 4, 1), km=36000):
    return services.claim_open(
        coverage=coverage,
        actor=coverage.order.buyer,
        part=part,
        symptom="noise",
        odometer_km=km,
        failed_on=day,
        now=sh(day.year, day.month, day.day, 12),
    )


def claim_and_repair(coverage, part, staff, shop, *, day, days_in_shop=2):
    """A claim for ``part`` failed on ``day``, authorised to ``shop`` and repaired there (one warranty repair)."""
    claim = open_claim(coverage, part, day=day)
    services.claim_authorise(claim=claim, actor=staff, shop=shop)
    services.claim_complete(
        claim=claim,
        actor=staff,
        repair={"diagnosis": "worn bearing", "days_in_shop": days_in_shop, "completed_on": day},
        parts=[{"description": "Bearing", "serial_installed": f"SN-{day}"}],
    )
    return claim
