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


# Sweeps kicked once when a worker starts, so a fresh start or a redeploy catches up at once instead of
# waiting for the first beat interval. Harmless when several workers start: each sweep takes a lock
# and every message it sends is deduplicated.
STARTUP_SWEEPS = (
    "complaints.tasks.complaint_sla_sweep_task",
    "warranty.tasks.warranty_sla_sweep_task",
    "contracts.tasks.order_expire_reservations_task",
    "surveys.tasks.survey_schedule_sweep_task",
    "core.tasks.outbox_relay",
)


@worker_ready.connect
def _kick_sweeps(sender, **kwargs):
    from django.conf import settings

    if not getattr(settings, "CELERY_SWEEPS_ON_WORKER_START", True):
        return
    for name in STARTUP_SWEEPS:
        app.send_task(name)
