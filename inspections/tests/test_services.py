"""Requests, drafts, publishing, immutability, versioning and the hash."""

import pytest
from django.db import connection
from django.utils import timezone

from core.errors import DomainError, PermissionDeniedError
from core.postgres import triggers_disabled
from inspections import notices, services
from inspections.models import InspectionItem, InspectionReport, InspectionRequest
from inspections.tests.factories import draft_report, published_report, set_findings
from marketplace.models import Listing
from marketplace.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing(dealer):
    return ListingFactory(dealer=dealer, status=Listing.Status.DRAFT, published_at=None)


def test_dealer_request_moves_a_draft_listing_to_awaiting_inspection_and_tells_inspectors(listing, dealer, inspector):
    request = services.request_create(listing=listing, actor=dealer, note="钥匙在前台")
    listing.refresh_from_db()
    assert listing.status == Listing.Status.AWAITING_INSPECTION
    assert request.status == InspectionRequest.Status.OPEN
    note = inspector.notifications.get(kind=notices.REQUESTED.code)
    car = str(listing.vehicle)
    assert note.render("en") == (
        f"New inspection request: {car}",
        f"{dealer.display_name} asks for an inspection of {car} in {listing.vehicle.city}.",
    )
    assert note.render("zh-hans") == (
        f"新的检测申请：{car}",
        f"{dealer.display_name} 申请检测位于{listing.vehicle.city}的 {car}。",
    )


def test_only_the_owning_dealer_can_request_an_inspection(listing, other_dealer, buyer):
    for actor in (other_dealer, buyer):
        with pytest.raises(PermissionDeniedError):
            services.request_create(listing=listing, actor=actor)


def test_a_second_pending_request_for_the_same_car_is_refused(listing, dealer):
    services.request_create(listing=listing, actor=dealer)
    with pytest.raises(DomainError):
        services.request_create(listing=listing, actor=dealer)


def test_taking_a_request_assigns_it_and_opens_a_draft_with_every_checklist_line(listing, dealer, inspector):
    request = services.request_create(listing=listing, actor=dealer)
    report = services.request_take(request=request, inspector=inspector)
    request.refresh_from_db()
    assert request.status == InspectionRequest.Status.TAKEN and request.inspector == inspector and request.report == report
    assert report.status == "draft" and report.items.count() >= 113
    assert set(report.items.values_list("result", flat=True)) == {"not_checked"}


def test_a_taken_request_cannot_be_taken_again(listing, dealer, inspector):
    from conftest import make_user

    request = services.request_create(listing=listing, actor=dealer)
    services.request_take(request=request, inspector=inspector)
    with pytest.raises(DomainError):
        services.request_take(request=request, inspector=make_user("inspector2", "inspector"))


def test_dealers_cannot_write_reports_not_even_for_their_own_cars(listing, dealer, inspector):
    with pytest.raises(PermissionDeniedError):
        services.report_start(vehicle=listing.vehicle, listing=listing, inspector=dealer)
    report = draft_report(vehicle=listing.vehicle, listing=listing, inspector=inspector)
    with pytest.raises(PermissionDeniedError):
        services.report_update(report=report, actor=dealer, summary="all perfect")
    item = report.items.first()
    with pytest.raises(PermissionDeniedError):
        services.report_items_update(report=report, actor=dealer, changes=[{"item": item, "result": "ok"}])
    with pytest.raises(PermissionDeniedError):
        services.report_publish(report=report, actor=dealer)


def test_only_the_assigned_inspector_can_edit_a_draft(listing, inspector):
    from conftest import make_user

    other = make_user("inspector2", "inspector")
    report = draft_report(vehicle=listing.vehicle, listing=listing, inspector=inspector)
    with pytest.raises(PermissionDeniedError):
        services.report_update(report=report, actor=other, summary="x")
    with pytest.raises(PermissionDeniedError):
        services.report_publish(report=report, actor=other)
    services.report_update(report=report, actor=inspector, summary="车况良好")


def test_defect_codes_must_fit_the_line(listing, inspector):
    report = draft_report(vehicle=listing.vehicle, listing=listing, inspector=inspector)
    with pytest.raises(services.InvalidFinding):
        set_findings(report, inspector, {"ST02": ("major", "HH")})  # HH is a panel code, not structural
    with pytest.raises(services.InvalidFinding):
        set_findings(report, inspector, {"BE01": ("minor", "")})  # panels need a code
    set_findings(report, inspector, {"BE01": ("minor", "HH"), "EB01": ("major", "")})
    report.refresh_from_db()
    assert (report.score, report.grade, report.minor_count, report.major_count) == (93, 1, 1, 1)


def test_publishing_needs_structural_and_evidence_lines_checked(listing, inspector):
    report = draft_report(vehicle=listing.vehicle, listing=listing, inspector=inspector)
    report.items.filter(definition__code="ST05").update(result="not_checked")
    with pytest.raises(services.ReportIncomplete, match="ST05"):
        services.report_publish(report=report, actor=inspector)


def test_publishing_writes_grade_and_verdicts_to_the_listing_and_publishes_it(dealer, inspector):
    listing = ListingFactory(dealer=dealer, status=Listing.Status.AWAITING_INSPECTION, published_at=None)
    report = published_report(
        vehicle=listing.vehicle, listing=listing, inspector=inspector, findings={"ST08": ("major", "SH"), "CB01": ("major", "")}
    )
    listing.refresh_from_db()
    assert report.status == "published" and report.grade == 5
    assert (listing.inspection_grade, listing.is_accident, listing.is_flood, listing.is_fire) == (5, True, True, False)
    assert listing.status == Listing.Status.PUBLISHED
    note = dealer.notifications.get(kind=notices.REPORT_PUBLISHED.code)
    assert note.render("en")[0].endswith("(grade 5)") and note.render("zh-hans")[0].endswith("（5 级）")
    assert note.render("zh-hans")[1] == "第 1 版检测报告现已显示在您的车源页面。"


def test_the_publish_gate_refuses_a_listing_without_a_published_report(dealer, inspector):
    from marketplace.services import ReportRequired, listing_publish

    listing = ListingFactory(dealer=dealer, status=Listing.Status.AWAITING_INSPECTION, published_at=None)
    draft_report(vehicle=listing.vehicle, listing=listing, inspector=inspector)
    with pytest.raises(ReportRequired):
        listing_publish(listing=listing, actor=dealer)
    report = InspectionReport.objects.get(vehicle=listing.vehicle)
    services.report_publish(report=report, actor=inspector)
    listing.refresh_from_db()
    assert listing.status == Listing.Status.PUBLISHED


def test_a_published_report_is_immutable_in_every_service(listing, inspector):
    report = published_report(vehicle=listing.vehicle, listing=listing, inspector=inspector)
    item = report.items.first()
    with pytest.raises(services.ReportLocked):
        services.report_update(report=report, actor=inspector, summary="changed")
    with pytest.raises(services.ReportLocked):
        services.report_items_update(report=report, actor=inspector, changes=[{"item": item, "result": "major"}])
    with pytest.raises(services.ReportLocked):
        services.report_mark_unchecked_ok(report=report, actor=inspector, section="cabin")
    with pytest.raises(services.ReportLocked):
        services.report_evaluate(report=report)
    with pytest.raises(services.ReportLocked):
        services.report_publish(report=report, actor=inspector)
    assert services.report_verify(report)


def test_a_correction_is_a_new_version_and_publishing_it_supersedes_the_old(dealer, inspector):
    listing = ListingFactory(dealer=dealer)
    v1 = published_report(vehicle=listing.vehicle, listing=listing, inspector=inspector)
    v2 = services.report_correct(report=v1, actor=inspector, reason="漏检左前门划痕")
    assert (v2.version, v2.status, v2.previous_version) == (2, "draft", v1)
    assert v2.items.count() == v1.items.count()
    v1.refresh_from_db()
    assert v1.status == "published"  # still shown until the correction is published
    set_findings(v2, inspector, {"BE06": ("minor", "HH")})
    services.report_publish(report=v2, actor=inspector)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v1.status == "superseded" and v2.status == "published"
    assert [c["code"] for c in v2.changes] == ["BE06"] and v2.changes[0]["from"] == "ok" and v2.changes[0]["to"] == "minor"
    assert v1.content_hash != v2.content_hash
    assert services.report_verify(v1) and services.report_verify(v2)
    # The old version's items were not touched.
    assert v1.items.get(definition__code="BE06").result == "ok"
    assert list(listing.vehicle.inspection_reports.filter(status="published")) == [v2]


def test_only_the_current_published_version_can_be_corrected_and_only_once_at_a_time(listing, inspector):
    v1 = published_report(vehicle=listing.vehicle, listing=listing, inspector=inspector)
    services.report_correct(report=v1, actor=inspector, reason="x")
    with pytest.raises(DomainError):
        services.report_correct(report=v1, actor=inspector, reason="again")


def test_the_hash_changes_with_the_content(listing, inspector):
    report = draft_report(vehicle=listing.vehicle, listing=listing, inspector=inspector)
    content = services.report_content(report)
    before = services.content_hash(content)
    assert services.content_hash(services.report_content(report)) == before  # deterministic
    item = report.items.get(definition__code="BE01")
    item.note = "轻微划痕"
    item.save(update_fields=["note"])
    assert services.content_hash(services.report_content(report)) != before
    assert len(before) == 64


def test_tampering_with_a_published_report_is_detected(listing, inspector):
    report = published_report(vehicle=listing.vehicle, listing=listing, inspector=inspector)
    # Only the owner role can get past the PostgreSQL trigger (tests/security/test_immutability.py).
    with triggers_disabled(connection, "inspections_inspectionitem"):
        InspectionItem.objects.filter(report=report, definition__code="BE01").update(result="major")
    assert not services.report_verify(report)


def test_drafts_and_published_versions_are_unique_per_vehicle(listing, inspector):
    draft_report(vehicle=listing.vehicle, listing=listing, inspector=inspector)
    with pytest.raises(DomainError):
        services.report_start(vehicle=listing.vehicle, listing=listing, inspector=inspector)


def test_publishing_completes_the_request(listing, dealer, inspector):
    request = services.request_create(listing=listing, actor=dealer)
    report = services.request_take(request=request, inspector=inspector)
    services.report_update(report=report, actor=inspector, inspected_at=timezone.now())
    report.items.update(result="ok")
    services.report_publish(report=report, actor=inspector)
    request.refresh_from_db()
    assert request.status == InspectionRequest.Status.DONE
