"""Price history: every change of a car's asking price is a ``PriceChange``; a recent drop shows as "reduced ¥X".

The card reads the drop from two columns of the listing (``previous_price``, ``price_reduced_at``), set when the
price drops and cleared when it rises or when the drop is no longer recent (``price_drops_expire``, daily): each
of those writes moves ``updated_at``, the card's cache key, so a cached card never shows a stale "reduced".
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core import pagecache
from core.templatetags.money import cny

from .models import Listing, PriceChange

#: A drop is "recent" (the card says "reduced ¥X") for this long.
RECENT_DROP = dt.timedelta(days=14)
CHART_POINTS = 30


def mark_change(listing: Listing, *, old: Decimal, now: dt.datetime) -> list[str]:
    """Set the listing's drop columns for a change from ``old`` to ``listing.price``; returns the fields changed.

    A drop keeps the price before the first of several recent drops (100k → 95k → 90k reads "reduced ¥10,000");
    a rise ends the drop."""
    if listing.price < old:
        still_recent = listing.price_reduced_at is not None and listing.price_reduced_at > now - RECENT_DROP
        if not (still_recent and listing.previous_price and listing.previous_price > listing.price):
            listing.previous_price = old
        listing.price_reduced_at = now
    else:
        listing.previous_price = None
        listing.price_reduced_at = None
    return ["previous_price", "price_reduced_at"]


def record(*, listing: Listing, old: Decimal, actor, now: dt.datetime) -> PriceChange:
    return PriceChange.objects.create(
        listing=listing,
        old_price=old,
        new_price=listing.price,
        changed_at=now,
        changed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def recent_drop(listing: Listing, *, now: dt.datetime | None = None) -> Decimal | None:
    """How much the price came down recently (None when it did not)."""
    previous, since = listing.previous_price, listing.price_reduced_at
    if previous is None or since is None or previous <= listing.price:
        return None
    if since <= (now or timezone.now()) - RECENT_DROP:
        return None
    return previous - listing.price


def card_reduced(listing: Listing) -> str:
    """The card's "reduced ¥X" figure ("" for none)."""
    drop = recent_drop(listing)
    return cny(drop) if drop else ""


def chart_for(listing: Listing) -> dict | None:
    """The detail page's history (one query): ``points`` (date, price) oldest first, for the chart and its table;
    None while the price never changed."""
    changes = list(
        PriceChange.objects.filter(listing_id=listing.pk)
        .order_by("-changed_at", "-pk")
        .values_list("changed_at", "old_price", "new_price")[:CHART_POINTS]
    )[::-1]
    if not changes:
        return None
    start = listing.published_at or listing.created_at
    first_at, first_old, _new = changes[0]
    points = [(timezone.localtime(min(start, first_at)).date(), first_old)]
    points += [(timezone.localtime(at).date(), new) for at, _old, new in changes]
    return {"points": points, "changes": [(timezone.localtime(at), old, new) for at, old, new in changes]}


def chart_spec(history: dict, *, label: str) -> dict:
    """The Chart.js spec read by ``insights/charts.js`` (a stepped line of the asking price); the page prints it
    with ``json_script``."""
    return {
        "kind": "line",
        "unit": "¥",
        "labels": [day.isoformat() for day, _price in history["points"]],
        "datasets": [{"label": label, "data": [int(price) for _day, price in history["points"]], "stepped": True}],
    }


@transaction.atomic
def price_drops_expire(*, now: dt.datetime) -> int:
    """Clear the drop columns of cars whose drop is no longer recent (one UPDATE through the partial index on
    ``price_reduced_at``), moving their ``updated_at`` so their cards are rendered afresh."""
    stale = Listing.objects.filter(price_reduced_at__isnull=False, price_reduced_at__lte=now - RECENT_DROP)
    ids = list(stale.values_list("pk", flat=True)[:10_000])
    if not ids:
        return 0
    changed = Listing.objects.filter(pk__in=ids).update(previous_price=None, price_reduced_at=None, updated_at=now)
    pagecache.bump("catalogue", *(f"listing:{pk}" for pk in ids))
    return changed
