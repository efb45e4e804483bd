"""What complaints tell people. Each kind's texts are rendered in the reader's language when read.

Parameters: ``number``, ``subject`` and the texts people wrote (a reason, a message preview) are plain
strings; deadlines are ``moment(...)``; a deadline's name is ``localized(...)``. The codes keep the
``complaint.*`` names the rows were always stored under, so old and new rows sort together.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from notifications.kinds import notice_kind

GROUP = "complaints"

# --- to the customer ----------------------------------------------------------------------------------

RECEIVED = notice_kind(
    "complaint.received",
    label=_("Complaint received"),
    subject=_("We received your complaint %(number)s"),
    body=_(
        "Thank you, %(name)s. Your complaint “%(subject)s” is registered as %(number)s. "
        "We will acknowledge it by %(ack)s and answer by %(response)s at the latest."
    ),
    group=GROUP,
)
ACKNOWLEDGED = notice_kind(
    "complaint.acknowledged",
    label=_("Complaint acknowledged"),
    subject=_("Complaint %(number)s: we are on it"),
    body=_("Your complaint is acknowledged. We will answer by %(due)s."),
    group=GROUP,
)
RESOLUTION_PROPOSED = notice_kind(
    "complaint.resolution_proposed",
    label=_("Resolution proposed"),
    subject=_("Complaint %(number)s: we propose a resolution"),
    body=_("Please read it and accept or reject it: %(resolution)s"),
    group=GROUP,
)
RESOLVED = notice_kind(
    "complaint.resolved",
    label=_("Complaint resolved"),
    subject=_("Complaint %(number)s is resolved"),
    group=GROUP,
)
CLOSED = notice_kind(
    "complaint.closed",
    label=_("Complaint closed"),
    subject=_("Complaint %(number)s is closed"),
    group=GROUP,
)
WAITING = notice_kind(
    "complaint.waiting",
    label=_("Waiting for the customer"),
    subject=_("Complaint %(number)s: we need something from you"),
    body="%(reason)s",
    group=GROUP,
)
DELAYED = notice_kind(
    "complaint.delayed",
    label=_("Customer told their complaint is late"),
    subject=_("Complaint %(number)s: we are late, and a supervisor is now involved"),
    body=_("We did not manage to %(what)s by %(due)s as promised. We apologise: your case is now with a supervisor."),
    clock=True,
    group=GROUP,
)

# --- to the dealer concerned ---------------------------------------------------------------------------

DEALER_NOTICE = notice_kind(
    "complaint.dealer_notice",
    label=_("New complaint about your business"),
    subject=_("A customer filed complaint %(number)s about your business"),
    body=_("Subject: %(subject)s. Please read it and respond; our customer service will contact you."),
    group=GROUP,
)

# --- to anyone on the case (customer, dealer, handler) ---------------------------------------------------

MESSAGE = notice_kind(
    "complaint.message",
    label=_("New message on a complaint"),
    subject=_("New message on complaint %(number)s"),
    body="%(preview)s",
    group=GROUP,
)

# --- to customer service --------------------------------------------------------------------------------

ASSIGNED = notice_kind(
    "complaint.assigned",
    label=_("Complaint assigned to you"),
    subject=_("Complaint %(number)s is assigned to you"),
    body=_("Next deadline: %(due)s."),
    group=GROUP,
)
ESCALATED_BY_STAFF = notice_kind(
    "complaint.escalated_by_staff",
    label=_("Complaint escalated by staff"),
    subject=_("Escalated: complaint %(number)s"),
    body="%(note)s",
    group=GROUP,
)
CUSTOMER_ACCEPTED = notice_kind(
    "complaint.customer_accepted",
    label=_("Customer accepted a resolution"),
    subject=_("Customer accepted the resolution of %(number)s"),
    body="%(reason)s",
    group=GROUP,
)
CUSTOMER_REJECTED = notice_kind(
    "complaint.customer_rejected",
    label=_("Customer rejected a resolution"),
    subject=_("Customer rejected the resolution of %(number)s"),
    body="%(reason)s",
    group=GROUP,
)
REMINDER = notice_kind(
    "complaint.reminder",
    label=_("Complaint deadline reminder"),
    subject=_("Due %(due)s: %(kind)s for complaint %(number)s"),
    body="%(subject)s",
    clock=True,
    group=GROUP,
)
ESCALATED = notice_kind(
    "complaint.escalated",
    label=_("Complaint deadline missed (escalated)"),
    subject=_("Escalated: complaint %(number)s"),
    body=_("SLA breached: %(kind)s was due %(due)s."),
    clock=True,
    group=GROUP,
)
