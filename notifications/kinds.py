"""What a notification says, kept apart from the row that says it.

A notification row stores a ``kind`` code and its parameters (JSON); the text is the kind's translatable
subject/body, rendered when somebody reads it: on a page in the language of that page, in an e-mail in the
recipient's chosen language. So a buyer browsing in English reads their inbox in English even when the
message was caused by a dealer browsing in Chinese.

Each app declares its kinds in a ``notices.py`` module (found by ``autodiscover``)::

    CLAIM_AUTHORISED = notice_kind(
        "warranty.claim_authorised",
        label=_("Warranty claim authorised"),
        subject=_("Your claim #%(id)s is authorised"),
        body=_("Please take the car to %(shop)s."),
    )
    notify(buyer, CLAIM_AUTHORISED, f"warranty:claim:{claim.pk}:authorised", params={"id": claim.pk, "shop": shop.name})

Parameter values are plain JSON (numbers, names of people and businesses) or one of the markers below for
what reads differently per language: ``localized(...)`` (a car name, a status label, any lazy text),
``moment(datetime)`` and ``day(date)`` (formatted in the reader's language, times in Asia/Shanghai).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import Promise

logger = logging.getLogger(__name__)

_LOCALIZED, _MOMENT, _DAY = "_l", "_dt", "_d"


@dataclass(frozen=True)
class NoticeKind:
    """One kind of message: its code (stored in the row), a label for staff pages, its subject and body."""

    code: str
    label: Promise | str
    subject: Promise | str
    body: Promise | str = ""
    #: produced by a clock (reminder, escalation, guarantee notice, survey invitation): listed on the
    #: staff clocks page under ``group``.
    clock: bool = False
    group: str = field(default="", compare=False)

    def render(self, params: Mapping[str, Any] | None, language: str | None = None) -> tuple[str, str]:
        """(subject, body) in ``language`` (the active one when None)."""
        with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
            values = {key: render_value(value) for key, value in (params or {}).items()}
            return _fill(self.subject, values), _fill(self.body, values) if self.body else ""


_REGISTRY: dict[str, NoticeKind] = {}


def notice_kind(
    code: str,
    *,
    label: Promise | str,
    subject: Promise | str,
    body: Promise | str = "",
    clock: bool = False,
    group: str = "",
) -> NoticeKind:
    """Declare (register) a kind; codes are ``<app>.<what>`` and unique across the project."""
    kind = NoticeKind(code=code, label=label, subject=subject, body=body, clock=clock, group=group or code.split(".")[0])
    existing = _REGISTRY.get(code)
    if existing is not None and existing != kind:
        raise ValueError(f"notification kind {code!r} is declared twice with different texts")
    _REGISTRY[code] = kind
    return kind


def get_kind(code: str) -> NoticeKind | None:
    return _REGISTRY.get(code)


def all_kinds() -> list[NoticeKind]:
    return sorted(_REGISTRY.values(), key=lambda kind: kind.code)


def kind_label(code: str) -> str:
    """A readable label for a stored kind code (the code itself for kinds nobody declares any more)."""
    kind = _REGISTRY.get(code)
    return str(kind.label) if kind else code


# --- parameter markers ---------------------------------------------------------------------------


def localized(value: Promise | Callable[[], Any] | str) -> dict:
    """Capture ``value`` in every language of the site: a lazy translation, or a callable evaluated once
    per language (``lambda: str(vehicle)`` gives 丰田 卡罗拉 / Toyota Corolla)."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = str(value() if callable(value) and not isinstance(value, Promise) else value)
    return {_LOCALIZED: texts}


def moment(value: dt.datetime | None) -> dict | str:
    """A point in time, shown as date and time in the reader's language (Asia/Shanghai)."""
    return {_MOMENT: value.isoformat()} if value else ""


def day(value: dt.date | None) -> dict | str:
    """A calendar day, shown in the reader's date format."""
    return {_DAY: value.isoformat()} if value else ""


def render_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        if _LOCALIZED in value:
            texts = value[_LOCALIZED]
            language = translation.get_language() or settings.LANGUAGE_CODE
            return texts.get(language) or texts.get(language.split("-")[0]) or next(iter(texts.values()), "")
        if _MOMENT in value:
            return date_format(timezone.localtime(dt.datetime.fromisoformat(value[_MOMENT])), "DATETIME_FORMAT")
        if _DAY in value:
            return date_format(dt.date.fromisoformat(value[_DAY]), "DATE_FORMAT")
    return value


def _fill(template: Promise | str, values: dict) -> str:
    text = str(template)
    if not values:
        return text
    try:
        return text % values
    except (KeyError, TypeError, ValueError):
        # A text edited since the row was written (a parameter renamed): show the text, never fail the page.
        logger.warning("notification text %r could not take parameters %s", text, sorted(values))
        return text


def autodiscover() -> None:
    """Import every installed app's ``notices`` module so all kinds are registered (called at start-up)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("notices")
