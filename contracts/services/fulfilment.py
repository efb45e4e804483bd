"""After signing: the dealer records payment, then the handover (交车), which the buyer confirms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.statemachine import audit
from marketplace.services import listing_back_on_sale, listing_mark_sold
from notifications.services import notify

from ..models import Delivery, Order, Payment, Signature
from ..notices import DELIVERED, DELIVERY_RECORDED, PAYMENT_RECORDED
from ..signals import order_delivered
from .common import car_of, lock_order, order_url, require_party

#: A handover may be recorded a little ahead of the server clock (phones drift), never more.
CLOCK_SKEW = dt.timedelta(minutes=10)


def order_amount_paid(order: Order) -> Decimal:
    return order.payments.aggregate(total=Sum("amount"))["total"] or Decimal(0)


@transaction.atomic
def payment_record(
    *,
    order: Order,
    actor,
    amount: Decimal,
    method: str,
    reference: str,
    received_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Payment:
    """The dealer records money received. When the total reaches the agreed price the order is ``paid``.

    Refused before the contract is signed and for more than the outstanding balance.
    """
    now = now or timezone.now()
    order, _listing = lock_order(order)
    require_party(order, actor, Signature.Party.DEALER)
    if order.status != Order.Status.CONTRACT_SIGNED:
        raise DomainError(_("Payments are recorded after the contract is signed and before it is paid in full."), code="status")
    amount = Decimal(amount)
    if amount <= 0:
        raise DomainError(_("The amount must be positive."), code="amount")
    outstanding = order.agreed_price - order_amount_paid(order)
    if amount > outstanding:
        raise DomainError(_("Only %(outstanding)s is outstanding.") % {"outstanding": outstanding}, code="amount")
    received_at = received_at or now
    if received_at > now + CLOCK_SKEW:
        raise DomainError(_("The payment date cannot be in the future."), code="future")
    if not (reference or "").strip():
        raise DomainError(_("Give a reference (transaction or receipt number)."), code="reference")
    payment = Payment.objects.create(
        order=order, amount=amount, method=method, reference=reference.strip(), received_at=received_at, recorded_by=actor
    )
    audit(order, action="payment_recorded", actor=actor, note=f"{amount} {method} {reference}")
    if amount == outstanding:
        order.transition_to(Order.Status.PAID, actor=actor)
        order.paid_at = received_at
        order.save(update_fields=["status", "paid_at", "updated_at"])
    notify(
        order.buyer,
        PAYMENT_RECORDED,
        f"contracts:payment:{payment.pk}",
        params={"amount": f"{amount:,.2f}", "reference": payment.reference},
        url=order_url(order),
    )
    return payment


@transaction.atomic
def delivery_record(
    *,
    order: Order,
    actor,
    delivered_at: dt.datetime,
    odometer_km: int,
    keys_handed_over: bool,
    documents_handed_over: bool,
    registration_transfer_started: bool,
    notes: str = "",
    now: dt.datetime | None = None,
) -> Delivery:
    """The dealer records the handover (and thereby confirms it); the buyer then confirms too.

    The checklist must be complete, and the odometer cannot read less than the contract says.
    Re-recording is allowed until the buyer confirms.
    """
    now = now or timezone.now()
    order, _listing = lock_order(order)
    require_party(order, actor, Signature.Party.DEALER)
    if order.status != Order.Status.PAID:
        raise DomainError(_("The car is handed over after it is paid in full."), code="status")
    if not (keys_handed_over and documents_handed_over and registration_transfer_started):
        raise DomainError(_("Complete the handover checklist: keys, documents and the registration transfer."), code="checklist")
    if delivered_at > now + CLOCK_SKEW:
        raise DomainError(_("The handover time cannot be in the future."), code="future")
    if order.paid_at and delivered_at < order.paid_at - dt.timedelta(days=1):
        raise DomainError(_("The handover cannot be before the payment."), code="before_payment")
    contract_km = (getattr(order, "contract", None) and order.contract.vehicle.get("mileage_km")) or 0
    if odometer_km < contract_km:
        raise DomainError(
            _("The odometer (%(km)s km) reads less than the contract states (%(contract_km)s km).")
            % {"km": odometer_km, "contract_km": contract_km},
            code="odometer",
        )
    delivery = Delivery.objects.filter(order=order).first()
    if delivery and delivery.buyer_confirmed_at:
        raise DomainError(_("The buyer has already confirmed this handover."), code="confirmed")
    delivery = delivery or Delivery(order=order)
    delivery.delivered_at = delivered_at
    delivery.odometer_km = odometer_km
    delivery.keys_handed_over = keys_handed_over
    delivery.documents_handed_over = documents_handed_over
    delivery.registration_transfer_started = registration_transfer_started
    delivery.notes = notes
    delivery.recorded_by = actor
    delivery.dealer_confirmed_at = now
    delivery.save()
    audit(order, action="delivery_recorded", actor=actor, note=f"{delivered_at.isoformat()} {odometer_km} km")
    notify(
        order.buyer,
        DELIVERY_RECORDED,
        f"contracts:delivery:{delivery.pk}:recorded:{int(delivered_at.timestamp())}:{odometer_km}",
        params={"car": car_of(order), "km": odometer_km},
        url=order_url(order),
    )
    return delivery


@transaction.atomic
def delivery_confirm(*, order: Order, actor, now: dt.datetime | None = None) -> Order:
    """The buyer confirms the handover: the order is ``delivered`` (starting the guarantee clocks from the
    recorded handover time and odometer), the listing is ``sold`` and ``order_delivered`` is sent."""
    now = now or timezone.now()
    order, listing = lock_order(order)
    require_party(order, actor, Signature.Party.BUYER)
    delivery = Delivery.objects.select_for_update().filter(order=order).first()
    if order.status != Order.Status.PAID or delivery is None:
        raise DomainError(_("There is no handover to confirm yet."), code="no_delivery")
    if delivery.buyer_confirmed_at:
        raise DomainError(_("You have already confirmed the handover."), code="confirmed")
    delivery.buyer_confirmed_at = now
    delivery.save(update_fields=["buyer_confirmed_at", "updated_at"])
    order.transition_to(Order.Status.DELIVERED, actor=actor)
    order.delivered_at = delivery.delivered_at
    order.delivery_odometer_km = delivery.odometer_km
    order.save(update_fields=["status", "delivered_at", "delivery_odometer_km", "updated_at"])
    listing_mark_sold(listing=listing, actor=actor, note=f"order #{order.pk} delivered")
    order_delivered.send(sender=Order, order=order)
    notify(
        order.listing.dealer,
        DELIVERED,
        f"contracts:order:{order.pk}:delivered",
        params={"car": car_of(order)},
        url=order_url(order),
    )
    return order


@transaction.atomic
def order_return(*, order: Order, actor, note: str = "") -> Order:
    """A delivered car comes back (an accepted return or exchange inside the guarantee window): the order
    becomes ``returned`` and the car goes back on sale with its published report.

    Locks the listing, then the order — the order every contracts flow locks them in — so a return and a
    new reservation of the same car queue on the listing row and the car is never both returned and sold.
    The warranty app decides *whether* a car may come back; this only makes the move.
    """
    order, listing = lock_order(order)
    order.transition_to(Order.Status.RETURNED, actor=actor, note=note, action="returned")
    order.save(update_fields=["status", "updated_at"])
    listing_back_on_sale(listing=listing, actor=actor, note=f"order #{order.pk} returned. {note}".strip())
    return order
