"""Every write of the warranty app. Views, admin actions and Celery tasks call these functions."""

from __future__ import annotations

import datetime as dt
import io
import logging
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.calendar import add_working_days, end_of_business, local_date
from core.errors import DomainError, PermissionDeniedError
from core.periods import end_of_day, last_day_of, period_end
from core.statemachine import audit
from notifications.services import notify

from .models import (
    AfterSalesPhoto,
    AfterSalesRequest,
    Coverage,
    ExtendedWarrantyPlan,
    ExtendedWarrantyPurchase,
    Part,
    RepairPart,
    RepairRecord,
    RepairShop,
    WarrantyClaim,
    WarrantyPolicy,
)
from .terms import current_terms

logger = logging.getLogger(__name__)

# DESIGN.md "Deadlines": working days per stage.
REQUEST_ACKNOWLEDGE_DAYS = 1
REQUEST_ASSESS_DAYS = 3
REQUEST_COMPLETE_DAYS = 10
CLAIM_ACKNOWLEDGE_DAYS = 1
CLAIM_AUTHORISE_DAYS = 3
CLAIM_DEFAULT_REPAIR_DAYS = 10
# Repeated failure (三包-style): a third repair of the same part, or more than 30 days in the shop.
REPEATED_FAILURE_REPAIRS = 2
REPEATED_FAILURE_DAYS = 30
REMIND_BEFORE = dt.timedelta(hours=24)
WINDOW_CLOSING_NOTICE_DAYS = 3
WARRANTY_ENDING_NOTICE_DAYS = 30
MAX_PHOTOS = 6


class NotDelivered(DomainError):
    pass


class WindowClosed(DomainError):
    pass


class NotCovered(DomainError):
    pass


def _is_staff(user) -> bool:
    return bool(getattr(user, "is_staff", False) or getattr(user, "role", "") == "staff")


def _staff_users():
    return get_user_model().objects.filter(is_staff=True, is_active=True).order_by("pk")


def _supervisors():
    supervisors = _staff_users().filter(is_superuser=True)
    return supervisors if supervisors.exists() else _staff_users()


def guarantee_url(order) -> str:
    return reverse("warranty:guarantee", args=[order.pk])


# --- coverage ---------------------------------------------------------------------------------------


def _contract_terms(order) -> dict | None:
    from .models import _has_contract, _terms_usable

    if not _has_contract(order):
        return None
    terms = getattr(order.contract, "terms", None)
    return terms if _terms_usable(terms) else None


def _apply_clocks(coverage: Coverage) -> None:
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
def coverage_for_order(*, order) -> Coverage:
    """The guarantee of a delivered order, created on first access (or by the delivery signal).

    The terms are the contract's snapshot when it exists, otherwise the policy in force now, copied
    once: later policy edits never change them.
    """
    existing = Coverage.objects.filter(order=order).first()
    if existing is not None:
        return existing
    if order.status not in ("delivered", "returned") or order.delivered_at is None:
        raise NotDelivered(_("The guarantee starts when the car is delivered."), code="not_delivered")
    odometer = order.delivery_odometer_km if order.delivery_odometer_km is not None else order.listing.vehicle.mileage_km
    coverage = Coverage(
        order=order,
        terms_snapshot=_contract_terms(order) or current_terms(order=order),
        delivered_on=local_date(order.delivered_at),
        delivery_odometer_km=odometer,
        current_odometer_km=odometer,
    )
    _apply_clocks(coverage)
    coverage.full_clean(exclude=["order"])
    try:
        with transaction.atomic():
            coverage.save()
            audit(coverage, action="coverage_started", note=coverage.terms_snapshot.get("policy_name", ""))
    except IntegrityError:  # two first visits at once: the other request created it
        return Coverage.objects.get(order=order)
    return coverage


def coverage_on_delivery(sender=None, *, order, **kwargs) -> None:
    """Receiver for ``contracts.signals.order_delivered``: start the clocks right away, copying the
    contract's terms. Never blocks a delivery: on a refusal the clock starts on first access instead."""
    try:
        with transaction.atomic():
            coverage_for_order(order=order)
    except DomainError as exc:
        logger.warning("order %s: guarantee not started at delivery: %s", order.pk, exc)


@transaction.atomic
def coverage_update_odometer(*, coverage: Coverage, actor, odometer_km: int) -> Coverage:
    """The buyer's latest odometer reading; it never goes backwards."""
    if actor != coverage.order.buyer and not _is_staff(actor):
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


def _bump_odometer(coverage: Coverage, odometer_km: int) -> None:
    if odometer_km > coverage.current_odometer_km:
        coverage.current_odometer_km = odometer_km
        coverage.odometer_updated_at = timezone.now()
        coverage.save(update_fields=["current_odometer_km", "odometer_updated_at", "updated_at"])


# --- policy ---------------------------------------------------------------------------------------


@transaction.atomic
def policy_save(*, policy: WarrantyPolicy) -> WarrantyPolicy:
    """Save a policy after ``full_clean`` (legal floor); activating one deactivates the others."""
    policy.full_clean()
    if policy.is_active:
        WarrantyPolicy.objects.filter(is_active=True).exclude(pk=policy.pk).update(is_active=False)
    policy.save()
    return policy


# --- extended warranty ------------------------------------------------------------------------------


@transaction.atomic
def extension_purchase(
    *, coverage: Coverage, plan: ExtendedWarrantyPlan, actor, now: dt.datetime | None = None
) -> ExtendedWarrantyPurchase:
    """Buy an extension before the base warranty ends: moves the end date and km limit, and records a
    contract amendment when the contracts app offers one."""
    now = now or timezone.now()
    coverage = Coverage.objects.select_for_update().get(pk=coverage.pk)
    if actor != coverage.order.buyer:
        raise PermissionDeniedError(_("Only the buyer can buy an extension."), code="forbidden")
    if coverage.closed_at:
        raise DomainError(_("This car has been returned; its guarantee has ended."), code="closed")
    if not plan.is_active:
        raise DomainError(_("This plan is no longer on sale."), code="plan_inactive")
    if coverage.purchases.exists():
        raise DomainError(_("This car already has an extended warranty."), code="already_extended")
    if now >= coverage.warranty_ends_at:
        raise DomainError(
            _("An extension must be bought before the base warranty ends (it ended at 24:00 on %(date)s).")
            % {"date": date_format(last_day_of(coverage.warranty_ends_at))},
            code="warranty_ended",
        )
    old_end, old_km = coverage.warranty_ends_at, coverage.warranty_km_limit
    purchase = ExtendedWarrantyPurchase.objects.create(
        coverage=coverage,
        plan=plan,
        buyer=actor,
        extra_months=plan.extra_months,
        extra_km=plan.extra_km,
        price=plan.price,
        purchased_at=now,
    )
    _apply_clocks(coverage)
    coverage.save(update_fields=["window_ends_at", "window_km_limit", "warranty_ends_at", "warranty_km_limit", "updated_at"])
    note = f"{plan.name_en}: {date_format(last_day_of(old_end))} → {date_format(last_day_of(coverage.warranty_ends_at))}; {old_km} → {coverage.warranty_km_limit} km"
    audit(coverage, action="extension_purchased", actor=actor, note=note)
    _record_amendment(coverage, purchase, actor)
    notify(
        coverage.order.buyer,
        "warranty_extension",
        f"warranty:extension:{purchase.pk}",
        subject=gettext_lazy("Your extended warranty is active"),
        body=gettext_lazy("Your core-part warranty now runs until 24:00 on %(date)s or %(km)s km on the odometer.")
        % {"date": date_format(last_day_of(coverage.warranty_ends_at)), "km": f"{coverage.warranty_km_limit:,}"},
        url=guarantee_url(coverage.order),
    )
    return purchase


def _record_amendment(coverage: Coverage, purchase: ExtendedWarrantyPurchase, actor) -> None:
    from .models import _has_contract

    if not _has_contract(coverage.order):
        return
    try:
        amendment_create = import_string("contracts.services.amendment_create")
    except ImportError:
        logger.info("contracts.services.amendment_create not available; extension %s not amended", purchase.pk)
        return
    payload = {
        # Flat keys read by the contracts' amendment document; the nested block is the full record.
        "plan": purchase.plan.name_en,
        "plan_name": purchase.plan.name_en,
        "plan_name_en": purchase.plan.name_en,
        "plan_name_zh": purchase.plan.name_zh,
        "months": purchase.extra_months,
        "km": purchase.extra_km,
        "price": str(purchase.price),
        "extended_plan": {
            "plan_id": purchase.plan_id,
            "name_en": purchase.plan.name_en,
            "name_zh": purchase.plan.name_zh,
            "extra_months": purchase.extra_months,
            "extra_km": purchase.extra_km,
            "price": str(purchase.price),
        },
        "warranty_last_day": last_day_of(coverage.warranty_ends_at).isoformat(),
        "warranty_km_limit": coverage.warranty_km_limit,
    }
    payload["reason"] = f"Extended warranty {purchase.plan.name_en} / {purchase.plan.name_zh}"
    try:
        amendment_create(contract=coverage.order.contract, kind="extended_warranty", payload=payload, actor=actor)
    except DomainError as exc:  # e.g. a contract that was never signed: the purchase itself stands
        logger.warning("extension %s: amendment not recorded: %s", purchase.pk, exc)


# --- after-sales requests -----------------------------------------------------------------------------


def _set_request_deadline(request: AfterSalesRequest) -> None:
    S = AfterSalesRequest.Status
    request.next_deadline_at = {
        S.SUBMITTED: request.acknowledge_due_at,
        S.UNDER_ASSESSMENT: request.assess_due_at,
        S.APPROVED: request.complete_due_at,
        S.IN_PROGRESS: request.complete_due_at,
    }.get(request.status)


def _clean_photo(upload) -> ContentFile:
    """Re-encode an uploaded photo: applies EXIF orientation and strips EXIF (GPS) data."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if upload.size > settings.MAX_IMAGE_UPLOAD_BYTES:
        raise DomainError(_("A photo is larger than the allowed size."), code="photo_too_large")
    try:
        image = Image.open(upload)
        image = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise DomainError(_("One of the files is not a photo."), code="photo_invalid") from exc
    image.thumbnail((2000, 2000))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return ContentFile(buffer.getvalue(), name="photo.jpg")


@transaction.atomic
def request_create(
    *, coverage: Coverage, actor, kind: str, description: str, odometer_km: int, photos=(), now: dt.datetime | None = None
) -> AfterSalesRequest:
    """Open a return / exchange / repair request: only the buyer, only inside the window (days AND km).

    After a repeated-failure flag the buyer may ask for a return or an exchange outside the window.
    """
    now = now or timezone.now()
    order = coverage.order
    if actor != order.buyer:
        raise PermissionDeniedError(_("Only the buyer of this car can open a request."), code="forbidden")
    if order.status != "delivered":
        raise NotDelivered(_("Requests can be opened only for a delivered car."), code="not_delivered")
    if odometer_km < coverage.delivery_odometer_km:
        raise DomainError(
            _("The odometer reading cannot be lower than at delivery (%(km)s km).")
            % {"km": f"{coverage.delivery_odometer_km:,}"},
            code="odometer_low",
        )
    if len(photos) > MAX_PHOTOS:
        raise DomainError(_("At most %(n)s photos.") % {"n": MAX_PHOTOS}, code="too_many_photos")
    repeated = bool(coverage.repeated_failure_at) and kind in (AfterSalesRequest.Kind.RETURN, AfterSalesRequest.Kind.EXCHANGE)
    if not repeated:
        decision = coverage.window_check(at=now, odometer_km=odometer_km)
        if not decision:
            raise WindowClosed(decision.reason, code=decision.code)
    if coverage.requests.filter(status__in=AfterSalesRequest.OPEN_STATUSES).exists():
        raise DomainError(_("This car already has an open request; please follow it up there."), code="request_open")
    request = AfterSalesRequest(
        coverage=coverage,
        kind=kind,
        description=description,
        odometer_km=odometer_km,
        under_repeated_failure=repeated,
        submitted_at=now,
        acknowledge_due_at=add_working_days(now, REQUEST_ACKNOWLEDGE_DAYS),
        assess_due_at=add_working_days(now, REQUEST_ASSESS_DAYS),
        complete_due_at=add_working_days(now, REQUEST_COMPLETE_DAYS),
    )
    _set_request_deadline(request)
    request.full_clean(exclude=["coverage", "exchange_listing"])
    request.save()
    for upload in photos:
        AfterSalesPhoto.objects.create(request=request, image=_clean_photo(upload))
    _bump_odometer(coverage, odometer_km)
    audit(request, action="submitted", actor=actor, to_status=request.status, note=request.get_kind_display())
    dealer = order.listing.dealer
    notify(
        dealer,
        "warranty_request",
        f"warranty:request:{request.pk}:submitted:dealer",
        subject=gettext_lazy("New after-sales request for %(car)s") % {"car": str(order.listing.vehicle)},
        body=gettext_lazy("Please acknowledge it by %(deadline)s.") % {"deadline": _fmt(request.acknowledge_due_at)},
        url=request.get_absolute_url(),
    )
    notify(
        actor,
        "warranty_request",
        f"warranty:request:{request.pk}:submitted:buyer",
        subject=gettext_lazy("We received your request #%(id)s") % {"id": request.pk},
        body=gettext_lazy("The dealer must acknowledge it by %(deadline)s.") % {"deadline": _fmt(request.acknowledge_due_at)},
        url=request.get_absolute_url(),
    )
    return request


def _fmt(moment: dt.datetime | None) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else ""


def _require_handler(request: AfterSalesRequest, actor) -> None:
    if actor != request.coverage.order.listing.dealer and not _is_staff(actor):
        raise PermissionDeniedError(_("Only the dealer of this car or platform staff can handle this request."), code="forbidden")


def _lock_request(request: AfterSalesRequest) -> AfterSalesRequest:
    return AfterSalesRequest.objects.select_for_update().select_related("coverage__order__listing").get(pk=request.pk)


def _tell_buyer(request: AfterSalesRequest, stage: str, subject, body="") -> None:
    notify(
        request.coverage.order.buyer,
        "warranty_request",
        f"warranty:request:{request.pk}:{stage}:buyer",
        subject=subject,
        body=body,
        url=request.get_absolute_url(),
    )


@transaction.atomic
def request_start_assessment(*, request: AfterSalesRequest, actor, note: str = "") -> AfterSalesRequest:
    """The dealer or staff acknowledge the request and inspect the car."""
    request = _lock_request(request)
    _require_handler(request, actor)
    request.transition_to(AfterSalesRequest.Status.UNDER_ASSESSMENT, actor=actor, note=note)
    _set_request_deadline(request)
    request.save(update_fields=["status", "next_deadline_at", "updated_at"])
    _tell_buyer(
        request,
        "assessment",
        gettext_lazy("Your request #%(id)s is being assessed") % {"id": request.pk},
        gettext_lazy("A decision is due by %(deadline)s.") % {"deadline": _fmt(request.assess_due_at)},
    )
    return request


@transaction.atomic
def request_approve(*, request: AfterSalesRequest, actor, note: str = "", exchange_listing=None) -> AfterSalesRequest:
    """Approve: a fault under normal use inside the window is accepted. An exchange names the dealer's
    replacement car and records the price difference (+ the buyer pays, − the buyer is refunded)."""
    request = _lock_request(request)
    _require_handler(request, actor)
    order = request.coverage.order
    update = ["status", "next_deadline_at", "decision_note", "updated_at"]
    if request.kind == AfterSalesRequest.Kind.EXCHANGE:
        if exchange_listing is None:
            raise DomainError(_("Choose the replacement car for the exchange."), code="exchange_listing_required")
        if exchange_listing.dealer_id != order.listing.dealer_id or exchange_listing.pk == order.listing_id:
            raise DomainError(_("The replacement must be another car of the same dealer."), code="exchange_other_dealer")
        if exchange_listing.status != "published":
            raise DomainError(_("The replacement car is not available."), code="exchange_unavailable")
        request.exchange_listing = exchange_listing
        request.price_difference = Decimal(exchange_listing.price) - Decimal(order.agreed_price)
        update += ["exchange_listing", "price_difference"]
    request.transition_to(AfterSalesRequest.Status.APPROVED, actor=actor, note=note)
    request.decision_note = note
    _set_request_deadline(request)
    request.save(update_fields=update)
    _tell_buyer(
        request,
        "approved",
        gettext_lazy("Your request #%(id)s was approved") % {"id": request.pk},
        gettext_lazy("It must be completed by %(deadline)s.") % {"deadline": _fmt(request.complete_due_at)},
    )
    return request


def complaint_url_for(request: AfterSalesRequest) -> str:
    """Where the buyer disputes a rejection (the complaints app), or '' when it is not installed."""
    from django.urls import NoReverseMatch

    try:
        return f"{reverse('complaints:create')}?request={request.pk}"
    except NoReverseMatch:
        return ""


@transaction.atomic
def request_reject(*, request: AfterSalesRequest, actor, reason: str, note: str) -> AfterSalesRequest:
    """Reject only for misuse, accident or modification, with a written explanation; the buyer may
    dispute it as a complaint."""
    request = _lock_request(request)
    _require_handler(request, actor)
    if reason not in AfterSalesRequest.RejectionReason.values:
        raise DomainError(_("A request can be rejected only for misuse, accident damage or modification."), code="reason_invalid")
    if not (note or "").strip():
        raise DomainError(_("Explain the rejection: the buyer will read it."), code="note_required")
    request.transition_to(AfterSalesRequest.Status.REJECTED, actor=actor, note=f"{reason}: {note}")
    request.rejection_reason = reason
    request.decision_note = note
    _set_request_deadline(request)
    request.save(update_fields=["status", "rejection_reason", "decision_note", "next_deadline_at", "updated_at"])
    _tell_buyer(
        request,
        "rejected",
        gettext_lazy("Your request #%(id)s was rejected") % {"id": request.pk},
        gettext_lazy("Reason: %(reason)s. %(note)s If you disagree, you can file a complaint from the request page.")
        % {"reason": request.get_rejection_reason_display(), "note": note},
    )
    return request


@transaction.atomic
def request_start_work(*, request: AfterSalesRequest, actor, note: str = "") -> AfterSalesRequest:
    request = _lock_request(request)
    _require_handler(request, actor)
    request.transition_to(AfterSalesRequest.Status.IN_PROGRESS, actor=actor, note=note)
    request.save(update_fields=["status", "updated_at"])
    return request


@transaction.atomic
def request_complete(
    *, request: AfterSalesRequest, actor, note: str = "", refund_amount=None, repair: dict | None = None, parts=()
) -> AfterSalesRequest:
    """Finish the request with its outcome.

    return → refund recorded, the order becomes "returned", the car goes back to the dealer's stock
    (listing sold → published: it keeps its published inspection report); exchange → the old car back
    to stock likewise, the replacement is sold through a new order; repair → a repair record at a
    certified shop (``repair`` = RepairRecord fields, ``parts`` = replaced parts with serial numbers).
    """
    request = _lock_request(request)
    _require_handler(request, actor)
    coverage = request.coverage
    order = coverage.order
    update = ["status", "next_deadline_at", "updated_at"]
    Kind = AfterSalesRequest.Kind
    if request.kind == Kind.RETURN:
        amount = Decimal(refund_amount if refund_amount is not None else order.agreed_price)
        if amount <= 0 or amount > Decimal(order.agreed_price):
            raise DomainError(_("The refund must be positive and at most the price paid."), code="refund_invalid")
        request.refund_amount = amount
        update.append("refund_amount")
    if request.kind == Kind.REPAIR:
        if not repair:
            raise DomainError(_("Record the repair done by the certified shop."), code="repair_required")
        _repair_record_create(coverage=coverage, request=request, actor=actor, repair=repair, parts=parts)
    request.transition_to(AfterSalesRequest.Status.COMPLETED, actor=actor, note=note)
    _set_request_deadline(request)
    request.save(update_fields=update)
    if request.kind in (Kind.RETURN, Kind.EXCHANGE):
        _car_back_to_stock(coverage, actor, request)
    _tell_buyer(request, "completed", gettext_lazy("Your request #%(id)s is completed") % {"id": request.pk}, note)
    return request


def _car_back_to_stock(coverage: Coverage, actor, request: AfterSalesRequest) -> None:
    order = coverage.order
    order.transition_to("returned", actor=actor, note=f"after-sales request #{request.pk} ({request.kind})")
    order.save(update_fields=["status", "updated_at"])
    listing = order.listing
    if listing.can_transition_to("published"):
        listing.transition_to("published", actor=actor, note=f"returned under after-sales request #{request.pk}")
        listing.save(update_fields=["status", "updated_at"])
    coverage.closed_at = timezone.now()
    coverage.save(update_fields=["closed_at", "updated_at"])
    # Open claims end with the car's return.
    for claim in coverage.claims.filter(status__in=[WarrantyClaim.Status.SUBMITTED, WarrantyClaim.Status.UNDER_REVIEW]):
        claim.transition_to(WarrantyClaim.Status.REJECTED, actor=actor, note="car returned")
        claim.decision_note = _("The car was returned.")
        claim.next_deadline_at = None
        claim.save(update_fields=["status", "decision_note", "next_deadline_at", "updated_at"])


# --- warranty claims ----------------------------------------------------------------------------


def _prior_repairs(coverage: Coverage, part_code: str) -> int:
    return coverage.repairs.filter(part__code=part_code).count()


def _flag_repeated_failure(coverage: Coverage, reason: str, *, key: str) -> None:
    """Flag the coverage and offer the buyer an exchange or return; tell the dealer and staff."""
    if coverage.repeated_failure_at is None:
        coverage.repeated_failure_at = timezone.now()
        coverage.repeated_failure_note = reason
        coverage.save(update_fields=["repeated_failure_at", "repeated_failure_note", "updated_at"])
        audit(coverage, action="repeated_failure", note=reason)
    order = coverage.order
    url = guarantee_url(order)
    notify(
        order.buyer,
        "warranty_repeated_failure",
        f"warranty:repeated:{coverage.pk}:{key}:buyer",
        subject=gettext_lazy("Repeated failure: you may ask for an exchange or a return"),
        body=reason,
        url=url,
    )
    notify(
        order.listing.dealer,
        "warranty_repeated_failure",
        f"warranty:repeated:{coverage.pk}:{key}:dealer",
        subject=gettext_lazy("Repeated failure on a car you sold (order #%(id)s)") % {"id": order.pk},
        body=reason,
        url=reverse("warranty:dealer_cases"),
    )
    for staff in _staff_users():
        notify(
            staff,
            "warranty_repeated_failure",
            f"warranty:repeated:{coverage.pk}:{key}:staff:{staff.pk}",
            subject=gettext_lazy("Repeated failure flagged (order #%(id)s)") % {"id": order.pk},
            body=reason,
            url=reverse("admin:warranty_coverage_change", args=[coverage.pk]),
        )


@transaction.atomic
def claim_open(
    *, coverage: Coverage, actor, part: Part, symptom: str, odometer_km: int, failed_on: dt.date, now=None
) -> WarrantyClaim:
    """Open a core-part claim; refused with the reason when the part, date or km is not covered.

    A third failure of the same part after two warranty repairs flags the repeated-failure rule.
    """
    now = now or timezone.now()
    if actor != coverage.order.buyer:
        raise PermissionDeniedError(_("Only the buyer of this car can open a claim."), code="forbidden")
    if failed_on > local_date(now):
        raise DomainError(_("The date of failure cannot be in the future."), code="future")
    if failed_on < coverage.delivered_on:
        raise DomainError(_("The date of failure cannot be before delivery."), code="before_delivery")
    if odometer_km < coverage.delivery_odometer_km:
        raise DomainError(
            _("The odometer reading cannot be lower than at delivery (%(km)s km).")
            % {"km": f"{coverage.delivery_odometer_km:,}"},
            code="odometer_low",
        )
    decision = coverage.covers(part, on=failed_on, odometer_km=odometer_km)
    if not decision:
        raise NotCovered(decision.reason, code=decision.code)
    if coverage.claims.filter(part=part, status__in=WarrantyClaim.OPEN_STATUSES).exists():
        raise DomainError(_("There is already an open claim for this part."), code="claim_open")
    claim = WarrantyClaim(
        coverage=coverage,
        part=part,
        symptom=symptom,
        odometer_km=odometer_km,
        failed_on=failed_on,
        submitted_at=now,
        acknowledge_due_at=add_working_days(now, CLAIM_ACKNOWLEDGE_DAYS),
        assess_due_at=add_working_days(now, CLAIM_AUTHORISE_DAYS),
    )
    claim.next_deadline_at = claim.acknowledge_due_at
    claim.is_repeated_failure = _prior_repairs(coverage, part.code) >= REPEATED_FAILURE_REPAIRS
    claim.full_clean(exclude=["coverage", "part", "repair_shop"])
    claim.save()
    _bump_odometer(coverage, odometer_km)
    audit(claim, action="submitted", actor=actor, to_status=claim.status, note=part.code)
    for staff in _staff_users():
        notify(
            staff,
            "warranty_claim",
            f"warranty:claim:{claim.pk}:submitted:staff:{staff.pk}",
            subject=gettext_lazy("New warranty claim #%(id)s") % {"id": claim.pk},
            body=gettext_lazy("Acknowledge by %(deadline)s.") % {"deadline": _fmt(claim.acknowledge_due_at)},
            url=reverse("admin:warranty_warrantyclaim_change", args=[claim.pk]),
        )
    if claim.is_repeated_failure:
        _flag_repeated_failure(
            coverage,
            _("%(part)s failed again after %(n)s warranty repairs.") % {"part": str(part), "n": REPEATED_FAILURE_REPAIRS},
            key=f"claim{claim.pk}",
        )
    return claim


def _require_staff(actor) -> None:
    if not _is_staff(actor):
        raise PermissionDeniedError(_("Only platform staff can decide warranty claims."), code="forbidden")


def _lock_claim(claim: WarrantyClaim) -> WarrantyClaim:
    return WarrantyClaim.objects.select_for_update().select_related("coverage__order__listing", "part").get(pk=claim.pk)


def _tell_claimant(claim: WarrantyClaim, stage: str, subject, body="") -> None:
    notify(
        claim.coverage.order.buyer,
        "warranty_claim",
        f"warranty:claim:{claim.pk}:{stage}:buyer",
        subject=subject,
        body=body,
        url=claim.get_absolute_url(),
    )


@transaction.atomic
def claim_review(*, claim: WarrantyClaim, actor, note: str = "") -> WarrantyClaim:
    claim = _lock_claim(claim)
    _require_staff(actor)
    claim.transition_to(WarrantyClaim.Status.UNDER_REVIEW, actor=actor, note=note)
    claim.next_deadline_at = claim.assess_due_at
    claim.save(update_fields=["status", "next_deadline_at", "updated_at"])
    _tell_claimant(claim, "review", gettext_lazy("Your claim #%(id)s is under review") % {"id": claim.pk})
    return claim


@transaction.atomic
def claim_authorise(
    *, claim: WarrantyClaim, actor, shop: RepairShop, estimated_completion_on: dt.date | None = None, note: str = ""
) -> WarrantyClaim:
    """Send a covered claim to a certified shop; re-checks coverage at the failure date and km."""
    claim = _lock_claim(claim)
    _require_staff(actor)
    if not shop.is_active:
        raise DomainError(_("This repair shop is not certified any more."), code="shop_inactive")
    decision = claim.coverage.covers(claim.part, on=claim.failed_on, odometer_km=claim.odometer_km)
    if not decision:
        raise NotCovered(decision.reason, code=decision.code)
    if claim.status == WarrantyClaim.Status.SUBMITTED:
        claim.transition_to(WarrantyClaim.Status.UNDER_REVIEW, actor=actor)
    claim.transition_to(WarrantyClaim.Status.AUTHORISED, actor=actor, note=f"{shop.name}. {note}".strip())
    claim.repair_shop = shop
    claim.estimated_completion_on = estimated_completion_on
    now = timezone.now()
    claim.complete_due_at = (
        end_of_business(estimated_completion_on) if estimated_completion_on else add_working_days(now, CLAIM_DEFAULT_REPAIR_DAYS)
    )
    claim.next_deadline_at = claim.complete_due_at
    claim.decision_note = note
    claim.save(
        update_fields=[
            "status",
            "repair_shop",
            "estimated_completion_on",
            "complete_due_at",
            "next_deadline_at",
            "decision_note",
            "updated_at",
        ]
    )
    _tell_claimant(
        claim,
        "authorised",
        gettext_lazy("Your claim #%(id)s is authorised") % {"id": claim.pk},
        gettext_lazy("Please take the car to %(shop)s, %(address)s (%(phone)s).")
        % {"shop": shop.name, "address": shop.address or shop.city, "phone": shop.phone},
    )
    return claim


@transaction.atomic
def claim_reject(*, claim: WarrantyClaim, actor, note: str) -> WarrantyClaim:
    """Reject with a written reason (e.g. an exclusion: misuse, accident, modification, missed maintenance)."""
    claim = _lock_claim(claim)
    _require_staff(actor)
    if not (note or "").strip():
        raise DomainError(_("Explain the rejection: the buyer will read it."), code="note_required")
    claim.transition_to(WarrantyClaim.Status.REJECTED, actor=actor, note=note)
    claim.decision_note = note
    claim.next_deadline_at = None
    claim.save(update_fields=["status", "decision_note", "next_deadline_at", "updated_at"])
    _tell_claimant(claim, "rejected", gettext_lazy("Your claim #%(id)s was rejected") % {"id": claim.pk}, note)
    return claim


def _repair_record_create(*, coverage: Coverage, actor, repair: dict, parts=(), claim=None, request=None) -> RepairRecord:
    parts = [p for p in parts if (p.get("description") or "").strip()]
    for p in parts:
        if not (p.get("serial_installed") or "").strip():
            raise DomainError(_("Every replaced part needs the serial number of the part installed."), code="serial_required")
    shop = repair.get("shop") or (claim.repair_shop if claim else None)
    if shop is None:
        raise DomainError(_("Choose the certified repair shop."), code="shop_required")
    record = RepairRecord(
        shop=shop,
        coverage=coverage,
        claim=claim,
        request=request,
        part=repair.get("part") or (claim.part if claim else None),
        diagnosis=repair.get("diagnosis", ""),
        labour_hours=repair.get("labour_hours") or 0,
        labour_cost=repair.get("labour_cost") or 0,
        parts_cost=repair.get("parts_cost") or 0,
        cost_borne_by=repair.get("cost_borne_by") or RepairRecord.CostBearer.PLATFORM,
        days_in_shop=repair.get("days_in_shop") or 0,
        completed_on=repair.get("completed_on") or local_date(timezone.now()),
    )
    try:
        record.full_clean(exclude=["coverage", "claim", "request", "shop", "part"])
    except ValidationError as exc:
        raise DomainError("; ".join(exc.messages), code="repair_invalid") from exc
    record.save()
    RepairPart.objects.bulk_create(
        [
            RepairPart(
                record=record,
                part=p.get("part"),
                description=p["description"].strip(),
                serial_removed=(p.get("serial_removed") or "").strip(),
                serial_installed=p["serial_installed"].strip(),
                quantity=p.get("quantity") or 1,
            )
            for p in parts
        ]
    )
    audit(record, action="repair_recorded", actor=actor, note=f"{shop.name}: {len(parts)} part(s)")
    total_days = sum(coverage.repairs.values_list("days_in_shop", flat=True))
    if total_days > REPEATED_FAILURE_DAYS:
        _flag_repeated_failure(
            coverage,
            _("The car has spent %(days)s days in repair shops (more than %(limit)s).")
            % {"days": total_days, "limit": REPEATED_FAILURE_DAYS},
            key="days",
        )
    return record


@transaction.atomic
def claim_complete(*, claim: WarrantyClaim, actor, repair: dict, parts=(), note: str = "") -> RepairRecord:
    """Record the shop's repair (parts traced by serial number) and close the claim."""
    claim = _lock_claim(claim)
    _require_staff(actor)
    if claim.status != WarrantyClaim.Status.AUTHORISED:
        claim.transition_to(WarrantyClaim.Status.COMPLETED, actor=actor)  # raises the transition error
    record = _repair_record_create(coverage=claim.coverage, actor=actor, repair=repair, parts=parts, claim=claim)
    claim.transition_to(WarrantyClaim.Status.COMPLETED, actor=actor, note=note)
    claim.next_deadline_at = None
    claim.save(update_fields=["status", "next_deadline_at", "updated_at"])
    _tell_claimant(claim, "completed", gettext_lazy("Your car has been repaired (claim #%(id)s)") % {"id": claim.pk}, note)
    return record


# --- sweeps (called by the Celery helper's tasks) -------------------------------------------------


def _case_parties(case) -> tuple:
    order = case.coverage.order
    return order.buyer, order.listing.dealer


def warranty_sla_sweep(*, now: dt.datetime, batch_size: int = 500) -> dict:
    """Remind before, and escalate after, the next deadline of open requests and claims.

    Only due rows are read (partial index on ``next_deadline_at``); each notice's dedupe key names the
    case, the stage and the deadline, so a re-run (or an overlapping worker) sends nothing twice.
    """
    counts = {"reminded": 0, "breached": 0}
    for model in (AfterSalesRequest, WarrantyClaim):
        label = "request" if model is AfterSalesRequest else "claim"
        due = (
            model.objects.due_before(now + REMIND_BEFORE)
            .exclude(breached_at__gte=F("next_deadline_at"))
            .with_related()
            .order_by("next_deadline_at", "pk")[:batch_size]
        )
        for case in due:
            buyer, dealer = _case_parties(case)
            stamp = case.next_deadline_at.strftime("%Y%m%d%H%M")
            key = f"warranty:{label}:{case.pk}:{case.status}:{stamp}"
            handlers = [dealer] if model is AfterSalesRequest else list(_staff_users())
            if case.next_deadline_at > now:
                for handler in handlers:
                    if notify(
                        handler,
                        f"warranty_{label}_due",
                        f"{key}:remind:{handler.pk}",
                        subject=gettext_lazy("Deadline soon: %(case)s") % {"case": str(case)},
                        body=gettext_lazy("Due by %(deadline)s.") % {"deadline": _fmt(case.next_deadline_at)},
                        url=case.get_absolute_url(),
                    ):
                        counts["reminded"] += 1
                continue
            with transaction.atomic():
                locked = model.objects.select_for_update().filter(pk=case.pk, next_deadline_at=case.next_deadline_at).first()
                if locked is None:
                    continue
                if locked.breached_at is None or locked.breached_at < locked.next_deadline_at:
                    locked.breached_at = now
                    locked.breach_count += 1
                    locked.save(update_fields=["breached_at", "breach_count", "updated_at"])
                    audit(locked, action="deadline_breached", note=_fmt(locked.next_deadline_at))
                    counts["breached"] += 1
                for supervisor in _supervisors():
                    notify(
                        supervisor,
                        f"warranty_{label}_breached",
                        f"{key}:escalate:{supervisor.pk}",
                        subject=gettext_lazy("Deadline missed: %(case)s") % {"case": str(case)},
                        body=gettext_lazy("It was due by %(deadline)s.") % {"deadline": _fmt(case.next_deadline_at)},
                        url=reverse(f"admin:warranty_{model._meta.model_name}_change", args=[case.pk]),
                    )
                notify(
                    buyer,
                    f"warranty_{label}_breached",
                    f"{key}:late:buyer",
                    subject=gettext_lazy("Your %(case)s is late; we have escalated it") % {"case": str(case)},
                    body=gettext_lazy("A supervisor is following it up."),
                    url=case.get_absolute_url(),
                )
    return counts


def guarantee_clock_sweep(*, today: dt.date) -> dict:
    """Daily: window closing within 3 days → tell the buyer; warranty ending within 30 days → offer an
    extension (if none bought); warranty ended (in the last week) → tell the buyer. Exactly once each."""
    counts = {"window_closing": 0, "extension_offer": 0, "warranty_ended": 0}
    start_of_today = end_of_day(today - dt.timedelta(days=1))
    window_soon = Coverage.objects.active().filter(
        order__status="delivered",
        window_ends_at__gt=start_of_today,
        window_ends_at__lte=end_of_day(today + dt.timedelta(days=WINDOW_CLOSING_NOTICE_DAYS)),
    )
    for coverage in window_soon.select_related("order__buyer").order_by("pk"):
        if notify(
            coverage.order.buyer,
            "warranty_window_closing",
            f"warranty:window-closing:{coverage.pk}:{coverage.window_ends_at:%Y%m%d}",
            subject=gettext_lazy("Your 30-day return/exchange/repair window closes soon"),
            body=gettext_lazy("It ends at 24:00 on %(date)s.") % {"date": date_format(last_day_of(coverage.window_ends_at))},
            url=guarantee_url(coverage.order),
        ):
            counts["window_closing"] += 1
    ending = Coverage.objects.active().filter(
        order__status="delivered",
        purchases__isnull=True,
        warranty_ends_at__gt=start_of_today,
        warranty_ends_at__lte=end_of_day(today + dt.timedelta(days=WARRANTY_ENDING_NOTICE_DAYS)),
    )
    for coverage in ending.select_related("order__buyer").order_by("pk"):
        if notify(
            coverage.order.buyer,
            "warranty_extension_offer",
            f"warranty:extension-offer:{coverage.pk}:{coverage.warranty_ends_at:%Y%m%d}",
            subject=gettext_lazy("Your warranty ends soon: extend it"),
            body=gettext_lazy("Your core-part warranty ends at 24:00 on %(date)s. You can buy an extension until then.")
            % {"date": date_format(last_day_of(coverage.warranty_ends_at))},
            url=guarantee_url(coverage.order),
        ):
            counts["extension_offer"] += 1
    ended = Coverage.objects.active().filter(
        order__status="delivered",
        warranty_ends_at__lte=start_of_today,
        warranty_ends_at__gt=start_of_today - dt.timedelta(days=7),
    )
    for coverage in ended.select_related("order__buyer").order_by("pk"):
        if notify(
            coverage.order.buyer,
            "warranty_ended",
            f"warranty:ended:{coverage.pk}:{coverage.warranty_ends_at:%Y%m%d}",
            subject=gettext_lazy("Your core-part warranty has ended"),
            body=gettext_lazy("It ended at 24:00 on %(date)s. Thank you for buying with Anxin Auto.")
            % {"date": date_format(last_day_of(coverage.warranty_ends_at))},
            url=guarantee_url(coverage.order),
        ):
            counts["warranty_ended"] += 1
    return counts
