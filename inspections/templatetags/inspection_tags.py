"""Cheap inspection fragments for other apps' pages (the listing detail page has a 10-query budget)."""

from django import template

from ..models import GRADE_LABELS, InspectionItem

register = template.Library()

GRADE_CLASSES = {1: "text-bg-success", 2: "text-bg-primary", 3: "text-bg-warning", 4: "text-bg-secondary", 5: "text-bg-danger"}


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
