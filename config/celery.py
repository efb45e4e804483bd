"""The Celery app. Broker and behaviour come from Django settings (CELERY_* names).

With no REDIS_URL the broker is kombu's filesystem transport under ``var/celery``; its folders are
created here, before the worker, beat or a web process first touches them.
"""

import os
from pathlib import Path

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("anxin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _ensure_filesystem_broker_folders() -> None:
    from django.conf import settings

    if not str(getattr(settings, "CELERY_BROKER_URL", "")).startswith("filesystem://"):
        return
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    for key in ("data_folder_in", "data_folder_out", "processed_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _prepare_broker(sender, **kwargs):
    _ensure_filesystem_broker_folders()


# Sweeps kicked once when a worker starts, so a fresh start, a redeploy or a worker restarted after a crash
# catches up at once instead of waiting for the next beat interval. This is what brings a killed sweep's
# work back: clock tasks are acknowledged when they start (``core.tasks.CLOCK_TASK_OPTIONS``), so the killed
# message itself is not redelivered; its lock died with the worker (``core.locks``), and this run (or the
# next beat run, at most one interval later) finds every row the killed one left due. Harmless when several
# workers start: each sweep takes its lock, rows are taken SKIP LOCKED and every message is deduplicated.
STARTUP_SWEEPS = (
    "complaints.tasks.complaint_sla_sweep_task",
    "warranty.tasks.warranty_sla_sweep_task",
    "warranty.tasks.guarantee_clock_sweep_task",
    "contracts.tasks.order_expire_reservations_task",
    "surveys.tasks.survey_schedule_sweep_task",
    "notifications.tasks.send_pending_emails",
    "core.tasks.outbox_relay",
)


@worker_ready.connect
def _kick_sweeps(sender, **kwargs):
    from django.conf import settings

    if not getattr(settings, "CELERY_SWEEPS_ON_WORKER_START", True):
        return
    for name in STARTUP_SWEEPS:
        app.send_task(name)
