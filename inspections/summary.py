"""The inspection summary shown on a car's page (the marketplace detail page includes
``inspections/_summary.html`` by name; ``config.jinja2`` hands it ``inspection_summary``).

A published report never changes, so what its summary prints is written once, at publication, onto the car's
listings (``summary_of`` → ``marketplace.services.listings_record_inspection``): the car's page reads it from the
listing row it already has, with no query of its own. A correction is a new version and writes a new summary.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language, ngettext

from .diagram import damage_diagram_svg
from .models import GRADE_LABELS, InspectionItem, InspectionReport

GRADE_CLASSES = {1: "text-bg-success", 2: "text-bg-primary", 3: "text-bg-warning", 4: "text-bg-secondary", 5: "text-bg-danger"}


def summary_of(report: InspectionReport) -> dict:
    """What the summary card prints of a published report, as JSON (1 query: the findings the diagram colours)."""
    findings = (
        InspectionItem.objects.filter(report=report, result__in=[InspectionItem.Result.MINOR, InspectionItem.Result.MAJOR])
        .exclude(definition__diagram_panel="")
        .select_related("definition")
    )
    return {
        "report_id": report.pk,
        "version": report.version,
        "grade": report.grade,
        "score": report.score,
        "counts": [report.major_count, report.minor_count, report.not_checked_count],
        "verdicts": [report.is_accident, report.is_flood, report.is_fire],
        "inspector": report.inspector.display_name if report.inspector_id else "",
        "inspected_on": report.inspected_at.isoformat() if report.inspected_at else "",
        "published_on": report.published_at.date().isoformat() if report.published_at else "",
        "changes": [{"en": c.get("name_en", ""), "zh": c.get("name_zh", "")} for c in (report.changes or [])],
        "findings": [
            {
                "panel": item.definition.diagram_panel,
                "code": item.definition.code,
                "en": item.definition.name_en,
                "zh": item.definition.name_zh,
                "result": item.result,
                "defect": item.defect_code,
            }
            for item in findings
        ],
    }


@dataclass(frozen=True)
class _Definition:
    code: str
    name: str
    diagram_panel: str


@dataclass(frozen=True)
class _Finding:
    """A stored finding, shaped like an ``InspectionItem`` for the diagram."""

    result: str
    defect_code: str
    definition: _Definition

    def get_result_display(self) -> str:
        return str(InspectionItem.Result(self.result).label)


def inspection_summary(listing) -> dict:
    """The card of the car's current published report, from the summary stored on the listing: no query."""
    stored = listing.report_summary or {}
    if not stored.get("report_id"):
        return {"report": None}
    chinese = (get_language() or "").startswith("zh")
    findings = [
        _Finding(f["result"], f.get("defect", ""), _Definition(f["code"], f["zh"] if chinese else f["en"], f["panel"]))
        for f in stored.get("findings", [])
    ]
    major, minor, unchecked = stored["counts"]
    counts = [
        ("bi-x-octagon-fill text-danger", ngettext("%(n)s major finding", "%(n)s major findings", major) % {"n": major}),
        (
            "bi-exclamation-circle-fill text-warning",
            ngettext("%(n)s minor finding", "%(n)s minor findings", minor) % {"n": minor},
        ),
    ]
    if unchecked:
        counts.append(
            ("bi-dash-circle", ngettext("%(n)s item not checked", "%(n)s items not checked", unchecked) % {"n": unchecked})
        )
    changes = [c["zh"] if chinese else c["en"] for c in stored.get("changes", [])]
    return {
        "report": stored,
        "diagram": damage_diagram_svg(findings, link=False, width=150),
        "grade_class": GRADE_CLASSES.get(stored["grade"], "text-bg-light"),
        "grade_label": str(GRADE_LABELS.get(stored["grade"], "")),
        "counts": counts,
        "verdicts": stored["verdicts"],
        "changes": changes[:3],
        "more_changes": len(changes) > 3,
    }
