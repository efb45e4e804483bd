"""factory_boy factories for marketplace models (other apps' tests import these too)."""

import datetime as dt
import string
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import DealerProfile, User
from marketplace.models import Listing, Vehicle

_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]


def vin_with_check_digit(vin17: str) -> str:
    """Return ``vin17`` with position 9 replaced by its ISO 3779 check digit (for test data)."""
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin17, _VIN_WEIGHTS, strict=True))
    check = "X" if total % 11 == 10 else str(total % 11)
    return vin17[:8] + check + vin17[9:]


def _vin(n: int) -> str:
    alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ" + string.digits
    serial = "".join(alphabet[(n // len(alphabet) ** i) % len(alphabet)] for i in range(6))
    return vin_with_check_digit(f"LSVAB2BR0N{'A'}{serial}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    full_name = factory.Faker("name")
    role = User.Role.BUYER
    password = factory.django.Password("pass-1234-word")


class DealerFactory(UserFactory):
    username = factory.Sequence(lambda n: f"dealer{n}")
    role = User.Role.DEALER
    profile = factory.RelatedFactory("marketplace.tests.factories.DealerProfileFactory", factory_related_name="user")


class DealerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealerProfile

    business_name = factory.Sequence(lambda n: f"Dealer Motors {n}")
    licence_number = "91110000MA00000000"
    city = "北京"
    address = "北京市朝阳区 1 号"
    phone = "010-12345678"


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    vin = factory.Sequence(_vin)
    make = "Toyota"
    model = "Corolla"
    trim = "1.2T Pioneer"
    year = 2021
    first_registration = dt.date(2021, 6, 1)
    mileage_km = 35000
    fuel = Vehicle.Fuel.PETROL
    transmission = Vehicle.Transmission.CVT
    body_type = Vehicle.Body.SEDAN
    colour = "White"
    engine_displacement_l = Decimal("1.2")
    emission_standard = Vehicle.Emission.CN6B
    seats = 5
    previous_owners = 1
    city = "北京"


class ListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Listing

    dealer = factory.SubFactory(DealerFactory)
    vehicle = factory.SubFactory(VehicleFactory)
    price = Decimal("98000")
    description = "One owner, full service history."
    status = Listing.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
