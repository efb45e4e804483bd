"""Saving, changing and unsubscribing saved searches (the buyer's side)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_buyer
from core.errors import DomainError, PermissionDeniedError

from ..models import SavedSearch, SavedSearchMatch
from .columns import filters_of, suggested_name

MAX_PER_BUYER = 20
UNSUBSCRIBE_SALT = "marketplace.saved-search.unsubscribe"


class NoFilters(DomainError):
    """A saved search needs at least one filter (all cars on sale is not a search)."""


@transaction.atomic
def saved_search_create(*, user, params, name: str = "", frequency: str = SavedSearch.Frequency.INSTANT) -> SavedSearch:
    """Save the /cars/ filters in ``params`` under ``name`` (a suggestion when blank). The same filters saved again
    renames the existing search. Buyers only; at least one filter; at most ``MAX_PER_BUYER`` searches."""
    if not is_buyer(user):
        raise PermissionDeniedError(_("Saved searches are for buyer accounts."), code="not_buyer")
    query, columns = filters_of(params)
    if not columns:
        raise NoFilters(_("Choose at least one filter to save a search."), code="no_filters")
    if frequency not in SavedSearch.Frequency.values:
        frequency = SavedSearch.Frequency.INSTANT
    name = (name or "").strip()[:80] or suggested_name(columns)
    existing = SavedSearch.objects.select_for_update().filter(user=user, query=query).first()
    if existing:
        existing.name, existing.alerts_on = name, True
        existing.save(update_fields=["name", "alerts_on", "updated_at"])
        return existing
    if SavedSearch.objects.filter(user=user).count() >= MAX_PER_BUYER:
        raise DomainError(_("You can keep up to %(n)d saved searches; delete one first.") % {"n": MAX_PER_BUYER}, code="too_many")
    search = SavedSearch(user=user, name=name, query=query, frequency=frequency, **columns)
    search.full_clean(exclude=["user"])
    search.save()
    return search


def _require_owner(search: SavedSearch, user) -> None:
    if search.user_id != getattr(user, "pk", None):
        raise PermissionDeniedError(_("This saved search is not yours."), code="not_owner")


@transaction.atomic
def saved_search_update(*, search: SavedSearch, user, name: str | None = None, frequency: str | None = None, alerts_on=None):
    """Rename a search, switch its alerts between instant and daily, or turn them on or off. Switching to
    instant (or off) drops what the next digest would have said: the buyer chose not to get it."""
    _require_owner(search, user)
    fields = []
    if name is not None and name.strip():
        search.name = name.strip()[:80]
        fields.append("name")
    if frequency in SavedSearch.Frequency.values and frequency != search.frequency:
        search.frequency = frequency
        fields.append("frequency")
    if alerts_on is not None and bool(alerts_on) != search.alerts_on:
        search.alerts_on = bool(alerts_on)
        fields.append("alerts_on")
    if fields:
        search.save(update_fields=[*fields, "updated_at"])
        if search.frequency == SavedSearch.Frequency.INSTANT or not search.alerts_on:
            SavedSearchMatch.objects.filter(search=search, told_at__isnull=True).update(told_at=timezone.now())
    return search


@transaction.atomic
def saved_search_delete(*, search: SavedSearch, user) -> None:
    """Forget a saved search and its matches (only its owner)."""
    _require_owner(search, user)
    search.delete()


def unsubscribe_token(search: SavedSearch) -> str:
    return signing.dumps(search.pk, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(search: SavedSearch) -> str:
    """The absolute link an alert e-mail carries: it turns the alerts off in one click, without signing in."""
    return settings.SITE_URL + reverse("marketplace:saved_search_unsubscribe", args=[unsubscribe_token(search)])


def search_for_token(token: str) -> SavedSearch | None:
    """The saved search a signed link names (None for a forged, mangled or deleted one)."""
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return SavedSearch.objects.filter(pk=pk).first() if isinstance(pk, int) else None


@transaction.atomic
def saved_search_unsubscribe(*, search: SavedSearch, alerts_on: bool = False) -> SavedSearch:
    """Turn the alerts of the search a signed link names off (or back on); harmless when repeated."""
    if search.alerts_on != alerts_on:
        search.alerts_on = alerts_on
        search.save(update_fields=["alerts_on", "updated_at"])
        if not alerts_on:
            SavedSearchMatch.objects.filter(search=search, told_at__isnull=True).update(told_at=timezone.now())
    return search
