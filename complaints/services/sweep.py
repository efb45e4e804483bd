"""The SLA sweep (Celery beat): remind before a deadline, mark and escalate once it passes.

Kept row by row until the shared set-based engine in ``core`` takes it over; every notice has a key
per case, deadline and purpose, so a re-run or an overlapping run sends nothing twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.statemachine import audit
from notifications.kinds import localized, moment
from notifications.services import notify

from .. import notices
from ..formatting import format_deadline
from ..models import Complaint, DeadlineKind
from .common import customer_url, handlers, save_case, staff_url, supervisors

Status = Complaint.Status

# What we failed to do, as the customer reads it ("We did not manage to … by …").
MISSED = {
    DeadlineKind.ACK: gettext_lazy("acknowledge your complaint"),
    DeadlineKind.RESPONSE: gettext_lazy("give you a first answer"),
    DeadlineKind.RESOLVE: gettext_lazy("propose a resolution"),
}


def complaint_sla_sweep(*, now: dt.datetime | None = None, batch_size: int = 500) -> dict:
    """Remind before deadlines, mark and escalate breaches. Idempotent: re-runs send nothing twice.

    Reads only due rows (``next_reminder_at <= now`` on open, unpaused cases — an indexed query), one
    row locked at a time in its own transaction so a slow case never blocks the batch.
    """
    now = now or timezone.now()
    result = {"checked": 0, "reminded": 0, "breached": 0, "escalated": 0}
    due_ids = list(Complaint.objects.due_for_sla(now).order_by("next_reminder_at").values_list("pk", flat=True)[:batch_size])
    for pk in due_ids:
        with transaction.atomic():
            complaint = Complaint.objects.select_for_update().filter(pk=pk).first()
            if complaint is None or not Complaint.objects.due_for_sla(now).filter(pk=pk).exists():
                continue
            result["checked"] += 1
            for key in _sweep_one(complaint, now=now):
                result[key] += 1
    return result


def _sweep_one(complaint: Complaint, *, now: dt.datetime) -> list[str]:
    kind, due = complaint.next_deadline_kind, complaint.next_deadline_at
    if due is None or not kind:
        save_case(complaint, [])
        return []
    deadline = f"{kind}:{due.astimezone(dt.UTC).isoformat()}"
    base_key = f"complaint:{complaint.pk}:{deadline}"
    params = {"number": complaint.number, "kind": localized(DeadlineKind(kind).label), "due": moment(due)}
    if due > now:
        for user in handlers(complaint):
            notify(
                user,
                notices.REMINDER,
                f"{base_key}:remind" if complaint.assignee_id else f"{base_key}:remind:{user.pk}",
                params={**params, "subject": complaint.subject},
                url=staff_url(complaint),
            )
        complaint.next_reminder_at = due
        complaint.save(update_fields=["next_reminder_at", "updated_at"])
        return ["reminded"]

    setattr(complaint, f"{kind}_breached_at", now)
    complaint.breached_at = complaint.breached_at or now
    fields = {f"{kind}_breached_at", "breached_at"}
    label, when = DeadlineKind(kind).label, format_deadline(due)
    audit(complaint, action="sla_breached", note=_("Missed deadline: %(kind)s (%(due)s)") % {"kind": label, "due": when})
    outcome = ["breached"]
    if complaint.can_transition_to(Status.ESCALATED):
        note = _("SLA breached: %(kind)s was due %(due)s.") % {"kind": label, "due": when}
        complaint.transition_to(Status.ESCALATED, note=note, action="auto_escalated")
        complaint.escalated_at = now
        fields |= {"status", "escalated_at"}
        outcome.append("escalated")
    for supervisor in supervisors():
        notify(
            supervisor,
            notices.ESCALATED,
            f"complaint:{complaint.pk}:{deadline}:breach:{supervisor.pk}",
            params=params,
            url=staff_url(complaint),
        )
    notify(
        complaint.complainant,
        notices.DELAYED,
        f"{base_key}:customer",
        params={"number": complaint.number, "what": localized(MISSED[kind]), "due": moment(due)},
        url=customer_url(complaint),
    )
    save_case(complaint, fields)
    return outcome
