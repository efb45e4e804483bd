"""Outbound e-mail for notifications, sent by a worker (queued through core.outbox by ``notify``)."""

from celery import shared_task

from core.tasks import CLOCK_TASK_OPTIONS

from . import services


@shared_task(**CLOCK_TASK_OPTIONS | {"soft_time_limit": 60, "time_limit": 90})
def notification_email(notification_pk: int) -> int:
    """E-mail one notification; a redelivered task sends nothing twice (the row is leased, then marked)."""
    return services.send_email(notification_pk)


@shared_task(**CLOCK_TASK_OPTIONS)
def send_pending_emails() -> int:
    """Send every e-mail a sweep batch owes (one task per batch), and any whose sender died mid-send."""
    return services.send_pending_emails()
