"""The inspection summary shown on a car's page (the marketplace detail page includes
``inspections/_summary.html`` by name; ``config.jinja2`` hands it this function as ``inspection_summary``)."""

from __future__ import annotations

from django.utils.translation import get_language, ngettext

from .diagram import damage_diagram_svg
from .models import GRADE_LABELS
from .selectors import findings_for_diagram, latest_published_for_vehicle

GRADE_CLASSES = {1: "text-bg-success", 2: "text-bg-primary", 3: "text-bg-warning", 4: "text-bg-secondary", 5: "text-bg-danger"}


def inspection_summary(listing) -> dict:
    """The car's current published report with what the card prints: two queries (the report, the findings the
    diagram colours), nothing else. ``report`` is None before a report is published."""
    report = latest_published_for_vehicle(listing.vehicle_id)
    if report is None:
        return {"report": None}
    chinese = (get_language() or "").startswith("zh")
    return {
        "report": report,
        "diagram": damage_diagram_svg(findings_for_diagram(report), link=False, width=150),
        "grade_class": GRADE_CLASSES.get(report.grade, "text-bg-light"),
        "grade_label": str(GRADE_LABELS.get(report.grade, "")),
        "counts": [
            ("bi-x-octagon-fill text-danger", ngettext("%(n)s major finding", "%(n)s major findings", report.major_count)),
            ("bi-exclamation-circle-fill text-warning", ngettext("%(n)s minor finding", "%(n)s minor findings", report.minor_count)),
        ]
        + (
            [("bi-dash-circle", ngettext("%(n)s item not checked", "%(n)s items not checked", report.not_checked_count))]
            if report.not_checked_count
            else []
        ),
        "count_values": [report.major_count, report.minor_count, report.not_checked_count],
        "changes": [(c.get("name_zh") if chinese else c.get("name_en")) for c in (report.changes or [])[:3]],
        "more_changes": len(report.changes or []) > 3,
    }
