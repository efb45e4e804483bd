"""The one PDF renderer of the project (inspection reports, contracts, ...).

WeasyPrint follows every URL a document mentions (``<img src>``, stylesheets,
``url()`` in CSS).  Documents contain user-written text, so the renderer must
never read local files or reach the network on a document's behalf.  The
:class:`RestrictedURLFetcher` below serves only:

* the project's own static files (``STATIC_URL``), looked up through the
  staticfiles finders and ``STATIC_ROOT``;
* uploaded media (``MEDIA_URL``) below ``MEDIA_ROOT``;
* small ``data:image/...`` URIs.

Relative and root-relative URLs (``/static/...``, ``{% static %}`` output)
are resolved against :data:`INTERNAL_ORIGIN`, a host that never touches the
network: the fetcher maps it onto the directories above.  Everything else
(``file:``, ``http(s):`` to any other host, ``ftp:``, path traversal, missing
files) raises :class:`ForbiddenResource`; WeasyPrint then logs a warning and
simply omits the resource.  No redirects are followed because nothing is ever
fetched over HTTP.
"""

from __future__ import annotations

import base64
import binascii
import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

logger = logging.getLogger(__name__)

#: Pseudo-origin for documents: never resolved through DNS, only mapped to local dirs.
INTERNAL_ORIGIN = "https://pdf-assets.anxin.invalid/"

#: Upper bound for inline ``data:`` images (bytes after decoding).
MAX_DATA_URI_BYTES = 2 * 1024 * 1024

#: CSS font stack with CJK coverage (fonts-noto-cjk is installed by the set-up).
CJK_FONT_STACK = '"Noto Sans CJK SC", "Noto Serif CJK SC", "Noto Sans", sans-serif'


class ForbiddenResource(ValueError):
    """A document referenced something the PDF renderer must not read."""


def _safe_join(root: Path | str, relative: str) -> Path | None:
    """``root / relative`` if that is an existing file strictly inside ``root``."""
    root_path = Path(root).resolve()
    candidate = (root_path / relative.lstrip("/")).resolve()
    try:
        candidate.relative_to(root_path)
    except ValueError:
        return None
    return candidate if candidate.is_file() else None


def _strip_prefix(path: str, prefix: str | None) -> str | None:
    if not prefix or not prefix.startswith("/"):
        return None
    return path[len(prefix) :] if path.startswith(prefix) else None


def _static_file(relative: str) -> Path | None:
    relative = relative.lstrip("/")
    if not relative or any(part == ".." for part in relative.split("/")):
        return None
    # Finders only look inside configured static directories and use safe_join themselves.
    found = finders.find(relative)
    if found and Path(found).is_file():
        return Path(found).resolve()
    if getattr(settings, "STATIC_ROOT", None):
        return _safe_join(settings.STATIC_ROOT, relative)
    return None


def resolve_local_asset(url: str) -> Path | None:
    """Map an internal-origin URL to a file the renderer may read, or ``None``."""
    parts = urlsplit(url)
    origin = urlsplit(INTERNAL_ORIGIN)
    if parts.scheme != origin.scheme or parts.netloc != origin.netloc:
        return None
    path = unquote(parts.path)
    if "\x00" in path or "\\" in path:
        return None
    static_rel = _strip_prefix(path, settings.STATIC_URL)
    if static_rel is not None:
        return _static_file(static_rel)
    media_rel = _strip_prefix(path, settings.MEDIA_URL)
    if media_rel is not None and settings.MEDIA_ROOT:
        if any(part == ".." for part in media_rel.split("/")):
            return None
        return _safe_join(settings.MEDIA_ROOT, media_rel)
    return None


def _data_uri(url: str):
    from weasyprint.urls import URLFetcherResponse

    header, sep, payload = url[5:].partition(",")
    if not sep:
        raise ForbiddenResource("malformed data URI")
    fields = header.split(";")
    mime = fields[0].strip().lower()
    if not mime.startswith("image/") or mime == "image/svg+xml":
        # SVG may itself reference further resources; keep inline data to raster images.
        raise ForbiddenResource(f"data URI of type {mime!r} refused")
    if "base64" in fields[1:]:
        try:
            body = base64.b64decode(payload, validate=False)
        except (binascii.Error, ValueError) as exc:
            raise ForbiddenResource("bad base64 in data URI") from exc
    else:
        body = unquote(payload).encode("latin-1", "replace")
    if len(body) > MAX_DATA_URI_BYTES:
        raise ForbiddenResource("data URI too large")
    return URLFetcherResponse(url, body, {"Content-Type": mime})


def _make_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class RestrictedURLFetcher(URLFetcher):
        """Serves only project static/media files and inline images; refuses the rest."""

        def __init__(self):
            super().__init__(timeout=1, allowed_protocols=("https", "data"), allow_redirects=False, fail_on_errors=False)

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == "data":
                return _data_uri(url)
            path = resolve_local_asset(url)
            if path is None:
                logger.warning("PDF renderer refused resource %s", url[:200])
                raise ForbiddenResource(f"resource not allowed: {url[:200]}")
            mime, _ = mimetypes.guess_type(path.name)
            body = path.read_bytes()
            headers = {"Content-Type": mime or "application/octet-stream"}
            return URLFetcherResponse(path.as_uri(), body, headers)

        # WeasyPrint calls the instance directly in places.
        def __call__(self, url):
            return self.fetch(url)

        def open(self, url, data=None, timeout=None):  # never used as urllib opener
            raise ForbiddenResource("direct opening is disabled")

    return RestrictedURLFetcher


_FETCHER_CLASS = None


def restricted_url_fetcher():
    """A fresh fetcher instance (WeasyPrint keeps per-request state on it)."""
    global _FETCHER_CLASS
    if _FETCHER_CLASS is None:
        _FETCHER_CLASS = _make_fetcher_class()
    return _FETCHER_CLASS()


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """Render an HTML string to PDF bytes with the restricted URL fetcher.

    ``base_url`` defaults to :data:`INTERNAL_ORIGIN`, so ``/static/...`` and
    ``/media/...`` references resolve to project files. A ``base_url`` pointing
    anywhere else only changes how relative URLs are joined; the fetcher still
    refuses whatever is not a project file.
    """
    from weasyprint import HTML

    fetcher = restricted_url_fetcher()
    document = HTML(string=html, base_url=base_url or INTERNAL_ORIGIN, url_fetcher=fetcher)
    return document.write_pdf()
