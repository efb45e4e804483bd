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
from core.models import AuditEvent
from core.statemachine import audit
from core.sweeps import run_batches, update_rows
from marketplace.models import Listing
from marketplace.services import listing_lock, listing_release, listing_reserve
from notifications.services import Notice, notify, notify_many

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


def _expire_batch(*, now: dt.datetime, size: int, passed_over: set[int]) -> tuple[int, dict]:
    """Expire one batch of due reservations in one transaction, taking the locks every flow on a car takes,
    listing then order: the batch's listings in ONE ``SELECT … FOR UPDATE SKIP LOCKED`` (a car being signed
    right now is passed over until the next run), then their orders in one statement, ordered by id. Under
    the locks each order is checked again (signed a moment ago → not expired): a car is never both expired
    and signed. The orders change with ONE UPDATE, their audit rows with one INSERT, both parties are told
    with one ``notify_many``."""
    with transaction.atomic():
        due = list(
            Order.objects.due_for_expiry(now)
            .exclude(pk__in=passed_over)
            .order_by("expires_at", "pk")
            .values_list("pk", "listing_id")[:size]
        )
        if not due:
            return 0, {}
        listings = {
            listing.pk: listing
            for listing in Listing.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("vehicle", "dealer")
            .filter(pk__in=sorted({listing_id for _pk, listing_id in due}))
            .order_by("pk")
        }
        passed_over.update(pk for pk, listing_id in due if listing_id not in listings)
        orders = list(
            Order.objects.due_for_expiry(now)
            .select_for_update(of=("self",))
            .select_related("buyer")
            .filter(pk__in=[pk for pk, listing_id in due if listing_id in listings])
            .order_by("pk")
        )
        events = []
        for order in orders:
            order.listing = listings[order.listing_id]
            events.append(
                order.transition_event(Order.Status.CANCELLED, note=Order.CancelKind.EXPIRED, action=Order.CancelKind.EXPIRED)
            )
            order.cancel_kind, order.cancelled_reason, order.cancelled_at = Order.CancelKind.EXPIRED, "", now
        update_rows(orders, ["status", "cancel_kind", "cancelled_reason", "cancelled_at"])
        AuditEvent.objects.bulk_create(events)
        for order in orders:
            if order.listing.status == Listing.Status.RESERVED:
                listing_release(listing=order.listing, actor=None, note=f"order #{order.pk} {Order.CancelKind.EXPIRED}")
        hours = reservation_hours()
        notify_many(
            Notice(
                recipient,
                RESERVATION_EXPIRED,
                f"contracts:order:{order.pk}:expired:{side}",
                {"car": car_of(order), "hours": hours},
                order_url(order),
            )
            for order in orders
            for recipient, side in parties(order)
        )
    return len(due), {"expired": len(orders)}


def order_expire_reservations(*, now: dt.datetime, batch_size: int = 200, budget: float | None = None) -> int:
    """Cancel reservations whose signing window (``RESERVATION_HOURS``) has passed; return how many.

    A reservation made at T expires at T + 48 h exactly (``expires_at <= now``). Due orders are read through
    the partial index on ``expires_at`` and expired a batch per short transaction (``_expire_batch``), batch
    after batch until none is due or the run's time budget is spent. Safe to re-run or to run twice at once:
    expired orders are no longer due, locked cars are skipped, and the notifications' dedupe keys are
    deterministic.
    """
    passed_over: set[int] = set()
    expired = run_batches(
        lambda: _expire_batch(now=now, size=batch_size, passed_over=passed_over), totals={"expired": 0}, budget=budget
    )["expired"]
    if expired:
        logger.info("expired %d reservations", expired)
    return expired
