"""Surveys' test data: a delivered order made directly (no signal), and surveys in any state."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from contracts.models import Order
from core.calendar import SHANGHAI
from marketplace.models import Listing
from marketplace.tests.factories import ListingFactory
from surveys.models import VALID_FOR, Survey
from surveys.services import survey_plan_for_delivery


def at(year, month, day, hour=10, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def delivered_order(*, buyer, dealer=None, delivered_at: dt.datetime) -> Order:
    listing = ListingFactory(status=Listing.Status.SOLD, **({"dealer": dealer} if dealer else {}))
    return Order.objects.create(
        buyer=buyer,
        listing=listing,
        agreed_price=Decimal("98000"),
        status=Order.Status.DELIVERED,
        delivered_at=delivered_at,
        delivery_odometer_km=30000,
    )


def sent_survey(*, buyer, sent_at: dt.datetime, kind=Survey.Kind.DELIVERY, dealer=None) -> Survey:
    """A survey already sent at ``sent_at`` (its link valid for 30 days from then)."""
    order = delivered_order(buyer=buyer, dealer=dealer, delivered_at=sent_at - dt.timedelta(days=7))
    survey_plan_for_delivery(order=order, now=sent_at)
    survey = Survey.objects.get(order=order, kind=kind)
    Survey.objects.filter(pk=survey.pk).update(sent_at=sent_at, expires_at=sent_at + VALID_FOR, due_at=sent_at)
    survey.refresh_from_db()
    return survey
