"""Listings now carry the summary card of their car's published report (marketplace 0005): write it for the
reports published before (the same content ``inspections.summary.summary_of`` writes at publication)."""

from django.db import migrations


def write_summaries(apps, schema_editor):
    Report = apps.get_model("inspections", "InspectionReport")
    Item = apps.get_model("inspections", "InspectionItem")
    Listing = apps.get_model("marketplace", "Listing")
    active = ["draft", "awaiting_inspection", "published", "reserved"]
    for report in Report.objects.filter(status="published").select_related("inspector"):
        inspector = report.inspector
        findings = (
            Item.objects.filter(report=report, result__in=["minor", "major"])
            .exclude(definition__diagram_panel="")
            .select_related("definition")
        )
        summary = {
            "report_id": report.pk,
            "version": report.version,
            "grade": report.grade,
            "score": report.score,
            "counts": [report.major_count, report.minor_count, report.not_checked_count],
            "verdicts": [report.is_accident, report.is_flood, report.is_fire],
            "inspector": (inspector.full_name or inspector.username) if inspector else "",
            "inspected_on": report.inspected_at.isoformat() if report.inspected_at else "",
            "published_on": report.published_at.date().isoformat() if report.published_at else "",
            "changes": [{"en": c.get("name_en", ""), "zh": c.get("name_zh", "")} for c in (report.changes or [])],
            "findings": [
                {
                    "panel": i.definition.diagram_panel,
                    "code": i.definition.code,
                    "en": i.definition.name_en,
                    "zh": i.definition.name_zh,
                    "result": i.result,
                    "defect": i.defect_code,
                }
                for i in findings
            ],
        }
        Listing.objects.filter(vehicle_id=report.vehicle_id, status__in=active).update(report_summary=summary)


class Migration(migrations.Migration):
    dependencies = [("inspections", "0003_published_reports_are_immutable"), ("marketplace", "0005_listing_gallery_report_summary")]
    operations = [migrations.RunPython(write_summaries, migrations.RunPython.noop)]
