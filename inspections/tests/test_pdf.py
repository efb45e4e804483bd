"""The report PDF: VIN and Chinese text extractable, no local file leaks."""

import subprocess

import pytest
from django.utils import translation

from core.pdf import ForbiddenResource, restricted_url_fetcher
from inspections import services
from inspections.tests.factories import draft_report, set_findings
from marketplace.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["/usr/bin/pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


@pytest.fixture
def report(dealer, inspector):
    listing = ListingFactory(dealer=dealer)
    report = draft_report(vehicle=listing.vehicle, listing=listing, inspector=inspector)
    items = {i.definition.code: i for i in report.items.select_related("definition")}
    services.report_items_update(
        report=report,
        actor=inspector,
        changes=[
            {
                "item": items["BE06"],
                "result": "minor",
                "defect_code": "HH",
                "note": '<img src="file:///etc/passwd"> 左前门划痕 <link rel=stylesheet href="file:///etc/passwd">',
            }
        ],
    )
    return services.report_publish(report=report, actor=inspector)


def test_pdf_contains_the_vin_and_chinese_text(report):
    with translation.override("zh-hans"):
        pdf = services.report_render_pdf(report=report)
    text = pdf_text(pdf)
    assert pdf.startswith(b"%PDF")
    assert report.vehicle.vin in text
    assert "车辆" in text and "左前门划痕" in text
    assert "左A柱" in text


def test_english_pdf_has_english_labels_and_the_hash(report):
    pdf = services.report_render_pdf(report=report, language="en")
    text = pdf_text(pdf)
    assert "Vehicle inspection report" in text
    assert report.content_hash[:32] in text.replace("\n", "").replace(" ", "")


def test_a_file_reference_in_a_note_does_not_leak_into_the_pdf(report):
    pdf = services.report_render_pdf(report=report, language="zh-hans")
    text = pdf_text(pdf)
    assert "root:" not in text  # /etc/passwd content
    assert b"root:x:0:0" not in pdf
    # The note is escaped text, shown as written, never interpreted as markup.
    assert "file:///etc/passwd" in text


def test_the_fetcher_used_for_reports_refuses_local_files_and_remote_urls():
    fetcher = restricted_url_fetcher()
    for url in ("file:///etc/passwd", "http://example.com/x.png", "https://169.254.169.254/latest/meta-data"):
        with pytest.raises(ForbiddenResource):
            fetcher.fetch(url)


def test_pdf_of_an_accident_car_lists_the_structural_evidence(dealer, inspector):
    listing = ListingFactory(dealer=dealer)
    report = draft_report(vehicle=listing.vehicle, listing=listing, inspector=inspector)
    set_findings(report, inspector, {"ST09": ("major", "SH")})
    report = services.report_publish(report=report, actor=inspector)
    text = pdf_text(services.report_render_pdf(report=report, language="en"))
    assert "Right front longitudinal beam" in text
    assert "accident car" in text.lower()


def test_an_item_photo_is_stored_shown_on_the_page_and_embedded_in_the_pdf(client, dealer, inspector):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(buffer, format="JPEG")
    listing = ListingFactory(dealer=dealer)
    report = draft_report(vehicle=listing.vehicle, listing=listing, inspector=inspector)
    item = report.items.get(definition__code="BE13")
    photo = SimpleUploadedFile("bumper.jpg", buffer.getvalue(), content_type="image/jpeg")
    services.report_items_update(
        report=report, actor=inspector, changes=[{"item": item, "result": "minor", "defect_code": "HH", "photo": photo}]
    )
    item.refresh_from_db()
    assert item.photo.name.startswith(f"inspections/{listing.vehicle_id}/")
    report = services.report_publish(report=report, actor=inspector)
    assert item.photo.url in client.get(reverse("inspections:report_detail", args=[report.pk])).content.decode()
    pdf = services.report_render_pdf(report=report, language="en")
    assert b"/Subtype /Image" in pdf or b"/Image" in pdf


def test_a_non_image_upload_is_refused_as_a_finding_error(dealer, inspector):
    from django.core.files.uploadedfile import SimpleUploadedFile

    listing = ListingFactory(dealer=dealer)
    report = draft_report(vehicle=listing.vehicle, listing=listing, inspector=inspector)
    item = report.items.get(definition__code="BE13")
    bogus = SimpleUploadedFile("x.jpg", b"<html>not an image</html>", content_type="image/jpeg")
    with pytest.raises(services.InvalidFinding):
        services.report_items_update(
            report=report, actor=inspector, changes=[{"item": item, "result": "minor", "defect_code": "HH", "photo": bogus}]
        )


def test_a_published_reports_pdf_is_rendered_once_and_then_served_from_the_cache(report, monkeypatch):
    calls = []
    real = services.report_render_pdf

    def counting(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "report_render_pdf", counting)
    first = services.report_pdf(report=report, language="zh-hans")
    second = services.report_pdf(report=report, language="zh-hans")
    assert first == second
    assert len(calls) == 1
    services.report_pdf(report=report, language="en")
    assert len(calls) == 2  # one rendering per language
