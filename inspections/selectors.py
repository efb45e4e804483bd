"""Reads: a report with its items grouped by section, the listing summary, version history."""

from __future__ import annotations

from django.db.models import Prefetch

from . import scoring
from .models import SECTION_POINTS, InspectionItem, InspectionReport, Section


def report_with_items(pk: int, queryset=None) -> InspectionReport:
    """One report with vehicle, inspector and all items + definitions (3 queries)."""
    qs = queryset if queryset is not None else InspectionReport.objects.all()
    return (
        qs.select_related("vehicle", "inspector", "inspector__dealer_profile", "previous_version")
        .prefetch_related(
            Prefetch("items", queryset=InspectionItem.objects.select_related("definition").order_by("definition__position"))
        )
        .get(pk=pk)
    )


def sections_of(report: InspectionReport) -> list[dict]:
    """Items grouped by section in checklist order, with each section's score and counts (no queries)."""
    items = list(report.items.all())
    evaluation = scoring.evaluate((i.definition, i.result) for i in items)
    groups: dict[str, list] = {s.value: [] for s in Section}
    for item in items:
        groups.setdefault(item.definition.section, []).append(item)
    result = []
    for section in Section:
        section_items = groups.get(section.value, [])
        if not section_items:
            continue
        score, maximum = evaluation.section_scores.get(section.value, (None, SECTION_POINTS.get(section.value, 0)))
        result.append(
            {
                "key": section.value,
                "label": section.label,
                "items": section_items,
                "score": score,
                "max": maximum,
                "minor": sum(1 for i in section_items if i.result == InspectionItem.Result.MINOR),
                "major": sum(1 for i in section_items if i.result == InspectionItem.Result.MAJOR),
                "not_checked": sum(1 for i in section_items if i.result == InspectionItem.Result.NOT_CHECKED),
                "ok": sum(1 for i in section_items if i.result == InspectionItem.Result.OK),
            }
        )
    return result


def latest_published_for_vehicle(vehicle_id: int) -> InspectionReport | None:
    """The current published version with its inspector (1 query); counts are stored on the row."""
    return (
        InspectionReport.objects.published()
        .filter(vehicle_id=vehicle_id)
        .select_related("inspector")
        .order_by("-version")
        .first()
    )


def findings_for_diagram(report: InspectionReport):
    """Only the items the diagram colours: findings on lines that have a panel (1 query)."""
    return (
        InspectionItem.objects.filter(report=report, result__in=[InspectionItem.Result.MINOR, InspectionItem.Result.MAJOR])
        .exclude(definition__diagram_panel="")
        .select_related("definition")
    )


def version_history(vehicle_id: int):
    """All public versions of a car's report, newest first."""
    return InspectionReport.objects.public().filter(vehicle_id=vehicle_id).select_related("inspector").order_by("-version")
