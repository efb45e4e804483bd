"""Who handles a case: staff take unassigned cases; only supervisors give a case to someone else."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import is_platform_staff
from core.errors import DomainError, PermissionDeniedError
from core.statemachine import audit
from notifications.kinds import moment
from notifications.services import notify

from .. import notices
from ..models import Complaint
from .common import is_supervisor, save_case, staff_refusal, staff_url, stamp


def assignment_refusal(*, complaint: Complaint, assignee, actor) -> DomainError | None:
    """Why ``actor`` may not give the case to ``assignee`` (``None`` when allowed). Reads only."""
    refusal = staff_refusal(actor)
    if refusal is not None:
        return refusal
    if assignee is not None and not is_platform_staff(assignee):
        return DomainError(_("Cases can only be assigned to active staff."), code="not_staff")
    if is_supervisor(actor):
        return None
    if complaint.assignee_id and complaint.assignee_id != actor.pk:
        return PermissionDeniedError(
            _("Only a supervisor can reassign a case that %(name)s is handling.") % {"name": complaint.assignee},
            code="cannot_reassign",
        )
    if assignee is not None and assignee.pk != actor.pk:
        return PermissionDeniedError(_("Only a supervisor can assign a case to someone else."), code="cannot_reassign")
    return None


@transaction.atomic
def complaint_assign(*, complaint: Complaint, assignee, actor) -> Complaint:
    """Give the case to ``assignee`` (or nobody). Staff may take unassigned cases; supervisors move any case."""
    refusal = assignment_refusal(complaint=complaint, assignee=assignee, actor=actor)
    if refusal is not None:
        raise refusal
    if complaint.assignee_id == (assignee.pk if assignee else None):
        return complaint
    previous = complaint.assignee
    complaint.assignee = assignee
    save_case(complaint, ["assignee"])
    audit(
        complaint,
        action="assigned",
        actor=actor,
        note=_("%(old)s → %(new)s") % {"old": previous or _("nobody"), "new": assignee or _("nobody")},
    )
    if assignee is not None and assignee.pk != actor.pk:
        notify(
            assignee,
            notices.ASSIGNED,
            f"complaint:{complaint.pk}:assigned:{assignee.pk}:{stamp(timezone.now())}",
            params={"number": complaint.number, "due": moment(complaint.next_deadline_at) or "—"},
            url=staff_url(complaint),
        )
    return complaint
