"""Trust widgets for other apps' templates: dealer score, price badge, comparable-prices chart, stars."""

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _

from ..services.scores import COMPONENT_LABELS

register = template.Library()


def _related(obj, name):
    """A reverse one-to-one that may be missing (select_related caches the miss, so no query)."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


@register.simple_tag
def dealer_score_of(dealer):
    return _related(dealer, "dealer_score")


@register.simple_tag
def price_assessment_of(listing):
    return _related(listing, "price_assessment")


@register.inclusion_tag("insights/partials/stars.html")
def stars(value):
    value = int(value or 0)
    return {"on": range(value), "off": range(5 - value), "value": value}


@register.filter
def score_components(components):
    """[(label, value, weight, detail)] in a fixed order, for the score breakdown."""
    rows = []
    for key, label in COMPONENT_LABELS.items():
        c = (components or {}).get(key) or {}
        rows.append({"key": key, "label": label, "value": c.get("value"), "weight": c.get("weight"), "detail": _detail(key, c)})
    return rows


def _detail(key, c) -> str:
    if key == "reviews":
        if not c.get("count"):
            return _("No reviews yet — the neutral prior applies.")
        return _("%(n)s reviews, average %(avg)s★, smoothed %(s)s★") % {
            "n": c["count"],
            "avg": c.get("average"),
            "s": c.get("smoothed"),
        }
    if key == "complaints":
        return _("%(c)s complaints on %(s)s sales (12 months)") % {"c": c.get("complaints", 0), "s": c.get("sales", 0)}
    if key == "sla":
        return _("%(b)s of %(n)s requests missed a deadline") % {"b": c.get("breached", 0), "n": c.get("cases", 0)}
    if key == "after_sales":
        return _("%(u)s upheld requests on %(s)s sales") % {"u": c.get("upheld", 0), "s": c.get("sales", 0)}
    if key == "csat":
        if not c.get("answers"):
            return _("No survey answers yet.")
        return _("%(n)s answers, average %(a)s / 5") % {"n": c["answers"], "a": round(c.get("average") or 0, 2)}
    return ""


@register.inclusion_tag("insights/partials/comparables_chart.html")
def comparables_chart(listing):
    """Comparable prices vs mileage with this car highlighted (stored points: no query)."""
    assessment = _related(listing, "price_assessment")
    if assessment is None or not assessment.points:
        return {"assessment": None}
    on_sale = [{"x": m, "y": p} for m, p, sold in assessment.points if not sold]
    sold = [{"x": m, "y": p} for m, p, sold in assessment.points if sold]
    spec = {
        "kind": "scatter",
        "labels": [],
        "x_title": _("Mileage (km)"),
        "y_title": _("Price (CNY)"),
        "datasets": [
            {"label": _("Comparable cars on sale"), "data": on_sale, "colour": "#0b4f8a", "pointRadius": 4},
            {"label": _("Comparable cars sold"), "data": sold, "colour": "#868e96", "pointRadius": 4},
            {
                "label": _("This car"),
                "data": [{"x": listing.vehicle.mileage_km, "y": int(listing.price)}],
                "colour": "#d9480f",
                "pointRadius": 9,
                "pointStyle": "star",
                "borderWidth": 2,
            },
        ],
        "unit": "",
    }
    return {"assessment": assessment, "spec": spec, "chart_id": f"comparables-{listing.pk}"}


@register.filter
def cell(value):
    """Table cells: thousands separators for numbers, text as is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return f"{value:,}"  # the same grouping in both languages (zh-hans formats would drop it)
