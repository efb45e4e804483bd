import pytest


@pytest.fixture(autouse=True)
def _fast_pdfs(monkeypatch):
    """The world signs contracts and serves PDFs; authorization and escaping are decided before a PDF is
    drawn, and weasyprint itself is tested per document type in the apps, so draw nothing here."""
    import weasyprint

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", lambda self, *args, **kwargs: b"%PDF-1.7 stub")
