"""Demo data: a published report by the demo inspector for every demo car (bulk, idempotent).

Runs after marketplace's demo. Listings awaiting inspection get an open request instead, so the
inspector's queue has something in it. Two cars get a corrected second version (history demo).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import User
from marketplace.models import Listing

from . import scoring
from .models import ChecklistItemDefinition, InspectionItem, InspectionReport, InspectionRequest
from .services import content_hash, report_content_from
from .summary import summary_of

# (profile, weight): a realistic spread — most dealer cars are clean or lightly used.
PROFILES = [("clean", 22), ("light", 26), ("used", 30), ("worn", 10), ("rough", 2), ("accident", 6), ("flood", 3), ("fire", 1)]

PANEL_NOTES = {
    "HH": ["轻微划痕，可抛光处理", "表面细小划痕", "漆面划伤约 5cm"],
    "AX": ["小凹陷，无漆面破损", "停车碰撞凹陷"],
    "XF": ["有钣金喷漆修复痕迹", "局部补漆"],
    "XS": ["边缘轻微锈蚀"],
    "LW": ["细小裂纹"],
    "BX": ["轻微变形"],
}
STRUCT_NOTES = {"SH": "有焊接修复痕迹", "GH": "更换过", "BX": "变形校正痕迹", "ZZ": "褶皱修复痕迹", "NQ": "扭曲"}
FUNCTION_NOTES = ["需保养", "轻微异响，建议检查", "磨损较大，建议更换", "功能偶有异常"]
SUMMARIES = {
    "clean": "车况优秀，外观内饰整洁，动力及底盘无异常。",
    "light": "整体车况良好，外观有少量使用痕迹。",
    "used": "车况正常，有若干使用痕迹与轻微问题，已在报告中逐项标注。",
    "worn": "车况一般，多处需维修保养，请仔细阅读检测项目。",
    "rough": "车况较差，多项功能需维修。",
    "accident": "结构件存在损伤修复，判定为事故车。",
    "flood": "驾驶舱及底盘发现泡水痕迹，判定为泡水车。",
    "fire": "发动机舱发现过火痕迹，判定为火烧车。",
}


def _pick(rng, weighted):
    total = sum(w for _, w in weighted)
    x = rng.uniform(0, total)
    for value, w in weighted:
        x -= w
        if x <= 0:
            return value
    return weighted[-1][0]


def _findings(rng, profile: str, defs: list[ChecklistItemDefinition]) -> dict[str, tuple[str, str, str]]:
    """code -> (result, defect_code, note) for the lines that are not OK."""
    panels = [d for d in defs if d.kind == ChecklistItemDefinition.Kind.PANEL and not d.evidence]
    functions = [d for d in defs if d.kind == ChecklistItemDefinition.Kind.OTHER and not d.evidence]
    structure = [d for d in defs if d.kind == ChecklistItemDefinition.Kind.STRUCTURE]
    n_minor_panels, n_minor_func, n_major = {
        "clean": (0, 0, 0),
        "light": (rng.randint(1, 3), rng.randint(0, 1), 0),
        "used": (rng.randint(2, 5), rng.randint(3, 6), rng.randint(1, 2)),
        "worn": (rng.randint(4, 7), rng.randint(6, 10), rng.randint(4, 6)),
        "rough": (rng.randint(8, 12), rng.randint(10, 14), rng.randint(12, 16)),
        "accident": (rng.randint(1, 4), rng.randint(0, 3), rng.randint(0, 1)),
        "flood": (rng.randint(1, 3), rng.randint(2, 5), rng.randint(1, 2)),
        "fire": (rng.randint(1, 3), rng.randint(1, 4), rng.randint(1, 2)),
    }[profile]
    out: dict[str, tuple[str, str, str]] = {}
    for d in rng.sample(panels, min(n_minor_panels, len(panels))):
        code = rng.choice(d.defect_codes)
        out[d.code] = ("minor", code, rng.choice(PANEL_NOTES.get(code, ["轻微"])))
    for d in rng.sample(functions, min(n_minor_func, len(functions))):
        out[d.code] = ("minor", "", rng.choice(FUNCTION_NOTES))
    for d in rng.sample(functions + panels, n_major):
        code = rng.choice(d.defect_codes) if d.defect_codes else ""
        out[d.code] = ("major", code, "需维修" if not code else rng.choice(PANEL_NOTES.get(code, ["明显损伤"])))
    if profile == "accident":
        for d in rng.sample(structure[1:], rng.randint(1, 2)):
            code = rng.choice(["SH", "GH", "BX"])
            out[d.code] = (rng.choice(["minor", "major"]), code, STRUCT_NOTES[code])
    if profile in ("flood", "fire"):
        evidence = [d for d in defs if d.evidence == profile]
        for d in rng.sample(evidence, min(len(evidence), rng.randint(2, 3))):
            out[d.code] = (
                "major",
                d.defect_codes[0] if d.defect_codes else "",
                "发现泥沙及水渍痕迹" if profile == "flood" else "发现烧蚀、熏黑痕迹",
            )
    return out


def _build(report: InspectionReport, defs, findings) -> list[InspectionItem]:
    items = []
    for d in defs:
        result, defect, note = findings.get(d.code, ("ok", "", ""))
        items.append(InspectionItem(report=report, definition=d, result=result, defect_code=defect, note=note))
    return items


def _apply_evaluation(report: InspectionReport, items) -> None:
    ev = scoring.evaluate((i.definition, i.result) for i in items)
    for name in ("score", "grade", "is_accident", "is_flood", "is_fire", "minor_count", "major_count", "not_checked_count"):
        setattr(report, name, getattr(ev, name))


def seed(*, stdout, rng, cars=200, **kwargs) -> None:
    inspector = User.objects.filter(username="inspector").first()
    if inspector is None:
        stdout.write("  no demo inspector; skipped")
        return
    defs = list(ChecklistItemDefinition.objects.filter(is_active=True).order_by("position"))
    done = set(InspectionReport.objects.values_list("vehicle_id", flat=True))
    pending = set(InspectionRequest.objects.pending().values_list("vehicle_id", flat=True))
    # Cars on the market or in a deal. Sold/withdrawn history that later apps' demos add (e.g. past
    # sales for price statistics) is left alone, so a second run creates nothing.
    listings = list(
        Listing.objects.filter(status__in=Listing.ACTIVE_STATUSES)
        .exclude(vehicle_id__in=done)
        .select_related("vehicle", "dealer")
        .order_by("pk")
    )
    now = timezone.now()
    created_reports = requests = 0
    to_report = []
    for listing in listings:
        if listing.status == Listing.Status.AWAITING_INSPECTION:
            if listing.vehicle_id not in pending:
                InspectionRequest.objects.create(
                    listing=listing, vehicle=listing.vehicle, requested_by=listing.dealer, note="车辆在店，工作日均可检测"
                )
                pending.add(listing.vehicle_id)
                requests += 1
            continue
        if listing.vehicle_id in pending:
            continue
        to_report.append(listing)

    # Two corrected reports to show version history.
    corrected = {listing.pk for listing in to_report[:2]}
    reports, all_items, latest = [], [], []
    for listing in to_report:
        profile = "light" if listing.pk in corrected else _pick(rng, PROFILES)
        findings = _findings(rng, profile, defs)
        inspected = (listing.published_at or listing.created_at or now) - dt.timedelta(
            days=rng.randint(1, 6), hours=rng.randint(0, 8)
        )
        base = {
            "vehicle": listing.vehicle,
            "listing": listing,
            "inspector": inspector,
            "inspected_at": inspected,
            "odometer_km": listing.vehicle.mileage_km,
            "location": f"{listing.vehicle.city} · 安心车认证检测中心",
            "summary": SUMMARIES[profile],
        }
        if listing.pk in corrected:
            missed = dict(findings)
            # v1 missed one scratch; v2 records it.
            extra = next(d for d in defs if d.kind == ChecklistItemDefinition.Kind.PANEL and d.code not in findings)
            findings[extra.code] = ("minor", "HH", "复检发现：轻微划痕")
            v1 = InspectionReport(
                **base, version=1, status=InspectionReport.Status.SUPERSEDED, published_at=inspected + dt.timedelta(hours=2)
            )
            v1_items = _build(v1, defs, missed)
            _apply_evaluation(v1, v1_items)
            v1.content_hash = content_hash(report_content_from(v1, v1_items))
            v1.save()
            for i in v1_items:
                i.report = v1
            all_items.extend(v1_items)
            v2 = InspectionReport(
                **{**base, "inspected_at": inspected + dt.timedelta(days=1)},
                version=2,
                previous_version=v1,
                status=InspectionReport.Status.PUBLISHED,
                correction_reason="复检补录一处外观划痕",
                published_at=inspected + dt.timedelta(days=1, hours=1),
                changes=[
                    {
                        "code": extra.code,
                        "name_en": extra.name_en,
                        "name_zh": extra.name_zh,
                        "from": "ok",
                        "from_defect": "",
                        "to": "minor",
                        "to_defect": "HH",
                    }
                ],
            )
            items = _build(v2, defs, findings)
            _apply_evaluation(v2, items)
            v2.content_hash = content_hash(report_content_from(v2, items))
            v2.save()
            all_items.extend(items)
            latest.append((listing, v2))
            created_reports += 2
            continue
        report = InspectionReport(
            **base, version=1, status=InspectionReport.Status.PUBLISHED, published_at=inspected + dt.timedelta(hours=2)
        )
        items = _build(report, defs, findings)
        _apply_evaluation(report, items)
        report.content_hash = content_hash(report_content_from(report, items))
        reports.append((report, items))
        latest.append((listing, report))

    InspectionReport.objects.bulk_create([r for r, _ in reports], batch_size=200)
    for report, items in reports:
        for item in items:
            item.report = report  # now has a pk
        all_items.extend(items)
    InspectionItem.objects.bulk_create(all_items, batch_size=2000)
    created_reports += len(reports)

    changed = []
    for listing, report in latest:
        listing.inspection_grade = report.grade
        listing.is_accident, listing.is_flood, listing.is_fire = report.is_accident, report.is_flood, report.is_fire
        listing.report_summary = summary_of(report)  # what the car's page prints, as publication writes it
        changed.append(listing)
    Listing.objects.bulk_update(
        changed, ["inspection_grade", "is_accident", "is_flood", "is_fire", "report_summary"], batch_size=200
    )
    grades = {}
    for _, r in latest:
        grades[r.grade] = grades.get(r.grade, 0) + 1
    stdout.write(
        f"  {created_reports} inspection reports ({len(all_items)} items), grades {dict(sorted(grades.items()))}, {requests} open requests"
    )
