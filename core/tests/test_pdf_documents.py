"""Every document type the project renders goes through core.pdf's one restricted URL fetcher.

For each document (inspection report, signed contract) hostile markup is put into a free-text field
that the document prints; the test records every weasyprint ``HTML`` built while rendering and
asserts that each one got the restricted fetcher, that the fetcher refuses ``file:`` and remote
URLs, and that nothing of /etc/passwd reaches the PDF.
"""

import subprocess

import pytest
import weasyprint

from core.pdf import ForbiddenResource

HOSTILE = '<img src="file:///etc/passwd"><img src="http://127.0.0.1:9/x.png"><link rel="stylesheet" href="file:///etc/passwd">'

pytestmark = pytest.mark.django_db


@pytest.fixture
def built_documents(monkeypatch):
    """Capture the url_fetcher of every weasyprint.HTML constructed."""
    fetchers = []
    original = weasyprint.HTML.__init__

    def spy(self, *args, **kwargs):
        fetchers.append(kwargs.get("url_fetcher"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "__init__", spy)
    return fetchers


def _assert_restricted(fetchers):
    assert fetchers, "no PDF was rendered"
    for fetcher in fetchers:
        assert fetcher is not None, "weasyprint was called with its default (unrestricted) fetcher"
        for url in ("file:///etc/passwd", "http://example.com/x.png", "https://127.0.0.1:9/x.css"):
            with pytest.raises(ForbiddenResource):
                fetcher(url)


def _text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def test_inspection_report_pdf_uses_the_restricted_fetcher(built_documents, dealer, inspector):
    from inspections import services
    from inspections.tests.factories import draft_report
    from marketplace.tests.factories import ListingFactory

    listing = ListingFactory(dealer=dealer)
    report = draft_report(vehicle=listing.vehicle, listing=listing, inspector=inspector)
    item = report.items.get(definition__code="BE06")
    change = {"item": item, "result": "minor", "defect_code": "HH", "note": HOSTILE}
    services.report_items_update(report=report, actor=inspector, changes=[change])
    report = services.report_publish(report=report, actor=inspector)
    pdf = services.report_render_pdf(report=report, language="en")
    _assert_restricted(built_documents)
    assert "root:x:0:0" not in _text(pdf)


def test_signed_contract_pdf_uses_the_restricted_fetcher(built_documents, buyer, dealer):
    from contracts.services import contract_pdfs_render
    from contracts.tests.factories import signed_order
    from marketplace.tests.factories import ListingFactory

    listing = ListingFactory(dealer=dealer, description=HOSTILE)
    order = signed_order(buyer=buyer, dealer=dealer, listing=listing)
    stored = contract_pdfs_render(contract_id=order.contract.pk)  # the worker's job after sealing
    assert {document.language for document in stored} == {"zh-hans", "en"}
    _assert_restricted(built_documents)
    for document in stored:
        with document.file.open("rb") as handle:
            assert "root:x:0:0" not in _text(handle.read())
