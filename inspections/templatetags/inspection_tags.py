"""Cheap inspection fragments for other apps' pages (the listing detail page has a 10-query budget)."""

from django import template

from ..diagram import damage_diagram_svg
from ..models import GRADE_LABELS, InspectionItem
from ..selectors import findings_for_diagram, latest_published_for_vehicle

register = template.Library()

GRADE_CLASSES = {1: "text-bg-success", 2: "text-bg-primary", 3: "text-bg-warning", 4: "text-bg-secondary", 5: "text-bg-danger"}


@register.inclusion_tag("inspections/partials/summary_card.html", takes_context=True)
def inspection_summary(context, listing):
    """Latest published report of the listing's car: 1 query for the report (counts are stored on
    it), 1 for the findings the diagram colours. Nothing else."""
    report = latest_published_for_vehicle(listing.vehicle_id)
    diagram = damage_diagram_svg(findings_for_diagram(report), link=False, width=150) if report else ""
    return {
        "report": report,
        "listing": listing,
        "diagram": diagram,
        "request": context.get("request"),
        "user": context.get("user"),
    }


@register.filter
def grade_class(grade):
    return GRADE_CLASSES.get(grade, "text-bg-light")


@register.filter
def grade_label(grade):
    return GRADE_LABELS.get(grade, "")


@register.filter
def result_class(result):
    return {"ok": "text-success", "minor": "text-warning-emphasis", "major": "text-danger", "not_checked": "text-muted"}.get(
        result, ""
    )


@register.filter
def result_icon(result):
    return {
        "ok": "bi-check-circle-fill",
        "minor": "bi-exclamation-circle-fill",
        "major": "bi-x-octagon-fill",
        "not_checked": "bi-dash-circle",
    }.get(result, "")


@register.filter
def result_label(result):
    return InspectionItem.Result(result).label if result in InspectionItem.Result.values else result


@register.filter
def localized_name(change, lang):
    """``name_zh``/``name_en`` from a stored change dict."""
    return change.get("name_zh") if str(lang).lower().startswith("zh") else change.get("name_en")
