"""Complaints are always created through ``complaint_file`` so tests see real deadlines and audit rows."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from complaints import services
from complaints.models import Complaint
from contracts.models import Order
from core.calendar import SHANGHAI
from marketplace.tests.factories import ListingFactory


def at(year, month, day, hour=10, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def make_order(*, buyer, dealer, status=Order.Status.DELIVERED) -> Order:
    listing = ListingFactory(dealer=dealer, status="sold")
    return Order.objects.create(buyer=buyer, listing=listing, agreed_price=Decimal("98000"), status=status)


def file_complaint(*, buyer, dealer=None, order=None, now=None, **extra) -> Complaint:
    data = {
        "complainant": buyer,
        "complainant_name": buyer.full_name or "张三",
        "complainant_phone": "13812341234",
        "category": Complaint.Category.VEHICLE_QUALITY,
        "subject": "Engine warning light after two days",
        "description": "The check-engine light came on on the motorway.",
        "desired_outcome": "Free repair",
        "dealer": dealer,
        "order": order,
        "now": now,
    }
    data.update(extra)
    return services.complaint_file(**data)


def jpeg_upload(name="damage.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def pdf_upload(name="invoice.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", content_type="application/pdf")
