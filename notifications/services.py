"""The one outbound channel. Every reminder, escalation and notice goes through ``notify``."""

from __future__ import annotations

import contextlib
import logging
import threading

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from core.outbox import outbox_enqueue

from .models import Notification

logger = logging.getLogger(__name__)

_batch = threading.local()


@contextlib.contextmanager
def notifications_batched():
    """Within the block, ``notify`` does not queue one e-mail task per notification: it marks the
    notification ``email_pending`` and, when the block ends, ONE task (through the outbox) sends every
    pending e-mail. Sweeps run each batch inside this, so a batch of 500 reminders is one message to the
    broker, not 500. A pending e-mail whose task was lost (worker killed) is still sent by the periodic
    ``send_pending_emails`` safety net."""
    if getattr(_batch, "active", False):  # nested: the outer block sends
        yield
        return
    _batch.active, _batch.pending = True, False
    try:
        yield
    finally:
        pending = _batch.pending
        _batch.active, _batch.pending = False, False
        if pending:
            outbox_enqueue("notifications.tasks.send_pending_emails")


def notify(
    recipient, kind: str, dedupe_key: str, *, subject: str, body: str = "", url: str = "", email: bool = True
) -> Notification | None:
    """Write an in-app notification and e-mail it after commit — exactly once per ``dedupe_key``.

    Returns the new notification, or ``None`` when one with this key already exists (a re-run sweep,
    a redelivered task). The unique constraint, not a prior SELECT, decides, so concurrent callers
    cannot both win. ``subject``/``body`` may be lazy translations: they are rendered in the
    recipient's language when known.
    """
    with translation.override(getattr(recipient, "language", None) or translation.get_language()):
        subject, body = str(subject), str(body)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                kind=kind,
                dedupe_key=dedupe_key[:200],
                subject=subject[:200],
                body=body,
                url=url,
                email_pending=bool(email and recipient.email),
            )
    except IntegrityError:
        logger.info("notification %s already sent", dedupe_key)
        return None
    if notification.email_pending and getattr(_batch, "active", False):
        _batch.pending = True
    elif notification.email_pending:
        # E-mail leaves through Celery via the transactional outbox (core.outbox): queued with this
        # transaction, sent by a worker after commit, and still sent if the broker was down meanwhile.
        outbox_enqueue("notifications.tasks.notification_email", notification.pk)
    return notification


def _send_email(notification_pk: int) -> None:
    """Send a notification's e-mail at most once (run by ``notifications.tasks.notification_email``)."""
    # Claim the row first so two processes committing the same notification never both e-mail it.
    claimed = Notification.objects.filter(pk=notification_pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now(), email_pending=False
    )
    if not claimed:
        return
    notification = Notification.objects.select_related("recipient").get(pk=notification_pk)
    link = f"\n\n{settings.SITE_URL}{notification.url}" if notification.url else ""
    try:
        send_mail(notification.subject, f"{notification.body}{link}", None, [notification.recipient.email])
    except OSError:
        Notification.objects.filter(pk=notification_pk).update(emailed_at=None, email_pending=True)
        logger.exception("e-mail for notification %s failed; the in-app message stands", notification_pk)


def send_pending_emails(*, limit: int = 1000) -> int:
    """Send the e-mails still owed (oldest first, at most ``limit``); each one is claimed before it is
    sent, so overlapping runs and redelivered tasks never send an e-mail twice. Returns how many were tried."""
    pks = list(Notification.objects.filter(email_pending=True).order_by("created_at").values_list("pk", flat=True)[:limit])
    for pk in pks:
        _send_email(pk)
    return len(pks)


def notification_mark_read(*, user, notification_ids=None) -> int:
    """Mark the user's notifications read (all of them, or the given ids that are theirs)."""
    qs = Notification.objects.for_user(user).unread()
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
