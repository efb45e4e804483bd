"""The bookkeeping every complaint write shares: who may work a case, links, keys, the denormalised SLA fields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.roles import is_platform_staff
from core.errors import PermissionDeniedError
from core.sla import earliest_open, reminder_time

from ..models import Complaint

SUPERVISE_PERMISSION = "complaints.supervise_complaint"


def is_supervisor(user) -> bool:
    """Staff who may reassign others' cases and see the escalations page (the ``supervise_complaint`` permission)."""
    return is_platform_staff(user) and user.has_perm(SUPERVISE_PERMISSION)


def supervisors():
    """Active staff holding the supervise permission (directly, through a group, or as superusers)."""
    perm = Permission.objects.filter(content_type__app_label="complaints", codename="supervise_complaint").first()
    condition = Q(is_superuser=True)
    if perm is not None:
        condition |= Q(user_permissions=perm) | Q(groups__permissions=perm)
    return get_user_model().objects.filter(is_active=True, is_staff=True).filter(condition).distinct().order_by("pk")


def staff_refusal(actor) -> PermissionDeniedError | None:
    """Customer service works cases; nobody else moves, assigns or pauses one."""
    if is_platform_staff(actor):
        return None
    return PermissionDeniedError(_("Only customer service staff can do this."), code="staff_only")


def require_staff(actor) -> None:
    refusal = staff_refusal(actor)
    if refusal is not None:
        raise refusal


def handlers(complaint: Complaint) -> list:
    """Who answers for the case now: its assignee, or every supervisor while nobody holds it."""
    return [complaint.assignee] if complaint.assignee_id else list(supervisors())


def customer_url(complaint: Complaint) -> str:
    return reverse("complaints:detail", args=[complaint.pk])


def staff_url(complaint: Complaint) -> str:
    return reverse("admin:complaints_complaint_change", args=[complaint.pk])


def stamp(moment: dt.datetime) -> str:
    """A moment as it appears in dedupe keys (UTC, to the second)."""
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def refresh_sla(complaint: Complaint) -> list[str]:
    """Recompute the denormalised next deadline and next sweep time by the SLA engine's rule (``core.sla``: the
    earliest deadline neither met nor breached, reminded the policy's working hours before); returns the changed
    field names."""
    before = (complaint.next_deadline_at, complaint.next_deadline_kind, complaint.next_reminder_at)
    upcoming = None if (not complaint.is_open or complaint.is_paused) else earliest_open(complaint.deadlines())
    if upcoming:
        due, kind = upcoming
        complaint.next_deadline_at, complaint.next_deadline_kind = due, kind
        complaint.next_reminder_at = reminder_time(due, complaint.reminder_lead_hours)
    else:
        complaint.next_deadline_at, complaint.next_deadline_kind, complaint.next_reminder_at = None, "", None
    after = (complaint.next_deadline_at, complaint.next_deadline_kind, complaint.next_reminder_at)
    return ["next_deadline_at", "next_deadline_kind", "next_reminder_at"] if before != after else []


def save_case(complaint: Complaint, fields: Iterable[str]) -> None:
    """Save ``fields`` plus whatever the SLA bookkeeping changed (never a full save: the sweep writes too)."""
    fields = set(fields) | set(refresh_sla(complaint)) | {"updated_at"}
    complaint.save(update_fields=sorted(fields))
