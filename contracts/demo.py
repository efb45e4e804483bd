"""Demo orders for buyer1 / buyer2 in every state (runs after the marketplace and inspections demos).

Walks each order through the real services with past clocks, so contracts, signatures, PDFs,
payments and handovers are exactly what the site would have produced. Idempotent: does nothing
once the demo buyers have orders.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from inspections.models import InspectionReport
from marketplace.models import Listing

from . import services
from .models import Contract, Order, Payment

# (buyer, final state, days ago the reservation was made, payment method)
SCENARIOS = [
    ("buyer1", "reserved_expiring", 47 / 24, "full"),
    ("buyer2", "buyer_signed", 0.2, "full"),
    ("buyer1", "contract_signed", 2, "instalments"),
    ("buyer2", "paid", 3, "loan"),
    ("buyer1", "delivered", 12, "full"),
    ("buyer2", "delivered", 28, "full"),
    ("buyer1", "delivered", 50, "loan"),
    ("buyer2", "delivered", 110, "full"),
    ("buyer1", "delivered", 210, "instalments"),
    ("buyer2", "delivered", 340, "full"),
]


def _listings_with_reports(count: int) -> list[Listing]:
    published_report = InspectionReport.objects.filter(
        vehicle_id=OuterRef("vehicle_id"), status=InspectionReport.Status.PUBLISHED
    )
    qs = (
        Listing.objects.filter(Exists(published_report), status=Listing.Status.PUBLISHED)
        .select_related("vehicle", "dealer")
        .order_by("pk")
    )
    # Spread the orders over different dealers.
    picked, dealers = [], set()
    for listing in qs[:200]:
        if listing.dealer_id in dealers and len(dealers) < 5:
            continue
        dealers.add(listing.dealer_id)
        picked.append(listing)
        if len(picked) == count:
            break
    return picked


def _terms(order: Order, method: str, at: dt.datetime) -> None:
    if method == Contract.PaymentMethod.FULL:
        return
    price = order.agreed_price
    delivery = timezone.localdate(at) + dt.timedelta(days=5)
    deposit = (price * 20 // 100 // 1000) * 1000
    if method == Contract.PaymentMethod.INSTALMENTS:
        schedule = [
            {"label": "deposit", "amount": str(deposit), "due": timezone.localdate(at).isoformat()},
            {"label": "instalment", "amount": str(price - deposit), "due": delivery.isoformat()},
        ]
        lender = ""
    else:
        schedule = [
            {"label": "deposit", "amount": str(deposit), "due": timezone.localdate(at).isoformat()},
            {"label": "loan", "amount": str(price - deposit), "due": (delivery - dt.timedelta(days=1)).isoformat()},
        ]
        lender = "平安银行汽车金融部"
    services.contract_update_terms(
        contract=order.contract,
        actor=order.listing.dealer,
        agreed_price=price,
        payment_method=method,
        lender_name=lender,
        payment_schedule=schedule,
        delivery_date=delivery,
        delivery_place=order.contract.delivery_place,
        now=at,
    )


def _sign(order: Order, user, at: dt.datetime) -> None:
    contract = order.contract
    contract.refresh_from_db()
    services.document_sign(
        document=contract,
        signer=user,
        password=DEMO_PASSWORD,
        typed_name=user.full_name,
        consent=True,
        content_hash=contract.content_hash,
        ip_address="198.51.100.23",
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 (demo)",
        now=at,
    )


def seed(*, stdout, rng, **kwargs) -> None:
    buyers = {u.username: u for u in User.objects.filter(username__in=["buyer1", "buyer2"])}
    if len(buyers) < 2:
        stdout.write("  no demo buyers; skipped")
        return
    if Order.objects.filter(buyer__in=buyers.values()).exists():
        stdout.write("  demo orders already present")
        return
    listings = _listings_with_reports(len(SCENARIOS))
    if len(listings) < len(SCENARIOS):
        stdout.write(f"  only {len(listings)} published cars with reports; creating fewer orders")
    now = timezone.now()
    made = 0
    # Oldest first, so contract numbers follow the calendar.
    for (username, state, days_ago, method), listing in zip(sorted(SCENARIOS, key=lambda s: -s[2]), listings, strict=False):
        buyer = buyers[username]
        dealer = listing.dealer
        at = now - dt.timedelta(days=days_ago)
        order = services.order_reserve(buyer=buyer, listing=listing, now=at)
        Order.objects.filter(pk=order.pk).update(reserved_at=at, created_at=at)
        made += 1
        if state == "reserved_expiring":
            continue
        _terms(order, method, at + dt.timedelta(minutes=30))
        _sign(order, buyer, at + dt.timedelta(hours=1))
        if state == "buyer_signed":
            continue
        _sign(order, dealer, at + dt.timedelta(hours=rng.randint(2, 20)))
        order.refresh_from_db()
        if state == "contract_signed":
            continue
        paid_at = at + dt.timedelta(days=1, hours=rng.randint(0, 6))
        services.payment_record(
            order=order, actor=dealer, amount=order.agreed_price, method=Payment.Method.LOAN if method == Contract.PaymentMethod.LOAN else Payment.Method.BANK_TRANSFER,
            reference=f"DEMO-{order.pk:05d}-{rng.randint(100000, 999999)}", received_at=paid_at, now=paid_at,
        )  # fmt: skip
        order.refresh_from_db()
        if state == "paid":
            continue
        handover = paid_at + dt.timedelta(days=1, hours=rng.randint(1, 5))
        services.delivery_record(
            order=order, actor=dealer, delivered_at=handover, odometer_km=listing.vehicle.mileage_km + rng.randint(3, 40),
            keys_handed_over=True, documents_handed_over=True, registration_transfer_started=True,
            notes="两把钥匙、登记证书、行驶证、交强险保单已交付；过户预约已提交。", now=handover,
        )  # fmt: skip
        services.delivery_confirm(order=order, actor=buyer, now=handover + dt.timedelta(minutes=20))
    stdout.write(f"  {made} demo orders (reserved, signed, paid, delivered over the last year) for buyer1/buyer2")
