"""The guarantee of one order: started at delivery (never on a page view), its clocks, the odometer,
closing it when the car comes back, and the policy staff edit for new contracts."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import is_platform_staff
from contracts.models import Order
from core.calendar import local_date
from core.errors import DomainError, PermissionDeniedError
from core.periods import period_end
from core.statemachine import audit
from notifications.kinds import localized
from notifications.services import notify

from .. import notices
from ..models import Coverage, WarrantyClaim, WarrantyPolicy, contract_terms
from ..terms import current_terms
from .cases import case_move
from .staff import staff_users

logger = logging.getLogger(__name__)

#: An order in one of these states has been handed over: it has (or should have) a guarantee.
HANDED_OVER = (Order.Status.DELIVERED, Order.Status.RETURNED)


class NotDelivered(DomainError):
    pass


class WindowClosed(DomainError):
    pass


class NotCovered(DomainError):
    pass


def guarantee_url(order) -> str:
    return reverse("warranty:guarantee", args=[order.pk])


def apply_clocks(coverage: Coverage) -> None:
    """(Re)compute the ends and km limits from the terms and any extension (civil-law counting)."""
    terms = coverage.terms
    purchases = list(coverage.purchases.all()) if coverage.pk else []
    months = int(terms.get("warranty_months", 12)) + sum(p.extra_months for p in purchases)
    km = int(terms.get("warranty_km", 20000)) + sum(p.extra_km for p in purchases)
    coverage.window_ends_at = period_end(coverage.delivered_on, days=int(terms.get("window_days", 30)))
    coverage.window_km_limit = coverage.delivery_odometer_km + int(terms.get("window_km", 3000))
    coverage.warranty_ends_at = period_end(coverage.delivered_on, months=months)
    coverage.warranty_km_limit = coverage.delivery_odometer_km + km


@transaction.atomic
def coverage_start(*, order: Order) -> Coverage:
    """Start the guarantee of a handed-over order; an order that has one gets it back unchanged.

    The terms are the contract's snapshot when it exists, otherwise the policy in force now, copied
    once: later policy edits never change them. The clocks run from the recorded handover (date and
    odometer). A returned order (only the backfill meets one) gets its guarantee closed at once.
    Called by the delivery signal and the backfill command; no page calls it.
    """
    existing = Coverage.objects.filter(order=order).first()
    if existing is not None:
        return existing
    if order.status not in HANDED_OVER or order.delivered_at is None:
        raise NotDelivered(_("The guarantee starts when the car is delivered."), code="not_delivered")
    odometer = order.delivery_odometer_km if order.delivery_odometer_km is not None else order.listing.vehicle.mileage_km
    coverage = Coverage(
        order=order,
        terms_snapshot=contract_terms(order) or current_terms(order=order),
        delivered_on=local_date(order.delivered_at),
        delivery_odometer_km=odometer,
        current_odometer_km=odometer,
        closed_at=timezone.now() if order.status == Order.Status.RETURNED else None,
    )
    apply_clocks(coverage)
    coverage.full_clean(exclude=["order"])
    try:
        with transaction.atomic():
            coverage.save()
            audit(coverage, action="coverage_started", note=coverage.terms_snapshot.get("policy_name", ""))
    except IntegrityError:  # started at the same moment by another worker (delivery and backfill)
        return Coverage.objects.get(order=order)
    return coverage


def coverage_on_delivery(sender=None, *, order: Order, **kwargs) -> Coverage | None:
    """Receiver for ``contracts.signals.order_delivered``: start the clocks at the handover.

    The delivery itself always stands when this fails: the buyer has the car, and the handover record
    (and the listing marked sold) must not be rolled back because our side could not start. So a
    failure is caught here, inside a savepoint so the delivery's transaction stays usable, logged at
    ERROR with its traceback, and raised to staff: every active staff member gets one
    ``warranty.coverage_failed`` notice per order. The buyer's pages say the guarantee has not started
    yet; ``manage.py coverage_backfill`` starts it once the cause is fixed.
    """
    try:
        with transaction.atomic():
            return coverage_start(order=order)
    except Exception as exc:  # noqa: BLE001 — never undo a handover; logged and raised to staff below
        logger.exception("order %s: the guarantee did not start at delivery", order.pk)
        coverage_start_failed(order=order, error=exc)
        return None


def coverage_start_failed(*, order: Order, error: Exception) -> int:
    """Tell every active staff member, once per order, that the guarantee of ``order`` did not start."""
    params = {
        "order": order.pk,
        "car": localized(lambda: str(order.listing.vehicle)),
        "error": getattr(error, "code", "") or type(error).__name__,
    }
    url = reverse("admin:contracts_order_change", args=[order.pk])
    sent = 0
    for staff in staff_users():
        if notify(staff, notices.COVERAGE_FAILED, f"warranty:coverage-failed:{order.pk}:{staff.pk}", params=params, url=url):
            sent += 1
    return sent


@dataclass
class Backfill:
    """What ``coverage_backfill`` did: the orders it started (or would start), and the ones that failed."""

    started: list[Order] = field(default_factory=list)
    failed: list[tuple[Order, str]] = field(default_factory=list)


def coverage_backfill(*, dry_run: bool = False) -> Backfill:
    """Start the guarantee of every delivered or returned order that has none (a start that failed at
    delivery, or orders delivered before this app existed). Idempotent: a second run finds nothing.
    ``dry_run`` lists the orders without writing anything. Each order starts in its own transaction, so
    one failure does not hold back the others; failures are reported, not raised."""
    result = Backfill()
    missing = (
        Order.objects.filter(status__in=HANDED_OVER, delivered_at__isnull=False, coverage__isnull=True)
        .select_related("listing__vehicle")
        .order_by("pk")
    )
    for order in missing:
        if dry_run:
            result.started.append(order)
            continue
        try:
            coverage_start(order=order)
        except Exception as exc:  # noqa: BLE001 — report and go on with the next order
            logger.exception("order %s: backfill could not start the guarantee", order.pk)
            result.failed.append((order, str(exc) or type(exc).__name__))
        else:
            result.started.append(order)
    return result


@transaction.atomic
def coverage_update_odometer(*, coverage: Coverage, actor, odometer_km: int) -> Coverage:
    """The buyer's latest odometer reading (or staff's on their behalf); it never goes backwards."""
    if actor != coverage.order.buyer and not is_platform_staff(actor):
        raise PermissionDeniedError(_("Only the buyer can update the odometer."), code="forbidden")
    if odometer_km < coverage.current_odometer_km:
        raise DomainError(
            _("The odometer cannot go backwards: the last reading was %(km)s km.") % {"km": f"{coverage.current_odometer_km:,}"},
            code="odometer_backwards",
        )
    coverage.current_odometer_km = odometer_km
    coverage.odometer_updated_at = timezone.now()
    coverage.save(update_fields=["current_odometer_km", "odometer_updated_at", "updated_at"])
    return coverage


def coverage_check_reading(*, coverage: Coverage, odometer_km: int) -> None:
    """A reading given with a request or claim cannot be below the odometer at delivery."""
    if odometer_km < coverage.delivery_odometer_km:
        raise DomainError(
            _("The odometer reading cannot be lower than at delivery (%(km)s km).")
            % {"km": f"{coverage.delivery_odometer_km:,}"},
            code="odometer_low",
        )


def coverage_note_odometer(*, coverage: Coverage, odometer_km: int) -> None:
    """A reading given with a request or claim moves the latest odometer forward (never back)."""
    if odometer_km > coverage.current_odometer_km:
        coverage.current_odometer_km = odometer_km
        coverage.odometer_updated_at = timezone.now()
        coverage.save(update_fields=["current_odometer_km", "odometer_updated_at", "updated_at"])


def coverage_close(*, coverage: Coverage, actor, note: str) -> Coverage:
    """The car came back (return or exchange): the guarantee ends, and so do the claims not yet at a
    shop (an authorised repair in progress is finished and recorded as usual)."""
    coverage.closed_at = timezone.now()
    coverage.save(update_fields=["closed_at", "updated_at"])
    audit(coverage, action="coverage_closed", actor=actor, note=note)
    closable = (WarrantyClaim.Status.SUBMITTED, WarrantyClaim.Status.UNDER_REVIEW)
    for claim in WarrantyClaim.objects.select_for_update(of=("self",)).filter(coverage=coverage, status__in=closable):
        claim.coverage = coverage
        claim.decision_note = _("The car was returned.")
        case_move(
            case=claim, to=WarrantyClaim.Status.REJECTED, actor=actor, note="car returned", update_fields=("decision_note",)
        )
    return coverage


@transaction.atomic
def policy_save(*, policy: WarrantyPolicy) -> WarrantyPolicy:
    """Save a policy after ``full_clean`` (legal floor); activating one deactivates the others (first,
    so the one-active-policy constraint holds; a refusal rolls that back)."""
    if policy.is_active:
        WarrantyPolicy.objects.filter(is_active=True).exclude(pk=policy.pk).update(is_active=False)
    policy.full_clean()
    policy.save()
    return policy
