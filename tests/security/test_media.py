"""Uploaded files are served inert: forced content type, attachment for non-images, nosniff, sandbox CSP."""

import io

import pytest
from django.test import override_settings
from PIL import Image

from core.media import media_url_prefix

SCRIPT_SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
HTML_PAGE = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "blue").save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def media(settings):
    root = settings.MEDIA_ROOT
    root.mkdir(parents=True, exist_ok=True)

    def put(name: str, data: bytes) -> str:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return f"/media/{name}"

    return put


def _assert_inert(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "sandbox" in csp
    assert "nonce" not in csp


def test_an_html_page_disguised_as_a_jpeg_is_not_served_as_html(client, media):
    response = client.get(media("listings/photo.jpg", HTML_PAGE))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    _assert_inert(response)


def test_an_svg_with_script_is_downloaded_not_rendered(client, media):
    response = client.get(media("listings/logo.svg", SCRIPT_SVG))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert "svg" not in response["Content-Type"]
    _assert_inert(response)


def test_an_html_file_is_downloaded(client, media):
    response = client.get(media("x/page.html", HTML_PAGE))
    assert response["Content-Type"] == "application/octet-stream"
    assert 'filename="page.html"' in response["Content-Disposition"]


def test_a_real_jpeg_is_served_as_a_jpeg_inline(client, media):
    response = client.get(media("listings/car.jpg", _jpeg()))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == "inline"
    assert b"".join(response.streaming_content) == _jpeg()
    _assert_inert(response)


def test_the_content_type_follows_the_bytes_not_the_file_name(client, media):
    response = client.get(media("listings/really-a-png.jpg", _png()))
    assert response["Content-Type"] == "image/png"


def test_a_jpeg_with_html_appended_is_still_only_an_image(client, media):
    response = client.get(media("listings/polyglot.jpg", _jpeg() + HTML_PAGE))
    assert response["Content-Type"] == "image/jpeg"
    _assert_inert(response)


def test_a_non_ascii_file_name_is_offered_for_download_safely(client, media):
    response = client.get(media("docs/合同.pdf", b"%PDF-1.4 fake"))
    assert response["Content-Type"] == "application/octet-stream"
    assert "filename*=UTF-8''%E5%90%88%E5%90%8C.pdf" in response["Content-Disposition"]


@pytest.mark.parametrize(
    "path", ["/media/../config/settings/base.py", "/media/%2e%2e/manage.py", "/media/.hidden", "/media/nope.jpg", "/media/"]
)
def test_paths_outside_media_hidden_files_and_missing_files_are_404(client, media, path):
    media("ok.jpg", _jpeg())
    media(".hidden", b"secret")
    assert client.get(path).status_code == 404


def test_media_is_read_only(client, media):
    url = media("car.jpg", _jpeg())
    assert client.post(url).status_code == 405
    assert client.head(url).status_code == 200


def test_an_unchanged_file_answers_304(client, media):
    url = media("car.jpg", _jpeg())
    last_modified = client.get(url)["Last-Modified"]
    assert client.get(url, headers={"if-modified-since": last_modified}).status_code == 304


@override_settings(MEDIA_URL="https://media.example.com/media/")
def test_a_media_domain_keeps_the_media_path_that_the_proxy_forwards():
    assert media_url_prefix() == "media"
