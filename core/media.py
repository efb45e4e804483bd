"""Serving uploaded files so that a crafted upload can never run script on the site's origin.

Every response carries a content type we chose, never one guessed from the file name or sniffed by the
browser: Pillow must recognise the bytes as a web image format (then ``image/<format>``), anything else
is ``application/octet-stream`` with ``Content-Disposition: attachment`` (an HTML page renamed ``.jpg`` or
an SVG with script is downloaded, not rendered). On top: ``X-Content-Type-Options: nosniff`` and
``Content-Security-Policy: default-src 'none'; sandbox`` (even a rendered document gets a unique,
script-less origin).

Production: set ``DJANGO_MEDIA_URL=https://media.example.com/media/`` (a separate, cookieless host) and
proxy that host's ``/media/`` to gunicorn, which answers with this view (config/settings/production.py).
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseNotModified
from django.utils._os import safe_join
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since
from PIL import Image, UnidentifiedImageError

# Formats a browser renders as an image and nothing else. (MPO is a multi-picture JPEG.)
IMAGE_CONTENT_TYPES = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
MEDIA_CSP = "default-src 'none'; sandbox"
MEDIA_CACHE_SECONDS = 24 * 3600


def media_url_prefix() -> str:
    """The path part of ``MEDIA_URL`` without slashes ("media"), also when MEDIA_URL names another host."""
    return urlsplit(settings.MEDIA_URL).path.strip("/") or "media"


def detect_image_type(path: Path) -> str | None:
    """``image/...`` when Pillow recognises the file as a web image format, else None (header read only)."""
    try:
        with Image.open(path) as image:
            return IMAGE_CONTENT_TYPES.get(image.format or "")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def _resolve(path: str) -> Path:
    normalised = posixpath.normpath(path).lstrip("/")
    if normalised.startswith("..") or any(part.startswith(".") for part in normalised.split("/")):
        raise Http404
    try:
        full = Path(safe_join(str(settings.MEDIA_ROOT), normalised))
    except SuspiciousFileOperation:
        raise Http404 from None
    if not full.is_file():
        raise Http404
    return full


@transaction.non_atomic_requests  # never touches the database (cheap under load, works while the DB restarts)
@require_safe
def serve_media(request, path: str):
    """Send one uploaded file with a forced content type and headers that keep it inert (see module doc)."""
    full = _resolve(path)
    stat = full.stat()
    if not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), int(stat.st_mtime)):
        response = HttpResponseNotModified()
    else:
        content_type = detect_image_type(full)
        response = FileResponse(full.open("rb"), content_type=content_type or "application/octet-stream")
        response["Content-Length"] = str(stat.st_size)
        if content_type is None:
            filename = full.name
            ascii_name = filename.encode("ascii", "ignore").decode() or "download"
            ascii_name = ascii_name.replace('"', "").replace("\\", "")
            response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
        else:
            response["Content-Disposition"] = "inline"
    response["Last-Modified"] = http_date(stat.st_mtime)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CSP
    response["Cross-Origin-Resource-Policy"] = "same-site"
    response["Cache-Control"] = f"public, max-age={MEDIA_CACHE_SECONDS}"
    return response
