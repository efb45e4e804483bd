"""Helpers to build inspection reports in tests (other apps' tests may use them too)."""

from __future__ import annotations

from django.utils import timezone

from inspections import services
from inspections.models import InspectionItem, InspectionReport


def draft_report(*, vehicle, inspector, listing=None, all_ok: bool = True) -> InspectionReport:
    """A draft with the header filled in and (by default) every item OK."""
    report = services.report_start(vehicle=vehicle, listing=listing, inspector=inspector)
    report = services.report_update(
        report=report, actor=inspector, inspected_at=timezone.now(), odometer_km=vehicle.mileage_km, location="北京市朝阳区检测站"
    )
    if all_ok:
        report.items.update(result=InspectionItem.Result.OK)
        services.report_evaluate(report=report)
    return report


def set_findings(report: InspectionReport, inspector, findings: dict[str, tuple[str, str]]) -> InspectionReport:
    """``findings``: {code: (result, defect_code)}."""
    items = {i.definition.code: i for i in report.items.select_related("definition")}
    changes = [{"item": items[code], "result": result, "defect_code": defect} for code, (result, defect) in findings.items()]
    return services.report_items_update(report=report, actor=inspector, changes=changes)


def published_report(*, vehicle, inspector, listing=None, findings=None) -> InspectionReport:
    report = draft_report(vehicle=vehicle, inspector=inspector, listing=listing)
    if findings:
        set_findings(report, inspector, findings)
    return services.report_publish(report=report, actor=inspector)
