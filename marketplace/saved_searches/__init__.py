"""Saved searches: the filters as columns (``columns``), the buyer's writes (``services``), the matching sweep
and the daily digest (``sweep``)."""

from .services import (
    NoFilters,
    saved_search_create,
    saved_search_delete,
    saved_search_unsubscribe,
    saved_search_update,
    search_for_token,
    unsubscribe_token,
    unsubscribe_url,
)

__all__ = [
    "NoFilters",
    "saved_search_create",
    "saved_search_delete",
    "saved_search_unsubscribe",
    "saved_search_update",
    "search_for_token",
    "unsubscribe_token",
    "unsubscribe_url",
]
