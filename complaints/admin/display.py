"""How the admin shows SLA state, status and time: badges and short durations, in the page's language."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..formatting import format_deadline
from ..models import Complaint

Status = Complaint.Status

SLA_STATES = {
    "on_track": (_("On track"), "sla-on-track"),
    "due_soon": (_("Due soon"), "sla-due-soon"),
    "breached": (_("Breached"), "sla-breached"),
    "paused": (_("Paused"), "sla-paused"),
    "done": (_("Done"), "sla-done"),
}
STATUS_CLASSES = {
    Status.NEW: "st-new",
    Status.ACKNOWLEDGED: "st-ack",
    Status.INVESTIGATING: "st-inv",
    Status.RESOLUTION_PROPOSED: "st-prop",
    Status.ESCALATED: "st-esc",
    Status.REOPENED: "st-reopen",
    Status.RESOLVED: "st-resolved",
    Status.CLOSED: "st-closed",
}


def duration(delta: dt.timedelta) -> str:
    """'2d 3h', '3h 20min' or '12 min' (the sign is the caller's business)."""
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return gettext("%(d)sd %(h)sh") % {"d": days, "h": hours}
    if hours:
        return gettext("%(h)sh %(m)smin") % {"h": hours, "m": minutes}
    return gettext("%(m)s min") % {"m": minutes}


def local(moment) -> str:
    return format_deadline(moment) if moment else "—"
