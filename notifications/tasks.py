"""Outbound e-mail for notifications, sent by a worker (queued through core.outbox by ``notify``)."""

from celery import shared_task

from core.tasks import CLOCK_TASK_OPTIONS

from .services import _send_email
from .services import send_pending_emails as _send_pending_emails


@shared_task(**CLOCK_TASK_OPTIONS | {"soft_time_limit": 60, "time_limit": 90})
def notification_email(notification_pk: int) -> None:
    """E-mail one notification; a redelivered task sends nothing twice (``emailed_at`` is claimed first)."""
    _send_email(notification_pk)


@shared_task(**CLOCK_TASK_OPTIONS)
def send_pending_emails() -> int:
    """Send every e-mail a sweep batch owes (one task per batch), and catch any whose task was lost."""
    return _send_pending_emails()
