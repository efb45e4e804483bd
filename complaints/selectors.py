"""Reads for the customer and dealer pages (the admin has its own querysets)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.statemachine import audit_trail

from .models import Complaint, ComplaintAttachment, ComplaintMessage, DeadlineKind

# Audit actions the customer and the dealer see on the timeline; assignment, internal notes and the
# SLA bookkeeping stay inside customer service. Messages are shown as messages, not as audit rows.
PUBLIC_ACTIONS = {"filed", "transition", "customer_accepted", "customer_rejected", "auto_escalated", "paused", "resumed"}


def complaint_list_for(*, user, status: str = ""):
    qs = Complaint.objects.visible_to(user).select_related("dealer__dealer_profile")
    if status == "open":
        qs = qs.open()
    elif status in Complaint.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def complaint_detail_queryset(*, user):
    return Complaint.objects.visible_to(user).select_related(
        "dealer__dealer_profile", "order__listing__vehicle", "assignee", "complainant"
    )


@dataclass
class TimelineEntry:
    kind: str  # "event" or "message"
    at: datetime
    title: str = ""
    note: str = ""
    status: str = ""
    message: ComplaintMessage | None = None


EVENT_TITLES = {
    "filed": _("Complaint filed"),
    "customer_accepted": _("You accepted the resolution"),
    "customer_rejected": _("Resolution rejected — case reopened"),
    "auto_escalated": _("Escalated to a supervisor"),
    "paused": _("Waiting for information from you"),
    "resumed": _("We resumed work on your case"),
}


def complaint_public_timeline(*, complaint: Complaint) -> list[TimelineEntry]:
    """Status changes and messages anyone involved may see, oldest first; internal notes never appear."""
    labels = dict(Complaint.Status.choices)
    entries = []
    for event in audit_trail(complaint).filter(action__in=PUBLIC_ACTIONS):
        if event.action == "transition":
            title = labels.get(event.to_status, event.to_status)
            note = ""
        else:
            title = EVENT_TITLES.get(event.action, event.action)
            note = event.note if event.action in {"customer_rejected", "paused"} else ""
        entries.append(TimelineEntry(kind="event", at=event.created_at, title=title, note=note, status=event.to_status))
    messages = (
        complaint.messages.filter(is_internal=False)
        .select_related("author__dealer_profile")
        .prefetch_related(Prefetch("attachments", queryset=ComplaintAttachment.objects.order_by("pk")))
    )
    entries.extend(TimelineEntry(kind="message", at=m.created_at, message=m) for m in messages)
    entries.sort(key=lambda e: (e.at, 0 if e.kind == "event" else 1))
    return entries


PROMISES = {
    DeadlineKind.ACK: _("We will acknowledge your complaint by"),
    DeadlineKind.RESPONSE: _("We will reply by"),
    DeadlineKind.RESOLVE: _("We will propose a resolution by"),
}


def complaint_customer_promise(*, complaint: Complaint) -> dict | None:
    """The next thing we promised the customer and when ("We will reply by Wed 26 Nov 18:00")."""
    if not complaint.is_open or complaint.status == Complaint.Status.RESOLUTION_PROPOSED:
        return None
    if complaint.is_paused:
        return {"paused": True, "since": complaint.paused_at}
    if complaint.next_deadline_at is None:
        return None
    kind = complaint.next_deadline_kind
    overdue = complaint.next_deadline_at <= timezone.now()
    late = overdue or complaint.breached_at is not None
    return {
        "paused": False,
        "late": late,
        "overdue": overdue,
        "label": PROMISES[kind],
        "at": complaint.next_deadline_at,
        "kind": kind,
    }


PROGRESS = [
    (Complaint.Status.NEW, _("Filed")),
    (Complaint.Status.ACKNOWLEDGED, _("Acknowledged")),
    (Complaint.Status.INVESTIGATING, _("Investigating")),
    (Complaint.Status.RESOLUTION_PROPOSED, _("Resolution proposed")),
    (Complaint.Status.RESOLVED, _("Resolved")),
    (Complaint.Status.CLOSED, _("Closed")),
]
_RANK = {status: i for i, (status, _label) in enumerate(PROGRESS)}
_RANK.update(
    {
        Complaint.Status.ESCALATED: _RANK[Complaint.Status.INVESTIGATING],
        Complaint.Status.REOPENED: _RANK[Complaint.Status.INVESTIGATING],
    }
)


def complaint_progress(*, complaint: Complaint) -> list[dict]:
    current = _RANK[complaint.status]
    return [{"label": label, "done": i < current, "current": i == current} for i, (_status, label) in enumerate(PROGRESS)]
