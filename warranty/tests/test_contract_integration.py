"""With the real contracts flow: the contract snapshots our terms, delivery starts the clocks, a
policy edit leaves the signed terms alone, and an extension is recorded as a contract amendment."""

import datetime as dt

import pytest

from core.calendar import SHANGHAI
from warranty import services
from warranty.models import Coverage, WarrantyPolicy

pytestmark = pytest.mark.slow  # walks the real contract flow (PDF rendering)
factories = pytest.importorskip("contracts.tests.factories")

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def order(buyer, dealer):
    return factories.delivered_order(buyer=buyer, dealer=dealer, now=NOW, odometer_km=40000)


def test_delivery_starts_the_guarantee_with_the_contracts_terms(order):
    coverage = Coverage.objects.get(order=order)  # created by the order_delivered signal
    assert order.contract.terms["policy_id"] == WarrantyPolicy.objects.get(is_active=True).pk
    assert coverage.terms == order.contract.terms
    assert coverage.delivery_odometer_km == 40000 and coverage.window_km_limit == 43000
    assert coverage.window_ends_at == dt.datetime(2026, 4, 2, 0, 0, tzinfo=SHANGHAI)  # 1 Apr is a Wednesday


def test_a_policy_edit_after_signing_does_not_change_the_contracts_terms(order, engine_part):
    policy = WarrantyPolicy.objects.get(is_active=True)
    policy.warranty_km = 6000
    policy.save()
    policy.covered_groups.clear()
    coverage = Coverage.objects.get(order=order)
    assert coverage.terms["warranty_km"] == 20000
    assert coverage.covers(engine_part, on=dt.date(2026, 9, 1), odometer_km=55000)


def test_an_extension_is_recorded_as_a_contract_amendment(order, plan12):
    coverage = Coverage.objects.get(order=order)
    services.extension_purchase(coverage=coverage, plan=plan12, actor=order.buyer, now=NOW + dt.timedelta(days=30))
    amendment = order.contract.amendments.get()
    assert amendment.kind == "extended_warranty"
    assert amendment.payload["warranty_km_limit"] == 40000 + 20000 + 20000
