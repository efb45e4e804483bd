"""Evidence files on a complaint: photos (through ``core.images``: decoded, re-encoded, metadata stripped)
and PDFs (recognised by their ``%PDF-`` magic bytes, never by name or browser-declared type)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.images import process_upload, validate_image_upload

PDF_MAGIC = b"%PDF-"
MAX_FILES = 6


def _max_bytes() -> int:
    return int(getattr(settings, "MAX_IMAGE_UPLOAD_BYTES", 10 * 1024 * 1024))


def _head(file, n: int = 5) -> bytes:
    file.seek(0)
    head = file.read(n)
    file.seek(0)
    return head


def validate_attachment(file) -> None:
    """A real image or a PDF, not larger than the upload limit."""
    if file.size > _max_bytes():
        raise ValidationError(
            _("“%(name)s” is too large. The limit is %(limit)s MB per file.")
            % {"name": file.name, "limit": _max_bytes() // (1024 * 1024)},
            code="too_large",
        )
    if _head(file) == PDF_MAGIC:
        return
    try:
        validate_image_upload(file)
    except ValidationError as exc:
        raise ValidationError(
            _("“%(name)s” is neither a photo nor a PDF (%(reason)s).") % {"name": file.name, "reason": " ".join(exc.messages)},
            code="invalid_attachment",
        ) from exc


@dataclass(frozen=True)
class PreparedAttachment:
    content: ContentFile
    content_type: str
    original_name: str
    size: int


def prepare_attachment(file) -> PreparedAttachment:
    """Validate again (services never trust the form) and return what to store."""
    validate_attachment(file)
    original_name = (getattr(file, "name", "") or "attachment")[-255:]
    stem = uuid.uuid4().hex
    if _head(file) == PDF_MAGIC:
        data = file.read()
        file.seek(0)
        return PreparedAttachment(ContentFile(data, name=f"{stem}.pdf"), "application/pdf", original_name, len(data))
    processed = process_upload(file, stem=stem)
    return PreparedAttachment(processed.display, "image/jpeg", original_name, processed.display.size)


_help_text = lazy(lambda: gettext("Photos (JPEG, PNG, WebP) or PDF documents, up to %(n)s files.") % {"n": MAX_FILES}, str)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files in one input, each validated; at most ``MAX_FILES``."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        # Lazy: form fields are built at import time, before any request picks the language.
        kwargs.setdefault("help_text", _help_text())
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", "image/jpeg,image/png,image/webp,application/pdf")

    def clean(self, data, initial=None):
        single = super().clean
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if len(files) > MAX_FILES:
            raise ValidationError(_("Attach at most %(n)s files.") % {"n": MAX_FILES}, code="too_many")
        cleaned = [single(f, initial) for f in files]
        errors = []
        for f in cleaned:
            try:
                validate_attachment(f)
            except ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise ValidationError(errors)
        return cleaned
