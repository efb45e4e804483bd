"""Distance limits read the way the law reads them: "3,000 km" (3,000 公里以内) includes the 3,000th km; only
a reading beyond it (超过) is out (DESIGN.md "Counting periods"). Each rule at limit − 1, limit, limit + 1:
the window, the warranty, an extension, the legal floor of a policy, and the repeated-failure rules.

The car of the ``coverage`` fixture was delivered on 1 Mar 2026 at 35,000 km: window limit 38,000 km,
warranty limit 55,000 km (an extension of +20,000 km: 75,000 km)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from core.errors import DomainError
from warranty import services
from warranty.models import Coverage, WarrantyPolicy
from warranty.models.coverage import km_within
from warranty.selectors import Clock
from warranty.services import NotCovered, WindowClosed
from warranty.services.repairs import REPEATED_FAILURE_DAYS, REPEATED_FAILURE_REPAIRS
from warranty.tests.factories import claim_and_repair, open_claim, open_request, sh

DELIVERY_KM = 35_000
WINDOW_LIMIT = DELIVERY_KM + 3_000
WARRANTY_LIMIT = DELIVERY_KM + 20_000
IN_THE_WINDOW = sh(2026, 3, 10, 12, 0)
BOUNDARY = [(-1, True), (0, True), (1, False)]  # (km relative to the limit, covered?)


def test_the_limit_itself_is_within_it_and_one_km_more_is_not():
    assert [km_within(3_000 + delta, 3_000) for delta, _covered in BOUNDARY] == [True, True, False]


# --- the 30-day window -------------------------------------------------------------------------------


@pytest.mark.parametrize(("delta", "covered"), BOUNDARY)
def test_a_request_at_the_window_km_limit_is_accepted_and_only_beyond_it_refused(coverage, delta, covered):
    km = WINDOW_LIMIT + delta
    assert coverage.window_km_limit == WINDOW_LIMIT
    if covered:
        assert open_request(coverage, at=IN_THE_WINDOW, km=km).pk
        return
    with pytest.raises(WindowClosed) as refusal:
        open_request(coverage, at=IN_THE_WINDOW, km=km)
    assert refusal.value.code == "window_km"
    assert str(refusal.value) == (
        "The window's km limit was exceeded: it covers the car up to and including 38,000 km on the odometer "
        "(3,000 km after delivery); the odometer reads 38,001 km."
    )


def test_the_window_refusal_says_exceeded_in_chinese_too(coverage):
    with translation.override("zh-hans"), pytest.raises(WindowClosed) as refusal:
        open_request(coverage, at=IN_THE_WINDOW, km=WINDOW_LIMIT + 1)
    assert "超过" in str(refusal.value) and "38,000" in str(refusal.value)


# --- the core-part warranty ----------------------------------------------------------------------------


@pytest.mark.parametrize(("delta", "covered"), BOUNDARY)
def test_the_warranty_covers_the_limit_itself(coverage, engine_part, delta, covered):
    decision = coverage.covers(engine_part, on=dt.date(2026, 12, 1), odometer_km=WARRANTY_LIMIT + delta)
    assert bool(decision) is covered
    if not covered:
        assert decision.code == "km_exceeded"
        assert "exceeded" in decision.reason and "up to and including 55,000 km" in decision.reason


@pytest.mark.parametrize(("delta", "covered"), BOUNDARY)
def test_a_claim_at_the_warranty_km_limit_is_opened_and_only_beyond_it_refused(coverage, engine_part, delta, covered):
    km = WARRANTY_LIMIT + delta
    if covered:
        assert open_claim(coverage, engine_part, km=km).pk
        return
    with pytest.raises(NotCovered) as refusal:
        open_claim(coverage, engine_part, km=km)
    assert refusal.value.code == "km_exceeded"


# --- extensions ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("delta", "covered"), BOUNDARY)
def test_an_extension_can_be_bought_at_the_base_km_limit_and_not_beyond(coverage, plan12, delta, covered):
    Coverage.objects.filter(pk=coverage.pk).update(current_odometer_km=WARRANTY_LIMIT + delta)
    buy = lambda: services.extension_purchase(coverage=coverage, plan=plan12, actor=coverage.order.buyer, now=IN_THE_WINDOW)  # noqa: E731
    if covered:
        assert buy().extra_km == 20_000
        return
    with pytest.raises(DomainError) as refusal:
        buy()
    assert refusal.value.code == "warranty_km_exceeded"
    assert not coverage.purchases.exists()


@pytest.mark.parametrize(("delta", "covered"), BOUNDARY)
def test_the_extended_km_limit_includes_itself(coverage, plan12, engine_part, delta, covered):
    services.extension_purchase(coverage=coverage, plan=plan12, actor=coverage.order.buyer, now=IN_THE_WINDOW)
    coverage.refresh_from_db()
    assert coverage.warranty_km_limit == WARRANTY_LIMIT + 20_000
    decision = coverage.covers(engine_part, on=dt.date(2027, 6, 1), odometer_km=coverage.warranty_km_limit + delta)
    assert bool(decision) is covered


# --- the clocks on the page ------------------------------------------------------------------------------


@pytest.mark.parametrize(("delta", "covered"), BOUNDARY)
def test_the_clock_shows_0_km_left_as_still_covered(coverage, delta, covered):
    coverage.current_odometer_km = WINDOW_LIMIT + delta
    clock = Clock.of(coverage, ends_at=coverage.window_ends_at, km_limit=coverage.window_km_limit, now=IN_THE_WINDOW)
    assert clock.km_left == max(0, -delta)
    assert clock.is_open is covered
    assert clock.tone == ("danger" if covered else "secondary")


@pytest.mark.parametrize(("delta", "covered"), BOUNDARY)
def test_the_guarantee_page_offers_a_request_at_0_km_left(client, coverage, delta, covered):
    Coverage.objects.filter(pk=coverage.pk).update(current_odometer_km=WINDOW_LIMIT + delta)
    client.force_login(coverage.order.buyer)
    with time_machine.travel(IN_THE_WINDOW, tick=False):
        response = client.get(reverse("warranty:guarantee", args=[coverage.order_id]))
    window = response.context["window"]
    assert (window.km_left, window.is_open) == (max(0, -delta), covered)
    assert response.context["can_request"] is covered
    page = response.content.decode()
    clock = page[page.index('data-testid="window-clock"') : page.index('data-testid="warranty-clock"')]
    assert ("Active" in clock) is covered and ("Ended" in clock) is not covered
    assert f"{max(0, -delta)} km</strong>" in clock


# --- the legal floor of a policy (3 months / 5,000 km) ----------------------------------------------------


@pytest.mark.parametrize(("km", "allowed"), [(4_999, False), (5_000, True), (5_001, True)])
def test_a_policy_at_the_legal_floor_km_is_allowed_and_only_below_it_refused(db, km, allowed):
    policy = WarrantyPolicy(name="Floor", warranty_months=12, warranty_km=km)
    if allowed:
        policy.full_clean()
        return
    with pytest.raises(ValidationError) as refusal:
        policy.full_clean()
    assert set(refusal.value.message_dict) == {"warranty_km"}


@pytest.mark.parametrize(("months", "allowed"), [(2, False), (3, True), (4, True)])
def test_a_policy_at_the_legal_floor_months_is_allowed_and_only_below_it_refused(db, months, allowed):
    policy = WarrantyPolicy(name="Floor", warranty_months=months, warranty_km=20_000)
    if allowed:
        policy.full_clean()
        return
    with pytest.raises(ValidationError):
        policy.full_clean()


# --- repeated failure -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("repairs", "repeated"), [(1, False), (2, True), (3, True)])
def test_a_failure_after_two_warranty_repairs_is_a_repeated_failure(coverage, engine_part, staff_user, shop, repairs, repeated):
    """ "After 2 warranty repairs" counts the second one: the third failure is repeated, the second is not."""
    assert REPEATED_FAILURE_REPAIRS == 2
    for month in range(repairs):
        claim_and_repair(coverage, engine_part, staff_user, shop, day=dt.date(2026, 4 + month, 1), days_in_shop=1)
    claim = open_claim(coverage, engine_part, day=dt.date(2026, 9, 1))
    coverage.refresh_from_db()
    assert claim.is_repeated_failure is repeated
    assert (coverage.repeated_failure_at is not None) is repeated


@pytest.mark.parametrize(("days", "flagged"), [(29, False), (30, False), (31, True)])
def test_more_than_30_days_in_repair_shops_flags_and_30_days_does_not(coverage, engine_part, staff_user, shop, days, flagged):
    """ "More than 30 days" (超过 30 日) leaves out the 30th day itself — the one rule here that excludes its figure."""
    assert REPEATED_FAILURE_DAYS == 30
    claim_and_repair(coverage, engine_part, staff_user, shop, day=dt.date(2026, 4, 1), days_in_shop=days)
    coverage.refresh_from_db()
    assert (coverage.repeated_failure_at is not None) is flagged
