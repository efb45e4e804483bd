"""Core Celery tasks (heartbeat, outbox relay) and what every clock task shares.

Every periodic task in the project follows the same rules:

* the task takes no arguments or primary keys only — no personal data in the broker;
* it is **acknowledged when it starts** (``acks_late=False``). A worker killed mid-run loses that run, on
  purpose: everything a clock does is found again in the database by the next run — due rows are still
  due, an e-mail whose sender died is re-sent by ``send_pending_emails`` once its lease expires — and the
  sweep lock died with the worker (``core.locks``), so the next beat run (at most one interval later) or
  the restarted worker's start-up kick (``config.celery``) does the work. With ``acks_late`` the killed
  message would come back only after the broker's visibility timeout, and then as a stale duplicate;
* soft/hard time limits, and retries of a lost database with exponential backoff capped far below the
  Redis visibility timeout, so a retry's ``eta`` is never mistaken for a lost message;
* a sweep runs under ``run_locked_sweep``: one run at a time per sweep, a time budget below the soft time
  limit (``core.sweeps``), batches until nothing is due;
* no ``eta``/``countdown`` for anything in the future: deadlines live in the database and the sweeps find
  them when they are due.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from .sweeps import SWEEP_BUDGET_SECONDS, sweep_run

logger = logging.getLogger(__name__)

SWEEP_SOFT_TIME_LIMIT = 240
SWEEP_TIME_LIMIT = 300

CLOCK_TASK_OPTIONS: dict[str, Any] = {
    "acks_late": False,
    "reject_on_worker_lost": False,
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


def run_locked_sweep(lock_name: str, sweep: Callable[[], Any], *, budget: float = SWEEP_BUDGET_SECONDS) -> Any:
    """Run ``sweep()`` unless another run holds ``lock_name``, with ``budget`` seconds to take batches in
    (``core.sweeps.run_batches``); log what it did. Returns its result (None when skipped)."""
    with sweep_run(lock_name, budget=budget) as acquired:
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
