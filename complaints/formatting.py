"""How a deadline reads on a page: 'Wed 26 Nov 18:00', Beijing time, in the language of the page.

For pages and audit notes only; notifications carry ``moment(...)`` and render in the reader's language.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core import calendar


def format_deadline(moment: dt.datetime | None) -> str:
    """'Wed 26 Nov 18:00' in Asia/Shanghai, in the active language ('' for no deadline)."""
    if moment is None:
        return ""
    return date_format(timezone.localtime(moment, calendar.SHANGHAI), _("D j M H:i"))
