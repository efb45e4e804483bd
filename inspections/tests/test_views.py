"""Who may see and do what, through the web."""

import pytest
from django.contrib.admin.sites import site as admin_site
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from inspections.models import InspectionReport, InspectionRequest
from inspections.tests.factories import draft_report, published_report
from marketplace.models import Listing
from marketplace.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing(dealer):
    return ListingFactory(dealer=dealer, status=Listing.Status.DRAFT, published_at=None)


@pytest.fixture
def published(dealer, inspector):
    listing = ListingFactory(dealer=dealer)
    return published_report(vehicle=listing.vehicle, listing=listing, inspector=inspector, findings={"BE06": ("minor", "HH")})


def test_dealer_requests_an_inspection_for_their_own_listing(client, dealer, listing):
    client.force_login(dealer)
    response = client.post(reverse("inspections:request_create", args=[listing.pk]), {"note": "周末可看车"})
    assert response.status_code == 302
    assert InspectionRequest.objects.filter(listing=listing, note="周末可看车").exists()


def test_requesting_for_someone_elses_listing_is_404(client, other_dealer, listing):
    client.force_login(other_dealer)
    assert client.post(reverse("inspections:request_create", args=[listing.pk])).status_code == 404
    assert not InspectionRequest.objects.exists()


def test_buyers_and_inspectors_cannot_request_inspections(client, buyer, inspector, listing):
    for user in (buyer, inspector):
        client.force_login(user)
        assert client.post(reverse("inspections:request_create", args=[listing.pk])).status_code == 403


def test_the_dealers_request_list_refuses_other_roles_with_403_and_visitors_go_to_sign_in(client, buyer, inspector):
    url = reverse("inspections:my_requests")
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    for user in (buyer, inspector):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_a_staff_label_without_the_admin_flag_does_not_open_drafts(client, inspector, listing):
    report = draft_report(vehicle=listing.vehicle, listing=listing, inspector=inspector)
    client.force_login(make_user("labelled", "staff"))
    assert client.get(reverse("inspections:report_detail", args=[report.pk])).status_code == 404


def test_workspace_is_for_inspectors_only(client, dealer, buyer, inspector, listing):
    for user in (dealer, buyer):
        client.force_login(user)
        assert client.get(reverse("inspections:workspace")).status_code == 403
    client.logout()
    assert client.get(reverse("inspections:workspace")).status_code == 302
    client.force_login(inspector)
    assert client.get(reverse("inspections:workspace")).status_code == 200


def test_inspector_takes_a_request_and_fills_in_a_section(client, dealer, inspector, listing):
    from inspections import services

    request = services.request_create(listing=listing, actor=dealer)
    client.force_login(inspector)
    response = client.get(reverse("inspections:workspace"))
    assert listing.vehicle.vin in response.content.decode()
    response = client.post(reverse("inspections:request_take", args=[request.pk]))
    report = InspectionReport.objects.get(vehicle=listing.vehicle)
    assert response.url == reverse("inspections:report_edit", args=[report.pk])
    url = reverse("inspections:report_section", args=[report.pk, "exterior"])
    page = client.get(url)
    assert page.status_code == 200
    data = {}
    for form in page.context["forms"]:
        data[f"{form.prefix}-result"] = "ok"
        data[f"{form.prefix}-note"] = ""
    first = page.context["forms"][0]
    data[f"{first.prefix}-result"] = "minor"
    data[f"{first.prefix}-defect_code"] = "AX"
    data[f"{first.prefix}-note"] = "发动机盖小凹陷"
    response = client.post(url, data)
    assert response.status_code == 302
    item = report.items.get(definition__code="BE01")
    assert (item.result, item.defect_code, item.note) == ("minor", "AX", "发动机盖小凹陷")
    report.refresh_from_db()
    assert report.score == 99


def test_another_inspector_cannot_open_or_edit_someone_elses_draft(client, inspector, listing):
    report = draft_report(vehicle=listing.vehicle, listing=listing, inspector=inspector)
    other = make_user("inspector2", "inspector")
    client.force_login(other)
    assert client.get(reverse("inspections:report_edit", args=[report.pk])).status_code == 404
    assert client.post(reverse("inspections:report_section", args=[report.pk, "cabin"]), {"mark_ok": "1"}).status_code == 404
    assert client.post(reverse("inspections:report_publish", args=[report.pk])).status_code == 404
    assert client.get(reverse("inspections:report_detail", args=[report.pk])).status_code == 404


def test_drafts_are_hidden_from_the_public_but_visible_to_their_inspector_and_staff(
    client, inspector, staff_user, buyer, dealer, listing
):
    report = draft_report(vehicle=listing.vehicle, listing=listing, inspector=inspector)
    url = reverse("inspections:report_detail", args=[report.pk])
    assert client.get(url).status_code == 404
    for user in (buyer, dealer):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.get(reverse("inspections:report_pdf", args=[report.pk])).status_code == 404
    for user in (inspector, staff_user):
        client.force_login(user)
        assert client.get(url).status_code == 200


def test_public_report_page_shows_items_verdicts_and_rule_within_a_query_budget(client, published, django_assert_max_num_queries):
    url = reverse("inspections:report_detail", args=[published.pk])
    with django_assert_max_num_queries(8):
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert published.vehicle.vin in body and published.content_hash in body
    assert 'id="item-BE06"' in body and 'href="#item-BE06"' in body  # diagram links to the finding
    assert "Grade 1" in body and "No accident" in body
    assert "13 structural positions" in body


def test_report_page_in_chinese(client, published):
    client.cookies["django_language"] = "zh-hans"
    body = client.get(reverse("inspections:report_detail", args=[published.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "左前车门" in body


def test_pdf_download(client, published):
    response = client.get(reverse("inspections:report_pdf", args=[published.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_correction_flow_and_history(client, inspector, published):
    client.force_login(inspector)
    response = client.post(reverse("inspections:report_correct", args=[published.pk]), {"reason": "补充照片"})
    draft = InspectionReport.objects.get(status="draft")
    assert response.url == reverse("inspections:report_edit", args=[draft.pk])
    client.post(reverse("inspections:report_section", args=[draft.pk, "exterior"]), {"mark_ok": "1"})
    from inspections import services

    services.report_update(report=draft, actor=inspector, inspected_at=timezone.now())
    assert client.post(reverse("inspections:report_publish", args=[draft.pk])).status_code == 302
    body = client.get(reverse("inspections:report_history", args=[draft.pk])).content.decode()
    assert "Version 2" in body and "Version 1" in body and "superseded" in body.lower()
    old = client.get(reverse("inspections:report_detail", args=[published.pk])).content.decode()
    assert "superseded" in old


def test_dealer_cannot_correct_a_report(client, dealer, published):
    client.force_login(dealer)
    assert client.post(reverse("inspections:report_correct", args=[published.pk]), {"reason": "我想改"}).status_code == 403
    assert not InspectionReport.objects.filter(status="draft").exists()


def test_admin_refuses_to_change_or_delete_a_published_report(staff_user, published, inspector, listing):
    model_admin = admin_site._registry[InspectionReport]
    request = RequestFactory().get("/admin/")
    request.user = staff_user
    assert model_admin.has_change_permission(request, published) is False
    assert model_admin.has_delete_permission(request, published) is False
    draft = draft_report(vehicle=listing.vehicle, listing=listing, inspector=inspector)
    assert model_admin.has_change_permission(request, draft) is True


def test_admin_change_form_post_does_not_alter_a_published_report(client, staff_user, published):
    client.force_login(staff_user)
    url = reverse("admin:inspections_inspectionreport_change", args=[published.pk])
    assert client.get(url).status_code == 200  # view-only
    client.post(url, {"summary": "tampered", "location": "x"})
    published.refresh_from_db()
    assert published.summary != "tampered"


def test_the_summary_on_a_car_s_page_costs_at_most_two_queries_in_either_language(published, rf, django_assert_max_num_queries):
    from django.contrib.auth.models import AnonymousUser
    from django.template import engines
    from django.utils import translation

    listing = published.listing
    request = rf.get("/")
    request.user = AnonymousUser()
    template = engines["jinja2"].get_template("inspections/_summary.html")
    for language, grade in (("en", "Grade"), ("zh-hans", "等级")):
        with translation.override(language), django_assert_max_num_queries(2):
            html = template.render({"listing": listing}, request)
        assert grade in html and reverse("inspections:report_detail", args=[published.pk]) in html


def test_the_workspace_pages_through_all_published_reports(client, inspector, django_assert_max_num_queries):
    from marketplace.tests.factories import VehicleFactory

    now = timezone.now()
    for i in range(21):
        InspectionReport.objects.create(
            vehicle=VehicleFactory(),
            inspector=inspector,
            status="published",
            grade=2,
            published_at=now - timezone.timedelta(days=i),
        )
    client.force_login(inspector)
    with django_assert_max_num_queries(15):
        first = client.get(reverse("inspections:workspace"))
    assert len(first.context["published"]) == 20 and first.context["published"].has_next()
    oldest = client.get(reverse("inspections:workspace"), {"page": 2}).context["published"]
    assert [r.published_at for r in oldest] == [InspectionReport.objects.order_by("published_at").first().published_at]


def test_the_workspace_queue_pages_and_counts_every_waiting_request(client, dealer, inspector):
    for _ in range(21):
        listing = ListingFactory(dealer=dealer, status=Listing.Status.AWAITING_INSPECTION, published_at=None)
        InspectionRequest.objects.create(listing=listing, vehicle=listing.vehicle, requested_by=dealer)
    client.force_login(inspector)
    response = client.get(reverse("inspections:workspace"))
    assert len(response.context["queue"]) == 20 and response.context["queue"].paginator.count == 21
    assert "queue_page=2" in response.content.decode()
    assert len(client.get(reverse("inspections:workspace"), {"queue_page": 2}).context["queue"]) == 1
