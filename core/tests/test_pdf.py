"""The shared PDF renderer reads only project files: no local files, no network."""

import base64
import subprocess

import pytest

from core.pdf import INTERNAL_ORIGIN, ForbiddenResource, render_pdf, resolve_local_asset, restricted_url_fetcher

PDFTOTEXT = "/usr/bin/pdftotext"

# 1x1 transparent PNG
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


def pdf_text(data: bytes) -> str:
    return subprocess.run([PDFTOTEXT, "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def test_fetcher_refuses_file_urls():
    with pytest.raises(ForbiddenResource):
        restricted_url_fetcher().fetch("file:///etc/passwd")


def test_fetcher_refuses_remote_http_and_https():
    fetcher = restricted_url_fetcher()
    for url in ("http://example.com/x.png", "https://example.com/x.png", "ftp://example.com/x"):
        with pytest.raises(ForbiddenResource):
            fetcher.fetch(url)


def test_fetcher_refuses_path_traversal_out_of_static_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media").mkdir()
    (tmp_path / "secret.txt").write_text("top secret")
    fetcher = restricted_url_fetcher()
    for path in ("media/../secret.txt", "media/%2e%2e/secret.txt", "static/../../../../etc/passwd", "etc/passwd"):
        with pytest.raises(ForbiddenResource):
            fetcher.fetch(INTERNAL_ORIGIN + path)


def test_fetcher_serves_project_static_and_media_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "photos").mkdir(parents=True)
    (tmp_path / "media" / "photos" / "a.png").write_bytes(PNG)
    fetcher = restricted_url_fetcher()
    response = fetcher.fetch(INTERNAL_ORIGIN + "media/photos/a.png")
    assert response.read() == PNG
    assert response.content_type == "image/png"
    assert resolve_local_asset(INTERNAL_ORIGIN + "media/photos/missing.png") is None


def test_fetcher_serves_a_static_file_from_the_finders():
    from django.contrib.staticfiles import finders

    # Pick any shipped static file (admin's are always installed).
    rel = "admin/css/base.css"
    assert finders.find(rel)
    response = restricted_url_fetcher().fetch(INTERNAL_ORIGIN + "static/" + rel)
    assert b"{" in response.read()


def test_fetcher_allows_small_inline_images_only():
    fetcher = restricted_url_fetcher()
    ok = fetcher.fetch("data:image/png;base64," + base64.b64encode(PNG).decode())
    assert ok.read() == PNG
    with pytest.raises(ForbiddenResource):
        fetcher.fetch("data:text/html,<img src=file:///etc/passwd>")


def test_file_reference_does_not_leak_into_pdf(tmp_path):
    html = """
    <html><head><link rel="stylesheet" href="file:///etc/passwd"></head>
    <body><p>安心车 report</p>
    <img src="file:///etc/passwd"><object data="file:///etc/passwd"></object>
    <iframe src="file:///etc/passwd"></iframe>
    <div style="background: url(file:///etc/passwd)">x</div>
    <a href="file:///etc/passwd">link</a>
    </body></html>
    """
    text = pdf_text(render_pdf(html))
    assert "root:" not in text
    assert "安心车" in text


def test_remote_image_is_not_fetched(monkeypatch):
    import urllib.request

    def boom(*args, **kwargs):  # pragma: no cover - would mean a network attempt
        raise AssertionError("network access attempted")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", boom)
    pdf = render_pdf('<p>VIN LSVAU2180N2183294</p><img src="http://example.com/x.png"><img src="https://example.com/y.png">')
    assert "LSVAU2180N2183294" in pdf_text(pdf)


def test_static_stylesheet_and_media_image_are_used(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "p.png").write_bytes(PNG)
    html = '<link rel="stylesheet" href="/static/admin/css/base.css"><img src="/media/p.png"><p>中文 ok</p>'
    pdf = render_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert "中文" in pdf_text(pdf)
    # An embedded raster image means the media file was read; a refused one embeds nothing.
    assert b"/Image" in pdf
    assert b"/Image" not in render_pdf('<img src="file:///usr/share/pixmaps/debian-logo.png"><p>x</p>')
