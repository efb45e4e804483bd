"""Complaints' clock: the SLA sweep (beat, every 5 minutes)."""

from celery import shared_task
from django.utils import timezone

from core.tasks import CLOCK_TASK_OPTIONS, optional_service, run_locked_sweep


@shared_task(**CLOCK_TASK_OPTIONS)
def complaint_sla_sweep_task() -> dict | None:
    """Remind assignees before a complaint deadline, escalate and tell the customer once it passes.

    The service reads due rows through indexed deadlines in batches; each reminder and escalation
    is a ``notify`` with a key per case, deadline and kind, so overlapping or repeated runs are
    harmless (and the lock keeps them from overlapping at all).
    """
    service = optional_service("complaints.services", "complaint_sla_sweep")
    return run_locked_sweep("complaints.sla_sweep", service and (lambda: service(now=timezone.now())))
