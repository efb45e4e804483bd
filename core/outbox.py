"""A small transactional outbox for Celery tasks that user actions ask for.

Why not django-celery-outbox (0.4.3)? Its relay needs ``SELECT … FOR UPDATE SKIP LOCKED`` (it
refuses SQLite, our embedded default), it runs as one more long-lived process, and it pulls in
sentry-sdk, structlog and datadog as hard dependencies. What we need fits in this module:

* ``outbox_enqueue(task_name, *pks)`` writes an ``OutboxMessage`` row inside the caller's
  transaction. A rolled-back action leaves no row; a committed one cannot be lost.
* After commit, a fast path hands the row to this process's publisher thread (a bounded queue), which
  tries to publish it at once — so with a healthy broker the task starts immediately, and no request
  thread ever waits on the broker: a frozen broker (accepts TCP, never answers) holds the publisher
  thread for one socket timeout, never the request (measured before: 5.28 s per request). When an attempt
  fails the row stays pending and a process-local circuit breaker skips the fast path for
  ``BREAKER_SECONDS``; a full queue drops the hand-over (the row stays pending). In eager mode (tests,
  ``CELERY_TASK_ALWAYS_EAGER``) there is no broker and the task runs inline, as Celery's eager mode does.
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
import os
import queue
import threading
import time

from celery import current_app
from django.db import connections, transaction
from django.db.models import F
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=60)
BREAKER_SECONDS = 30.0
MAX_BACKOFF_SECONDS = 300
KEEP_SENT = dt.timedelta(days=7)
#: Rows waiting for this process's publisher thread; beyond that the relay publishes them.
QUEUE_SIZE = 10_000

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
    if current_app.conf.task_always_eager:
        _publish([pk], now=timezone.now())
        return
    _publisher.submit(pk)


class _Publisher:
    """One daemon thread per process that publishes committed outbox rows handed over by ``_publish_fast``.

    Started on first use and again after a fork (gunicorn and Celery prefork children get their own). It
    uses its own database connection, closed whenever the queue runs empty.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._queue: queue.Queue[int] = queue.Queue(maxsize=QUEUE_SIZE)
        self._thread: threading.Thread | None = None
        self._pid = 0

    def submit(self, pk: int) -> None:
        self._ensure_running()
        try:
            self._queue.put_nowait(pk)
        except queue.Full:
            logger.warning("outbox %s left for the relay: the publisher queue is full", pk)

    def _ensure_running(self) -> None:
        with self._guard:
            if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
                return
            if self._pid != os.getpid():  # a forked child: the parent's thread and queue are not ours
                self._queue = queue.Queue(maxsize=QUEUE_SIZE)
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="outbox-publisher", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            pks = [self._queue.get()]
            while len(pks) < 100:
                try:
                    pks.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                if time.monotonic() >= _breaker_open_until:
                    _publish(pks, now=timezone.now())
            except Exception:  # a database hiccup: the rows stay pending for the relay
                logger.exception("outbox publisher could not publish %s; the relay will", pks)
            finally:
                for _ in pks:
                    self._queue.task_done()
                if self._queue.empty():
                    connections.close_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every handed-over row has been tried (tests, the benchmark); False on timeout."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True


_publisher = _Publisher()


def outbox_wait_idle(timeout: float = 10.0) -> bool:
    """Block until this process's publisher thread has tried every row handed to it (tests, benchmarks)."""
    return _publisher.wait_idle(timeout)


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
