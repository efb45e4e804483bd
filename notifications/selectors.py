"""Reads of the notifications app."""

from .models import Notification


def unread_count(user) -> int:
    """Unread notifications of ``user`` for the navigation badge (0 for visitors; one indexed COUNT)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.for_user(user).unread().count()
