"""Stopping the SLA clock while staff wait for the customer, and starting it again.

While a case is paused no deadline runs; resuming moves every deadline not yet met later by the
working time that passed (``core.calendar``), so the customer's silence never counts against staff.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import calendar
from core.errors import DomainError
from core.statemachine import audit
from notifications.services import notify

from .. import notices
from ..models import Complaint, ComplaintPause
from .common import customer_url, require_staff, save_case, stamp

Status = Complaint.Status


def pause_refusal(*, complaint: Complaint, reason: str, status: str | None = None) -> DomainError | None:
    """Why the clock cannot be paused (``None`` when it can). ``status``: the case's status by then, if it moves first."""
    status = status or complaint.status
    if status not in Complaint.OPEN_STATUSES or status == Status.RESOLUTION_PROPOSED:
        return DomainError(_("Only a case staff are working on can be paused."), code="not_pausable")
    if complaint.is_paused:
        return DomainError(_("The clock is already paused."), code="already_paused")
    if not reason.strip():
        return DomainError(_("Say what you are waiting for."), code="reason_required")
    return None


def resume_refusal(*, complaint: Complaint) -> DomainError | None:
    if not complaint.is_paused:
        return DomainError(_("The clock is not paused."), code="not_paused")
    return None


@transaction.atomic
def complaint_pause(*, complaint: Complaint, actor, reason: str, now: dt.datetime | None = None) -> ComplaintPause:
    """Stop the SLA clock while staff wait for the customer (documents, an inspection appointment …)."""
    require_staff(actor)
    now = now or timezone.now()
    refusal = pause_refusal(complaint=complaint, reason=reason)
    if refusal is not None:
        raise refusal
    pause = ComplaintPause.objects.create(complaint=complaint, reason=reason.strip(), started_at=now, started_by=actor)
    complaint.paused_at = now
    save_case(complaint, ["paused_at"])
    audit(complaint, action="paused", actor=actor, note=reason.strip())
    notify(
        complaint.complainant,
        notices.WAITING,
        f"complaint:{complaint.pk}:paused:{stamp(now)}",
        params={"number": complaint.number, "reason": reason.strip()},
        url=customer_url(complaint),
    )
    return pause


@transaction.atomic
def complaint_resume(*, complaint: Complaint, actor, now: dt.datetime | None = None) -> Complaint:
    """Restart the clock; every deadline not yet met moves later by the working time the case was paused."""
    require_staff(actor)
    refusal = resume_refusal(complaint=complaint)
    if refusal is not None:
        raise refusal
    return resume_clock(complaint, actor=actor, now=now or timezone.now())


def end_pause(complaint: Complaint, *, now: dt.datetime, extend: bool) -> int:
    """Close the open pause row; returns the working seconds it lasted (0 when deadlines are not to move)."""
    pause = complaint.pauses.filter(ended_at__isnull=True).first()
    seconds = calendar.working_seconds_between(complaint.paused_at, now) if extend else 0
    if pause is not None:
        pause.ended_at, pause.working_seconds = now, seconds
        pause.save(update_fields=["ended_at", "working_seconds"])
    complaint.paused_at = None
    return seconds


def resume_clock(complaint: Complaint, *, actor, now: dt.datetime) -> Complaint:
    """Resume a paused case (staff, or the customer's answer): open deadlines move by the paused working time."""
    seconds = end_pause(complaint, now=now, extend=True)
    fields = {"paused_at"}
    if seconds:
        for kind, due, met, breached in complaint.deadlines():
            if met is None and breached is None:
                field = f"{kind}_due_at"
                setattr(complaint, field, calendar.add_working_seconds(due, seconds))
                fields.add(field)
    save_case(complaint, fields)
    hours = seconds / 3600
    audit(complaint, action="resumed", actor=actor, note=_("Deadlines moved by %(hours).1f working hours.") % {"hours": hours})
    return complaint
