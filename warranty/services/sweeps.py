"""The warranty clocks, called by the Celery tasks: the SLA sweep over open requests and claims, and the
daily guarantee notices (window closing, warranty ending / ended)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F

from contracts.models import Order
from core.periods import end_of_day, last_day_of
from core.statemachine import audit
from notifications.kinds import day, localized, moment
from notifications.services import notify

from .. import notices
from ..models import AfterSalesRequest, Coverage, WarrantyClaim
from .coverage import guarantee_url
from .staff import staff_users, supervisors

REMIND_BEFORE = dt.timedelta(hours=24)
WINDOW_CLOSING_NOTICE_DAYS = 3
WARRANTY_ENDING_NOTICE_DAYS = 30


def warranty_sla_sweep(*, now: dt.datetime, batch_size: int = 500) -> dict:
    """Remind before, and escalate after, the next deadline of open requests and claims.

    Only due rows are read (partial index on ``next_deadline_at``); each notice's dedupe key names the
    case, the stage and the deadline, so a re-run (or an overlapping worker) sends nothing twice.
    Handlers are the dealer of the car for requests and staff for claims (``SlaCase.DEALER_HANDLES``).
    """
    counts = {"reminded": 0, "breached": 0}
    for model in (AfterSalesRequest, WarrantyClaim):
        due = (
            model.objects.due_before(now + REMIND_BEFORE)
            .exclude(breached_at__gte=F("next_deadline_at"))
            .with_related()
            .order_by("next_deadline_at", "pk")[:batch_size]
        )
        for case in due:
            key = f"warranty:{case.CASE_LABEL}:{case.pk}:{case.status}:{case.next_deadline_at:%Y%m%d%H%M}"
            params = {"case": localized(lambda case=case: str(case)), "deadline": moment(case.next_deadline_at)}
            if case.next_deadline_at > now:
                handlers = [case.dealer] if case.DEALER_HANDLES else list(staff_users())
                for handler in handlers:
                    if notify(
                        handler,
                        notices.CASE_DEADLINE_REMINDER,
                        f"{key}:remind:{handler.pk}",
                        params=params,
                        url=case.get_absolute_url(),
                    ):
                        counts["reminded"] += 1
                continue
            with transaction.atomic():
                locked = model.objects.select_for_update().filter(pk=case.pk, next_deadline_at=case.next_deadline_at).first()
                if locked is None:
                    continue
                if locked.breached_at is None or locked.breached_at < locked.next_deadline_at:
                    locked.breached_at = now
                    locked.breach_count += 1
                    locked.save(update_fields=["breached_at", "breach_count", "updated_at"])
                    audit(locked, action="deadline_breached", note=locked.next_deadline_at.isoformat())
                    counts["breached"] += 1
                for supervisor in supervisors():
                    notify(
                        supervisor,
                        notices.CASE_DEADLINE_ESCALATED,
                        f"{key}:escalate:{supervisor.pk}",
                        params=params,
                        url=case.get_admin_url(),
                    )
                notify(
                    case.customer, notices.CASE_DEADLINE_BREACHED, f"{key}:late:buyer", params=params, url=case.get_absolute_url()
                )
    return counts


def guarantee_clock_sweep(*, today: dt.date) -> dict:
    """Daily: window closing within 3 days → tell the buyer; warranty ending within 30 days → offer an
    extension (if none bought); warranty ended (in the last week) → tell the buyer. Exactly once each."""
    start_of_today = end_of_day(today - dt.timedelta(days=1))
    running = Coverage.objects.active().filter(order__status=Order.Status.DELIVERED).select_related("order__buyer").order_by("pk")
    window_soon = running.filter(
        window_ends_at__gt=start_of_today,
        window_ends_at__lte=end_of_day(today + dt.timedelta(days=WINDOW_CLOSING_NOTICE_DAYS)),
    )
    ending = running.filter(
        purchases__isnull=True,
        warranty_ends_at__gt=start_of_today,
        warranty_ends_at__lte=end_of_day(today + dt.timedelta(days=WARRANTY_ENDING_NOTICE_DAYS)),
    )
    ended = running.filter(warranty_ends_at__lte=start_of_today, warranty_ends_at__gt=start_of_today - dt.timedelta(days=7))
    counts = {}
    for name, coverages, kind, ends, key in (
        ("window_closing", window_soon, notices.WINDOW_CLOSING, "window_ends_at", "window-closing"),
        ("extension_offer", ending, notices.EXTENSION_OFFER, "warranty_ends_at", "extension-offer"),
        ("warranty_ended", ended, notices.WARRANTY_ENDED, "warranty_ends_at", "ended"),
    ):
        counts[name] = 0
        for coverage in coverages:
            end = getattr(coverage, ends)
            if notify(
                coverage.order.buyer,
                kind,
                f"warranty:{key}:{coverage.pk}:{end:%Y%m%d}",
                params={"date": day(last_day_of(end))},
                url=guarantee_url(coverage.order),
            ):
                counts[name] += 1
    return counts
