"""Similar cars on a car's page: the same model, or the same body type, in its price band; the same city first,
then cities of the same region, then the rest.

The section is its own small cached page (``/cars/<id>/similar/``, registered with the page cache) that the detail
page's script drops in: it shows *other* cars, so it depends on the whole catalogue, while the car's own page
depends only on that car. Were the section part of the car's page, every change to any car anywhere would throw
away every cached car page. Two queries (the car, its neighbours) plus the cards from the fragment cache.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404, HttpResponse
from django.template import engines
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views import View

from core import pagecache

from . import browse
from .finance import PAGE_VERSION as FINANCE_VERSION
from .models import Listing

LIMIT = 4
BAND = Decimal("0.25")  # ±25 % of the price
REGIONS = (
    ("北京", "天津"),
    ("上海", "苏州", "杭州", "南京"),
    ("广州", "深圳"),
    ("成都", "重庆"),
    ("武汉",),
    ("西安",),
)


def region_of(city: str) -> tuple[str, ...]:
    for region in REGIONS:
        if city in region:
            return region
    return (city,)


def price_band(price: Decimal) -> tuple[int, int]:
    return int(price * (1 - BAND)), int(price * (1 + BAND)) + 1


def similar_to(listing: Listing, *, limit: int = LIMIT) -> list[Listing]:
    """Cars on sale like ``listing`` (one query, card columns only), nearest first."""
    low, high = price_band(listing.price)
    same_model = Q(make=listing.make, model=listing.model)
    rows = (
        browse.card_rows(Listing.objects.public())
        .filter(same_model | Q(body_type=listing.body_type), price__gte=low, price__lte=high)
        .exclude(pk=listing.pk)
        .annotate(
            nearness=Case(
                When(city=listing.city, then=Value(0)),
                When(city__in=region_of(listing.city), then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            likeness=Case(When(same_model, then=Value(0)), default=Value(1), output_field=IntegerField()),
        )
        .order_by("nearness", "likeness", "-published_at", "-id")
    )
    return list(rows[:limit])


def browse_link(listing: Listing) -> str:
    """The browse search these neighbours come from (the section's link, and its fallback without script)."""
    low, high = price_band(listing.price)
    return "?" + urlencode({"body": listing.body_type, "price_min": low, "price_max": high})


pagecache.register(
    "marketplace:similar",
    depends_on=lambda kwargs, query: ["catalogue", *browse.CARD_VERSIONS, FINANCE_VERSION],
)


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class SimilarCarsView(View):
    """``/cars/<id>/similar/``: the section's HTML (no page frame), the same for every visitor."""

    def get(self, request, pk):
        listing = Listing.objects.viewable().only("id", "make", "model", "body_type", "price", "city").filter(pk=pk).first()
        if listing is None:
            raise Http404
        cars = similar_to(listing)
        context = {"cards": browse.cards_html(cars, request=request), "more_url": browse_link(listing)}
        html = engines["jinja2"].get_template("marketplace/_similar.html").render(context, request)
        return HttpResponse(html)
