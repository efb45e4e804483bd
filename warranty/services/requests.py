"""After-sales requests inside the 30-day window (包退、包换、包修): the buyer opens one, the dealer of
the car (or staff) assesses, approves or rejects it, and completes it with its outcome."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Order
from contracts.services import order_return
from core.errors import DomainError, PermissionDeniedError
from marketplace.models import Listing
from notifications.kinds import localized, moment
from notifications.services import notify

from .. import notices
from ..models import AfterSalesPhoto, AfterSalesRequest, CaseSlaPolicy, Coverage
from .cases import case_lock_for, case_move, case_submit
from .coverage import NotDelivered, WindowClosed, coverage_check_reading, coverage_close, coverage_note_odometer
from .repairs import repair_record_create

MAX_PHOTOS = 6

Status = AfterSalesRequest.Status
Kind = AfterSalesRequest.Kind


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
    if order.status != Order.Status.DELIVERED:
        raise NotDelivered(_("Requests can be opened only for a delivered car."), code="not_delivered")
    coverage_check_reading(coverage=coverage, odometer_km=odometer_km)
    if len(photos) > MAX_PHOTOS:
        raise DomainError(_("At most %(n)s photos.") % {"n": MAX_PHOTOS}, code="too_many_photos")
    repeated = bool(coverage.repeated_failure_at) and kind in (Kind.RETURN, Kind.EXCHANGE)
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
    )
    policy = CaseSlaPolicy.for_case(request)  # staff-editable per kind of request (DESIGN.md defaults)
    request.acknowledge_due_at = policy.deadline("acknowledge", start=now)
    request.assess_due_at = policy.deadline("assess", start=now)
    request.complete_due_at = policy.deadline("complete", start=now)
    case_submit(case=request, actor=actor, note=request.get_kind_display(), exclude=("exchange_listing",))
    for upload in photos:
        AfterSalesPhoto.objects.create(request=request, image=_clean_photo(upload))
    coverage_note_odometer(coverage=coverage, odometer_km=odometer_km)
    deadline = moment(request.acknowledge_due_at)
    notify(
        order.listing.dealer,
        notices.REQUEST_SUBMITTED,
        request.notice_key("submitted", "dealer"),
        params={"car": localized(lambda: str(order.listing.vehicle)), "deadline": deadline},
        url=request.get_absolute_url(),
    )
    notify(
        actor,
        notices.REQUEST_RECEIVED,
        request.notice_key("submitted", "buyer"),
        params={"id": request.pk, "deadline": deadline},
        url=request.get_absolute_url(),
    )
    return request


@transaction.atomic
def request_start_assessment(*, request: AfterSalesRequest, actor, note: str = "") -> AfterSalesRequest:
    """The dealer or staff acknowledge the request and inspect the car."""
    request = case_lock_for(case=request, actor=actor)
    case_move(case=request, to=Status.UNDER_ASSESSMENT, actor=actor, note=note)
    notify(
        request.customer,
        notices.REQUEST_ASSESSING,
        request.notice_key("assessment", "buyer"),
        params={"id": request.pk, "deadline": moment(request.assess_due_at)},
        url=request.get_absolute_url(),
    )
    return request


@transaction.atomic
def request_approve(*, request: AfterSalesRequest, actor, note: str = "", exchange_listing=None) -> AfterSalesRequest:
    """Approve: a fault under normal use inside the window is accepted. An exchange names the dealer's
    replacement car and records the price difference (+ the buyer pays, − the buyer is refunded)."""
    request = case_lock_for(case=request, actor=actor)
    order = request.order
    update = ["decision_note"]
    if request.kind == Kind.EXCHANGE:
        if exchange_listing is None:
            raise DomainError(_("Choose the replacement car for the exchange."), code="exchange_listing_required")
        if exchange_listing.dealer_id != order.listing.dealer_id or exchange_listing.pk == order.listing_id:
            raise DomainError(_("The replacement must be another car of the same dealer."), code="exchange_other_dealer")
        if exchange_listing.status != Listing.Status.PUBLISHED:
            raise DomainError(_("The replacement car is not available."), code="exchange_unavailable")
        request.exchange_listing = exchange_listing
        request.price_difference = Decimal(exchange_listing.price) - Decimal(order.agreed_price)
        update += ["exchange_listing", "price_difference"]
    request.decision_note = note
    case_move(case=request, to=Status.APPROVED, actor=actor, note=note, update_fields=tuple(update))
    notify(
        request.customer,
        notices.REQUEST_APPROVED,
        request.notice_key("approved", "buyer"),
        params={"id": request.pk, "deadline": moment(request.complete_due_at)},
        url=request.get_absolute_url(),
    )
    return request


def complaint_url_for(request: AfterSalesRequest) -> str:
    """Where the buyer disputes a rejection (the complaints app), or '' when it is not installed."""
    try:
        return f"{reverse('complaints:create')}?request={request.pk}"
    except NoReverseMatch:
        return ""


@transaction.atomic
def request_reject(*, request: AfterSalesRequest, actor, reason: str, note: str) -> AfterSalesRequest:
    """Reject only for misuse, accident or modification, with a written explanation; the buyer may
    dispute it as a complaint."""
    request = case_lock_for(case=request, actor=actor)
    if reason not in AfterSalesRequest.RejectionReason.values:
        raise DomainError(_("A request can be rejected only for misuse, accident damage or modification."), code="reason_invalid")
    if not (note or "").strip():
        raise DomainError(_("Explain the rejection: the buyer will read it."), code="note_required")
    request.rejection_reason = reason
    request.decision_note = note
    case_move(
        case=request,
        to=Status.REJECTED,
        actor=actor,
        note=f"{reason}: {note}",
        update_fields=("rejection_reason", "decision_note"),
    )
    notify(
        request.customer,
        notices.REQUEST_REJECTED,
        request.notice_key("rejected", "buyer"),
        params={"id": request.pk, "reason": localized(request.get_rejection_reason_display), "note": note},
        url=request.get_absolute_url(),
    )
    return request


@transaction.atomic
def request_start_work(*, request: AfterSalesRequest, actor, note: str = "") -> AfterSalesRequest:
    """Work on an approved request begins (the refund is prepared, the car is at the shop …)."""
    request = case_lock_for(case=request, actor=actor)
    return case_move(case=request, to=Status.IN_PROGRESS, actor=actor, note=note)


@transaction.atomic
def request_complete(
    *, request: AfterSalesRequest, actor, note: str = "", refund_amount=None, repair: dict | None = None, parts=()
) -> AfterSalesRequest:
    """Finish the request with its outcome.

    return → refund recorded, and the car comes back: ``contracts.services.order_return`` makes the order
    "returned" and puts the listing back on sale (it keeps its published inspection report); this app
    closes the guarantee and its open claims. exchange → the old car comes back likewise, the replacement
    is sold through a new order. repair → a repair record at a certified shop (``repair`` = RepairRecord
    fields, ``parts`` = replaced parts with serial numbers).
    """
    request = case_lock_for(case=request, actor=actor)
    coverage = request.coverage
    order = coverage.order
    update = []
    if request.kind == Kind.RETURN:
        amount = Decimal(refund_amount if refund_amount is not None else order.agreed_price)
        if amount <= 0 or amount > Decimal(order.agreed_price):
            raise DomainError(_("The refund must be positive and at most the price paid."), code="refund_invalid")
        request.refund_amount = amount
        update.append("refund_amount")
    if request.kind == Kind.REPAIR:
        if not repair:
            raise DomainError(_("Record the repair done by the certified shop."), code="repair_required")
        repair_record_create(coverage=coverage, request=request, actor=actor, repair=repair, parts=parts)
    case_move(case=request, to=Status.COMPLETED, actor=actor, note=note, update_fields=tuple(update))
    if request.kind in (Kind.RETURN, Kind.EXCHANGE):
        reference = f"after-sales request #{request.pk} ({request.kind})"
        order_return(order=order, actor=actor, note=reference)
        coverage_close(coverage=coverage, actor=actor, note=reference)
    notify(
        request.customer,
        notices.REQUEST_COMPLETED,
        request.notice_key("completed", "buyer"),
        params={"id": request.pk, "note": note},
        url=request.get_absolute_url(),
    )
    return request
