"""The one case lifecycle: every move of an after-sales request and of a warranty claim (deadline, audit,
notice to the buyer), who may make it, the return that goes through contracts, repeated failure."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Order
from core.errors import DomainError, InvalidTransition, PermissionDeniedError
from core.models import AuditEvent
from core.statemachine import audit_trail
from marketplace.models import Listing
from marketplace.tests.factories import ListingFactory
from notifications.models import Notification
from warranty import notices, services
from warranty.models import AfterSalesRequest, WarrantyClaim
from warranty.services import NotCovered
from warranty.tests.factories import claim_and_repair, open_claim, open_request, sh

RS = AfterSalesRequest.Status
CS = WarrantyClaim.Status
REPAIR = {"diagnosis": "worn bearing", "days_in_shop": 2, "completed_on": dt.date(2026, 4, 3)}
PARTS = [{"description": "Bearing", "serial_installed": "SN-1"}]


def kinds_for(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("kind", flat=True))


@pytest.fixture
def dealer_of(coverage):
    return coverage.order.listing.dealer


@pytest.fixture
def request_case(coverage):
    return open_request(coverage, at=sh(2026, 3, 6, 10, 0))  # a Friday


@pytest.fixture
def claim_case(coverage, engine_part):
    return open_claim(coverage, engine_part)


# --- after-sales requests: one test per move -------------------------------------------------------


def test_opening_a_request_starts_the_acknowledge_clock_and_tells_dealer_and_buyer(coverage, request_case, dealer_of):
    # Friday 6 Mar 2026 10:00 → acknowledge Mon 9 Mar 18:00, assess Wed 11 Mar, complete Fri 20 Mar.
    assert request_case.status == RS.SUBMITTED
    assert request_case.acknowledge_due_at == sh(2026, 3, 9, 18, 0)
    assert request_case.assess_due_at == sh(2026, 3, 11, 18, 0)
    assert request_case.complete_due_at == sh(2026, 3, 20, 18, 0)
    assert request_case.next_deadline_at == request_case.acknowledge_due_at
    assert kinds_for(dealer_of) == [notices.REQUEST_SUBMITTED.code]
    assert kinds_for(coverage.order.buyer) == [notices.REQUEST_RECEIVED.code]
    assert [e.to_status for e in audit_trail(request_case)] == [RS.SUBMITTED]


def test_only_the_buyer_may_open_a_request(coverage, other_buyer):
    with pytest.raises(PermissionDeniedError):
        services.request_create(
            coverage=coverage,
            actor=other_buyer,
            kind=AfterSalesRequest.Kind.REPAIR,
            description="x",
            odometer_km=35100,
            now=sh(2026, 3, 5, 9),
        )


def test_starting_assessment_moves_the_deadline_to_the_assessment(request_case, dealer_of):
    request = services.request_start_assessment(request=request_case, actor=dealer_of, note="Coming to look")
    assert request.status == RS.UNDER_ASSESSMENT and request.next_deadline_at == request.assess_due_at
    assert AfterSalesRequest.objects.get().next_deadline_at == sh(2026, 3, 11, 18, 0)
    assert kinds_for(request.customer)[-1] == notices.REQUEST_ASSESSING.code


def test_approving_runs_the_completion_clock(request_case, dealer_of):
    services.request_start_assessment(request=request_case, actor=dealer_of)
    request = services.request_approve(request=request_case, actor=dealer_of, note="Fault confirmed")
    assert request.status == RS.APPROVED and request.next_deadline_at == request.complete_due_at
    assert request.decision_note == "Fault confirmed"
    assert kinds_for(request.customer)[-1] == notices.REQUEST_APPROVED.code


def test_rejection_needs_one_of_the_allowed_reasons_and_a_note_and_stops_the_clock(request_case, dealer_of):
    services.request_start_assessment(request=request_case, actor=dealer_of)
    with pytest.raises(DomainError):
        services.request_reject(request=request_case, actor=dealer_of, reason="changed_mind", note="no")
    with pytest.raises(DomainError):
        services.request_reject(request=request_case, actor=dealer_of, reason=AfterSalesRequest.RejectionReason.MISUSE, note="  ")
    request = services.request_reject(
        request=request_case, actor=dealer_of, reason=AfterSalesRequest.RejectionReason.MISUSE, note="Track-day wear"
    )
    assert request.status == RS.REJECTED and request.next_deadline_at is None
    assert [e.to_status for e in audit_trail(request)] == [RS.SUBMITTED, RS.UNDER_ASSESSMENT, RS.REJECTED]
    rejected = Notification.objects.get(kind=notices.REQUEST_REJECTED.code)
    assert "Reason: Misuse. Track-day wear" in rejected.render("en")[1]
    assert "Track-day wear" in rejected.render("zh-hans")[1] and "Misuse" not in rejected.render("zh-hans")[1]


def test_starting_work_keeps_the_completion_deadline(request_case, dealer_of):
    services.request_start_assessment(request=request_case, actor=dealer_of)
    services.request_approve(request=request_case, actor=dealer_of)
    request = services.request_start_work(request=request_case, actor=dealer_of)
    assert request.status == RS.IN_PROGRESS and request.next_deadline_at == request.complete_due_at


def test_bad_transitions_are_refused(request_case, dealer_of):
    with pytest.raises(InvalidTransition):
        services.request_approve(request=request_case, actor=dealer_of)


def test_another_dealer_or_the_buyer_cannot_handle_the_request(request_case, other_dealer):
    for actor in (other_dealer, request_case.customer):
        with pytest.raises(PermissionDeniedError):
            services.request_start_assessment(request=request_case, actor=actor)


def test_staff_may_handle_a_request(request_case, staff_user):
    assert services.request_start_assessment(request=request_case, actor=staff_user).status == RS.UNDER_ASSESSMENT


def _to_work(request, actor, **kwargs):
    services.request_start_assessment(request=request, actor=actor)
    services.request_approve(request=request, actor=actor, **kwargs)
    return services.request_start_work(request=request, actor=actor)


def test_completing_a_return_goes_through_contracts_and_closes_the_guarantee_and_open_claims(coverage, dealer_of, engine_part):
    claim = open_claim(coverage, engine_part, day=dt.date(2026, 3, 4))
    request = open_request(coverage, at=sh(2026, 3, 5, 9), kind=AfterSalesRequest.Kind.RETURN)
    _to_work(request, dealer_of)
    with pytest.raises(DomainError):
        services.request_complete(request=request, actor=dealer_of, refund_amount=Decimal("98001"))
    request = services.request_complete(request=request, actor=dealer_of, refund_amount=Decimal("98000"), note="Refunded")
    assert request.status == RS.COMPLETED and request.refund_amount == Decimal("98000") and request.next_deadline_at is None
    order = Order.objects.get(pk=coverage.order_id)
    assert order.status == Order.Status.RETURNED
    assert Listing.objects.get(pk=order.listing_id).status == Listing.Status.PUBLISHED
    # contracts made the order's move (its own audit action), not warranty
    assert AuditEvent.objects.filter(object_id=order.pk, to_status=Order.Status.RETURNED, action="returned").exists()
    coverage.refresh_from_db()
    assert coverage.closed_at is not None
    claim.refresh_from_db()
    assert claim.status == CS.REJECTED and claim.next_deadline_at is None and claim.decision_note
    assert kinds_for(coverage.order.buyer)[-1] == notices.REQUEST_COMPLETED.code


def test_a_return_of_a_car_that_is_not_sold_any_more_is_refused_and_changes_nothing(coverage, dealer_of):
    request = open_request(coverage, at=sh(2026, 3, 5, 9), kind=AfterSalesRequest.Kind.RETURN)
    _to_work(request, dealer_of)
    Listing.objects.filter(pk=coverage.order.listing_id).update(status=Listing.Status.WITHDRAWN)
    with pytest.raises(InvalidTransition):
        services.request_complete(request=request, actor=dealer_of)
    assert AfterSalesRequest.objects.get().status == RS.IN_PROGRESS
    assert Order.objects.get(pk=coverage.order_id).status == Order.Status.DELIVERED


def test_exchange_links_another_car_of_the_same_dealer_with_the_price_difference(coverage, dealer_of):
    request = open_request(coverage, at=sh(2026, 3, 5, 9), kind=AfterSalesRequest.Kind.EXCHANGE)
    services.request_start_assessment(request=request, actor=dealer_of)
    with pytest.raises(DomainError):
        services.request_approve(request=request, actor=dealer_of, exchange_listing=ListingFactory())
    replacement = ListingFactory(dealer=dealer_of, price=Decimal("105000"))
    request = services.request_approve(request=request, actor=dealer_of, exchange_listing=replacement)
    assert request.price_difference == Decimal("7000")
    services.request_start_work(request=request, actor=dealer_of)
    services.request_complete(request=request, actor=dealer_of)
    assert Order.objects.get(pk=coverage.order_id).status == Order.Status.RETURNED


def test_repair_outcome_records_a_repair_at_a_certified_shop(request_case, dealer_of, shop):
    _to_work(request_case, dealer_of)
    with pytest.raises(DomainError):
        services.request_complete(request=request_case, actor=dealer_of)
    services.request_complete(
        request=request_case,
        actor=dealer_of,
        repair={"shop": shop, "diagnosis": "Loose heat shield", "days_in_shop": 1, "completed_on": dt.date(2026, 3, 6)},
        parts=[{"description": "Heat shield clip", "serial_installed": "HS-001"}],
    )
    assert request_case.repair.parts.get().serial_installed == "HS-001"
    assert Order.objects.get(pk=request_case.coverage.order_id).status == Order.Status.DELIVERED


def test_the_case_row_alone_is_locked_so_contracts_can_lock_listing_then_order(request_case, dealer_of):
    if not connection.features.has_select_for_update_of:
        pytest.skip("SELECT … FOR UPDATE OF needs PostgreSQL")
    with CaptureQueriesContext(connection) as queries:
        services.request_start_assessment(request=request_case, actor=dealer_of)
    locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    assert locks and all('FOR UPDATE OF "warranty_aftersalesrequest"' in sql for sql in locks)


# --- warranty claims: one test per move ------------------------------------------------------------


def test_opening_a_claim_starts_the_acknowledge_clock_and_tells_staff(staff_user, claim_case):
    assert claim_case.status == CS.SUBMITTED and claim_case.next_deadline_at == claim_case.acknowledge_due_at
    assert kinds_for(staff_user) == [notices.CLAIM_SUBMITTED.code]


def test_claim_on_a_non_covered_part_is_refused_with_the_reason(coverage, wear_part):
    with pytest.raises(NotCovered) as exc:
        open_claim(coverage, wear_part)
    assert exc.value.code == "part_not_covered" and "Brake pads" in str(exc.value)


def test_claim_beyond_the_km_limit_is_refused(coverage, engine_part):
    with pytest.raises(NotCovered) as exc:
        open_claim(coverage, engine_part, day=dt.date(2026, 6, 1), km=35000 + 20000 + 1)
    assert exc.value.code == "km_exceeded" and "55,000" in str(exc.value)


def test_reviewing_a_claim_runs_the_authorisation_clock(claim_case, staff_user):
    claim = services.claim_review(claim=claim_case, actor=staff_user)
    assert claim.status == CS.UNDER_REVIEW and claim.next_deadline_at == claim.assess_due_at
    assert kinds_for(claim.customer)[-1] == notices.CLAIM_UNDER_REVIEW.code


def test_authorising_a_submitted_claim_reviews_it_and_runs_the_shops_estimate(claim_case, staff_user, shop):
    claim = services.claim_authorise(
        claim=claim_case, actor=staff_user, shop=shop, estimated_completion_on=dt.date(2026, 4, 8), note="Go ahead"
    )
    assert claim.status == CS.AUTHORISED and claim.repair_shop == shop
    assert claim.complete_due_at == claim.next_deadline_at == sh(2026, 4, 8, 18, 0)
    assert [e.to_status for e in audit_trail(claim)] == [CS.SUBMITTED, CS.UNDER_REVIEW, CS.AUTHORISED]
    authorised = Notification.objects.get(kind=notices.CLAIM_AUTHORISED.code)
    assert shop.name in authorised.render("en")[1] and shop.phone in authorised.render("zh-hans")[1]


def test_rejecting_a_claim_needs_a_reason_and_stops_the_clock(claim_case, staff_user):
    with pytest.raises(DomainError):
        services.claim_reject(claim=claim_case, actor=staff_user, note="")
    claim = services.claim_reject(claim=claim_case, actor=staff_user, note="Missed the 10,000 km service")
    assert claim.status == CS.REJECTED and claim.next_deadline_at is None
    assert Notification.objects.get(kind=notices.CLAIM_REJECTED.code).render("en")[1] == "Missed the 10,000 km service"


def test_completing_a_claim_records_the_repair_and_stops_the_clock(claim_case, staff_user, shop):
    with pytest.raises(InvalidTransition):
        services.claim_complete(claim=claim_case, actor=staff_user, repair=REPAIR, parts=PARTS)
    assert not hasattr(WarrantyClaim.objects.get(), "repair")
    services.claim_authorise(claim=claim_case, actor=staff_user, shop=shop)
    record = services.claim_complete(claim=claim_case, actor=staff_user, repair=REPAIR, parts=PARTS)
    claim = WarrantyClaim.objects.get()
    assert claim.status == CS.COMPLETED and claim.next_deadline_at is None and record.claim == claim
    assert record.shop == shop and record.parts.get().serial_installed == "SN-1"
    assert kinds_for(claim.customer)[-1] == notices.CLAIM_COMPLETED.code


def test_claim_decisions_are_staff_only(claim_case, shop):
    for actor in (claim_case.dealer, claim_case.customer):
        with pytest.raises(PermissionDeniedError):
            services.claim_authorise(claim=claim_case, actor=actor, shop=shop)
        with pytest.raises(PermissionDeniedError):
            services.claim_review(claim=claim_case, actor=actor)


def test_replaced_parts_need_serial_numbers(claim_case, staff_user, shop):
    services.claim_authorise(claim=claim_case, actor=staff_user, shop=shop)
    with pytest.raises(DomainError):
        services.claim_complete(
            claim=claim_case,
            actor=staff_user,
            repair={"diagnosis": "d", "days_in_shop": 1},
            parts=[{"description": "Crankshaft", "serial_installed": ""}],
        )
    assert WarrantyClaim.objects.get(pk=claim_case.pk).status == CS.AUTHORISED


# --- repeated failure ------------------------------------------------------------------------------


def test_third_failure_of_the_same_part_flags_the_case_and_notifies_everyone(coverage, engine_part, staff_user, shop):
    claim_and_repair(coverage, engine_part, staff_user, shop, day=dt.date(2026, 4, 1))
    claim_and_repair(coverage, engine_part, staff_user, shop, day=dt.date(2026, 5, 1))
    coverage.refresh_from_db()
    assert coverage.repeated_failure_at is None
    third = open_claim(coverage, engine_part, day=dt.date(2026, 6, 1), km=37000)
    coverage.refresh_from_db()
    assert third.is_repeated_failure and coverage.repeated_failure_at
    flagged = {
        notices.REPEATED_FAILURE_BUYER.code: coverage.order.buyer,
        notices.REPEATED_FAILURE_DEALER.code: coverage.order.listing.dealer,
        notices.REPEATED_FAILURE_STAFF.code: staff_user,
    }
    for code, recipient in flagged.items():
        notice = Notification.objects.get(kind=code)
        assert notice.recipient == recipient
        assert "Crankshaft failed again after 2 warranty repairs." in notice.render("en")[1]
        assert "Crankshaft" not in notice.render("zh-hans")[1]  # the part's Chinese name
    # The buyer may now ask for a return even after the 30-day window.
    request = open_request(coverage, at=sh(2026, 6, 2, 9), km=37000, kind=AfterSalesRequest.Kind.RETURN)
    assert request.under_repeated_failure


def test_more_than_30_days_in_repair_shops_flags_the_case(coverage, engine_part, staff_user, shop):
    claim_and_repair(coverage, engine_part, staff_user, shop, day=dt.date(2026, 4, 1), days_in_shop=31)
    coverage.refresh_from_db()
    assert coverage.repeated_failure_at is not None
    assert "31 days" in Notification.objects.get(kind=notices.REPEATED_FAILURE_BUYER.code).render("en")[1]
