"""The guarantee rules: window, warranty, extensions, legal floor, repeated failure, snapshots."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from contracts.models import Order
from core.calendar import SHANGHAI
from core.errors import InvalidTransition, PermissionDeniedError
from core.statemachine import audit_trail
from marketplace.models import Listing
from marketplace.tests.factories import ListingFactory
from notifications.models import Notification
from warranty import services
from warranty.models import AfterSalesRequest, Part, WarrantyClaim, WarrantyPolicy
from warranty.services import NotCovered, WindowClosed
from warranty.terms import current_terms
from warranty.tests.factories import delivered_on

UTC = ZoneInfo("UTC")


def sh(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


def open_request(coverage, *, at, km=35100, kind=AfterSalesRequest.Kind.REPAIR):
    return services.request_create(
        coverage=coverage, actor=coverage.order.buyer, kind=kind, description="Engine knocks", odometer_km=km, now=at
    )


@pytest.fixture
def coverage(db):
    return services.coverage_for_order(order=delivered_on(dt.date(2026, 3, 1)))


# --- the 30-day window -----------------------------------------------------------------------------


def test_window_request_on_day_30_at_23_59_shanghai_is_allowed(coverage):
    request = open_request(coverage, at=sh(2026, 3, 31, 23, 59))
    assert request.status == AfterSalesRequest.Status.SUBMITTED


def test_window_request_on_day_31_at_00_00_is_refused_with_the_deadline(coverage):
    with pytest.raises(WindowClosed) as exc:
        open_request(coverage, at=sh(2026, 4, 1, 0, 0))
    assert "24:00" in str(exc.value) and "2026" in str(exc.value)


def test_the_same_instants_in_utc_give_the_same_answers(coverage):
    open_request(coverage, at=dt.datetime(2026, 3, 31, 15, 59, tzinfo=UTC))
    other = services.coverage_for_order(order=delivered_on(dt.date(2026, 3, 1)))
    with pytest.raises(WindowClosed):
        open_request(other, at=dt.datetime(2026, 3, 31, 16, 0, tzinfo=UTC))


def test_window_whose_30th_day_is_national_day_runs_to_the_first_working_day_after(db):
    coverage = services.coverage_for_order(order=delivered_on(dt.date(2026, 9, 1)))
    assert coverage.window_ends_at == sh(2026, 10, 9, 0, 0)
    open_request(coverage, at=sh(2026, 10, 8, 23, 59))


def test_window_km_limit_reached_before_the_date_is_refused(coverage):
    with pytest.raises(WindowClosed) as exc:
        open_request(coverage, at=sh(2026, 3, 10, 12, 0), km=35000 + 3000)
    assert exc.value.code == "window_km"
    open_request(coverage, at=sh(2026, 3, 10, 12, 0), km=35000 + 2999)


def test_only_the_buyer_may_open_a_request(coverage, other_buyer):
    with pytest.raises(PermissionDeniedError):
        services.request_create(
            coverage=coverage, actor=other_buyer, kind="repair", description="x", odometer_km=35100, now=sh(2026, 3, 5, 9)
        )


def test_a_request_needs_a_delivered_order(db):
    order = delivered_on(dt.date(2026, 3, 1))
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID)
    order.refresh_from_db()
    with pytest.raises(services.NotDelivered):
        services.coverage_for_order(order=order)


def test_request_deadlines_are_working_days_and_follow_the_status(coverage):
    # Friday 6 Mar 2026 10:00 → acknowledge Mon 9 Mar 18:00, assess Wed 11 Mar, complete Fri 20 Mar.
    request = open_request(coverage, at=sh(2026, 3, 6, 10, 0))
    assert request.acknowledge_due_at == sh(2026, 3, 9, 18, 0)
    assert request.assess_due_at == sh(2026, 3, 11, 18, 0)
    assert request.complete_due_at == sh(2026, 3, 20, 18, 0)
    assert request.next_deadline_at == request.acknowledge_due_at
    request = services.request_start_assessment(request=request, actor=coverage.order.listing.dealer)
    assert request.next_deadline_at == request.assess_due_at


# --- the workflow ----------------------------------------------------------------------------------


def test_rejection_needs_one_of_the_allowed_reasons_and_a_note(coverage):
    request = open_request(coverage, at=sh(2026, 3, 5, 9))
    dealer = coverage.order.listing.dealer
    services.request_start_assessment(request=request, actor=dealer)
    with pytest.raises(services.DomainError):
        services.request_reject(request=request, actor=dealer, reason="changed_mind", note="no")
    with pytest.raises(services.DomainError):
        services.request_reject(request=request, actor=dealer, reason="misuse", note="  ")
    request = services.request_reject(request=request, actor=dealer, reason="misuse", note="Track-day wear on the clutch")
    assert request.status == "rejected" and request.next_deadline_at is None
    assert [e.to_status for e in audit_trail(request)] == ["submitted", "under_assessment", "rejected"]


def test_bad_transitions_are_refused(coverage):
    request = open_request(coverage, at=sh(2026, 3, 5, 9))
    with pytest.raises(InvalidTransition):
        services.request_approve(request=request, actor=coverage.order.listing.dealer)


def test_another_dealer_cannot_handle_the_request(coverage, other_dealer):
    request = open_request(coverage, at=sh(2026, 3, 5, 9))
    with pytest.raises(PermissionDeniedError):
        services.request_start_assessment(request=request, actor=other_dealer)


def _approve(request, actor, **kwargs):
    services.request_start_assessment(request=request, actor=actor)
    services.request_approve(request=request, actor=actor, **kwargs)
    return services.request_start_work(request=request, actor=actor)


def test_return_refunds_and_puts_the_car_back_in_the_dealers_stock(coverage):
    request = open_request(coverage, at=sh(2026, 3, 5, 9), kind="return")
    dealer = coverage.order.listing.dealer
    _approve(request, dealer)
    request = services.request_complete(request=request, actor=dealer, refund_amount=Decimal("98000"))
    order = Order.objects.get(pk=coverage.order_id)
    assert request.refund_amount == Decimal("98000")
    assert order.status == Order.Status.RETURNED
    assert Listing.objects.get(pk=order.listing_id).status == Listing.Status.PUBLISHED
    coverage.refresh_from_db()
    assert coverage.closed_at is not None


def test_exchange_links_another_car_of_the_same_dealer_with_the_price_difference(coverage):
    dealer = coverage.order.listing.dealer
    request = open_request(coverage, at=sh(2026, 3, 5, 9), kind="exchange")
    services.request_start_assessment(request=request, actor=dealer)
    foreign = ListingFactory()
    with pytest.raises(services.DomainError):
        services.request_approve(request=request, actor=dealer, exchange_listing=foreign)
    replacement = ListingFactory(dealer=dealer, price=Decimal("105000"))
    request = services.request_approve(request=request, actor=dealer, exchange_listing=replacement)
    assert request.price_difference == Decimal("7000")
    services.request_start_work(request=request, actor=dealer)
    services.request_complete(request=request, actor=dealer)
    assert Order.objects.get(pk=coverage.order_id).status == Order.Status.RETURNED


def test_repair_outcome_records_a_repair_at_a_certified_shop(coverage, shop):
    request = open_request(coverage, at=sh(2026, 3, 5, 9))
    dealer = coverage.order.listing.dealer
    _approve(request, dealer)
    with pytest.raises(services.DomainError):
        services.request_complete(request=request, actor=dealer)
    services.request_complete(
        request=request,
        actor=dealer,
        repair={"shop": shop, "diagnosis": "Loose heat shield", "days_in_shop": 1, "completed_on": dt.date(2026, 3, 6)},
        parts=[{"description": "Heat shield clip", "serial_installed": "HS-001"}],
    )
    assert request.repair.parts.get().serial_installed == "HS-001"


# --- core-part warranty ----------------------------------------------------------------------------


def test_a_covered_part_inside_date_and_km_is_covered(coverage, engine_part):
    assert coverage.covers(engine_part, on=dt.date(2026, 12, 1), odometer_km=50000)


def test_claim_on_a_non_covered_part_is_refused_with_the_reason(coverage, wear_part):
    with pytest.raises(NotCovered) as exc:
        services.claim_open(
            coverage=coverage,
            actor=coverage.order.buyer,
            part=wear_part,
            symptom="squeal",
            odometer_km=36000,
            failed_on=dt.date(2026, 4, 1),
            now=sh(2026, 4, 2, 9),
        )
    assert exc.value.code == "part_not_covered"
    assert "Brake pads" in str(exc.value)


def test_claim_after_the_km_limit_is_refused(coverage, engine_part):
    with pytest.raises(NotCovered) as exc:
        services.claim_open(
            coverage=coverage,
            actor=coverage.order.buyer,
            part=engine_part,
            symptom="knock",
            odometer_km=35000 + 20000,
            failed_on=dt.date(2026, 6, 1),
            now=sh(2026, 6, 2, 9),
        )
    assert exc.value.code == "km_exceeded" and "55,000" in str(exc.value)


def test_claim_after_the_end_date_is_refused_with_the_date(coverage, engine_part):
    # Delivered 1 Mar 2026 + 12 months → 1 Mar 2027 (a Monday).
    assert coverage.covers(engine_part, on=dt.date(2027, 3, 1), odometer_km=40000)
    decision = coverage.covers(engine_part, on=dt.date(2027, 3, 2), odometer_km=40000)
    assert not decision and decision.code == "expired"


def test_warranty_from_29_february_ends_on_28_february(db, engine_part):
    coverage = services.coverage_for_order(order=delivered_on(dt.date(2028, 2, 29)))
    assert coverage.warranty_ends_at == sh(2029, 3, 1, 0, 0)
    assert coverage.covers(engine_part, on=sh(2029, 2, 28, 23, 59), odometer_km=40000)
    assert not coverage.covers(engine_part, on=sh(2029, 3, 1, 0, 0), odometer_km=40000)


def test_extension_moves_the_end_date_and_the_km_limit(coverage, plan12, engine_part):
    before_end, before_km = coverage.warranty_ends_at, coverage.warranty_km_limit
    services.extension_purchase(coverage=coverage, plan=plan12, actor=coverage.order.buyer, now=sh(2026, 6, 1, 10))
    coverage.refresh_from_db()
    assert before_end == sh(2027, 3, 2, 0, 0)
    assert coverage.warranty_ends_at == sh(2028, 3, 2, 0, 0)  # 1 Mar 2028 is a Wednesday
    assert coverage.warranty_km_limit == before_km + 20000
    assert coverage.covers(engine_part, on=dt.date(2027, 9, 1), odometer_km=70000)
    assert Notification.objects.filter(dedupe_key__startswith="warranty:extension:").count() == 1


def test_an_extension_cannot_be_bought_after_the_base_warranty_ended(coverage, plan12):
    with pytest.raises(services.DomainError):
        services.extension_purchase(coverage=coverage, plan=plan12, actor=coverage.order.buyer, now=sh(2027, 3, 2, 0, 0))


def test_only_one_extension_per_car(coverage, plan12):
    services.extension_purchase(coverage=coverage, plan=plan12, actor=coverage.order.buyer, now=sh(2026, 6, 1, 10))
    with pytest.raises(services.DomainError):
        services.extension_purchase(coverage=coverage, plan=plan12, actor=coverage.order.buyer, now=sh(2026, 6, 2, 10))


def test_extension_records_a_contract_amendment_when_contracts_offers_it(coverage, plan12, monkeypatch):
    calls = []
    monkeypatch.setattr("warranty.models._has_contract", lambda order: True)
    monkeypatch.setattr(type(coverage.order), "contract", None, raising=False)
    monkeypatch.setattr("warranty.services.import_string", lambda path: lambda **kw: calls.append(kw))
    services.extension_purchase(coverage=coverage, plan=plan12, actor=coverage.order.buyer, now=sh(2026, 6, 1, 10))
    assert calls and calls[0]["kind"] == "extended_warranty" and calls[0]["payload"]["warranty_km_limit"] == 35000 + 40000


# --- legal floor -----------------------------------------------------------------------------------


def test_a_policy_below_the_legal_floor_is_refused_citing_the_rule(db):
    policy = WarrantyPolicy(name="Cheap", warranty_months=2, warranty_km=4000)
    with pytest.raises(ValidationError) as exc:
        services.policy_save(policy=policy)
    assert "Art. 19" in str(exc.value) and set(exc.value.message_dict) == {"warranty_months", "warranty_km"}


def test_a_policy_at_the_legal_floor_is_accepted(db):
    policy = services.policy_save(policy=WarrantyPolicy(name="Floor", warranty_months=3, warranty_km=5000))
    assert policy.pk


# --- snapshots -------------------------------------------------------------------------------------


def test_a_policy_edit_does_not_change_an_existing_contracts_terms(coverage, engine_part):
    policy = WarrantyPolicy.objects.get(is_active=True)
    policy.warranty_months = 6
    policy.warranty_km = 10000
    policy.save()
    policy.covered_groups.clear()
    coverage.refresh_from_db()
    assert coverage.terms["warranty_months"] == 12
    assert coverage.warranty_ends_at == sh(2027, 3, 2, 0, 0)
    assert coverage.covers(engine_part, on=dt.date(2026, 12, 1), odometer_km=50000)
    assert current_terms()["warranty_months"] == 6


def test_current_terms_are_json_with_parts_and_exclusions(db):
    terms = current_terms()
    groups = {g["group"] for g in terms["components"]}
    assert groups == {"engine", "transmission", "ev_drive"}
    assert any(p["code"] == "crankshaft" for g in terms["components"] for p in g["parts"])
    assert {e["code"] for e in terms["exclusions"]} >= {"wear_items", "accident", "misuse", "modification", "missed_maintenance"}


# --- repeated failure ------------------------------------------------------------------------------


def _claim_and_repair(coverage, part, staff, shop, *, day, days_in_shop=2):
    claim = services.claim_open(
        coverage=coverage,
        actor=coverage.order.buyer,
        part=part,
        symptom="noise",
        odometer_km=36000,
        failed_on=day,
        now=sh(day.year, day.month, day.day, 12),
    )
    services.claim_authorise(claim=claim, actor=staff, shop=shop)
    services.claim_complete(
        claim=claim,
        actor=staff,
        repair={"diagnosis": "worn bearing", "days_in_shop": days_in_shop, "completed_on": day},
        parts=[{"description": "Bearing", "serial_installed": f"SN-{day}"}],
    )
    return claim


def test_third_failure_of_the_same_part_flags_the_case_and_notifies_everyone(coverage, engine_part, staff_user, shop):
    _claim_and_repair(coverage, engine_part, staff_user, shop, day=dt.date(2026, 4, 1))
    _claim_and_repair(coverage, engine_part, staff_user, shop, day=dt.date(2026, 5, 1))
    coverage.refresh_from_db()
    assert coverage.repeated_failure_at is None
    third = services.claim_open(
        coverage=coverage,
        actor=coverage.order.buyer,
        part=engine_part,
        symptom="again",
        odometer_km=37000,
        failed_on=dt.date(2026, 6, 1),
        now=sh(2026, 6, 1, 12),
    )
    coverage.refresh_from_db()
    assert third.is_repeated_failure and coverage.repeated_failure_at
    kinds = Notification.objects.filter(kind="warranty_repeated_failure")
    assert {n.recipient for n in kinds} == {coverage.order.buyer, coverage.order.listing.dealer, staff_user}
    # The buyer may now ask for a return even after the 30-day window.
    request = open_request(coverage, at=sh(2026, 6, 2, 9), km=37000, kind="return")
    assert request.under_repeated_failure


def test_more_than_30_days_in_repair_shops_flags_the_case(coverage, engine_part, staff_user, shop):
    _claim_and_repair(coverage, engine_part, staff_user, shop, day=dt.date(2026, 4, 1), days_in_shop=31)
    coverage.refresh_from_db()
    assert coverage.repeated_failure_at is not None


def test_claim_authorisation_and_completion_are_staff_only(coverage, engine_part, shop):
    claim = services.claim_open(
        coverage=coverage,
        actor=coverage.order.buyer,
        part=engine_part,
        symptom="x",
        odometer_km=36000,
        failed_on=dt.date(2026, 4, 1),
        now=sh(2026, 4, 1, 12),
    )
    with pytest.raises(PermissionDeniedError):
        services.claim_authorise(claim=claim, actor=coverage.order.listing.dealer, shop=shop)


def test_replaced_parts_need_serial_numbers(coverage, engine_part, staff_user, shop):
    claim = services.claim_open(
        coverage=coverage,
        actor=coverage.order.buyer,
        part=engine_part,
        symptom="x",
        odometer_km=36000,
        failed_on=dt.date(2026, 4, 1),
        now=sh(2026, 4, 1, 12),
    )
    services.claim_authorise(claim=claim, actor=staff_user, shop=shop)
    with pytest.raises(services.DomainError):
        services.claim_complete(
            claim=claim,
            actor=staff_user,
            repair={"diagnosis": "d", "days_in_shop": 1},
            parts=[{"description": "Crankshaft", "serial_installed": ""}],
        )
    assert WarrantyClaim.objects.get(pk=claim.pk).status == "authorised"


def test_all_seeded_core_parts_are_covered(coverage):
    for part in Part.objects.filter(group__code__in=["engine", "transmission", "ev_drive"]):
        assert coverage.covers(part, on=dt.date(2026, 4, 1), odometer_km=36000)


# --- sweeps ----------------------------------------------------------------------------------------


def test_sla_sweep_reminds_then_escalates_exactly_once(coverage, staff_user):
    request = open_request(coverage, at=sh(2026, 3, 6, 10, 0))  # acknowledge by Mon 9 Mar 18:00
    assert services.warranty_sla_sweep(now=sh(2026, 3, 8, 9, 0)) == {"reminded": 0, "breached": 0}
    assert services.warranty_sla_sweep(now=sh(2026, 3, 9, 9, 0)) == {"reminded": 1, "breached": 0}
    assert services.warranty_sla_sweep(now=sh(2026, 3, 9, 10, 0)) == {"reminded": 0, "breached": 0}
    assert services.warranty_sla_sweep(now=sh(2026, 3, 9, 18, 1)) == {"reminded": 0, "breached": 1}
    assert services.warranty_sla_sweep(now=sh(2026, 3, 9, 19, 0)) == {"reminded": 0, "breached": 0}
    request.refresh_from_db()
    assert request.breach_count == 1
    assert Notification.objects.filter(recipient=staff_user, kind="warranty_request_breached").count() == 1
    assert Notification.objects.filter(recipient=coverage.order.buyer, kind="warranty_request_breached").count() == 1


def test_guarantee_clock_sweep_tells_the_buyer_once(coverage):
    assert services.guarantee_clock_sweep(today=dt.date(2026, 3, 27))["window_closing"] == 0
    assert services.guarantee_clock_sweep(today=dt.date(2026, 3, 28))["window_closing"] == 1
    assert services.guarantee_clock_sweep(today=dt.date(2026, 3, 29))["window_closing"] == 0
    # The warranty's last day is Mon 1 Mar 2027: the offer goes out 30 days before, once.
    assert services.guarantee_clock_sweep(today=dt.date(2027, 1, 29))["extension_offer"] == 0
    assert services.guarantee_clock_sweep(today=dt.date(2027, 1, 30))["extension_offer"] == 1
    assert services.guarantee_clock_sweep(today=dt.date(2027, 1, 31))["extension_offer"] == 0
    assert services.guarantee_clock_sweep(today=dt.date(2027, 3, 1))["warranty_ended"] == 0
    assert services.guarantee_clock_sweep(today=dt.date(2027, 3, 2))["warranty_ended"] == 1
    assert services.guarantee_clock_sweep(today=dt.date(2027, 3, 3))["warranty_ended"] == 0


def test_odometer_never_goes_backwards(coverage):
    services.coverage_update_odometer(coverage=coverage, actor=coverage.order.buyer, odometer_km=36000)
    with pytest.raises(services.DomainError):
        services.coverage_update_odometer(coverage=coverage, actor=coverage.order.buyer, odometer_km=35500)


@time_machine.travel(sh(2026, 3, 31, 23, 59), tick=False)
def test_frozen_clock_default_now_uses_the_real_time(coverage):
    services.request_create(coverage=coverage, actor=coverage.order.buyer, kind="repair", description="x", odometer_km=35100)
