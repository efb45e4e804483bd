"""The Jinja2 environment of the hot pages (home, browse, detail, compare, the dealer page and the site frame).

These pages are rendered for many more visitors than there are cars, so they use Jinja2 (compiled to Python,
several times cheaper per variable than the Django template language); every other page stays a Django template
and borrows the site frame (navigation, footer) from here through ``{% jinja %}`` (``core.templatetags.jinja``).

Translations: templates call ``_("…")`` (gettext, not auto-formatted) and format with ``%`` themselves, e.g.
``{{ _("Grade %(g)s") % {"g": car.grade} }}``, which ``makemessages`` extracts like Django's own ``_()`` syntax.
Plural texts are built in Python (``ngettext``) and passed in.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils import formats, html, timezone, translation

from jinja2 import Environment

from . import pagecache
from .templatetags.money import cny, km

_reversed: dict[tuple, str] = {}


def url(name: str, *args) -> str:
    """``reverse`` for templates, remembered: the navigation alone asks for a dozen fixed URLs on every page."""
    key = (get_script_prefix(), name, args)
    try:
        return _reversed[key]
    except KeyError:
        path = _reversed[key] = reverse(name, args=args or None)
        return path


def form_token(request) -> str:
    """The CSRF token for this request's forms (a placeholder on pages that may be cached: core.pagecache)."""
    return pagecache.csrf_token_for(request)


def media(path: str) -> str:
    return f"{settings.MEDIA_URL}{path}" if path else ""


def date(value, fmt: str = "DATE_FORMAT") -> str:
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value)
    return formats.date_format(value, fmt)


def isodate(value: str) -> str:
    """An ISO date or date-time string (as JSON stores them), shown as a date in the reader's language."""
    if not value:
        return ""
    try:
        return date(dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value))
    except ValueError:
        return value


def intcomma(value) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


GLOBALS = {"url": url, "static": static, "form_token": form_token, "media": media, "get_language": translation.get_language}
FILTERS = {"json_script": html.json_script, "cny": cny, "km": km, "intcomma": intcomma, "date": date, "isodate": isodate}


_translated: dict[tuple[str, str], str] = {}


def gettext(message: str) -> str:
    """``gettext`` for templates, remembered per language: a page prints a hundred fixed texts, and the catalogues
    never change while the process runs."""
    key = (translation.get_language() or "", message)
    try:
        return _translated[key]
    except KeyError:
        text = _translated[key] = translation.gettext(message)
        return text


def base_environment(**options) -> Environment:
    """The environment with the helpers every template may use; ``config.jinja2`` adds the apps' ones."""
    options["autoescape"] = True  # always: these templates print visitors' and dealers' text
    env = Environment(extensions=["jinja2.ext.i18n"], **options)  # noqa: S701 - autoescape forced on above
    env.install_gettext_callables(gettext, translation.ngettext, newstyle=False)
    env.globals.update(GLOBALS)
    env.filters.update(FILTERS)
    return env
