"""The cheap view counter behind the dealer's funnel: one row per listing per day, incremented in SQL."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.calendar import local_date

from ..models import ListingViewStat


def listing_view_record(*, listing, now: dt.datetime | None = None) -> None:
    """Count one detail-page view of ``listing`` today (Asia/Shanghai). Safe under concurrency."""
    day = local_date(now or timezone.now())
    if ListingViewStat.objects.filter(listing=listing, day=day).update(views=F("views") + 1):
        return
    try:
        with transaction.atomic():
            ListingViewStat.objects.create(listing=listing, day=day, views=1)
    except IntegrityError:  # another request created today's row first
        ListingViewStat.objects.filter(listing=listing, day=day).update(views=F("views") + 1)
