"""Price fairness: each listing on sale is compared with similar cars, nightly, and the result stored.

Comparables of a car: same make and model, model year within ±1, mileage within ±max(20,000 km, 30 %),
on sale, reserved or sold (a sold car counts at its agreed price). With fewer than ``MIN_COMPARABLES``
there is no badge. Otherwise the median price M of the comparables is the market estimate, the market
range is their 25th–75th percentile, and the badge follows price / M:

    ≤ 0.90 great · ≤ 0.96 good · ≤ 1.04 fair · ≤ 1.10 high · above that overpriced
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import OuterRef, Subquery

from contracts.models import Order
from core import pagecache
from marketplace.models import Listing
from marketplace.services import listings_set_price_badges

from ..models import PriceAssessment

MIN_COMPARABLES = 5
YEAR_SPAN = 1
MILEAGE_BAND_KM = 20_000
MILEAGE_BAND_SHARE = 0.30
THRESHOLDS = [  # (upper bound of price / median, badge)
    (0.90, PriceAssessment.Badge.GREAT),
    (0.96, PriceAssessment.Badge.GOOD),
    (1.04, PriceAssessment.Badge.FAIR),
    (1.10, PriceAssessment.Badge.HIGH),
]
ASSESSED_STATUSES = (Listing.Status.PUBLISHED, Listing.Status.RESERVED)
COMPARABLE_STATUSES = (Listing.Status.PUBLISHED, Listing.Status.RESERVED, Listing.Status.SOLD)


def badge_for(price: float, median: float) -> str:
    """The badge of ``price`` against the market median (thresholds above)."""
    ratio = float(price) / float(median)
    for upper, badge in THRESHOLDS:
        if ratio <= upper:
            return badge
    return PriceAssessment.Badge.OVERPRICED


def percentile(values: list[float], share: float) -> float:
    """Linear-interpolated percentile of sorted ``values`` (share 0.5 = median)."""
    if len(values) == 1:
        return values[0]
    position = (len(values) - 1) * share
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def is_comparable(car: dict, other: dict) -> bool:
    """Model year within ±1 and mileage within ±max(20,000 km, 30 %) of ``car``."""
    band = max(MILEAGE_BAND_KM, MILEAGE_BAND_SHARE * car["mileage"])
    return abs(other["year"] - car["year"]) <= YEAR_SPAN and abs(other["mileage"] - car["mileage"]) <= band


def _market_rows() -> dict[tuple[str, str], list[dict]]:
    sale_price = (
        Order.objects.filter(listing=OuterRef("pk"), status=Order.Status.DELIVERED)
        .order_by("-delivered_at")
        .values("agreed_price")[:1]
    )
    rows = (
        Listing.objects.filter(status__in=COMPARABLE_STATUSES)
        .annotate(sale_price=Subquery(sale_price))
        .values("pk", "status", "price", "sale_price", "vehicle__make", "vehicle__model", "vehicle__year", "vehicle__mileage_km")
    )
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        sold = row["status"] == Listing.Status.SOLD
        groups[(row["vehicle__make"], row["vehicle__model"])].append(
            {
                "pk": row["pk"],
                "status": row["status"],
                "price": float(row["sale_price"] if sold and row["sale_price"] else row["price"]),
                "year": row["vehicle__year"],
                "mileage": row["vehicle__mileage_km"],
                "sold": sold,
            }
        )
    return groups


def assess(car: dict, group: list[dict]) -> dict:
    """The assessment fields of one car against its make/model group."""
    comparables = [other for other in group if other["pk"] != car["pk"] and is_comparable(car, other)]
    prices = sorted(other["price"] for other in comparables)
    fields = {
        "price": Decimal(round(car["price"])),
        "comparables_count": len(comparables),
        "points": [[other["mileage"], round(other["price"]), other["sold"]] for other in comparables],
        "badge": "",
        "market_median": None,
        "market_low": None,
        "market_high": None,
    }
    if len(comparables) >= MIN_COMPARABLES:
        median = percentile(prices, 0.5)
        fields.update(
            badge=badge_for(car["price"], median),
            market_median=Decimal(round(median, -2)),  # to the hundred yuan: an estimate, not a quote
            market_low=Decimal(round(percentile(prices, 0.25), -2)),
            market_high=Decimal(round(percentile(prices, 0.75), -2)),
        )
    return fields


@transaction.atomic
def price_assessments_recompute(*, now: dt.datetime) -> int:
    """Assess every listing on sale or reserved; drop assessments of cars no longer on sale. Idempotent."""
    groups = _market_rows()
    existing = {a.listing_id: a for a in PriceAssessment.objects.all()}
    to_create, to_update, assessed = [], [], set()
    for group in groups.values():
        for car in group:
            if car["status"] not in ASSESSED_STATUSES:
                continue
            assessed.add(car["pk"])
            fields = assess(car, group)
            current = existing.get(car["pk"])
            if current is None:
                to_create.append(PriceAssessment(listing_id=car["pk"], computed_at=now, **fields))
            else:
                for name, value in fields.items():
                    setattr(current, name, value)
                current.computed_at = now
                to_update.append(current)
    PriceAssessment.objects.bulk_create(to_create, batch_size=500)
    PriceAssessment.objects.bulk_update(
        to_update,
        ["price", "comparables_count", "points", "badge", "market_median", "market_low", "market_high", "computed_at"],
        batch_size=500,
    )
    PriceAssessment.objects.exclude(listing__status__in=ASSESSED_STATUSES).delete()
    badges = dict.fromkeys(Listing.objects.exclude(price_badge="").values_list("pk", flat=True), "")
    badges.update(PriceAssessment.objects.values_list("listing_id", "badge"))
    listings_set_price_badges(badges=badges)  # the cards print the badge from the listing
    pagecache.bump("assessments")  # car pages show the market range and the comparables chart
    return len(assessed)
