"""Warranty's clocks: the SLA sweep for after-sales requests and claims (every 5 minutes) and the
guarantee clocks (daily 09:00 Asia/Shanghai: window closing, warranty ending / ended)."""

from celery import shared_task
from django.utils import timezone

from core.calendar import local_date
from core.tasks import CLOCK_TASK_OPTIONS, optional_service, run_locked_sweep


@shared_task(**CLOCK_TASK_OPTIONS)
def warranty_sla_sweep_task() -> dict | None:
    """Remind and escalate open after-sales requests and warranty claims near or past a deadline."""
    service = optional_service("warranty.services", "warranty_sla_sweep")
    return run_locked_sweep("warranty.sla_sweep", service and (lambda: service(now=timezone.now())))


@shared_task(**CLOCK_TASK_OPTIONS)
def guarantee_clock_sweep_task() -> dict | None:
    """Tell buyers their return window closes in 3 days, offer an extension 30 days before the
    warranty ends, and tell them when it has ended — once each (dedupe keys per order and notice)."""
    service = optional_service("warranty.services", "guarantee_clock_sweep")
    return run_locked_sweep("warranty.guarantee_clocks", service and (lambda: service(today=local_date(timezone.now()))))
