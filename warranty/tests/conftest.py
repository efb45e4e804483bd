import datetime as dt

import pytest

from warranty import services
from warranty.models import ExtendedWarrantyPlan, Part
from warranty.tests.factories import RepairShopFactory, delivered_on


@pytest.fixture
def engine_part(db):
    return Part.objects.get(code="crankshaft")


@pytest.fixture
def wear_part(db):
    return Part.objects.get(code="brake_pads")


@pytest.fixture
def plan12(db):
    return ExtendedWarrantyPlan.objects.get(extra_months=12)


@pytest.fixture
def shop(db):
    return RepairShopFactory()


@pytest.fixture
def coverage(db):
    """The guarantee of a car delivered on Sun 1 Mar 2026 at 35,000 km (window until 31 Mar 24:00)."""
    return services.coverage_start(order=delivered_on(dt.date(2026, 3, 1)))
