"""The SLA sweep (Celery beat): remind before a deadline, mark and escalate once it passes — on the
set-based engine of ``core.sla`` (due rows through ``complaint_sla_due_idx``, locked ``SKIP LOCKED``, one
UPDATE and one ``notify_many`` per batch, batches until nothing is due).

Who hears what is as before: the assignee (every supervisor while nobody holds the case) is reminded;
a missed deadline is marked, the case escalated when its status allows, supervisors told and the
customer told we are late. Every notice has a key per case, deadline and purpose (and recipient where
several people get one), so a re-run or an overlapping run sends nothing twice.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.sla import Due, ReminderTimes, SlaClock, earliest_open, sla_sweep
from core.statemachine import audit_event
from core.sweeps import url_for_each
from notifications.kinds import localized, moment
from notifications.services import Notice, notify_many

from .. import notices
from ..formatting import format_deadline
from ..models import Complaint, DeadlineKind
from .common import supervisors

Status = Complaint.Status

# What we failed to do, as the customer reads it ("We did not manage to … by …").
MISSED = {
    DeadlineKind.ACK: gettext_lazy("acknowledge your complaint"),
    DeadlineKind.RESPONSE: gettext_lazy("give you a first answer"),
    DeadlineKind.RESOLVE: gettext_lazy("propose a resolution"),
}


class ComplaintClock(SlaClock):
    fields = (
        "next_reminder_at",
        "next_deadline_at",
        "next_deadline_kind",
        "breached_at",
        *(f"{kind}_breached_at" for kind in DeadlineKind.values),
        "status",
        "escalated_at",
    )

    def __init__(self) -> None:
        self._supervisors: list | None = None
        self._labels = {kind: localized(DeadlineKind(kind).label) for kind in DeadlineKind.values}
        self._missed = {kind: localized(text) for kind, text in MISSED.items()}
        self._reminders = ReminderTimes()
        # ``common.staff_url`` / ``customer_url``, reversed once per run instead of once per row.
        self._staff_url = url_for_each("admin:complaints_complaint_change")
        self._customer_url = url_for_each("complaints:detail")

    def due(self, now: dt.datetime):
        # Whole rows: measured faster than ``only()`` (instances with deferred fields cost more to build than
        # the extra columns cost to read). The people to tell are read once per batch, in ``tell``.
        return Complaint.objects.due_for_sla(now).order_by("next_reminder_at", "pk")

    def running_deadline(self, case: Complaint):
        if case.next_deadline_at is None or not case.next_deadline_kind:
            return None
        return case.next_deadline_kind, case.next_deadline_at

    def begin_batch(self, now: dt.datetime) -> None:
        self._reminders = ReminderTimes()  # a staff calendar edit counts from the next batch on

    def idle(self, case: Complaint, now: dt.datetime) -> None:
        self._point_at_next_deadline(case)

    def breach(self, due: Due, now: dt.datetime) -> None:
        complaint, kind = due.case, due.kind
        setattr(complaint, f"{kind}_breached_at", now)
        complaint.breached_at = complaint.breached_at or now
        label, when = DeadlineKind(kind).label, format_deadline(due.deadline)
        due.events.append(
            audit_event(
                complaint, action="sla_breached", note=_("Missed deadline: %(kind)s (%(due)s)") % {"kind": label, "due": when}
            )
        )
        if complaint.can_transition_to(Status.ESCALATED):
            note = _("SLA breached: %(kind)s was due %(due)s.") % {"kind": label, "due": when}
            due.events.append(complaint.transition_event(Status.ESCALATED, note=note, action="auto_escalated"))
            complaint.escalated_at = now
            due.escalated = True
        self._point_at_next_deadline(complaint)

    def _point_at_next_deadline(self, complaint: Complaint) -> None:
        """The denormalised next deadline and next check (``refresh_sla``'s rule, memoised per batch)."""
        running = complaint.is_open and not complaint.is_paused
        upcoming = earliest_open(complaint.deadlines()) if running else None
        if upcoming is None:
            complaint.next_deadline_at, complaint.next_deadline_kind, complaint.next_reminder_at = None, "", None
            return
        complaint.next_deadline_at, complaint.next_deadline_kind = upcoming
        complaint.next_reminder_at = self._reminders(complaint.next_deadline_at, complaint.reminder_lead_hours)

    def supervisors(self) -> list:
        if self._supervisors is None:
            self._supervisors = list(supervisors().only("email"))
        return self._supervisors

    def tell(self, reminded: list[Due], breached: list[Due], now: dt.datetime) -> int:
        # The batch's assignees and complainants in one query: a few staff and some customers, each read once
        # (a join per row would build two user objects for every case).
        wanted = {due.case.assignee_id for due in reminded} | {due.case.complainant_id for due in breached}
        users = get_user_model().objects.only("email").in_bulk(wanted - {None})
        batch: list[Notice] = []
        for due in reminded:
            complaint = due.case
            key = _key(due)
            params = {"number": complaint.number, "kind": self._labels[due.kind], "due": moment(due.deadline)}
            params["subject"] = complaint.subject
            url = self._staff_url(complaint.pk)
            if complaint.assignee_id:
                batch.append(Notice(users[complaint.assignee_id], notices.REMINDER, f"{key}:remind", params, url))
            else:
                batch += [Notice(user, notices.REMINDER, f"{key}:remind:{user.pk}", params, url) for user in self.supervisors()]
        for due in breached:
            complaint = due.case
            key = _key(due)
            params = {"number": complaint.number, "kind": self._labels[due.kind], "due": moment(due.deadline)}
            url = self._staff_url(complaint.pk)
            batch += [Notice(user, notices.ESCALATED, f"{key}:breach:{user.pk}", params, url) for user in self.supervisors()]
            told = {"number": complaint.number, "what": self._missed[due.kind], "due": moment(due.deadline)}
            batch.append(
                Notice(
                    users[complaint.complainant_id], notices.DELAYED, f"{key}:customer", told, self._customer_url(complaint.pk)
                )
            )
        return notify_many(batch)


def _key(due: Due) -> str:
    return f"complaint:{due.case.pk}:{due.kind}:{due.deadline.astimezone(dt.UTC).isoformat()}"


def complaint_sla_sweep(*, now: dt.datetime | None = None, batch_size: int = 1000, budget: float | None = None) -> dict:
    """Remind before deadlines, mark and escalate breaches, batch after batch until nothing is due.
    Idempotent: re-runs and overlapping runs send nothing twice (dedupe keys; rows locked SKIP LOCKED).

    Returns ``checked`` cases, how many were ``reminded``, ``breached`` and ``escalated``.
    """
    result = sla_sweep(ComplaintClock(), now=now or timezone.now(), batch_size=batch_size, budget=budget)
    return {key: result[key] for key in ("checked", "reminded", "breached", "escalated")}
