"""Marketplace clocks: saved-search alerts (every minute) and digests (daily), viewing reminders, and the end of
"reduced" on cards. Each runs under its sweep lock, in batches until nothing is due, its e-mails as one task."""

from celery import shared_task
from django.utils import timezone

from core.tasks import CLOCK_TASK_OPTIONS, run_locked_sweep
from notifications.services import notifications_batched


def _batched(sweep):
    with notifications_batched():
        return sweep(now=timezone.now())


@shared_task(**CLOCK_TASK_OPTIONS)
def saved_search_sweep_task() -> dict | None:
    """Announce the cars put on sale since the last run to the saved searches they match."""
    from .saved_searches.sweep import saved_search_sweep

    return run_locked_sweep("marketplace.saved_search_sweep", lambda: _batched(saved_search_sweep))


@shared_task(**CLOCK_TASK_OPTIONS)
def saved_search_digest_task() -> dict | None:
    """Send the daily digests of saved searches."""
    from .saved_searches.sweep import saved_search_digest

    return run_locked_sweep("marketplace.saved_search_digest", lambda: _batched(saved_search_digest))


@shared_task(**CLOCK_TASK_OPTIONS)
def appointment_reminders_task() -> dict | None:
    """Remind buyers and dealers 24 hours and 2 hours before a viewing."""
    from .appointments.reminders import appointment_reminders_sweep

    return run_locked_sweep("marketplace.appointment_reminders", lambda: _batched(appointment_reminders_sweep))


@shared_task(**CLOCK_TASK_OPTIONS)
def price_drops_expire_task() -> int | None:
    """Cards stop saying "reduced" once a drop is no longer recent."""
    from .price_history import price_drops_expire

    return run_locked_sweep("marketplace.price_drops_expire", lambda: price_drops_expire(now=timezone.now()))
