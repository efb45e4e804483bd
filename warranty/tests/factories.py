"""Factories for warranty tests: a delivered order (own, so we do not depend on contracts' factories)."""

import datetime as dt
from decimal import Decimal

import factory

from contracts.models import Order
from core.calendar import SHANGHAI
from marketplace.models import Listing
from marketplace.tests.factories import ListingFactory, UserFactory
from warranty.models import RepairShop


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
