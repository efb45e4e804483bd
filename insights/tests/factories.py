"""Test data for insights: orders, cases and surveys built directly so tests control every timestamp."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from complaints.models import Complaint
from contracts.models import Order
from core.calendar import SHANGHAI
from marketplace.models import Listing
from marketplace.tests.factories import ListingFactory, VehicleFactory
from surveys.models import Survey
from warranty.models import AfterSalesRequest, Coverage, Part, RepairRecord, RepairShop, WarrantyClaim

_numbers = itertools.count(1)


def at(year, month, day, hour=12, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def sold_order(
    *,
    buyer,
    dealer,
    delivered_at,
    price=98000,
    published_at=None,
    reserved_at=None,
    status=Order.Status.DELIVERED,
    make="Toyota",
    model="Corolla",
    **vehicle,
) -> Order:
    """A delivered order (listing sold) with chosen publication, reservation and delivery moments."""
    listing = ListingFactory(
        dealer=dealer,
        status=Listing.Status.SOLD,
        price=Decimal(price),
        vehicle=VehicleFactory(make=make, model=model, **vehicle),
        published_at=published_at or delivered_at - dt.timedelta(days=20),
    )
    order = Order.objects.create(
        buyer=buyer,
        listing=listing,
        agreed_price=Decimal(price),
        status=status,
        delivered_at=delivered_at,
        delivery_odometer_km=listing.vehicle.mileage_km,
    )
    Order.objects.filter(pk=order.pk).update(reserved_at=reserved_at or delivered_at - dt.timedelta(days=5))
    order.refresh_from_db()
    return order


def complaint(
    *,
    buyer,
    dealer=None,
    created_at,
    category=Complaint.Category.VEHICLE_QUALITY,
    status=Complaint.Status.NEW,
    breached=False,
    resolved_at=None,
    **extra,
) -> Complaint:
    return Complaint.objects.create(
        number=f"TS{next(_numbers):06d}",
        complainant=buyer,
        complainant_name="张三",
        complainant_phone="13812341234",
        dealer=dealer,
        category=category,
        subject="Noise",
        description="A noise.",
        desired_outcome="Repair",
        status=status,
        ack_due_at=created_at + dt.timedelta(days=1),
        response_due_at=created_at + dt.timedelta(days=3),
        resolve_due_at=created_at + dt.timedelta(days=9),
        breached_at=created_at + dt.timedelta(days=2) if breached else None,
        resolved_at=resolved_at,
        created_at=created_at,
        **extra,
    )


def coverage(order: Order) -> Coverage:
    return Coverage.objects.create(
        order=order,
        delivered_on=order.delivered_at.date(),
        delivery_odometer_km=order.delivery_odometer_km or 0,
        window_ends_at=order.delivered_at + dt.timedelta(days=30),
        window_km_limit=(order.delivery_odometer_km or 0) + 3000,
        warranty_ends_at=order.delivered_at + dt.timedelta(days=365),
        warranty_km_limit=(order.delivery_odometer_km or 0) + 20000,
        current_odometer_km=order.delivery_odometer_km or 0,
    )


def after_sales_request(
    *,
    order: Order,
    submitted_at,
    kind=AfterSalesRequest.Kind.REPAIR,
    status=AfterSalesRequest.Status.SUBMITTED,
    breached=False,
    **extra,
) -> AfterSalesRequest:
    cov = Coverage.objects.filter(order=order).first() or coverage(order)
    return AfterSalesRequest.objects.create(
        coverage=cov,
        kind=kind,
        status=status,
        description="Rattle",
        odometer_km=(order.delivery_odometer_km or 0) + 100,
        submitted_at=submitted_at,
        breached_at=submitted_at + dt.timedelta(days=2) if breached else None,
        rejection_reason="misuse" if status == AfterSalesRequest.Status.REJECTED else "",
        **extra,
    )


def warranty_claim(
    *, order: Order, submitted_at, part_code=None, cost=None, status=WarrantyClaim.Status.SUBMITTED
) -> WarrantyClaim:
    cov = Coverage.objects.filter(order=order).first() or coverage(order)
    part = Part.objects.get(code=part_code) if part_code else Part.objects.order_by("pk").first()
    claim = WarrantyClaim.objects.create(
        coverage=cov,
        part=part,
        status=status,
        symptom="Slipping",
        odometer_km=cov.delivery_odometer_km + 500,
        failed_on=submitted_at.date(),
        submitted_at=submitted_at,
    )
    if cost is not None:
        shop, _ = RepairShop.objects.get_or_create(certification_number="CERT-T1", defaults={"name": "Shop", "city": "北京"})
        RepairRecord.objects.create(
            shop=shop,
            coverage=cov,
            claim=claim,
            part=part,
            diagnosis="Replaced",
            labour_cost=Decimal(cost) / 2,
            parts_cost=Decimal(cost) / 2,
            days_in_shop=2,
            completed_on=submitted_at.date(),
        )
    return claim


def survey(*, order: Order, answered_at, csat, nps, kind=Survey.Kind.DELIVERY, comment="") -> Survey:
    return Survey.objects.create(
        kind=kind,
        respondent=order.buyer,
        dealer=order.listing.dealer,
        order=order,
        subject_type=ContentType.objects.get_for_model(Order),
        subject_id=order.pk,
        due_at=answered_at - dt.timedelta(days=1),
        sent_at=answered_at - dt.timedelta(days=1),
        answered_at=answered_at,
        csat=csat,
        nps=nps,
        comment=comment,
    )
