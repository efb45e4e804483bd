"""Moving a case along ``Complaint.TRANSITIONS``: staff moves, escalation, and the customer's decision.

Each move writes an audit row (``transition_to``) and does the bookkeeping its status needs; the
customer hears of the moves that concern them, supervisors of an escalation, the handler of a decision.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import calendar
from core.errors import DomainError, InvalidTransition, PermissionDeniedError
from notifications.kinds import moment
from notifications.services import notify

from .. import notices
from ..models import Complaint, SlaPolicy
from .common import customer_url, handlers, require_staff, save_case, staff_url, stamp, supervisors
from .pauses import end_pause

Status = Complaint.Status

# What the customer is told when staff move their case there (the other moves are internal).
CUSTOMER_NOTICES = {
    Status.ACKNOWLEDGED: notices.ACKNOWLEDGED,
    Status.RESOLUTION_PROPOSED: notices.RESOLUTION_PROPOSED,
    Status.RESOLVED: notices.RESOLVED,
    Status.CLOSED: notices.CLOSED,
}


def transition_refusal(
    *, complaint: Complaint, to_status: str, note: str = "", resolution: str | None = None
) -> DomainError | None:
    """Why staff may not move the case to ``to_status`` (``None`` when they may). Reads only.

    ``resolution``: the proposed resolution as it will be when the move happens (the saved one by default).
    """
    if to_status == Status.REOPENED:
        return InvalidTransition(
            _("Only the customer reopens a case, by rejecting the proposed resolution."), code="customer_reopens"
        )
    if not complaint.can_transition_to(to_status):
        labels = dict(Status.choices)
        return InvalidTransition(
            _("Cannot move from “%(old)s” to “%(new)s”.")
            % {"old": labels.get(complaint.status, complaint.status), "new": labels.get(to_status, to_status)},
            code="invalid_transition",
        )
    if to_status == Status.RESOLVED and complaint.status == Status.RESOLUTION_PROPOSED and not note.strip():
        return DomainError(
            _("Say how the customer accepted the resolution (e.g. “accepted by phone on …”) before marking it resolved."),
            code="note_required",
        )
    resolution = complaint.resolution if resolution is None else resolution
    if to_status == Status.RESOLUTION_PROPOSED and not resolution.strip():
        return DomainError(_("Write the proposed resolution first; the customer will see it."), code="resolution_required")
    return None


@transaction.atomic
def complaint_transition(
    *, complaint: Complaint, to_status: str, actor, note: str = "", now: dt.datetime | None = None
) -> Complaint:
    """Move the case along its transition map (staff only), with the bookkeeping each status needs.

    - acknowledged: meets the acknowledgement deadline;
    - resolution proposed: needs the resolution text; stops the resolution clock; the customer decides;
    - escalated: supervisors are told;
    - reopened: only the customer reopens (``complaint_customer_decide``);
    - resolved / closed: the clock stops for good (a running pause ends without moving deadlines).
    """
    require_staff(actor)
    refusal = transition_refusal(complaint=complaint, to_status=to_status, note=note)
    if refusal is not None:
        raise refusal
    return _move(complaint=complaint, to_status=to_status, actor=actor, note=note, now=now or timezone.now())


@transaction.atomic
def complaint_escalate(*, complaint: Complaint, actor, reason: str = "", now: dt.datetime | None = None) -> Complaint:
    """Hand the case to the supervisors (status "escalated"); refused when it is already escalated or done."""
    return complaint_transition(complaint=complaint, to_status=Status.ESCALATED, actor=actor, note=reason, now=now)


def _move(*, complaint: Complaint, to_status: str, actor, note: str, now: dt.datetime) -> Complaint:
    complaint.transition_to(to_status, actor=actor, note=note)
    fields = {"status"}
    if to_status == Status.ACKNOWLEDGED:
        complaint.acknowledged_at = complaint.acknowledged_at or now
        fields.add("acknowledged_at")
    elif to_status == Status.RESOLUTION_PROPOSED:
        complaint.resolution_proposed_at = now
        complaint.acknowledged_at = complaint.acknowledged_at or now
        complaint.first_response_at = complaint.first_response_at or now
        fields |= {"resolution_proposed_at", "acknowledged_at", "first_response_at"}
    elif to_status == Status.ESCALATED:
        complaint.escalated_at = now
        fields.add("escalated_at")
    elif to_status == Status.RESOLVED:
        complaint.resolved_at = now
        fields.add("resolved_at")
    elif to_status == Status.CLOSED:
        complaint.closed_at = now
        fields.add("closed_at")
    if complaint.is_paused and not complaint.is_open:
        end_pause(complaint, now=now, extend=False)
        fields.add("paused_at")
    save_case(complaint, fields)

    if to_status in CUSTOMER_NOTICES:
        params = {"number": complaint.number}
        if to_status == Status.ACKNOWLEDGED:
            params["due"] = moment(complaint.response_due_at)
        elif to_status == Status.RESOLUTION_PROPOSED:
            params["resolution"] = complaint.resolution
        notify(
            complaint.complainant,
            CUSTOMER_NOTICES[to_status],
            f"complaint:{complaint.pk}:status:{complaint.status}:{stamp(timezone.now())}",
            params=params,
            url=customer_url(complaint),
        )
    elif to_status == Status.ESCALATED:
        key = stamp(timezone.now())
        for supervisor in supervisors():
            notify(
                supervisor,
                notices.ESCALATED_BY_STAFF,
                f"complaint:{complaint.pk}:escalated:{key}:{supervisor.pk}",
                params={"number": complaint.number, "note": note or complaint.subject},
                url=staff_url(complaint),
            )
    return complaint


@transaction.atomic
def complaint_customer_decide(
    *, complaint: Complaint, actor, accept: bool, reason: str = "", now: dt.datetime | None = None
) -> Complaint:
    """The complainant accepts (→ resolved) or rejects (→ reopened, fresh deadline) the proposed resolution."""
    now = now or timezone.now()
    if actor.pk != complaint.complainant_id:
        raise PermissionDeniedError(_("Only the customer who filed the complaint can decide."), code="not_complainant")
    if complaint.status != Status.RESOLUTION_PROPOSED:
        raise InvalidTransition(_("There is no proposed resolution to decide on."), code="nothing_to_decide")
    if accept:
        complaint.transition_to(Status.RESOLVED, actor=actor, note=_("Accepted by the customer."), action="customer_accepted")
        complaint.resolved_at = now
        save_case(complaint, ["status", "resolved_at"])
        kind, key = notices.CUSTOMER_ACCEPTED, "accepted"
    else:
        if not reason.strip():
            raise DomainError(_("Tell us why the resolution does not work for you."), code="reason_required")
        policy = SlaPolicy.for_case(category=complaint.category, priority=complaint.priority)
        complaint.transition_to(Status.REOPENED, actor=actor, note=reason.strip(), action="customer_rejected")
        complaint.customer_feedback = reason.strip()
        complaint.resolution_proposed_at = None
        complaint.resolve_breached_at = None
        complaint.resolve_due_at = calendar.add_working_days(now, policy.reopen_working_days)
        save_case(complaint, ["status", "customer_feedback", "resolution_proposed_at", "resolve_breached_at", "resolve_due_at"])
        kind, key = notices.CUSTOMER_REJECTED, "rejected"
    for user in handlers(complaint):
        notify(
            user,
            kind,
            f"complaint:{complaint.pk}:{key}:{stamp(now)}:{user.pk}",
            params={"number": complaint.number, "reason": reason},
            url=staff_url(complaint),
        )
    return complaint
