"""A real Celery worker against Redis: escalations exactly once, a dead broker (the faults: test_faults.py)."""

from __future__ import annotations

import datetime as dt
import socket
import time

import pytest
from django.db import transaction
from django.utils import timezone

from complaints.models import Complaint
from complaints.tasks import complaint_sla_sweep_task
from complaints.tests.factories import file_complaint
from core.models import OutboxMessage
from core.outbox import outbox_wait_idle
from core.tasks import outbox_relay
from notifications.models import Notification

from .conftest import use_broker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _overdue_complaints(buyer, dealer, n: int) -> list[Complaint]:
    """Complaints filed just now whose acknowledgement deadline we move an hour into the past: exactly
    one deadline is overdue (the others are days away), so a correct sweep escalates each case once."""
    complaints = [file_complaint(buyer=buyer, dealer=dealer, subject=f"Case {i}") for i in range(n)]
    overdue = timezone.now() - dt.timedelta(hours=1)
    Complaint.objects.filter(pk__in=[c.pk for c in complaints]).update(
        ack_due_at=overdue, next_deadline_at=overdue, next_deadline_kind="ack", next_reminder_at=overdue
    )
    return complaints


def _delayed_notices(complaint_ids) -> dict[int, int]:
    counts = dict.fromkeys(complaint_ids, 0)
    for key in Notification.objects.filter(kind="complaint.delayed").values_list("dedupe_key", flat=True):
        pk = int(key.split(":")[1])
        if pk in counts:
            counts[pk] += 1
    return counts


def test_a_complaint_past_its_deadline_is_escalated_exactly_once_after_two_sweep_runs(start_worker, buyer, dealer, staff_user):
    (complaint,) = _overdue_complaints(buyer, dealer, 1)
    worker = start_worker()

    first = complaint_sla_sweep_task.delay()
    second = complaint_sla_sweep_task.delay()
    wait_for(lambda: worker.succeeded(first.id) and worker.succeeded(second.id), timeout=60, what="both sweeps")

    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ESCALATED
    assert complaint.breached_at is not None
    assert Notification.objects.filter(kind="complaint.delayed", recipient=buyer).count() == 1
    assert Notification.objects.filter(recipient=staff_user, kind="complaint.escalated").count() == 1
    # The escalation e-mails went out through the outbox and the same worker.
    wait_for(lambda: not OutboxMessage.objects.filter(sent_at__isnull=True).exists(), what="the outbox to drain")
    wait_for(
        lambda: not Notification.objects.filter(kind="complaint.delayed", emailed_at__isnull=True).exists(),
        what="the customer's e-mail",
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # free again once closed: nothing listens there


def test_with_the_broker_down_filing_a_complaint_is_quick_and_the_acknowledgement_follows_the_broker(
    celery_live, start_worker, buyer, dealer
):
    good_broker = celery_live.conf.broker_url
    use_broker(celery_live, f"redis://127.0.0.1:{_closed_port()}/0")

    started = time.monotonic()
    with transaction.atomic():  # as ATOMIC_REQUESTS wraps the complaint form's request
        complaint = file_complaint(buyer=buyer, dealer=dealer)
    elapsed = time.monotonic() - started
    assert elapsed < 2.5, f"filing took {elapsed:.2f}s with the broker down"

    receipt = Notification.objects.get(kind="complaint.received", recipient=buyer)
    assert receipt.dedupe_key == f"complaint:{complaint.pk}:received"
    assert receipt.emailed_at is None
    pending = OutboxMessage.objects.filter(sent_at__isnull=True, task_name="notifications.tasks.notification_email")
    assert pending.filter(args=[receipt.pk]).exists()
    assert outbox_wait_idle(10)  # the publisher thread tried once and gave up at once
    assert pending.get(args=[receipt.pk]).last_error

    # A second action while the breaker is open does not even try the dead broker.
    started = time.monotonic()
    with transaction.atomic():
        file_complaint(buyer=buyer, dealer=dealer, subject="Second case")
    assert time.monotonic() - started < 1.0

    # The broker returns: beat's next outbox_relay tick publishes what waited.
    use_broker(celery_live, good_broker)
    start_worker()
    OutboxMessage.objects.update(available_at=timezone.now())  # skip the retry backoff in the test
    outbox_relay.delay()
    wait_for(
        lambda: Notification.objects.filter(pk=receipt.pk, emailed_at__isnull=False).exists(),
        timeout=60,
        what="the acknowledgement e-mail",
    )
    wait_for(lambda: not OutboxMessage.objects.filter(sent_at__isnull=True).exists(), what="the outbox to drain")
    assert Notification.objects.filter(kind="complaint.received", recipient=buyer).count() == 2
