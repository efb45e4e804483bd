from django.utils.functional import SimpleLazyObject


def unread_notifications(request):
    """``unread_notification_count`` for the navigation badge (from the per-user cache, only when used)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notification_count": 0}
    from .selectors import unread_count

    return {"unread_notification_count": SimpleLazyObject(lambda: unread_count(user))}
