"""Helpers that walk an order through its life with the real services (other apps' tests use these)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from contracts import services
from contracts.models import Order
from marketplace.tests.factories import ListingFactory

PASSWORD = "pass-1234-word"


def reserve(*, buyer, listing=None, dealer=None, now=None, **listing_kwargs) -> Order:
    if listing is None:
        if dealer is not None:
            listing_kwargs["dealer"] = dealer
        listing = ListingFactory(**listing_kwargs)
    return services.order_reserve(buyer=buyer, listing=listing, now=now)


def sign(order: Order, user, *, now=None, password: str = PASSWORD, **extra):
    contract = order.contract
    contract.refresh_from_db()
    return services.document_sign(
        document=contract,
        signer=user,
        password=password,
        typed_name=extra.pop("typed_name", user.full_name),
        consent=extra.pop("consent", True),
        content_hash=extra.pop("content_hash", contract.content_hash),
        ip_address=extra.pop("ip_address", "203.0.113.7"),
        user_agent=extra.pop("user_agent", "pytest"),
        now=now,
    )


def signed_order(*, buyer, dealer=None, listing=None, now=None) -> Order:
    order = reserve(buyer=buyer, listing=listing, dealer=dealer, now=now)
    sign(order, order.buyer, now=now)
    sign(order, order.listing.dealer, now=now)
    order.refresh_from_db()
    return order


def paid_order(*, buyer, dealer=None, listing=None, now=None) -> Order:
    order = signed_order(buyer=buyer, dealer=dealer, listing=listing, now=now)
    services.payment_record(
        order=order,
        actor=order.listing.dealer,
        amount=order.agreed_price,
        method="bank_transfer",
        reference="TX-1",
        received_at=now,
        now=now,
    )
    order.refresh_from_db()
    return order


def delivered_order(*, buyer, dealer=None, listing=None, now=None, odometer_km: int | None = None) -> Order:
    now = now or timezone.now()
    order = paid_order(buyer=buyer, dealer=dealer, listing=listing, now=now)
    services.delivery_record(
        order=order,
        actor=order.listing.dealer,
        delivered_at=now,
        odometer_km=odometer_km or order.listing.vehicle.mileage_km + 12,
        keys_handed_over=True,
        documents_handed_over=True,
        registration_transfer_started=True,
        now=now,
    )
    services.delivery_confirm(order=order, actor=order.buyer, now=now + dt.timedelta(minutes=5))
    order.refresh_from_db()
    return order


def money(value) -> Decimal:
    return Decimal(str(value))
