from django.utils.functional import SimpleLazyObject


def unread_notifications(request):
    """``unread_notification_count`` for the navigation badge (one cheap query, only when used)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notification_count": 0}
    from .models import Notification

    return {"unread_notification_count": SimpleLazyObject(lambda: Notification.objects.for_user(user).unread().count())}
