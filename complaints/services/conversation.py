"""The conversation on a case: customer, dealer concerned and staff write; staff also write internal notes."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import is_platform_staff
from core.errors import DomainError, PermissionDeniedError
from core.statemachine import audit
from notifications.services import notify

from .. import notices
from ..models import Complaint, ComplaintMessage
from .common import customer_url, save_case, staff_url
from .filing import attach_files
from .pauses import resume_clock

Role = ComplaintMessage.AuthorRole


def _author_role(complaint: Complaint, user) -> str:
    if is_platform_staff(user):
        return Role.STAFF
    if complaint.dealer_id and user.pk == complaint.dealer_id:
        return Role.DEALER
    if user.pk == complaint.complainant_id:
        return Role.CUSTOMER
    raise PermissionDeniedError(_("You are not part of this complaint."), code="not_a_party")


def _readers(complaint: Complaint, role: str) -> list[tuple[object, str]]:
    """Who is told of a message and where their link goes: staff write to the customer, the customer to the
    handler, and the dealer's answer reaches both."""
    customer = (complaint.complainant, customer_url(complaint))
    handler = [(complaint.assignee, staff_url(complaint))] if complaint.assignee_id else []
    if role == Role.STAFF:
        return [customer]
    if role == Role.CUSTOMER:
        return handler
    return [customer, *handler]


@transaction.atomic
def complaint_post_message(
    *, complaint: Complaint, author, body: str, internal: bool = False, files=(), now: dt.datetime | None = None
) -> ComplaintMessage:
    """Add a message (or, for staff, an internal note). A staff reply to the customer is the first response;
    the customer's answer restarts a paused clock."""
    now = now or timezone.now()
    role = _author_role(complaint, author)
    if internal and role != Role.STAFF:
        raise PermissionDeniedError(_("Only staff write internal notes."), code="staff_only")
    if complaint.status == Complaint.Status.CLOSED and role != Role.STAFF:
        raise DomainError(_("This complaint is closed. File a new one if the problem comes back."), code="closed")
    if not body.strip():
        raise DomainError(_("Write a message."), code="empty")
    message = ComplaintMessage.objects.create(
        complaint=complaint, author=author, author_role=role, body=body.strip(), is_internal=internal, created_at=now
    )
    attach_files(complaint=complaint, message=message, files=files, user=author)
    fields = set()
    if role == Role.CUSTOMER and complaint.is_paused:
        # The customer answered what we were waiting for: the clock runs again by itself.
        resume_clock(complaint, actor=author, now=now)
    if role == Role.STAFF and not internal and complaint.first_response_at is None:
        complaint.first_response_at = now
        fields.add("first_response_at")
    save_case(complaint, fields)
    audit(complaint, action="internal_note" if internal else f"message_{role}", actor=author, note=body.strip()[:500])
    if internal:
        return message
    for recipient, url in _readers(complaint, role):
        notify(
            recipient,
            notices.MESSAGE,
            f"complaint:{complaint.pk}:message:{message.pk}:{recipient.pk}",
            params={"number": complaint.number, "preview": body.strip()[:300]},
            url=url,
        )
    return message
