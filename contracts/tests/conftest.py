import hashlib

import pytest


@pytest.fixture
def real_pdf():
    """Ask for this fixture to render contracts with WeasyPrint; other tests get a fast stand-in."""
    return True


@pytest.fixture(autouse=True)
def _fast_pdf(request, monkeypatch):
    if "real_pdf" in request.fixturenames:
        return

    def fake_render_pdf(html: str, *, base_url=None) -> bytes:
        return b"%PDF-1.7\n% test stand-in\n" + hashlib.sha256(html.encode()).hexdigest().encode() + b"\n%%EOF\n"

    monkeypatch.setattr("core.pdf.render_pdf", fake_render_pdf)
