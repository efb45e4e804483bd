"""Per-visitor lists kept in the session (no account needed): the compare set and recently viewed cars."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import DomainError

COMPARE_KEY = "marketplace_compare"
RECENT_KEY = "marketplace_recent"
COMPARE_MAX = 4
RECENT_MAX = 8


class CompareFull(DomainError):
    """The compare set already holds ``COMPARE_MAX`` cars."""


def _ids(session, key) -> list[int]:
    raw = session.get(key) or []
    return [int(x) for x in raw if str(x).isdigit()]


def compare_ids(session) -> list[int]:
    return _ids(session, COMPARE_KEY)


def compare_add(session, listing_id: int) -> list[int]:
    """Add a car to compare; a fifth car is refused (never silently dropping one already chosen)."""
    ids = compare_ids(session)
    if listing_id in ids:
        return ids
    if len(ids) >= COMPARE_MAX:
        raise CompareFull(
            _("You can compare up to %(n)d cars. Remove one before adding another.") % {"n": COMPARE_MAX}, code="compare_full"
        )
    ids.append(listing_id)
    session[COMPARE_KEY] = ids
    return ids


def compare_remove(session, listing_id: int) -> list[int]:
    ids = [x for x in compare_ids(session) if x != listing_id]
    session[COMPARE_KEY] = ids
    return ids


def compare_clear(session) -> None:
    session[COMPARE_KEY] = []


def recent_ids(session) -> list[int]:
    return _ids(session, RECENT_KEY)


def recent_record(session, listing_id: int) -> None:
    """Most recent first, no duplicates, at most ``RECENT_MAX``. Writes the session only on change."""
    ids = recent_ids(session)
    if ids[:1] == [listing_id]:
        return
    session[RECENT_KEY] = ([listing_id] + [x for x in ids if x != listing_id])[:RECENT_MAX]
