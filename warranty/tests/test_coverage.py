"""The guarantee itself: started only at delivery (a failed start is raised to staff), the backfill, the
30-day window, the core-part warranty, extensions, the legal floor and the contract's snapshot."""

import datetime as dt
import logging
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from contracts.models import Order
from core.errors import DomainError, PermissionDeniedError
from notifications.models import Notification
from warranty import notices, services
from warranty.models import Coverage, Part, WarrantyPolicy
from warranty.services import NotDelivered, WindowClosed
from warranty.terms import current_terms
from warranty.tests.factories import delivered_on, open_request, sh

UTC = ZoneInfo("UTC")


# --- starting the guarantee --------------------------------------------------------------------------


def test_a_guarantee_starts_only_for_a_delivered_order(db):
    order = delivered_on(dt.date(2026, 3, 1))
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID)
    order.refresh_from_db()
    with pytest.raises(NotDelivered):
        services.coverage_start(order=order)
    assert not Coverage.objects.exists()


def test_starting_twice_returns_the_same_guarantee(coverage):
    assert services.coverage_start(order=coverage.order) == coverage
    assert Coverage.objects.count() == 1


def test_a_failed_start_at_delivery_keeps_the_delivery_logs_an_error_and_alerts_staff_once(db, staff_user, monkeypatch, caplog):
    def broken(coverage):
        raise ValueError("policy terms unreadable")

    monkeypatch.setattr("warranty.services.coverage.apply_clocks", broken)
    order = delivered_on(dt.date(2026, 3, 1))
    with caplog.at_level(logging.ERROR, logger="warranty.services.coverage"):
        assert services.coverage_on_delivery(order=order) is None
        services.coverage_on_delivery(order=order)  # a second signal for the same order
    assert not Coverage.objects.exists()
    assert any(r.levelno == logging.ERROR and f"order {order.pk}" in r.getMessage() for r in caplog.records)
    alerts = Notification.objects.filter(kind=notices.COVERAGE_FAILED.code)
    assert [(n.recipient, n.params["order"], n.params["error"]) for n in alerts] == [(staff_user, order.pk, "ValueError")]
    assert f"#{order.pk}" in alerts.get().render("en")[0]


def test_a_refused_start_through_the_real_delivery_still_delivers_the_car(buyer, dealer, staff_user, monkeypatch):
    factories = pytest.importorskip("contracts.tests.factories")

    def refuse(coverage):
        raise DomainError("no terms", code="terms_missing")

    monkeypatch.setattr("warranty.services.coverage.apply_clocks", refuse)
    order = factories.delivered_order(buyer=buyer, dealer=dealer)
    assert order.status == Order.Status.DELIVERED
    assert not Coverage.objects.filter(order=order).exists()
    alert = Notification.objects.get(kind=notices.COVERAGE_FAILED.code, recipient=staff_user)
    assert alert.params["error"] == "terms_missing"


def test_the_backfill_starts_missing_guarantees_once_and_a_dry_run_writes_nothing(db, coverage):
    missing = delivered_on(dt.date(2026, 3, 10))
    returned = delivered_on(dt.date(2026, 2, 1), status=Order.Status.RETURNED)
    delivered_on(dt.date(2026, 3, 6), status=Order.Status.PAID)  # not handed over: no guarantee
    dry = StringIO()
    call_command("coverage_backfill", "--dry-run", stdout=dry)
    assert f"order #{missing.pk}" in dry.getvalue() and "would start" in dry.getvalue()
    assert Coverage.objects.count() == 1

    out = StringIO()
    call_command("coverage_backfill", stdout=out)
    assert "2 guarantee(s) started" in out.getvalue()
    assert Coverage.objects.get(order=missing).window_ends_at == sh(2026, 4, 10, 0, 0)  # counted from delivery
    assert Coverage.objects.get(order=returned).closed_at is not None
    again = StringIO()
    call_command("coverage_backfill", stdout=again)
    assert "0 guarantee(s) started" in again.getvalue()
    assert Coverage.objects.count() == 3


def test_the_backfill_reports_a_failure_and_goes_on(db, monkeypatch):
    first, second = delivered_on(dt.date(2026, 3, 5)), delivered_on(dt.date(2026, 3, 6))
    real = services.coverage.apply_clocks

    def fail_first(coverage):
        if coverage.order_id == first.pk:
            raise ValueError("bad terms")
        real(coverage)

    monkeypatch.setattr("warranty.services.coverage.apply_clocks", fail_first)
    result = services.coverage_backfill()
    assert [o.pk for o in result.started] == [second.pk]
    assert [(o.pk, reason) for o, reason in result.failed] == [(first.pk, "bad terms")]


# --- the 30-day window -----------------------------------------------------------------------------


def test_window_request_on_day_30_at_23_59_shanghai_is_allowed(coverage):
    assert open_request(coverage, at=sh(2026, 3, 31, 23, 59)).pk


def test_window_request_on_day_31_at_00_00_is_refused_with_the_deadline(coverage):
    with pytest.raises(WindowClosed) as exc:
        open_request(coverage, at=sh(2026, 4, 1, 0, 0))
    assert "24:00" in str(exc.value) and "2026" in str(exc.value)


def test_the_same_instants_in_utc_give_the_same_answers(coverage):
    open_request(coverage, at=dt.datetime(2026, 3, 31, 15, 59, tzinfo=UTC))
    other = services.coverage_start(order=delivered_on(dt.date(2026, 3, 1)))
    with pytest.raises(WindowClosed):
        open_request(other, at=dt.datetime(2026, 3, 31, 16, 0, tzinfo=UTC))


def test_window_whose_30th_day_is_national_day_runs_to_the_first_working_day_after(db):
    coverage = services.coverage_start(order=delivered_on(dt.date(2026, 9, 1)))
    assert coverage.window_ends_at == sh(2026, 10, 9, 0, 0)
    open_request(coverage, at=sh(2026, 10, 8, 23, 59))


# --- core-part warranty ----------------------------------------------------------------------------


def test_a_covered_part_inside_date_and_km_is_covered(coverage, engine_part):
    assert coverage.covers(engine_part, on=dt.date(2026, 12, 1), odometer_km=50000)


def test_claim_after_the_end_date_is_refused_with_the_date(coverage, engine_part):
    # Delivered 1 Mar 2026 + 12 months → 1 Mar 2027 (a Monday).
    assert coverage.covers(engine_part, on=dt.date(2027, 3, 1), odometer_km=40000)
    decision = coverage.covers(engine_part, on=dt.date(2027, 3, 2), odometer_km=40000)
    assert not decision and decision.code == "expired"


def test_warranty_from_29_february_ends_on_28_february(db, engine_part):
    coverage = services.coverage_start(order=delivered_on(dt.date(2028, 2, 29)))
    assert coverage.warranty_ends_at == sh(2029, 3, 1, 0, 0)
    assert coverage.covers(engine_part, on=sh(2029, 2, 28, 23, 59), odometer_km=40000)
    assert not coverage.covers(engine_part, on=sh(2029, 3, 1, 0, 0), odometer_km=40000)


def test_all_seeded_core_parts_are_covered(coverage):
    for part in Part.objects.filter(group__code__in=["engine", "transmission", "ev_drive"]):
        assert coverage.covers(part, on=dt.date(2026, 4, 1), odometer_km=36000)


# --- extensions ------------------------------------------------------------------------------------


def test_extension_moves_the_end_date_and_the_km_limit(coverage, plan12, engine_part):
    before_end, before_km = coverage.warranty_ends_at, coverage.warranty_km_limit
    services.extension_purchase(coverage=coverage, plan=plan12, actor=coverage.order.buyer, now=sh(2026, 6, 1, 10))
    coverage.refresh_from_db()
    assert before_end == sh(2027, 3, 2, 0, 0)
    assert coverage.warranty_ends_at == sh(2028, 3, 2, 0, 0)  # 1 Mar 2028 is a Wednesday
    assert coverage.warranty_km_limit == before_km + 20000
    assert coverage.covers(engine_part, on=dt.date(2027, 9, 1), odometer_km=70000)
    notice = Notification.objects.get(kind=notices.EXTENSION_ACTIVE.code)
    assert "75,000 km" in notice.render("en")[1] and "2028" in notice.render("zh-hans")[1]


def test_an_extension_cannot_be_bought_after_the_base_warranty_ended(coverage, plan12):
    with pytest.raises(DomainError):
        services.extension_purchase(coverage=coverage, plan=plan12, actor=coverage.order.buyer, now=sh(2027, 3, 2, 0, 0))


def test_only_one_extension_per_car_and_only_by_its_buyer(coverage, plan12, other_buyer):
    with pytest.raises(PermissionDeniedError):
        services.extension_purchase(coverage=coverage, plan=plan12, actor=other_buyer, now=sh(2026, 6, 1, 10))
    services.extension_purchase(coverage=coverage, plan=plan12, actor=coverage.order.buyer, now=sh(2026, 6, 1, 10))
    with pytest.raises(DomainError):
        services.extension_purchase(coverage=coverage, plan=plan12, actor=coverage.order.buyer, now=sh(2026, 6, 2, 10))


def test_an_extension_without_a_signed_contract_proposes_no_amendment(coverage, plan12, monkeypatch):
    calls = []
    monkeypatch.setattr("warranty.services.extensions.amendment_create", lambda **kw: calls.append(kw))
    services.extension_purchase(coverage=coverage, plan=plan12, actor=coverage.order.buyer, now=sh(2026, 6, 1, 10))
    assert calls == []


# --- legal floor -----------------------------------------------------------------------------------


def test_a_policy_below_the_legal_floor_is_refused_citing_the_rule(db):
    policy = WarrantyPolicy(name="Cheap", warranty_months=2, warranty_km=4000)
    with pytest.raises(ValidationError) as exc:
        services.policy_save(policy=policy)
    assert "Art. 19" in str(exc.value) and set(exc.value.message_dict) == {"warranty_months", "warranty_km"}


def test_a_policy_at_the_legal_floor_is_accepted_and_retires_the_active_one(db):
    before = WarrantyPolicy.objects.get(is_active=True)
    policy = services.policy_save(policy=WarrantyPolicy(name="Floor", warranty_months=3, warranty_km=5000, is_active=True))
    assert policy.pk
    before.refresh_from_db()
    assert not before.is_active


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


# --- odometer --------------------------------------------------------------------------------------


def test_odometer_never_goes_backwards_and_only_the_buyer_or_staff_update_it(coverage, other_buyer, staff_user):
    services.coverage_update_odometer(coverage=coverage, actor=coverage.order.buyer, odometer_km=36000)
    with pytest.raises(DomainError):
        services.coverage_update_odometer(coverage=coverage, actor=coverage.order.buyer, odometer_km=35500)
    with pytest.raises(PermissionDeniedError):
        services.coverage_update_odometer(coverage=coverage, actor=other_buyer, odometer_km=37000)
    services.coverage_update_odometer(coverage=coverage, actor=staff_user, odometer_km=37000)
    assert Coverage.objects.get().current_odometer_km == 37000
