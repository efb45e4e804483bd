import pytest

from warranty.models import ExtendedWarrantyPlan, Part
from warranty.tests.factories import RepairShopFactory


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
