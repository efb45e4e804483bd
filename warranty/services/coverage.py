"""The guarantee of one order: started at delivery (never on a page view), its clocks, the odometer,
closing it when the car comes back, and the policy staff edit for new contracts."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import is_platform_staff
from contracts.models import Order
from core.calendar import local_date
from core.errors import DomainError, PermissionDeniedError
from core.periods import end_of_day, last_day_of, later_of, period_end_info
from core.statemachine import audit
from notifications.kinds import day, localized, notice_kind
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
    """(Re)compute the ends and km limits from the terms and any extension (civil-law counting).

    An end resting on the fallback calendar is marked provisional. A recomputed end never moves earlier
    than the one stored: the buyer has been shown it (DESIGN.md "Counting periods").
    """
    terms = coverage.terms
    purchases = list(coverage.purchases.all()) if coverage.pk else []
    months = int(terms.get("warranty_months", 12)) + sum(p.extra_months for p in purchases)
    km = int(terms.get("warranty_km", 20000)) + sum(p.extra_km for p in purchases)
    window = period_end_info(coverage.delivered_on, days=int(terms.get("window_days", 30)))
    warranty = period_end_info(coverage.delivered_on, months=months)
    coverage.window_ends_at = later_of(coverage.window_ends_at, window.at)
    coverage.window_end_provisional = window.provisional
    coverage.window_km_limit = coverage.delivery_odometer_km + int(terms.get("window_km", 3000))
    coverage.warranty_ends_at = later_of(coverage.warranty_ends_at, warranty.at)
    coverage.warranty_end_provisional = warranty.provisional
    coverage.warranty_km_limit = coverage.delivery_odometer_km + km


#: The two ends of a guarantee: (key, what it is, its end field, its provisional flag).
ENDS = (
    ("window", gettext_lazy("return / exchange / repair window"), "window_ends_at", "window_end_provisional"),
    ("warranty", gettext_lazy("core-part warranty"), "warranty_ends_at", "warranty_end_provisional"),
)
#: How far after a corrected day a guarantee's last day can lie and still have been moved over it (the
#: longest run of rest days, Spring Festival with its weekends, is well below this).
RECOMPUTE_REACH = dt.timedelta(days=20)

# Declared here, beside the service that sends it (warranty.services is loaded by every process that
# renders or e-mails warranty notices); its texts are in this app's catalogue.
PERIOD_END_CHANGED = notice_kind(
    "warranty.period_end_changed",
    label=gettext_lazy("Guarantee end recomputed on the official calendar"),
    subject=gettext_lazy("Your %(what)s now runs until %(date)s"),
    body=gettext_lazy(
        "The end of your %(what)s fell in a year whose official holidays were not yet published, so it was "
        "computed provisionally (until 24:00 on %(before)s). On the official calendar it runs until 24:00 on "
        "%(date)s. An end is only ever moved later, never earlier."
    ),
    clock=True,
)


def coverage_recompute_ends(*, around: Iterable[dt.date] = ()) -> dict:
    """Recompute the ends of running guarantees when the calendar learns more: every provisional one (the
    nightly run: a newer chinesecalendar may have brought that year), plus — ``around`` the days staff just
    corrected — every end whose last day may have been moved over one of those days.

    An end moves only later (``later_of``); its provisional mark follows the calendar now. The buyer is
    told of each end that moved, once per new end (dedupe key). Returns the counts.
    """
    candidates = Q(window_end_provisional=True) | Q(warranty_end_provisional=True)
    for corrected in set(around):
        lo, hi = end_of_day(corrected - dt.timedelta(days=1)), end_of_day(corrected + RECOMPUTE_REACH)
        candidates |= Q(window_ends_at__gt=lo, window_ends_at__lte=hi) | Q(warranty_ends_at__gt=lo, warranty_ends_at__lte=hi)
    counts = {"checked": 0, "moved": 0, "confirmed": 0}
    with transaction.atomic():
        coverages = (
            Coverage.objects.filter(candidates, closed_at__isnull=True)
            .select_for_update(of=("self",))
            .select_related("order__buyer", "order__contract")
            .prefetch_related("purchases")
            .order_by("pk")
        )
        for coverage in coverages:
            counts["checked"] += 1
            before = {field: getattr(coverage, field) for _key, _what, field, _flag in ENDS}
            was_provisional = coverage.window_end_provisional or coverage.warranty_end_provisional
            apply_clocks(coverage)
            coverage.save(update_fields=[name for _key, _what, *names in ENDS for name in names] + ["updated_at"])
            if was_provisional and not (coverage.window_end_provisional or coverage.warranty_end_provisional):
                counts["confirmed"] += 1
            for key, what, field, _flag in ENDS:
                if getattr(coverage, field) != before[field]:
                    counts["moved"] += 1
                    _tell_end_moved(coverage, key, what, before[field], getattr(coverage, field))
    return counts


def _tell_end_moved(coverage: Coverage, key: str, what, before: dt.datetime, after: dt.datetime) -> None:
    old_day, new_day = last_day_of(before), last_day_of(after)
    audit(coverage, action="period_end_recomputed", note=f"{key}: {old_day.isoformat()} → {new_day.isoformat()}")
    notify(
        coverage.order.buyer,
        PERIOD_END_CHANGED,
        f"warranty:period-end:{coverage.pk}:{key}:{new_day:%Y%m%d}",
        params={"what": localized(what), "before": day(old_day), "date": day(new_day)},
        url=guarantee_url(coverage.order),
    )


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
