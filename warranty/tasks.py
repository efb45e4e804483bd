"""Warranty's clocks: the SLA sweep for after-sales requests and claims (every 5 minutes) and the
guarantee clocks (daily 09:00 Asia/Shanghai: window closing, warranty ending / ended)."""

from celery import shared_task
from django.utils import timezone

from core.calendar import local_date
from core.tasks import CLOCK_TASK_OPTIONS, run_locked_sweep
from notifications.services import notifications_batched

from . import services


@shared_task(**CLOCK_TASK_OPTIONS)
def warranty_sla_sweep_task() -> dict | None:
    """Remind and escalate open after-sales requests and warranty claims near or past a deadline."""
    return run_locked_sweep("warranty.sla_sweep", lambda: _batched(services.warranty_sla_sweep, now=timezone.now()))


@shared_task(**CLOCK_TASK_OPTIONS)
def guarantee_clock_sweep_task() -> dict | None:
    """Tell buyers their return window closes in 3 days, offer an extension 30 days before the
    warranty ends, and tell them when it has ended — once each (dedupe keys per order and notice)."""
    return run_locked_sweep(
        "warranty.guarantee_clocks", lambda: _batched(services.guarantee_clock_sweep, today=local_date(timezone.now()))
    )


def _batched(sweep, **kwargs):
    """A sweep run's e-mails leave as one task per batch (``notifications_batched``), not one per row."""
    with notifications_batched():
        return sweep(**kwargs)
