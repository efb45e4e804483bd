"""The warranty clocks, called by the Celery tasks: the SLA sweep over open requests and claims (on the
engine of ``core.sla``), and the daily guarantee notices (window closing, warranty ending / ended).

Both are set-based: a batch is read through an index, handled in Python, and written with one statement
(the SLA sweep's UPDATE; the notifications' one ``notify_many`` INSERT, whose unique dedupe keys decide
what is new), batch after batch until nothing is due.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from contracts.models import Order
from core.periods import end_of_day, last_day_of
from core.sla import Due, SlaClock, sla_sweep
from core.statemachine import audit_event
from core.sweeps import run_batches
from notifications.kinds import day, localized, moment
from notifications.services import Notice, notify_many

from .. import notices
from ..models import AfterSalesRequest, Coverage, SlaCase, WarrantyClaim
from .coverage import guarantee_url
from .staff import staff_users, supervisors

WINDOW_CLOSING_NOTICE_DAYS = 3
WARRANTY_ENDING_NOTICE_DAYS = 30


class CaseClock(SlaClock):
    """Requests or claims for the SLA engine. The running deadline is the stage's (``next_deadline_at``); a
    breach is counted, audited and escalated to supervisors, the buyer is told, and the case is not looked
    at again until its next move starts a new deadline (``services.cases.case_start_clock``)."""

    fields = ("next_reminder_at", "breached_at", "breach_count")

    def __init__(self, model: type[SlaCase]):
        self.model = model
        self._staff: list | None = None
        self._supervisors: list | None = None

    def due(self, now: dt.datetime):
        return self.model.objects.open().filter(next_reminder_at__lte=now).with_related().order_by("next_reminder_at", "pk")

    def running_deadline(self, case: SlaCase):
        return (case.status, case.next_deadline_at) if case.next_deadline_at else None

    def breach(self, due: Due, now: dt.datetime) -> None:
        case = due.case
        case.breached_at = now
        case.breach_count += 1
        case.next_reminder_at = None
        due.events.append(audit_event(case, action="deadline_breached", note=due.deadline.isoformat()))

    def staff(self) -> list:
        if self._staff is None:
            self._staff = list(staff_users())
        return self._staff

    def supervisors(self) -> list:
        if self._supervisors is None:
            self._supervisors = list(supervisors())
        return self._supervisors

    def tell(self, reminded: list[Due], breached: list[Due], now: dt.datetime) -> int:
        batch: list[Notice] = []
        for due in reminded:
            case, key, params = due.case, _key(due), _params(due)
            handlers = [case.dealer] if case.DEALER_HANDLES else self.staff()
            url = case.get_absolute_url()
            batch += [Notice(user, notices.CASE_DEADLINE_REMINDER, f"{key}:remind:{user.pk}", params, url) for user in handlers]
        for due in breached:
            case, key, params = due.case, _key(due), _params(due)
            admin_url = case.get_admin_url()
            batch += [
                Notice(user, notices.CASE_DEADLINE_ESCALATED, f"{key}:escalate:{user.pk}", params, admin_url)
                for user in self.supervisors()
            ]
            batch.append(
                Notice(case.customer, notices.CASE_DEADLINE_BREACHED, f"{key}:late:buyer", params, case.get_absolute_url())
            )
        return notify_many(batch)


def _key(due: Due) -> str:
    case = due.case
    return f"warranty:{case.CASE_LABEL}:{case.pk}:{due.kind}:{due.deadline:%Y%m%d%H%M}"


def _params(due: Due) -> dict:
    case = due.case
    return {"case": localized(lambda: str(case)), "deadline": moment(due.deadline)}


def warranty_sla_sweep(*, now: dt.datetime, batch_size: int = 1000, budget: float | None = None) -> dict:
    """Remind before, and escalate after, the running deadline of open requests and claims — once per
    deadline: the case's ``next_reminder_at`` (partial index) says when to look, and moves on to the
    deadline after the reminder and to nothing after the breach. Each notice's dedupe key names the case,
    the stage, the deadline and the recipient, so a re-run or an overlapping worker sends nothing twice.
    Handlers are the dealer of the car for requests and staff for claims (``SlaCase.DEALER_HANDLES``).
    """
    counts = {"reminded": 0, "breached": 0}
    for model in (AfterSalesRequest, WarrantyClaim):
        result = sla_sweep(CaseClock(model), now=now, batch_size=batch_size, budget=budget)
        for key in counts:
            counts[key] += result[key]
    return counts


def guarantee_clock_sweep(*, today: dt.date, batch_size: int = 1000) -> dict:
    """Daily: window closing within 3 days → tell the buyer; warranty ending within 30 days → offer an
    extension (if none bought); warranty ended (in the last week) → tell the buyer. Exactly once each.

    Each notice walks its coverages along the end date (keyset batches, no OFFSET), one ``notify_many``
    per batch. A coverage stays in its range for several days (so a missed day is caught up the next);
    the notice's dedupe key (coverage, end date) makes the repeats no-ops in the database.
    """
    start_of_today = end_of_day(today - dt.timedelta(days=1))
    running = Coverage.objects.active().filter(order__status=Order.Status.DELIVERED).select_related("order__buyer")
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
        counts[name] = run_batches(_guarantee_batches(coverages, kind, ends, key, batch_size), totals={"new": 0})["new"]
    return counts


def _guarantee_batches(coverages, kind, ends: str, key: str, batch_size: int):
    """One batch step of ``guarantee_clock_sweep`` for one notice, walking ``coverages`` by (end, pk)."""
    cursor: list = []

    def step() -> tuple[int, dict]:
        page = coverages.order_by(ends, "pk")
        if cursor:
            last_end, last_pk = cursor
            page = page.filter(Q(**{f"{ends}__gt": last_end}) | Q(**{ends: last_end, "pk__gt": last_pk}))
        batch = list(page[:batch_size])
        if not batch:
            return 0, {}
        cursor[:] = [getattr(batch[-1], ends), batch[-1].pk]
        new = notify_many(
            Notice(
                coverage.order.buyer,
                kind,
                f"warranty:{key}:{coverage.pk}:{getattr(coverage, ends):%Y%m%d}",
                {"date": day(last_day_of(getattr(coverage, ends)))},
                guarantee_url(coverage.order),
            )
            for coverage in batch
        )
        return len(batch), {"new": new}

    return step
