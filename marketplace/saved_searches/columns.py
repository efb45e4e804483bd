"""A saved search's filters as columns: cleaned exactly as the browse page cleans them (``BrowseQuery``), so a
saved search matches a new car exactly when ``/cars/?<its query>`` would list it."""

from __future__ import annotations

from decimal import Decimal

from django.http import QueryDict
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from core.templatetags.money import cny, km

from .. import catalogue
from ..filters import BrowseQuery
from ..search import query_tokens


def filters_of(params, *, query: BrowseQuery | None = None) -> tuple[str, dict]:
    """(normalised query string, {column: value}) for GET ``params`` of /cars/ (or the browse page's own cleaned
    ``query`` of them). Invalid values are dropped, as the browse page ignores them; the query keeps the sort (the
    link opens as the buyer saw it)."""
    if query is None:
        query = BrowseQuery(QueryDict(params) if isinstance(params, str) else params)
    cleaned = query.cleaned
    columns: dict = {}
    if "make" in cleaned:
        columns["make"] = catalogue.make_from_alias(cleaned["make"]) or cleaned["make"].strip()
    if "model" in cleaned:
        found = catalogue.model_from_alias(cleaned["model"])
        columns["model"] = found[1] if found else cleaned["model"].strip()
    for name, column in (("city", "city"), ("fuel", "fuel"), ("transmission", "transmission"), ("body", "body_type")):
        if name in cleaned:
            columns[column] = cleaned[name]
    # The bounds as the browse page's lookups take them: whole numbers by int() for the integer columns (what
    # IntegerField does with 2020.5), prices to the fen.
    for name in ("year_min", "year_max", "mileage_max"):
        if name in cleaned:
            columns[name] = int(cleaned[name])
    for name in ("price_min", "price_max"):
        if name in cleaned:
            columns[name] = Decimal(cleaned[name]).quantize(Decimal("0.01"))
    if "grade" in cleaned:
        columns["grade_max"] = int(cleaned["grade"])
    for name in ("no_accident", "no_flood", "no_fire"):
        if cleaned.get(name):
            columns[name] = True
    if "dealer" in cleaned:
        columns["dealer_filter"] = int(cleaned["dealer"])
    if "q" in cleaned:
        tokens = query_tokens(cleaned["q"])
        if tokens:
            columns["keywords"] = " ".join(tokens)
    kept = {key: value for key, value in query.data.items() if key in cleaned and key not in BrowseQuery.PAGING}
    if kept.get("sort") == "newest":
        del kept["sort"]
    return urlencode(sorted(kept.items())), columns


def keywords_match(keywords: str, search_text: str) -> bool:
    """Every keyword token starts one of the car's tokens (``marketplace.search``: what the browse page does)."""
    if not keywords:
        return True
    stored = (search_text or "").split()
    return all(any(token.startswith(wanted) for token in stored) for wanted in keywords.split())


def suggested_name(columns: dict) -> str:
    """A short name for a new saved search, in the active language ("Toyota Corolla · ≤ ¥100,000 · 北京")."""
    parts = []
    if columns.get("make"):
        parts.append(catalogue.make_label(columns["make"]))
        if columns.get("model"):
            parts[-1] += " " + catalogue.model_label(columns["make"], columns["model"])
    low, high = columns.get("price_min"), columns.get("price_max")
    if low and high:
        parts.append(f"{cny(low)}–{cny(high)}")
    elif high:
        parts.append(f"≤ {cny(high)}")
    elif low:
        parts.append(f"≥ {cny(low)}")
    if columns.get("year_min"):
        parts.append(_("from %(year)s") % {"year": columns["year_min"]})
    if columns.get("mileage_max"):
        parts.append(f"≤ {km(columns['mileage_max'])}")
    for name in ("city", "keywords"):
        if columns.get(name):
            parts.append(columns[name])
    return (" · ".join(parts) or _("My search"))[:80]


def save_search_context(request, query: BrowseQuery | None = None) -> dict | None:
    """What the "save this search" button of /cars/ needs (None without a filter: all cars is not a search);
    ``query``: the browse page's cleaned filters, so they are not cleaned twice."""
    from ..models import SavedSearch

    query, columns = filters_of(request.GET, query=query)
    if not columns:
        return None
    return {
        "query": query,
        "name": suggested_name(columns),
        "frequencies": SavedSearch.Frequency.choices,
        "next": f"{request.path}?{query}",
    }
