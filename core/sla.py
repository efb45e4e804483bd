"""The one SLA engine: policies, working-day deadlines, the next reminder, breach and escalation, swept
set-based. Complaints and warranty cases (after-sales requests, claims) both run on it.

An app gives the engine two things:

* a **policy model** (``WorkingDayPolicy``): staff-editable working days per stage of a case, and how long
  before a deadline the handler is reminded; a missing row means the defaults of the model's fields;
* an ``SlaClock``: which rows are due (an ordered queryset served by a partial index on the case's
  ``next_reminder_at``), what a case's running deadline is, and what a breach changes on it; and the
  step that turns a batch into notices (``tell``: the app builds ``Notice`` objects and calls
  ``notify_many`` — this package does not import notifications or any app).

The engine (``sla_sweep``) then, per batch and in one transaction: locks the due rows
(``FOR UPDATE SKIP LOCKED``), decides each one in Python — deadline still ahead: remind, and look again at
the deadline itself (``next_reminder_at = deadline``, so a reminder fires once per deadline); deadline
passed: breach, which the clock marks, escalates and points at the next deadline — writes every row with
ONE UPDATE and the audit rows with ONE ``bulk_create``, and hands the batch to ``tell``. Exactly-once
per (case, deadline, stage, recipient) comes from the notices' dedupe keys, as before.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Self

from django.db import models, transaction
from django.db.models import Model, QuerySet

from . import calendar
from .models import AuditEvent
from .sweeps import lock_batch, run_batches, update_rows

# --- policies ---------------------------------------------------------------------------------------


class WorkingDayPolicy(models.Model):
    """What a per-app SLA policy model implements (abstract; the fields live in the app's model so their
    labels are the app's): ``STAGE_FIELDS`` maps a stage name to the field holding its working days, and
    a ``reminder_lead_hours`` field says how long before a deadline the handler is reminded.

    ``REMINDER_IN_WORKING_HOURS``: the lead counts business hours (complaints: "4 working hours before")
    or plain clock hours (warranty cases: "24 hours before").
    """

    STAGE_FIELDS: ClassVar[dict[str, str]] = {}
    REMINDER_IN_WORKING_HOURS: ClassVar[bool] = True

    reminder_lead_hours: int

    class Meta:
        abstract = True

    @classmethod
    def lookup(cls, **key) -> Self:
        """The policy row for ``key`` (e.g. category and priority); an unsaved one with the model's default
        values when staff set none, so a missing row means the defaults (DESIGN.md "Deadlines")."""
        return cls.objects.filter(**key).first() or cls(**key)

    def working_days(self, stage: str) -> int:
        return getattr(self, self.STAGE_FIELDS[stage])

    def deadline(self, stage: str, *, start: dt.datetime) -> dt.datetime:
        """The ``stage`` deadline of a case whose clock starts at ``start``: 18:00 Asia/Shanghai of the N-th
        working day after it (``core.calendar``)."""
        return calendar.add_working_days(start, self.working_days(stage))

    def reminder_before(self, deadline: dt.datetime) -> dt.datetime:
        """When the handler is reminded of ``deadline``."""
        return reminder_time(deadline, self.reminder_lead_hours, working_hours=self.REMINDER_IN_WORKING_HOURS)


def reminder_time(deadline: dt.datetime, lead_hours: int, *, working_hours: bool = True) -> dt.datetime:
    """``lead_hours`` before ``deadline``: business hours on the working-day calendar, or clock hours."""
    if working_hours:
        return calendar.add_working_seconds(deadline, -3600 * lead_hours)
    return deadline - dt.timedelta(hours=lead_hours)


class ReminderTimes:
    """``reminder_time`` memoised for one batch: cases share a handful of deadlines (18:00 of a few working
    days), so a batch asks the calendar once per distinct (deadline, lead) instead of once per row."""

    def __init__(self, *, working_hours: bool = True):
        self.working_hours = working_hours
        self._known: dict[tuple[dt.datetime, int], dt.datetime] = {}

    def __call__(self, deadline: dt.datetime, lead_hours: int) -> dt.datetime:
        key = (deadline, lead_hours)
        if key not in self._known:
            self._known[key] = reminder_time(deadline, lead_hours, working_hours=self.working_hours)
        return self._known[key]


def earliest_open(deadlines: Iterable[tuple[str, dt.datetime, dt.datetime | None, dt.datetime | None]]):
    """(deadline, kind) of the earliest deadline neither met nor breached, from (kind, due, met_at,
    breached_at) tuples; None when every deadline is met or breached."""
    pending = [(due, kind) for kind, due, met, breached in deadlines if met is None and breached is None]
    return min(pending) if pending else None


# --- the sweep ----------------------------------------------------------------------------------------


@dataclass
class Due:
    """One case of a batch, at its running deadline: ``kind`` names the deadline (a complaint's ack /
    response / resolve, a warranty case's status), ``breached`` is whether it has passed."""

    case: Model
    kind: str
    deadline: dt.datetime
    breached: bool
    escalated: bool = False
    events: list[AuditEvent] = field(default_factory=list)


class SlaClock(ABC):
    """One kind of case as the engine sweeps it. Subclasses name the model's ``fields`` that a batch
    writes (everything ``remind``/``breach``/``idle`` may change; they must be loaded by ``due``)."""

    #: Fields the batch UPDATE writes (besides ``updated_at``).
    fields: ClassVar[Sequence[str]] = ("next_reminder_at",)

    @abstractmethod
    def due(self, now: dt.datetime) -> QuerySet:
        """Cases whose next check has come, ordered along the partial index on ``next_reminder_at``."""

    @abstractmethod
    def running_deadline(self, case) -> tuple[str, dt.datetime] | None:
        """(kind, deadline) of the deadline that runs on ``case``; None when none does."""

    def remind(self, due: Due, now: dt.datetime) -> None:
        """The deadline is ahead: after the reminder the next look is at the deadline itself."""
        due.case.next_reminder_at = due.deadline

    @abstractmethod
    def breach(self, due: Due, now: dt.datetime) -> None:
        """The deadline passed: mark it, escalate (``due.escalated``, audit rows in ``due.events``) and point
        ``next_reminder_at`` at what comes next (or None)."""

    def idle(self, case, now: dt.datetime) -> None:
        """A due case without a running deadline (its clock stopped meanwhile): stop looking at it."""
        case.next_reminder_at = None

    @abstractmethod
    def tell(self, reminded: list[Due], breached: list[Due], now: dt.datetime) -> int:
        """Notify the batch (one ``notify_many``); returns how many notifications were new."""

    def begin_batch(self, now: dt.datetime) -> None:  # noqa: B027 - an optional hook
        """Hook before each batch (e.g. a fresh ``ReminderTimes``)."""


def sla_sweep(clock: SlaClock, *, now: dt.datetime, batch_size: int = 1000, budget: float | None = None) -> dict:
    """Sweep ``clock``'s due cases in batches until none is due (or the run's budget is spent). Returns
    counts: ``checked`` rows, cases ``reminded``, ``breached`` and ``escalated``, ``notified`` new rows."""

    def batch() -> tuple[int, dict]:
        with transaction.atomic():
            cases = lock_batch(clock.due(now), size=batch_size)
            if not cases:
                return 0, {}
            clock.begin_batch(now)
            reminded: list[Due] = []
            breached: list[Due] = []
            for case in cases:
                running = clock.running_deadline(case)
                if running is None:
                    clock.idle(case, now)
                    continue
                kind, deadline = running
                due = Due(case=case, kind=kind, deadline=deadline, breached=deadline <= now)
                if due.breached:
                    clock.breach(due, now)
                    breached.append(due)
                else:
                    clock.remind(due, now)
                    reminded.append(due)
            update_rows(cases, clock.fields)
            events = [event for due in breached for event in due.events]
            if events:
                AuditEvent.objects.bulk_create(events)
            notified = clock.tell(reminded, breached, now)
        return len(cases), {
            "checked": len(cases),
            "reminded": len(reminded),
            "breached": len(breached),
            "escalated": sum(due.escalated for due in breached),
            "notified": notified,
        }

    totals = {"checked": 0, "reminded": 0, "breached": 0, "escalated": 0, "notified": 0}
    return run_batches(batch, totals=totals, budget=budget)
