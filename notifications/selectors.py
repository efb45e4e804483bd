"""Reads of the notifications app."""

from django.core.cache import cache
from django.db import transaction

from .models import Notification

#: The navigation badge's count, kept per user in the cache (Redis in production) and forgotten whenever that user's
#: unread notifications change (``unread_changed``: new rows, rows read), so a signed-in page costs no COUNT.
UNREAD_KEY = "notifications:unread:{}"
UNREAD_SECONDS = 300


def unread_count(user) -> int:
    """Unread notifications of ``user`` for the navigation badge (0 for visitors)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    key = UNREAD_KEY.format(user.pk)
    found = cache.get(key)
    if found is None:
        found = Notification.objects.for_user(user).unread().count()
        cache.set(key, found, UNREAD_SECONDS)
    return found


def unread_changed(user_ids) -> None:
    """Forget the cached counts of these users, now and again once the transaction commits (a page that counted
    before the commit must not keep the old number)."""
    keys = [UNREAD_KEY.format(pk) for pk in set(user_ids)]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
