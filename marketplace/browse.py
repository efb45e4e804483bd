"""The browse read path: filters, sort, seek pagination, a capped count, and the cards — in at most four queries.

* Filters come from the URL (``ListingFilter``, django-filter) and read the listing's own copies of the vehicle's
  facts, so no join is needed to find cars.
* Pages are reached by *seeking* past the last car shown, keyed by the sort: ``after=<sort value>.<id>`` (and
  ``before=`` going back). Page 5,000 costs what page 1 costs: the partial index of the sort is entered at the key.
  ``page=`` alone (old links) is honoured by OFFSET for the first ``MAX_OFFSET_PAGE`` pages.
* The count stops at ``COUNT_CAP`` (the page says "10,000+ cars"), so a broad search never counts a million rows.
* Each card is rendered once per (car, ``updated_at``, dealer and price-badge versions, language) and kept in the
  fragment cache (``core.pagecache``); a page asks for its 24 cards in one round trip.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.template import engines
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language, ngettext

from core import pagecache
from core.jinja import gettext, media
from core.templatetags.money import cny, km

from . import catalogue, finance, price_history
from .filters import BrowseQuery
from .models import Listing
from .vocabularies import city_name, trim_label

PAGE_SIZE = 24
COUNT_CAP = 1_000
MAX_OFFSET_PAGE = 40
CARD_VERSIONS = ("dealers", "assessments", finance.PAGE_VERSION)  # finance: "from ¥X/month" at the defaults


@dataclass(frozen=True)
class Sort:
    column: str
    descending: bool = False

    @property
    def order(self) -> tuple[str, str]:
        sign = "-" if self.descending else ""
        return f"{sign}{self.column}", f"{sign}id"

    def key_of(self, listing: Listing) -> str:
        value = getattr(listing, self.column)
        if isinstance(value, dt.datetime):
            value = int(value.timestamp() * 1_000_000)
        return f"{int(value)}.{listing.pk}"

    def parse(self, raw: str) -> tuple[object, int] | None:
        value, _, pk = (raw or "").partition(".")
        try:
            number, pk = int(value), int(pk)
        except ValueError:
            return None
        if self.column == "published_at":
            try:
                return dt.datetime.fromtimestamp(number / 1_000_000, tz=dt.UTC), pk
            except (OverflowError, OSError, ValueError):
                return None
        return (Decimal(number) if self.column == "price" else number), pk

    def seek(self, value, pk: int, *, backwards: bool = False) -> Q:
        """Rows after (value, pk) in this order — or before it, going back. The redundant bound on the column
        lets the index scan start at the key."""
        forward = self.descending == backwards  # ascending order and going forward, or descending going back
        bound, strict, tie = ("gte", "gt", "gt") if forward else ("lte", "lt", "lt")
        col = self.column
        return Q(**{f"{col}__{bound}": value}) & (Q(**{f"{col}__{strict}": value}) | Q(**{col: value, f"pk__{tie}": pk}))


SORTS = {
    "newest": Sort("published_at", descending=True),
    "price_asc": Sort("price"),
    "price_desc": Sort("price", descending=True),
    "mileage": Sort("mileage_km"),
    "year": Sort("year", descending=True),
}


@dataclass
class BrowsePage:
    cards: list[str]
    count: int
    capped: bool
    number: int
    next_url: str
    prev_url: str
    first_url: str
    query: BrowseQuery
    sort: str
    base_query: str

    @property
    def count_label(self) -> str:
        if self.capped:
            return gettext("%(n)s+ cars") % {"n": f"{COUNT_CAP:,}"}
        return ngettext("%(n)s car for sale", "%(n)s cars for sale", self.count) % {"n": f"{self.count:,}"}


def browse_page(params, *, request) -> BrowsePage:
    """The cars of one browse page for these GET parameters (at most 2 queries + the card fragments)."""
    query = BrowseQuery(params)
    queryset = card_rows(query.apply(Listing.objects.public()))
    sort_name = query.sort
    sort = SORTS[sort_name]
    keep = {k: v for k, v in params.items() if k not in ("page", "after", "before") and v != ""}
    base_query = urlencode(sorted(keep.items()))

    number = _page_number(params.get("page"))
    after, before = sort.parse(params.get("after", "")), sort.parse(params.get("before", ""))
    ordered = queryset.order_by(*sort.order)
    if after:
        rows = list(ordered.filter(sort.seek(*after))[: PAGE_SIZE + 1])
    elif before:
        backwards = queryset.filter(sort.seek(*before, backwards=True)).order_by(*_reversed(sort.order))
        rows = list(backwards[: PAGE_SIZE + 1])[::-1]
    else:
        number = number if number <= MAX_OFFSET_PAGE else 1
        start = (number - 1) * PAGE_SIZE
        rows = list(ordered[start : start + PAGE_SIZE + 1])
    if before:
        has_prev, has_next = len(rows) > PAGE_SIZE, True
        rows = rows[-PAGE_SIZE:] if len(rows) > PAGE_SIZE else rows
    else:
        has_next, has_prev = len(rows) > PAGE_SIZE, number > 1 or bool(after)
        rows = rows[:PAGE_SIZE]
    count = queryset.order_by()[: COUNT_CAP + 1].count()

    def link(**extra) -> str:
        return "?" + "&".join(part for part in (base_query, urlencode(extra)) if part)

    next_url = link(page=number + 1, after=sort.key_of(rows[-1])) if has_next and rows else ""
    if has_prev and rows:
        prev_url = link() if number <= 2 else link(page=number - 1, before=sort.key_of(rows[0]))
    else:
        prev_url = ""
    return BrowsePage(
        cards=cards_html(rows, request=request),
        count=min(count, COUNT_CAP),
        capped=count > COUNT_CAP,
        number=number,
        next_url=next_url,
        prev_url=prev_url,
        first_url=link(),
        query=query,
        sort=sort_name,
        base_query=base_query,
    )


def _reversed(order: tuple[str, ...]) -> list[str]:
    return [field[1:] if field.startswith("-") else f"-{field}" for field in order]


def _page_number(raw) -> int:
    try:
        return max(1, min(int(raw), 10_000_000))
    except (TypeError, ValueError):
        return 1


# --- cards -----------------------------------------------------------------------------------------


CARD_COLUMNS = (
    "id", "price", "make", "model", "trim", "year", "mileage_km", "city", "cover_thumb", "inspection_grade",
    "is_accident", "is_flood", "is_fire", "dealer_score", "price_badge", "published_at", "updated_at",
    "previous_price", "price_reduced_at",
)  # fmt: skip


def card_rows(queryset):
    """Only the columns a card prints, from the listing table alone (no join)."""
    return queryset.only(*CARD_COLUMNS)


def card_context(listing: Listing, terms: finance.Terms | None = None) -> dict:
    """Everything a card prints, formatted in the active language (the macro only places it): with "reduced ¥X"
    for a recent drop and "from ¥X/month" at the staff's default finance ``terms``."""
    name = f"{catalogue.make_label(listing.make)} {catalogue.model_label(listing.make, listing.model)}"
    return {
        "id": listing.pk,
        "url": _detail_url(listing.pk),
        "name": name,
        "trim": trim_label(listing.trim),
        "facts": gettext("%(y)s model") % {"y": listing.year} + f" · {km(listing.mileage_km)} · {city_name(listing.city)}",
        "price": cny(listing.price),
        "thumb": media(listing.cover_thumb),
        "grade": listing.inspection_grade,
        "flags": [
            label
            for flag, label in (
                (listing.is_accident, gettext("Accident car")),
                (listing.is_flood, gettext("Flood car")),
                (listing.is_fire, gettext("Fire car")),
            )
            if flag
        ],
        "badge": listing.price_badge,
        "score": listing.dealer_score,
        "reduced": price_history.card_reduced(listing),
        "monthly": finance.card_monthly(listing.price, terms),
    }


_detail_prefix: str | None = None


def _detail_url(pk: int) -> str:
    global _detail_prefix
    if _detail_prefix is None:
        _detail_prefix = reverse("marketplace:detail", args=[987654321]).replace("987654321", "{}")
    return _detail_prefix.format(pk)


def card_texts() -> dict:
    """What every card of a page says the same way, translated once per page."""
    return {
        "grade": gettext("Grade %(g)s"),
        "clean": gettext("Inspected · no accident, flood or fire"),
        "score_title": gettext("Dealer credit score (0–100)"),
        "score": gettext("Dealer %(s)s"),
        "compare": gettext("Compare"),
        "compare_url": reverse("marketplace:compare_add"),
        "token": pagecache.CSRF_PLACEHOLDER,
    }


def _card_macro():
    return engines["jinja2"].env.get_template("marketplace/_card.html").module.card


def cards_html(listings: list[Listing], *, request) -> list[str]:
    """The HTML of each car's card, from the fragment cache where it is fresh; the rest rendered and stored.

    A card is the same for every visitor (its compare button carries the CSRF placeholder that the response gets
    its token for), so one cached copy serves them all.
    """
    if not listings:
        return []
    request.csrf_placeholders = True
    language = get_language()
    stamp = "-".join(str(v) for v in pagecache.versions(CARD_VERSIONS)[0].values()) if pagecache.fragments_enabled() else ""
    keys = [f"card:{li.pk}:{int(li.updated_at.timestamp() * 1000)}:{stamp}:{language}" for li in listings]
    found = pagecache.fragment_get_many(keys)
    macro = texts = terms = None
    html, fresh = [], {}
    for key, listing in zip(keys, listings, strict=True):
        card = found.get(key)
        if card is None:
            macro, texts, terms = macro or _card_macro(), texts or card_texts(), terms or finance.default_terms()
            card = str(macro(card_context(listing, terms), texts))
            fresh[key] = card
        html.append(card)
    pagecache.fragment_set_many(fresh)
    return html


def latest_cards(*, request, limit: int = 8) -> list[str]:
    rows = list(card_rows(Listing.objects.public()).order_by("-published_at", "-id")[:limit])
    return cards_html(rows, request=request)


def on_sale_count() -> int:
    """Cars on sale now, counted at most once a minute (the home page prints it; a million rows are not counted
    per visit)."""
    from django.core.cache import cache

    count = cache.get("marketplace:on_sale_count")
    if count is None:
        count = Listing.objects.public().count()
        cache.set("marketplace:on_sale_count", count, timeout=60)
    return count
