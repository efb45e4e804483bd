"""Core Celery tasks (heartbeat, outbox relay, nightly hooks) and what every clock task shares.

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

import contextlib
import logging
import time
from collections.abc import Callable
from importlib import import_module
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from django.utils.module_loading import import_string

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


def optional_service(module: str, name: str) -> Callable[..., Any] | None:
    """``module.name`` if that app already provides it, else None (the sweep is skipped and logged)."""
    try:
        found = import_module(module)
    except ModuleNotFoundError as exc:
        if not (exc.name and (module == exc.name or module.startswith(f"{exc.name}."))):
            raise  # a real import error inside the app must not be hidden
        return None
    return getattr(found, name, None)


def _sweep_context():
    """Per-run context from settings (``SWEEP_CONTEXT``, e.g. notifications' batched e-mail dispatch);
    core cannot import the apps after it, so the hook is configured, not imported."""
    path = getattr(settings, "SWEEP_CONTEXT", "")
    return import_string(path)() if path else contextlib.nullcontext()


def run_locked_sweep(lock_name: str, sweep: Callable[[], Any] | None) -> Any:
    """Run ``sweep()`` unless another run holds ``lock_name``; log what it did. Returns its result."""
    if sweep is None:
        logger.warning("sweep %s skipped: the service is not available", lock_name)
        return None
    with sweep_lock(lock_name, ttl=SWEEP_LOCK_TTL) as acquired:
        if not acquired:
            return None
        started = time.monotonic()
        with _sweep_context():
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


@shared_task(**CLOCK_TASK_OPTIONS | {"soft_time_limit": 3000, "time_limit": 3300})
def nightly_hooks() -> list[str]:
    """Run the nightly recomputations listed in ``settings.NIGHTLY_HOOKS`` (dotted paths to callables
    taking ``now=``), e.g. dealer credit scores and market price statistics. One failing hook is
    logged and does not stop the others."""
    ran = []
    with sweep_lock("core.nightly_hooks", ttl=3600) as acquired:
        if not acquired:
            return ran
        for path in getattr(settings, "NIGHTLY_HOOKS", []):
            try:
                import_string(path)(now=timezone.now())
            except Exception:
                logger.exception("nightly hook %s failed", path)
                continue
            ran.append(path)
            logger.info("nightly hook %s done", path)
    return ran
