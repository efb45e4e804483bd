"""Surveys' clock: the hourly sweep and the batch tasks it enqueues (pk lists only)."""

import logging

from celery import shared_task
from django.utils import timezone

from core.tasks import CLOCK_TASK_OPTIONS, run_locked_sweep

from . import services

logger = logging.getLogger(__name__)


@shared_task(**CLOCK_TASK_OPTIONS)
def survey_schedule_sweep_task() -> dict | None:
    """Plan missing surveys, then enqueue one send / reminder task per batch of due rows."""
    return run_locked_sweep("surveys.schedule_sweep", lambda: services.survey_schedule_sweep(now=timezone.now()))


@shared_task(**CLOCK_TASK_OPTIONS)
def survey_send_batch(survey_ids: list[int]) -> int:
    """Send the links of these due surveys; rows sent meanwhile are skipped (conditional UPDATE)."""
    return _each(services.survey_send, survey_ids, "surveys sent")


@shared_task(**CLOCK_TASK_OPTIONS)
def survey_remind_batch(survey_ids: list[int]) -> int:
    """Remind once about these unanswered surveys; rows reminded or answered meanwhile are skipped."""
    return _each(services.survey_remind, survey_ids, "survey reminders sent")


def _each(service, survey_ids: list[int], what: str) -> int:
    now = timezone.now()
    done = sum(service(survey_id=pk, now=now) for pk in survey_ids)
    logger.info("%s: %d of %d", what, done, len(survey_ids))
    return done
