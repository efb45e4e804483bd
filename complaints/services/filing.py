"""Filing a complaint, and the evidence files that come with it or with a message."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import is_dealer
from core import calendar
from core.errors import DomainError, PermissionDeniedError
from core.statemachine import audit
from notifications.kinds import moment
from notifications.services import notify

from .. import notices
from ..attachments import prepare_attachment
from ..models import Complaint, ComplaintAttachment, ComplaintMessage, SlaPolicy
from .common import customer_url, refresh_sla


def attach_files(*, complaint: Complaint, message: ComplaintMessage | None, files, user) -> list[ComplaintAttachment]:
    """Store evidence files (re-encoded photos, checked PDFs); a refused file refuses the whole write."""
    stored = []
    for upload in files or ():
        try:
            prepared = prepare_attachment(upload)
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages), code="invalid_attachment") from exc
        attachment = ComplaintAttachment(
            complaint=complaint,
            message=message,
            original_name=prepared.original_name,
            content_type=prepared.content_type,
            size=prepared.size,
            uploaded_by=user,
        )
        attachment.file.save(prepared.content.name, prepared.content, save=False)
        attachment.save()
        stored.append(attachment)
    return stored


@transaction.atomic
def complaint_file(
    *,
    complainant,
    complainant_name: str,
    complainant_phone: str,
    category: str,
    subject: str,
    description: str,
    desired_outcome: str,
    dealer=None,
    order=None,
    vin: str = "",
    after_sales_request=None,
    warranty_claim=None,
    priority: str = Complaint.Priority.NORMAL,
    files=(),
    now: dt.datetime | None = None,
) -> Complaint:
    """File a complaint: deadlines from the SLA policy, an audit row, evidence files, an acknowledgement receipt.

    A linked order, after-sales request or warranty claim must be the complainant's own; the order
    then follows from the request or claim, and the dealer concerned is the seller of the order.
    """
    now = now or timezone.now()
    for source in (after_sales_request, warranty_claim):
        if source is None:
            continue
        source_order = source.coverage.order
        if source_order.buyer_id != complainant.pk:
            raise PermissionDeniedError(_("You can only complain about your own requests and claims."), code="not_your_case")
        if order is not None and order.pk != source_order.pk:
            raise DomainError(_("The request or claim belongs to a different order."), code="order_mismatch")
        order = source_order
    if order is not None:
        if order.buyer_id != complainant.pk:
            raise PermissionDeniedError(_("You can only complain about your own orders."), code="not_your_order")
        seller = order.listing.dealer
        if dealer is not None and dealer.pk != seller.pk:
            raise DomainError(_("The dealer concerned must be the seller of the order."), code="dealer_mismatch")
        dealer = seller
        vin = vin or order.listing.vehicle.vin
    if dealer is not None and not is_dealer(dealer):
        raise DomainError(_("Choose a dealer."), code="not_a_dealer")

    policy = SlaPolicy.for_case(category=category, priority=priority)
    complaint = Complaint(
        number=f"tmp-{uuid.uuid4().hex[:16]}",
        complainant=complainant,
        complainant_name=complainant_name.strip(),
        complainant_phone=complainant_phone.strip(),
        dealer=dealer,
        order=order,
        after_sales_request=after_sales_request,
        warranty_claim=warranty_claim,
        vin=(vin or "").upper(),
        category=category,
        priority=priority,
        subject=subject.strip(),
        description=description.strip(),
        desired_outcome=desired_outcome.strip(),
        ack_due_at=calendar.add_working_days(now, policy.ack_working_days),
        response_due_at=calendar.add_working_days(now, policy.response_working_days),
        resolve_due_at=calendar.add_working_days(now, policy.resolve_working_days),
        reminder_lead_hours=policy.reminder_lead_hours,
        created_at=now,
    )
    refresh_sla(complaint)
    complaint.full_clean(exclude=["number"])
    complaint.save()
    complaint.number = f"TS{timezone.localtime(now, calendar.SHANGHAI):%Y%m%d}{complaint.pk:05d}"
    complaint.save(update_fields=["number"])
    audit(complaint, action="filed", actor=complainant, to_status=complaint.status, note=complaint.subject)
    attach_files(complaint=complaint, message=None, files=files, user=complainant)

    url = customer_url(complaint)
    notify(
        complainant,
        notices.RECEIVED,
        f"complaint:{complaint.pk}:received",
        params={
            "name": complaint.complainant_name,
            "subject": complaint.subject,
            "number": complaint.number,
            "ack": moment(complaint.ack_due_at),
            "response": moment(complaint.response_due_at),
        },
        url=url,
    )
    if dealer is not None:
        notify(
            dealer,
            notices.DEALER_NOTICE,
            f"complaint:{complaint.pk}:dealer-notice",
            params={"number": complaint.number, "subject": complaint.subject},
            url=url,
        )
    return complaint
