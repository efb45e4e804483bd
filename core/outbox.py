"""A small transactional outbox for Celery tasks that user actions ask for.

Why not django-celery-outbox (0.4.3)? Its relay needs ``SELECT … FOR UPDATE SKIP LOCKED`` (it
refuses SQLite, our embedded default), it runs as one more long-lived process, and it pulls in
sentry-sdk, structlog and datadog as hard dependencies. What we need fits in this module:

* ``outbox_enqueue(task_name, *pks)`` writes an ``OutboxMessage`` row inside the caller's
  transaction. A rolled-back action leaves no row; a committed one cannot be lost.
* After commit, a fast path tries to publish the row at once (one attempt, no retries, the broker
  connection timeouts from settings), so with a healthy broker the task starts immediately. When
  the attempt fails the row stays pending and a process-local circuit breaker skips the fast path
  for ``BREAKER_SECONDS`` — a dead broker costs a request at most one connect timeout, and usually
  nothing (a refused connection fails at once).
* ``outbox_relay`` (beat task ``core.tasks.outbox_relay``) publishes pending rows in batches. A row
  is claimed with a short lease (``available_at`` moves forward) by a conditional UPDATE, so two
  relays never publish the same row at the same time; a relay killed after publishing and before
  marking the row sent publishes it again later — delivery is at-least-once and every task is
  idempotent (``notify``'s dedupe keys), which is what makes that safe.

Tasks that sweeps enqueue do not need the outbox: a lost sweep message is re-found by the next run.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import time

from celery import current_app
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=60)
BREAKER_SECONDS = 30.0
MAX_BACKOFF_SECONDS = 300
KEEP_SENT = dt.timedelta(days=7)

_breaker_open_until = 0.0  # monotonic time until which the fast path does not try the broker


def outbox_enqueue(task_name: str, *args: int | str) -> OutboxMessage:
    """Queue the task ``task_name(*args)`` as part of the current transaction (pk-only arguments)."""
    if not all(isinstance(arg, int | str) for arg in args):
        raise TypeError("outbox tasks take primary keys only")
    message = OutboxMessage.objects.create(task_name=task_name, args=list(args), available_at=timezone.now())
    transaction.on_commit(lambda: _publish_fast(message.pk))
    return message


def _publish_fast(pk: int) -> None:
    if time.monotonic() < _breaker_open_until:
        logger.info("outbox %s left for the relay: broker recently unreachable", pk)
        return
    _publish([pk], now=timezone.now())


def outbox_relay(*, now: dt.datetime | None = None, batch_size: int = 200) -> int:
    """Publish pending outbox rows whose next attempt is due; return how many were published."""
    now = now or timezone.now()
    pks = list(
        OutboxMessage.objects.filter(sent_at__isnull=True, available_at__lte=now)
        .order_by("available_at", "pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    published = _publish(pks, now=now) if pks else 0
    _purge_sent(now=now)
    return published


def _publish(pks: list[int], *, now: dt.datetime) -> int:
    global _breaker_open_until
    published = 0
    for pk in pks:
        claimed = OutboxMessage.objects.filter(pk=pk, sent_at__isnull=True, available_at__lte=now).update(
            available_at=now + LEASE, attempts=F("attempts") + 1
        )
        if not claimed:
            continue  # another relay holds it, or it was sent already
        message = OutboxMessage.objects.get(pk=pk)
        try:
            _resolve(message.task_name).apply_async(args=message.args, retry=False)
        except Exception as exc:  # kombu/redis/socket errors: the broker is not there
            _breaker_open_until = time.monotonic() + BREAKER_SECONDS
            backoff = min(2**message.attempts, MAX_BACKOFF_SECONDS)
            OutboxMessage.objects.filter(pk=pk).update(
                available_at=now + dt.timedelta(seconds=backoff), last_error=f"{type(exc).__name__}: {exc}"[:500]
            )
            logger.warning("outbox %s (%s) not published, retry in %ss: %s", pk, message.task_name, backoff, exc)
            # The rest of the batch stays due for the next relay run: no point hammering a dead broker.
            break
        OutboxMessage.objects.filter(pk=pk).update(sent_at=timezone.now(), last_error="")
        published += 1
    return published


def _resolve(task_name: str):
    """The registered task (so eager mode and task options apply), importing its module if needed."""
    task = current_app.tasks.get(task_name)
    if task is None:
        importlib.import_module(task_name.rpartition(".")[0])
        task = current_app.tasks[task_name]
    return task


def _purge_sent(*, now: dt.datetime, limit: int = 1000) -> int:
    old = OutboxMessage.objects.filter(sent_at__lt=now - KEEP_SENT).values_list("pk", flat=True)[:limit]
    deleted, _ = OutboxMessage.objects.filter(pk__in=list(old)).delete()
    return deleted


def outbox_reset_breaker() -> None:
    """Close the circuit breaker (tests, or an operator who knows the broker is back)."""
    global _breaker_open_until
    _breaker_open_until = 0.0
