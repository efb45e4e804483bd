"""Reservation, cancellation, decline and expiry of orders."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import is_buyer
from core.errors import DomainError, PermissionDeniedError
from core.statemachine import audit
from marketplace.models import Listing
from marketplace.services import listing_lock, listing_release, listing_reserve
from notifications.services import notify

from ..errors import AlreadyReserved
from ..models import Order, Signature
from ..notices import ORDER_CANCELLED, ORDER_DECLINED, ORDER_RESERVED, RESERVATION_EXPIRED
from .common import car_of, lock_order, order_url, parties, require_party
from .drafting import contract_draft

logger = logging.getLogger(__name__)

#: A buyer may hold this many unsigned reservations at once (stops one account blocking many cars).
MAX_OPEN_RESERVATIONS = 3


def reservation_hours() -> int:
    return int(getattr(settings, "RESERVATION_HOURS", 48))


@transaction.atomic
def order_reserve(*, buyer, listing: Listing, now: dt.datetime | None = None) -> Order:
    """Reserve a published car for ``buyer``: lock the listing row, create the order, draft the contract.

    The row lock serialises concurrent buyers; the partial unique constraint "one active order per
    listing" backs it up, so a car is never sold twice even if a caller skips the lock.
    """
    now = now or timezone.now()
    if not is_buyer(buyer):
        raise PermissionDeniedError(_("Only buyer accounts can reserve a car."), code="not_buyer")
    listing = listing_lock(listing.pk)
    if listing.dealer_id == buyer.pk:
        raise PermissionDeniedError(_("You cannot reserve your own car."), code="own_listing")
    if listing.status != Listing.Status.PUBLISHED:
        raise AlreadyReserved(_("Sorry — this car is already reserved or no longer for sale."), code="already_reserved")
    open_count = Order.objects.filter(buyer=buyer, status=Order.Status.RESERVED).count()
    if open_count >= MAX_OPEN_RESERVATIONS:
        raise DomainError(
            _("You already hold %(n)d reservations. Sign or cancel one before reserving another car.") % {"n": open_count},
            code="too_many_reservations",
        )
    try:
        with transaction.atomic():
            order = Order.objects.create(
                buyer=buyer,
                listing=listing,
                agreed_price=listing.price,
                expires_at=now + dt.timedelta(hours=reservation_hours()),
            )
    except IntegrityError as exc:
        raise AlreadyReserved(_("Sorry — this car is already reserved or no longer for sale."), code="already_reserved") from exc
    listing_reserve(listing=listing, actor=buyer, note=f"order #{order.pk}")
    audit(order, action="reserved", actor=buyer, to_status=order.status)
    contract_draft(order=order, now=now)
    notify(
        listing.dealer,
        ORDER_RESERVED,
        f"contracts:order:{order.pk}:reserved",
        params={"car": car_of(order), "buyer": buyer.display_name, "hours": reservation_hours()},
        url=order_url(order),
    )
    return order


def _cancel(order: Order, *, kind: str, reason: str, actor, now: dt.datetime) -> Order:
    """Cancel a locked order and put the car back on sale (callers hold the locks)."""
    order.transition_to(Order.Status.CANCELLED, actor=actor, note=reason or kind, action=kind)
    order.cancel_kind = kind
    order.cancelled_reason = reason
    order.cancelled_at = now
    order.save(update_fields=["status", "cancel_kind", "cancelled_reason", "cancelled_at", "updated_at"])
    if order.listing.status == Listing.Status.RESERVED:
        listing_release(listing=order.listing, actor=actor, note=f"order #{order.pk} {kind}")
    return order


@transaction.atomic
def order_cancel(*, order: Order, actor, reason: str = "", now: dt.datetime | None = None) -> Order:
    """The buyer withdraws before the contract is signed; the car is published again."""
    now = now or timezone.now()
    order, _listing = lock_order(order)
    require_party(order, actor, Signature.Party.BUYER)
    if order.status != Order.Status.RESERVED:
        raise DomainError(
            _("Once the contract is signed, cancelling needs a cancellation agreement signed by both parties."), code="signed"
        )
    _cancel(order, kind=Order.CancelKind.BUYER_CANCELLED, reason=reason, actor=actor, now=now)
    notify(
        order.listing.dealer,
        ORDER_CANCELLED,
        f"contracts:order:{order.pk}:cancelled",
        params={"car": car_of(order)},
        url=order_url(order),
    )
    return order


@transaction.atomic
def order_decline(*, order: Order, actor, reason: str, now: dt.datetime | None = None) -> Order:
    """The dealer declines a reservation (a reason is required, the buyer is told); the car is published again."""
    now = now or timezone.now()
    order, _listing = lock_order(order)
    require_party(order, actor, Signature.Party.DEALER)
    if order.status != Order.Status.RESERVED:
        raise DomainError(_("Only a reservation whose contract is not yet signed can be declined."), code="signed")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please tell the buyer why you decline."), code="reason_required")
    _cancel(order, kind=Order.CancelKind.DEALER_DECLINED, reason=reason, actor=actor, now=now)
    notify(
        order.buyer,
        ORDER_DECLINED,
        f"contracts:order:{order.pk}:declined",
        params={"car": car_of(order), "reason": reason},
        url=order_url(order),
    )
    return order


def _expire_one(order_pk: int, *, now: dt.datetime) -> bool:
    with transaction.atomic():
        listing_id = Order.objects.filter(pk=order_pk).values_list("listing_id", flat=True).first()
        if listing_id is None:
            return False
        listing_lock(listing_id)
        order = (
            Order.objects.select_for_update()
            .select_related("listing", "listing__vehicle", "listing__dealer", "buyer")
            .get(pk=order_pk)
        )
        # Re-check under the lock: the contract may have been signed a moment ago.
        if order.status != Order.Status.RESERVED or order.expires_at is None or order.expires_at > now:
            return False
        _cancel(order, kind=Order.CancelKind.EXPIRED, reason="", actor=None, now=now)
        params = {"car": car_of(order), "hours": reservation_hours()}
        for recipient, side in parties(order):
            notify(
                recipient, RESERVATION_EXPIRED, f"contracts:order:{order.pk}:expired:{side}", params=params, url=order_url(order)
            )
    return True


def order_expire_reservations(*, now: dt.datetime, batch_size: int = 100) -> int:
    """Cancel reservations whose signing window (``RESERVATION_HOURS``) has passed; return how many.

    A reservation made at T expires at T + 48 h exactly (``expires_at <= now``). Each order is handled
    in its own short transaction with the listing and order rows locked, so a sweep never blocks
    signing for long and a concurrent signature wins cleanly. Safe to re-run: expired orders are no
    longer due and the notifications' dedupe keys are deterministic.
    """
    expired = 0
    seen: set[int] = set()
    while True:
        batch = list(
            Order.objects.due_for_expiry(now)
            .exclude(pk__in=seen)
            .order_by("expires_at", "pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not batch:
            break
        for pk in batch:
            seen.add(pk)
            if _expire_one(pk, now=now):
                expired += 1
        if len(batch) < batch_size:
            break
    if expired:
        logger.info("expired %d reservations", expired)
    return expired
