"""The transactional outbox: published after commit, never by a rolled-back action, kept through a broker
outage, and — outside eager mode — published by a background thread so no request waits on the broker."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from core import outbox
from core.models import OutboxMessage
from core.tasks import heartbeat

pytestmark = pytest.mark.django_db

TASK = "core.tasks.heartbeat"


@pytest.fixture(autouse=True)
def _closed_breaker():
    outbox.outbox_reset_breaker()
    yield
    outbox.outbox_reset_breaker()


@pytest.fixture
def published(monkeypatch):
    calls = []
    monkeypatch.setattr(heartbeat, "apply_async", lambda args=None, **kw: calls.append(list(args or [])))
    return calls


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr(heartbeat, "apply_async", refuse)


def test_a_committed_action_publishes_its_task_right_after_commit(published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.outbox_enqueue(TASK, 42)
        assert published == []  # nothing leaves before the commit
    assert published == [[42]]
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 1


def test_a_rolled_back_action_leaves_no_task(published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        outbox.outbox_enqueue(TASK, 42)
        raise RuntimeError
    assert published == []
    assert not OutboxMessage.objects.exists()


def test_only_primary_keys_go_into_the_outbox():
    with pytest.raises(TypeError):
        outbox.outbox_enqueue(TASK, {"phone": "13812341234"})


def test_with_the_broker_down_the_row_waits_and_the_breaker_spares_the_next_request(
    broker_down, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = outbox.outbox_enqueue(TASK, 1)
    first.refresh_from_db()
    assert first.sent_at is None and first.attempts == 1 and "Connection refused" in first.last_error
    assert first.available_at > timezone.now()  # backoff before the relay tries again

    attempts = []
    monkeypatch.setattr(outbox, "_publish", lambda pks, now: attempts.append(pks) or 0)
    with django_capture_on_commit_callbacks(execute=True):
        outbox.outbox_enqueue(TASK, 2)
    assert attempts == []  # breaker open: the request did not even try the broker


def test_the_relay_publishes_what_waited_once_the_broker_is_back(published):
    now = timezone.now()
    waiting = [OutboxMessage.objects.create(task_name=TASK, args=[n], available_at=now - dt.timedelta(seconds=5)) for n in (1, 2)]
    later = OutboxMessage.objects.create(task_name=TASK, args=[3], available_at=now + dt.timedelta(minutes=5))
    assert outbox.outbox_relay(now=now) == 2
    assert published == [[1], [2]]
    assert all(OutboxMessage.objects.get(pk=m.pk).sent_at for m in waiting)
    assert OutboxMessage.objects.get(pk=later.pk).sent_at is None
    assert outbox.outbox_relay(now=now) == 0  # nothing is published twice


def test_a_row_claimed_by_another_relay_is_skipped(published):
    now = timezone.now()
    message = OutboxMessage.objects.create(task_name=TASK, args=[1], available_at=now)
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=now + outbox.LEASE)  # leased elsewhere
    assert outbox._publish([message.pk], now=now) == 0
    assert published == []


def test_the_relay_stops_at_the_first_failure_and_keeps_the_rest_due(broker_down):
    now = timezone.now()
    rows = [OutboxMessage.objects.create(task_name=TASK, args=[n], available_at=now) for n in range(3)]
    assert outbox.outbox_relay(now=now) == 0
    first, *rest = (OutboxMessage.objects.get(pk=r.pk) for r in rows)
    assert first.attempts == 1 and first.available_at > now
    assert all(r.attempts == 0 and r.available_at == now for r in rest)


def test_sent_rows_are_purged_after_a_week(published):
    now = timezone.now()
    OutboxMessage.objects.create(task_name=TASK, args=[1], available_at=now, sent_at=now - dt.timedelta(days=8))
    OutboxMessage.objects.create(task_name=TASK, args=[2], available_at=now, sent_at=now - dt.timedelta(days=1))
    outbox.outbox_relay(now=now)
    assert list(OutboxMessage.objects.values_list("args", flat=True)) == [[2]]


# --- outside eager mode: the publisher thread ----------------------------------------------------


@pytest.fixture
def not_eager(settings):
    from config.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = saved


@pytest.mark.django_db(transaction=True)
def test_a_frozen_broker_holds_the_publisher_thread_never_the_committing_thread(not_eager, monkeypatch):
    import threading
    import time

    frozen, published = threading.Event(), []

    def hang(args=None, **kwargs):  # a broker that accepted the connection and never answers
        frozen.wait(10)
        published.append(list(args or []))

    monkeypatch.setattr(heartbeat, "apply_async", hang)
    started = time.monotonic()
    with transaction.atomic():
        message = outbox.outbox_enqueue(TASK, 7)
    assert time.monotonic() - started < 0.5  # the request's commit did not wait for the broker
    assert published == []
    frozen.set()  # the broker answers again
    assert outbox.outbox_wait_idle(timeout=10)
    assert published == [[7]]
    message.refresh_from_db()
    assert message.sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_the_publisher_thread_leaves_a_failed_row_to_the_relay(not_eager, broker_down):
    with transaction.atomic():
        message = outbox.outbox_enqueue(TASK, 8)
    assert outbox.outbox_wait_idle(timeout=10)
    message.refresh_from_db()
    assert message.sent_at is None and "Connection refused" in message.last_error
