"""Complaints' clock: the SLA sweep (beat, every 5 minutes)."""

from celery import shared_task
from django.utils import timezone

from core.tasks import CLOCK_TASK_OPTIONS, run_locked_sweep
from notifications.services import notifications_batched

from . import services


@shared_task(**CLOCK_TASK_OPTIONS)
def complaint_sla_sweep_task() -> dict | None:
    """Remind assignees before a complaint deadline, escalate and tell the customer once it passes.

    The service reads due rows through indexed deadlines in batches; each reminder and escalation
    is a ``notify`` with a key per case, deadline and kind, so overlapping or repeated runs are
    harmless (and the lock keeps them from overlapping at all).
    """
    return run_locked_sweep("complaints.sla_sweep", lambda: _batched(services.complaint_sla_sweep, now=timezone.now()))


def _batched(sweep, **kwargs):
    """A sweep run's e-mails leave as one task per batch (``notifications_batched``), not one per row."""
    with notifications_batched():
        return sweep(**kwargs)
