"""The one outbound channel. Every reminder, escalation and notice goes through ``notify`` / ``notify_many``.

* Exactly once per ``dedupe_key``: the unique constraint, not a prior SELECT, decides, so concurrent callers
  (two sweeps, a redelivered task) cannot both write the same message.
* Nothing for a rolled-back change: e-mail is queued through the transactional outbox (``core.outbox``) in the
  caller's transaction.
* E-mail is delivered at least once: a sender claims a row with a lease, sends, then marks it sent. A sender
  killed in between leaves the lease to expire, and the periodic ``send_pending_emails`` sends it again; the
  retry carries the same ``Message-ID`` (derived from the dedupe key), so a duplicate — possible only when the
  kill fell between the SMTP server's acceptance and the mark — is recognisable as one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from core.outbox import outbox_enqueue

from .kinds import NoticeKind
from .models import Notification
from .selectors import unread_changed

logger = logging.getLogger(__name__)

#: How long a sender owns a claimed e-mail before another sender may take it over.
EMAIL_LEASE = dt.timedelta(minutes=5)
SEND_TASK = "notifications.tasks.send_pending_emails"
ONE_EMAIL_TASK = "notifications.tasks.notification_email"

_batch = threading.local()


@contextlib.contextmanager
def notifications_batched() -> Iterator[None]:
    """Within the block ``notify`` queues no e-mail task of its own: it marks the row ``email_pending`` and,
    when the block ends, ONE outbox task sends every pending e-mail. Sweeps run their batches inside this."""
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
            outbox_enqueue(SEND_TASK)


@dataclass(frozen=True)
class Notice:
    """One message to write: to whom, which kind, its dedupe key, parameters and link."""

    recipient: object
    kind: NoticeKind
    dedupe_key: str
    params: dict = field(default_factory=dict)
    url: str = ""
    email: bool = True

    def row(self) -> Notification:
        return Notification(
            recipient=self.recipient,
            kind=self.kind.code,
            dedupe_key=self.dedupe_key[:200],
            params=self.params,
            url=self.url,
            email_pending=bool(self.email and getattr(self.recipient, "email", "")),
        )


def notify(
    recipient,
    kind: NoticeKind,
    dedupe_key: str,
    *,
    params: dict | None = None,
    url: str = "",
    email: bool = True,
) -> Notification | None:
    """Write one in-app notification and e-mail it after commit — exactly once per ``dedupe_key``.

    Returns the new notification, or ``None`` when one with this key already exists (a re-run sweep, a
    redelivered task). The text is not stored: ``kind`` + ``params`` are, and readers render them.
    """
    if not isinstance(kind, NoticeKind):
        raise TypeError(f"notify() takes a NoticeKind, not {kind!r}: declare it in the app's notices.py")
    notification = Notice(recipient, kind, dedupe_key, params or {}, url, email).row()
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        logger.info("notification %s already sent", dedupe_key)
        return None
    if notification.email_pending:
        _queue_email(notification.pk)
    return notification


def notify_many(notices: Iterable[Notice]) -> int:
    """Write many notifications with one ``INSERT … ON CONFLICT (dedupe_key) DO NOTHING RETURNING`` per thousand:
    the unique dedupe key decides (exactly once, whoever else writes the same keys at the same moment) and the
    database says which rows are new. E-mails owed are sent by ONE outbox task. Returns how many rows were new."""
    rows = [notice.row() for notice in notices]
    if not rows:
        return 0
    new = pending = 0
    for start in range(0, len(rows), 1000):
        inserted = _insert_new(rows[start : start + 1000])
        new += len(inserted)
        pending += sum(1 for email_pending in inserted if email_pending)
    if pending:
        if getattr(_batch, "active", False):
            _batch.pending = True
        else:
            outbox_enqueue(SEND_TASK)
    return new


def _insert_new(rows: list[Notification]) -> list[bool]:
    """INSERT the rows whose dedupe key is free; returns ``email_pending`` of each row written (PostgreSQL and
    SQLite ≥ 3.35 both have ON CONFLICT … RETURNING)."""
    now = timezone.now()
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    for row in rows:
        row.created_at = now
    values, params = [], []
    for row in rows:
        values.append("(" + ", ".join(["%s"] * len(fields)) + ")")
        params.extend(f.get_db_prep_save(f.pre_save(row, add=True), connection) for f in fields)
    quote = connection.ops.quote_name
    table, columns = quote(Notification._meta.db_table), ", ".join(quote(f.column) for f in fields)
    # Identifiers come from the model's own meta; every value is a parameter.
    sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join(values)} ON CONFLICT (dedupe_key) DO NOTHING RETURNING recipient_id, email_pending"  # noqa: S608, E501
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        written = cursor.fetchall()
    unread_changed(recipient for recipient, _email in written)
    return [bool(email_pending) for _recipient, email_pending in written]


def _queue_email(pk: int) -> None:
    if getattr(_batch, "active", False):
        _batch.pending = True
    else:
        outbox_enqueue(ONE_EMAIL_TASK, pk)


# --- e-mail -------------------------------------------------------------------------------------------


def message_id_for(dedupe_key: str) -> str:
    """The same ``Message-ID`` for every attempt at the same notification (a retried send is a duplicate
    a mail client can recognise, never a second different message)."""
    digest = hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]
    domain = getattr(settings, "EMAIL_MESSAGE_ID_DOMAIN", "anxin-auto.example")
    return f"<{digest}@{domain}>"


def _claimable(now: dt.datetime) -> Q:
    return Q(email_pending=True) & (Q(email_lease_until__isnull=True) | Q(email_lease_until__lte=now))


def _claim(pks: list[int], now: dt.datetime) -> list[int]:
    """Take a lease on those of ``pks`` nobody else holds; returns the pks this sender now owns.

    One conditional UPDATE stamps a fresh token on the claimable rows, then the rows carrying that token
    are ours: two senders can never both own a row, on PostgreSQL and SQLite alike."""
    token = uuid.uuid4().hex
    Notification.objects.filter(_claimable(now), pk__in=pks).update(email_lease_until=now + EMAIL_LEASE, email_claim=token)
    return list(Notification.objects.filter(pk__in=pks, email_claim=token).values_list("pk", flat=True))


def _email_for(notification: Notification) -> EmailMessage:
    recipient = notification.recipient
    subject, body = notification.render(getattr(recipient, "language", None) or settings.LANGUAGE_CODE)
    link = f"\n\n{settings.SITE_URL}{notification.url}" if notification.url else ""
    return EmailMessage(
        subject=" ".join(subject.split())[:200],
        body=f"{body}{link}",
        to=[recipient.email],
        headers={"Message-ID": message_id_for(notification.dedupe_key)},
    )


def _deliver(pks: list[int], *, now: dt.datetime) -> int:
    """Claim, send and mark, one row at a time over one SMTP connection. Returns how many were sent."""
    mine = _claim(pks, now)
    if not mine:
        return 0
    sent = 0
    rows = Notification.objects.filter(pk__in=mine).select_related("recipient").order_by("pk")
    with get_connection(fail_silently=False) as connection:
        for notification in rows:
            message = _email_for(notification)
            message.connection = connection
            try:
                message.send()
            except OSError:
                # Give the row back at once: the periodic sender retries it; the in-app message stands.
                Notification.objects.filter(pk=notification.pk).update(email_lease_until=None)
                logger.exception("e-mail for notification %s failed; it will be retried", notification.pk)
                continue
            Notification.objects.filter(pk=notification.pk).update(
                emailed_at=timezone.now(), email_pending=False, email_lease_until=None
            )
            sent += 1
    return sent


def send_email(notification_pk: int) -> int:
    """Send one notification's e-mail (``notifications.tasks.notification_email``)."""
    return _deliver([notification_pk], now=timezone.now())


def send_pending_emails(*, limit: int = 1000, now: dt.datetime | None = None) -> int:
    """Send the e-mails still owed, oldest first: the batch a sweep queued, and any whose sender died
    (lease expired). Overlapping runs never hold the same row. Returns how many were sent."""
    now = now or timezone.now()
    pks = list(Notification.objects.filter(_claimable(now)).order_by("created_at", "pk").values_list("pk", flat=True)[:limit])
    return _deliver(pks, now=now) if pks else 0


def notification_mark_read(*, user, notification_ids=None) -> int:
    """Mark the user's notifications read (all of them, or the given ids that are theirs)."""
    qs = Notification.objects.for_user(user).unread()
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    changed = qs.update(read_at=timezone.now())
    if changed:
        unread_changed([user.pk])
    return changed
