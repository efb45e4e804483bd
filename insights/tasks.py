"""Insights' nightly jobs: dealer credit scores and price-fairness assessments (beat, 02:30 and 02:45)."""

from celery import shared_task
from django.utils import timezone

from core.tasks import CLOCK_TASK_OPTIONS, run_locked_sweep

from . import services

NIGHTLY_OPTIONS = CLOCK_TASK_OPTIONS | {"soft_time_limit": 3000, "time_limit": 3300}


@shared_task(**NIGHTLY_OPTIONS)
def dealer_scores_task() -> int | None:
    """Recompute every dealer's credit score and today's history row (a re-run overwrites the day)."""
    return run_locked_sweep("insights.dealer_scores", lambda: services.dealer_scores_recompute(now=timezone.now()))


@shared_task(**NIGHTLY_OPTIONS)
def price_assessments_task() -> int | None:
    """Assess every car on sale against similar cars; drop assessments of cars no longer on sale."""
    return run_locked_sweep("insights.price_assessments", lambda: services.price_assessments_recompute(now=timezone.now()))
