"""Core Celery tasks (heartbeat, outbox relay) and what every clock task shares.

Every periodic task in the project follows the same rules (issue #5):

* the task takes no arguments or primary keys only — no personal data in the broker;
* ``acks_late`` + ``reject_on_worker_lost``: a worker killed mid-task leaves the message to be
  redelivered, and the work it repeats is harmless because every message goes through ``notify``
  with a deterministic dedupe key;
* soft/hard time limits, and retries with exponential backoff capped far below the Redis
  visibility timeout (3600 s), so a retry is never mistaken for a lost message;
* a sweep runs under ``core.locks.sweep_lock`` so two runs never overlap;
* no ``eta``/``countdown`` for anything in the future: deadlines live in the database and the
  sweeps find them when they are due.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from .locks import sweep_lock

logger = logging.getLogger(__name__)

# Lock TTL above the hard time limit: a lock never expires under a run that is still working.
SWEEP_SOFT_TIME_LIMIT = 240
SWEEP_TIME_LIMIT = 300
SWEEP_LOCK_TTL = SWEEP_TIME_LIMIT + 60

CLOCK_TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
    "soft_time_limit": SWEEP_SOFT_TIME_LIMIT,
    "time_limit": SWEEP_TIME_LIMIT,
    # A database that went away (failover, restart) is worth retrying; a bug is not.
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,  # well below the broker's visibility timeout
    "retry_jitter": True,
    "max_retries": 5,
}


def run_locked_sweep(lock_name: str, sweep: Callable[[], Any]) -> Any:
    """Run ``sweep()`` unless another run holds ``lock_name``; log what it did. Returns its result."""
    with sweep_lock(lock_name, ttl=SWEEP_LOCK_TTL) as acquired:
        if not acquired:
            return None
        started = time.monotonic()
        result = sweep()
        logger.info("sweep %s done in %.2fs: %s", lock_name, time.monotonic() - started, result)
        return result


@shared_task(ignore_result=True)
def heartbeat() -> str:
    """Beat → broker → worker round trip; visible in the worker log every minute."""
    now = timezone.now().isoformat()
    logger.info("heartbeat %s", now)
    return now


@shared_task(**CLOCK_TASK_OPTIONS)
def outbox_relay() -> int | None:
    """Publish tasks that user actions wrote to the outbox while the broker was unreachable."""
    from .outbox import outbox_relay as relay

    return run_locked_sweep("core.outbox_relay", lambda: relay(now=timezone.now()))
