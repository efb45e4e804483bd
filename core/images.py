"""Photo uploads shared by every app (listing photos, inspection photos, damage pictures).

An upload is accepted only when Pillow can really decode it, it is not a decompression bomb and not
larger than ``settings.MAX_IMAGE_UPLOAD_BYTES``. What we store is always a re-encoded JPEG with the
EXIF orientation applied and **no metadata at all** (no EXIF, no GPS, no ICC comments): the original
bytes never reach the disk, so a phone photo cannot leak where a car (or a person) was.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow's own bomb guard (it warns above this and raises above twice this). 40 megapixels is more
# than any phone camera produces; we treat the warning as an error as well.
MAX_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "MPO"}
ORIGINAL_MAX_SIDE = 2400
DISPLAY_MAX_SIDE = 1280
THUMB_SIZE = (480, 360)  # 4:3, the listing-card ratio
JPEG_QUALITY = 85


@dataclass(frozen=True)
class ProcessedImage:
    """Three metadata-free JPEGs ready for ``ImageField.save()``."""

    original: ContentFile
    display: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def _max_bytes() -> int:
    return int(getattr(settings, "MAX_IMAGE_UPLOAD_BYTES", 10 * 1024 * 1024))


def _read(file) -> bytes:
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read()
    if hasattr(file, "seek"):
        file.seek(0)
    return data


def _open_checked(data: bytes) -> Image.Image:
    """Open ``data`` as an image or raise ``ValidationError`` with a message a dealer understands."""
    if len(data) > _max_bytes():
        raise ValidationError(
            _("This photo is too large (%(size)s MB). The limit is %(limit)s MB.")
            % {"size": f"{len(data) / 1024 / 1024:.1f}", "limit": f"{_max_bytes() / 1024 / 1024:.0f}"},
            code="too_large",
        )
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ALLOWED_FORMATS:
                raise ValidationError(_("Upload a JPEG, PNG or WebP photo."), code="format")
            probe.verify()  # structural check; the object is unusable afterwards
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise Image.DecompressionBombError("too many pixels")
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("This image has too many pixels to be a real photo (limit %(mp)s megapixels).") % {"mp": MAX_PIXELS // 1_000_000},
            code="bomb",
        )
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError, EOFError):
        raise ValidationError(_("This file is not a valid image. Upload a JPEG, PNG or WebP photo."), code="invalid_image")
    return image


def validate_image_upload(file) -> None:
    """Form-field validator: a real, reasonably sized image (no side effects)."""
    _open_checked(_read(file))


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        background = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.split()[-1])
        return background
    return image.convert("RGB")


def _jpeg(image: Image.Image, name: str) -> ContentFile:
    # A fresh RGB image carries no ``info`` (EXIF, GPS, XMP, ICC, comments), and we pass no exif=.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    buffer = io.BytesIO()
    clean.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return ContentFile(buffer.getvalue(), name=name)


def process_upload(file, *, stem: str | None = None) -> ProcessedImage:
    """Validate ``file`` and return (original ≤2400px, display ≤1280px, 480×360 thumbnail) JPEGs.

    EXIF orientation is applied first so the pixels are upright; then all metadata is dropped by
    re-encoding from a fresh image. Raises ``ValidationError`` for anything that is not a real photo.
    """
    image = _open_checked(_read(file))
    image = ImageOps.exif_transpose(image)
    image = _to_rgb(image)
    stem = stem or uuid.uuid4().hex

    original = image.copy()
    original.thumbnail((ORIGINAL_MAX_SIDE, ORIGINAL_MAX_SIDE), Image.Resampling.LANCZOS)
    display = image.copy()
    display.thumbnail((DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE), Image.Resampling.LANCZOS)
    thumb = ImageOps.fit(image, THUMB_SIZE, Image.Resampling.LANCZOS)

    return ProcessedImage(
        original=_jpeg(original, f"{stem}.jpg"),
        display=_jpeg(display, f"{stem}_d.jpg"),
        thumbnail=_jpeg(thumb, f"{stem}_t.jpg"),
        width=original.width,
        height=original.height,
    )
