"""Surveys' clock: the hourly sweep (planning, sending, reminding, set-based in the sweep itself)."""

import logging

from celery import shared_task
from django.utils import timezone

from core.tasks import CLOCK_TASK_OPTIONS, run_locked_sweep
from notifications.services import notifications_batched

from . import services

logger = logging.getLogger(__name__)


@shared_task(**CLOCK_TASK_OPTIONS)
def survey_schedule_sweep_task() -> dict | None:
    """Plan missing surveys, close long-overdue ones, send the due ones and remind the unanswered — batch
    after batch until nothing is due; one e-mail task for the run's e-mails."""
    return run_locked_sweep("surveys.schedule_sweep", lambda: _batched(services.survey_schedule_sweep, now=timezone.now()))


# The sweep no longer enqueues these; they stay registered so messages already queued by an older
# release still run (the same set-based sending, limited to their ids).


@shared_task(**CLOCK_TASK_OPTIONS)
def survey_send_batch(survey_ids: list[int]) -> int:
    """Send the links of these due surveys; rows sent meanwhile are skipped."""
    return _batched(services.surveys_send, now=timezone.now(), ids=survey_ids)


@shared_task(**CLOCK_TASK_OPTIONS)
def survey_remind_batch(survey_ids: list[int]) -> int:
    """Remind once about these unanswered surveys; rows reminded or answered meanwhile are skipped."""
    return _batched(services.surveys_remind, now=timezone.now(), ids=survey_ids)


def _batched(sweep, **kwargs):
    """A run's e-mails leave as one task (``notifications_batched``), not one per survey."""
    with notifications_batched():
        return sweep(**kwargs)
