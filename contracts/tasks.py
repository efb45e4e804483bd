"""Contracts' clock: reservations that were not signed in time expire (beat, every 15 minutes)."""

from celery import shared_task
from django.utils import timezone

from core.tasks import CLOCK_TASK_OPTIONS, run_locked_sweep
from notifications.services import notifications_batched

from . import services


@shared_task(**CLOCK_TASK_OPTIONS)
def order_expire_reservations_task() -> int | None:
    """Cancel reservations past their limit, republish the cars and notify both parties.

    ``order_expire_reservations`` selects due rows through the partial index on ``expires_at``
    (status reserved) and notifies with dedupe keys, so a re-run or a redelivery changes nothing.
    """
    return run_locked_sweep(
        "contracts.expire_reservations", lambda: _batched(services.order_expire_reservations, now=timezone.now())
    )


def _batched(sweep, **kwargs):
    """A sweep run's e-mails leave as one task per batch (``notifications_batched``), not one per row."""
    with notifications_batched():
        return sweep(**kwargs)


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def contract_render_pdfs_task(contract_id: int) -> int:
    """Render and store both PDFs of a contract that was just sealed (queued through the outbox on the
    countersignature's commit); a re-run or a race with a first download stores nothing twice."""
    return len(services.contract_pdfs_render(contract_id=contract_id))
