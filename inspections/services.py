"""Every write of the inspections app: requests, drafts, items, publishing, corrections, PDF."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import is_inspector
from core.errors import DomainError, PermissionDeniedError
from core.statemachine import audit
from marketplace.models import Listing, Vehicle
from notifications.kinds import localized
from notifications.services import Notice, notify_many

from . import notices, scoring
from .models import ChecklistItemDefinition, InspectionItem, InspectionReport, InspectionRequest
from .summary import summary_of

REPORT_FIELDS = ("inspected_at", "odometer_km", "location", "summary", "correction_reason")


class ReportLocked(DomainError):
    """Published (or superseded) reports are immutable; corrections are new versions."""


class ReportIncomplete(DomainError):
    """The draft misses something a published report must have."""


class InvalidFinding(DomainError):
    """A defect code that the checklist line does not allow, or a finding without one."""


# --- guards -------------------------------------------------------------------------------------


def _require_inspector(actor) -> None:
    """Only certified inspectors write reports; dealers, buyers and staff never do."""
    if not is_inspector(actor):
        raise PermissionDeniedError(_("Only a certified inspector can write inspection reports."), code="not_inspector")


def _require_editable(report: InspectionReport, actor) -> None:
    """A draft, edited only by the inspector it is assigned to."""
    _require_inspector(actor)
    if report.is_locked:
        raise ReportLocked(
            _("This report is published and can no longer be changed. Create a corrected version instead."), code="locked"
        )
    if report.inspector_id != actor.pk:
        raise PermissionDeniedError(_("Only the inspector assigned to this report can edit it."), code="not_assigned")


def _require_not_own_car(vehicle: Vehicle, actor) -> None:
    if Listing.objects.filter(vehicle=vehicle, dealer=actor).exists():
        raise PermissionDeniedError(_("You cannot inspect a car you are selling."), code="own_car")


def _locked_report(report: InspectionReport) -> InspectionReport:
    return InspectionReport.objects.select_for_update().select_related("vehicle").get(pk=report.pk)


# --- requests -----------------------------------------------------------------------------------


@transaction.atomic
def request_create(*, listing: Listing, actor, note: str = "") -> InspectionRequest:
    """A dealer asks for an inspection of one of their cars. One pending request per car.

    A draft listing moves to "awaiting inspection" (through the marketplace's own service).
    """
    if actor is None or actor.pk != listing.dealer_id:
        raise PermissionDeniedError(_("Only the dealer selling this car can request an inspection."), code="not_owner")
    if listing.status not in Listing.ACTIVE_STATUSES:
        raise DomainError(_("This listing is closed; reopen it before requesting an inspection."), code="listing_closed")
    if InspectionRequest.objects.pending().filter(vehicle_id=listing.vehicle_id).exists():
        raise DomainError(_("An inspection of this car has already been requested."), code="already_requested")
    if listing.status == Listing.Status.DRAFT:
        from marketplace.services import listing_submit_for_inspection

        listing_submit_for_inspection(listing=listing, actor=actor)
    request = InspectionRequest.objects.create(
        listing=listing, vehicle_id=listing.vehicle_id, requested_by=actor, note=note[:300]
    )
    audit(request, action="requested", actor=actor, to_status=request.status)
    vehicle = listing.vehicle
    params = {"car": localized(lambda: str(vehicle)), "dealer": actor.display_name, "city": vehicle.city}
    notify_many(
        Notice(
            inspector,
            notices.REQUESTED,
            f"inspection-request-{request.pk}-to-{inspector.pk}",
            params=params,
            url=reverse("inspections:workspace"),
        )
        for inspector in User.objects.filter(role=User.Role.INSPECTOR, is_active=True)
    )
    return request


@transaction.atomic
def request_cancel(*, request: InspectionRequest, actor) -> InspectionRequest:
    """The dealer withdraws a request nobody has taken yet."""
    if actor is None or actor.pk != request.requested_by_id:
        raise PermissionDeniedError(_("Only the dealer who asked can cancel this request."), code="not_owner")
    request = InspectionRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != InspectionRequest.Status.OPEN:
        raise DomainError(_("An inspector is already working on this car."), code="taken")
    request.transition_to(InspectionRequest.Status.CANCELLED, actor=actor)
    request.save(update_fields=["status", "updated_at"])
    return request


@transaction.atomic
def request_take(*, request: InspectionRequest, inspector) -> InspectionReport:
    """An inspector takes a queued request: it is assigned to them and a draft report is opened."""
    _require_inspector(inspector)
    request = InspectionRequest.objects.select_for_update().select_related("listing", "vehicle").get(pk=request.pk)
    if request.status != InspectionRequest.Status.OPEN:
        raise DomainError(_("Another inspector has already taken this request."), code="taken")
    report = report_start(vehicle=request.vehicle, listing=request.listing, inspector=inspector)
    request.transition_to(InspectionRequest.Status.TAKEN, actor=inspector)
    request.inspector = inspector
    request.report = report
    request.save(update_fields=["status", "inspector", "report", "updated_at"])
    return report


# --- drafts -------------------------------------------------------------------------------------


def _next_version(vehicle: Vehicle) -> int:
    last = InspectionReport.objects.filter(vehicle=vehicle).order_by("-version").values_list("version", flat=True).first()
    return (last or 0) + 1


@transaction.atomic
def report_start(*, vehicle: Vehicle, inspector, listing: Listing | None = None) -> InspectionReport:
    """Open a draft with one "not checked" item per active checklist line."""
    _require_inspector(inspector)
    _require_not_own_car(vehicle, inspector)
    if InspectionReport.objects.filter(vehicle=vehicle, status=InspectionReport.Status.DRAFT).exists():
        raise DomainError(_("A draft report for this car is already being written."), code="draft_exists")
    report = InspectionReport.objects.create(
        vehicle=vehicle,
        listing=listing,
        inspector=inspector,
        version=_next_version(vehicle),
        odometer_km=vehicle.mileage_km,
        location=vehicle.city,
    )
    definitions = ChecklistItemDefinition.objects.filter(is_active=True)
    InspectionItem.objects.bulk_create([InspectionItem(report=report, definition=d) for d in definitions])
    report_evaluate(report=report)
    audit(report, action="draft_started", actor=inspector, to_status=report.status)
    return report


@transaction.atomic
def report_update(*, report: InspectionReport, actor, **fields) -> InspectionReport:
    """Change the header of a draft (time, odometer, place, summary)."""
    _require_editable(report, actor)
    unknown = set(fields) - set(REPORT_FIELDS)
    if unknown:
        raise ValueError(f"not report fields: {unknown}")
    for name, value in fields.items():
        setattr(report, name, value)
    report.full_clean(exclude=["vehicle", "listing", "inspector", "previous_version"])
    report.save(update_fields=[*fields, "updated_at"])
    return report


def _validate_finding(definition: ChecklistItemDefinition, result: str, defect_code: str) -> str:
    finding = result in (InspectionItem.Result.MINOR, InspectionItem.Result.MAJOR)
    if not finding:
        return ""  # a code on an OK line means nothing; drop it rather than store noise
    allowed = definition.defect_codes
    if defect_code and defect_code not in allowed:
        raise InvalidFinding(
            _("%(code)s: defect code %(defect)s does not apply to this item.") % {"code": definition.code, "defect": defect_code},
            code="bad_defect",
        )
    if allowed and not defect_code:
        raise InvalidFinding(
            _("%(code)s: choose a defect code for this finding.") % {"code": definition.code}, code="defect_required"
        )
    return defect_code


@transaction.atomic
def report_items_update(*, report: InspectionReport, actor, changes: Iterable[dict]) -> InspectionReport:
    """Record findings on a draft. ``changes``: dicts with ``item`` (or ``item_id``) and any of
    ``result``, ``defect_code``, ``note``, ``photo`` (a file, or ``False`` to remove it).

    Validates every defect code against its checklist line, then recomputes score, grade and verdicts.
    """
    _require_editable(report, actor)
    report = _locked_report(report)
    items = {i.pk: i for i in report.items.select_related("definition")}
    for change in changes:
        item_id = change["item"].pk if "item" in change else change["item_id"]
        item = items.get(item_id)
        if item is None:
            raise DomainError(_("That item does not belong to this report."), code="foreign_item")
        fields = []
        result = change.get("result", item.result)
        if result not in InspectionItem.Result.values:
            raise InvalidFinding(_("Unknown result."), code="bad_result")
        defect = _validate_finding(item.definition, result, change.get("defect_code", item.defect_code) or "")
        for name, value in (("result", result), ("defect_code", defect), ("note", change.get("note", item.note))):
            if getattr(item, name) != value:
                setattr(item, name, value)
                fields.append(name)
        photo = change.get("photo")
        if photo is False and item.photo:
            item.photo = ""
            fields.append("photo")
        elif photo:
            from core.images import process_upload

            try:
                processed = process_upload(photo, stem=f"{report.vehicle.vin}-{item.definition.code}")
            except ValidationError as exc:
                raise InvalidFinding(f"{item.definition.code}: {' '.join(exc.messages)}", code="bad_photo") from exc
            item.photo.save(processed.display.name, processed.display, save=False)
            fields.append("photo")
        if fields:
            item.save(update_fields=fields)
    report_evaluate(report=report)
    return report


@transaction.atomic
def report_mark_unchecked_ok(*, report: InspectionReport, actor, section: str) -> int:
    """Convenience for the form: every still-unchecked line of ``section`` becomes OK."""
    _require_editable(report, actor)
    count = report.items.filter(definition__section=section, result=InspectionItem.Result.NOT_CHECKED).update(
        result=InspectionItem.Result.OK
    )
    report_evaluate(report=report)
    return count


def report_evaluate(*, report: InspectionReport) -> scoring.Evaluation:
    """Recompute score, grade, verdicts and counts from the items (see ``scoring``) and store them."""
    if report.is_locked:
        raise ReportLocked(_("This report is published and can no longer be changed."), code="locked")
    evaluation = scoring.evaluate((i.definition, i.result) for i in report.items.select_related("definition"))
    for name in ("score", "grade", "is_accident", "is_flood", "is_fire", "minor_count", "major_count", "not_checked_count"):
        setattr(report, name, getattr(evaluation, name))
    report.save(
        update_fields=[
            "score",
            "grade",
            "is_accident",
            "is_flood",
            "is_fire",
            "minor_count",
            "major_count",
            "not_checked_count",
            "updated_at",
        ]
    )
    return evaluation


# --- content, hash, diff ------------------------------------------------------------------------


def report_content(report: InspectionReport) -> dict:
    """The canonical content of a report version: what the SHA-256 covers."""
    return report_content_from(report, report.items.select_related("definition").order_by("definition__position"))


def report_content_from(report: InspectionReport, items) -> dict:
    """Canonical content from a report and its items (items need ``definition``; no queries for the items)."""
    items = sorted(items, key=lambda i: i.definition.position)
    return {
        "vehicle": {
            "vin": report.vehicle.vin,
            "make": report.vehicle.make,
            "model": report.vehicle.model,
            "year": report.vehicle.year,
        },
        "version": report.version,
        "previous_version_hash": report.previous_version.content_hash if report.previous_version_id else "",
        "inspector": {"id": report.inspector_id, "name": report.inspector.display_name},
        "inspected_at": report.inspected_at.isoformat() if report.inspected_at else None,
        "odometer_km": report.odometer_km,
        "location": report.location,
        "summary": report.summary,
        "correction_reason": report.correction_reason,
        "score": report.score,
        "grade": report.grade,
        "verdicts": {"accident": report.is_accident, "flood": report.is_flood, "fire": report.is_fire},
        "items": [
            {
                "code": i.definition.code,
                "result": i.result,
                "defect_code": i.defect_code,
                "note": i.note,
                "photo": i.photo.name if i.photo else "",
            }
            for i in items
        ],
    }


def content_hash(content: dict) -> str:
    """SHA-256 of canonical JSON (sorted keys, no whitespace, UTF-8)."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def report_verify(report: InspectionReport) -> bool:
    """Does the stored hash still match the stored content?"""
    return bool(report.content_hash) and content_hash(report_content(report)) == report.content_hash


def _item_state(item: InspectionItem) -> dict:
    return {
        "result": item.result,
        "defect_code": item.defect_code,
        "note": item.note,
        "photo": item.photo.name if item.photo else "",
    }


def report_diff(*, old: InspectionReport, new: InspectionReport) -> list[dict]:
    """Checklist lines whose finding changed between two versions."""
    before = {i.definition_id: i for i in old.items.select_related("definition")}
    changes = []
    for item in new.items.select_related("definition").order_by("definition__position"):
        previous = before.get(item.definition_id)
        if previous is None or _item_state(previous) != _item_state(item):
            changes.append(
                {
                    "code": item.definition.code,
                    "name_en": item.definition.name_en,
                    "name_zh": item.definition.name_zh,
                    "from": previous.result if previous else "",
                    "from_defect": previous.defect_code if previous else "",
                    "to": item.result,
                    "to_defect": item.defect_code,
                }
            )
    return changes


# --- publish / correct --------------------------------------------------------------------------


def _check_complete(report: InspectionReport) -> None:
    missing = [
        label
        for name, label in (
            ("inspected_at", _("inspection date")),
            ("odometer_km", _("odometer reading")),
            ("location", _("location")),
        )
        if getattr(report, name) in (None, "")
    ]
    if missing:
        raise ReportIncomplete(
            _("Fill in before publishing: %(fields)s.") % {"fields": ", ".join(str(m) for m in missing)}, code="header_missing"
        )
    unchecked = list(
        report.items.filter(result=InspectionItem.Result.NOT_CHECKED)
        .filter(definition__kind=ChecklistItemDefinition.Kind.STRUCTURE)
        .values_list("definition__code", flat=True)
    ) + list(
        report.items.filter(result=InspectionItem.Result.NOT_CHECKED)
        .exclude(definition__evidence="")
        .values_list("definition__code", flat=True)
    )
    if unchecked:
        raise ReportIncomplete(
            _(
                "All 13 structural positions and every flood / fire evidence line must be checked before publishing. Not checked: %(codes)s."
            )
            % {"codes": ", ".join(sorted(set(unchecked)))},
            code="mandatory_unchecked",
        )


def _apply_to_listings(report: InspectionReport) -> None:
    """Denormalise grade, verdicts and the summary card onto the car's active listings (through marketplace, which
    owns them); publish those waiting for this."""
    from marketplace.services import listing_publish, listings_record_inspection

    listings_record_inspection(
        vehicle_id=report.vehicle_id,
        grade=report.grade,
        is_accident=report.is_accident,
        is_flood=report.is_flood,
        is_fire=report.is_fire,
        summary=summary_of(report),
    )
    for listing in Listing.objects.filter(vehicle_id=report.vehicle_id, status=Listing.Status.AWAITING_INSPECTION):
        listing_publish(listing=listing, actor=None)


@transaction.atomic
def report_publish(*, report: InspectionReport, actor) -> InspectionReport:
    """Freeze a draft: score it, hash it, supersede the previous version, update the listings.

    Refused unless the header is filled in and every structural and flood/fire line was checked.
    """
    _require_editable(report, actor)
    report = _locked_report(report)
    _check_complete(report)
    report_evaluate(report=report)
    previous = (
        InspectionReport.objects.select_for_update()
        .filter(vehicle_id=report.vehicle_id, status=InspectionReport.Status.PUBLISHED)
        .first()
    )
    if previous is not None:
        previous.transition_to(InspectionReport.Status.SUPERSEDED, actor=actor, note=f"v{report.version}")
        previous.save(update_fields=["status", "updated_at"])
        report.previous_version = report.previous_version or previous
        report.changes = report_diff(old=previous, new=report)
    report.transition_to(InspectionReport.Status.PUBLISHED, actor=actor)
    report.published_at = timezone.now()
    report.content_hash = content_hash(report_content(report))
    report.save(update_fields=["status", "published_at", "content_hash", "previous_version", "changes", "updated_at"])
    _apply_to_listings(report)
    request = (
        InspectionRequest.objects.filter(report=report, status=InspectionRequest.Status.TAKEN)
        .select_related("requested_by")
        .first()
    )
    if request is not None:
        request.transition_to(InspectionRequest.Status.DONE, actor=actor)
        request.save(update_fields=["status", "updated_at"])
    vehicle = report.vehicle
    params = {"car": localized(lambda: str(vehicle)), "grade": report.grade, "v": report.version}
    notify_many(
        Notice(
            listing.dealer,
            notices.REPORT_PUBLISHED,
            f"inspection-report-{report.pk}-published-to-{listing.dealer_id}",
            params=params,
            url=reverse("inspections:report_detail", args=[report.pk]),
        )
        for listing in Listing.objects.filter(vehicle_id=report.vehicle_id, status__in=Listing.ACTIVE_STATUSES).select_related(
            "dealer"
        )
    )
    return report


@transaction.atomic
def report_correct(*, report: InspectionReport, actor, reason: str) -> InspectionReport:
    """Start a correction of the current published version: a new draft version with copied items.

    The published version stays visible until the correction itself is published.
    """
    _require_inspector(actor)
    _require_not_own_car(report.vehicle, actor)
    report = _locked_report(report)
    if report.status != InspectionReport.Status.PUBLISHED:
        raise DomainError(_("Only the current published version can be corrected."), code="not_current")
    if not reason.strip():
        raise DomainError(_("Say why the report needs a correction."), code="reason_required")
    if InspectionReport.objects.filter(vehicle_id=report.vehicle_id, status=InspectionReport.Status.DRAFT).exists():
        raise DomainError(_("A corrected version of this report is already being written."), code="draft_exists")
    draft = InspectionReport.objects.create(
        vehicle_id=report.vehicle_id,
        listing_id=report.listing_id,
        inspector=actor,
        version=_next_version(report.vehicle),
        previous_version=report,
        inspected_at=report.inspected_at,
        odometer_km=report.odometer_km,
        location=report.location,
        summary=report.summary,
        correction_reason=reason.strip()[:300],
    )
    InspectionItem.objects.bulk_create(
        [
            InspectionItem(
                report=draft,
                definition_id=i.definition_id,
                result=i.result,
                defect_code=i.defect_code,
                note=i.note,
                photo=i.photo.name,
            )
            for i in report.items.all()
        ]
    )
    report_evaluate(report=draft)
    audit(draft, action="correction_started", actor=actor, note=reason[:300])
    return draft


# --- PDF ----------------------------------------------------------------------------------------


def report_render_pdf(*, report: InspectionReport, language: str | None = None) -> bytes:
    """The report as a PDF (rendered by the shared restricted renderer in ``core.pdf``)."""
    from core.pdf import render_pdf

    from .diagram import damage_diagram_svg
    from .selectors import report_with_items, sections_of

    with translation.override(language or translation.get_language()):
        report = report_with_items(report.pk)
        sections = sections_of(report)
        html = render_to_string(
            "inspections/pdf/report.html",
            {
                "report": report,
                "sections": sections,
                "diagram": damage_diagram_svg(report.items.all(), link=False),
                "verdicts": scoring_verdicts(report, sections),
            },
        )
    return render_pdf(html)


PDF_CACHE_SECONDS = 7 * 24 * 3600


def report_pdf(*, report: InspectionReport, language: str | None = None) -> bytes:
    """The PDF a reader downloads. A published (or superseded) report never changes, so its PDF is
    rendered once per language and content hash and then served from the cache: the public PDF link
    cannot be used to make the server run weasyprint on every request. Drafts are always rendered fresh."""
    language = language or translation.get_language()
    if report.status == InspectionReport.Status.DRAFT or not report.content_hash:
        return report_render_pdf(report=report, language=language)
    key = f"inspection-pdf:{report.pk}:{report.content_hash}:{language}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = report_render_pdf(report=report, language=language)
        cache.set(key, pdf, PDF_CACHE_SECONDS)
    return pdf


def scoring_verdicts(report: InspectionReport, sections) -> list[dict]:
    """Verdict rows (label, yes/no, evidence lines) for templates."""
    evidence = {"accident": [], "flood": [], "fire": []}
    for section in sections:
        for item in section["items"]:
            if not item.is_finding:
                continue
            d = item.definition
            if d.kind == ChecklistItemDefinition.Kind.STRUCTURE:
                evidence["accident"].append(item)
            if d.evidence in (ChecklistItemDefinition.Evidence.FLOOD, ChecklistItemDefinition.Evidence.FIRE):
                evidence[d.evidence].append(item)
    return [
        {"key": "accident", "label": _("Accident car"), "value": report.is_accident, "evidence": evidence["accident"]},
        {"key": "flood", "label": _("Flood car"), "value": report.is_flood, "evidence": evidence["flood"]},
        {"key": "fire", "label": _("Fire car"), "value": report.is_fire, "evidence": evidence["fire"]},
    ]
