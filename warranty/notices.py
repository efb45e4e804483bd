"""What the warranty app tells buyers, dealers and staff (rendered in the reader's language, see
``notifications.kinds``).

Parameters: ``id`` / ``order`` are numbers; ``car`` and ``case`` are ``localized(lambda: str(...))``;
``deadline`` is ``moment(...)``, ``date`` is ``day(...)``; ``km`` a grouped figure; shop names, addresses
and phone numbers, and notes people wrote, are plain text. Kinds sent by the Celery sweeps are ``clock=True``.
"""

from django.utils.translation import gettext_lazy as _

from notifications.kinds import notice_kind

# --- the guarantee itself --------------------------------------------------------------------------

#: To every active staff member, once per order: the delivery stood but the guarantee did not start.
COVERAGE_FAILED = notice_kind(
    "warranty.coverage_failed",
    label=_("Guarantee not started at delivery"),
    subject=_("The guarantee of order #%(order)s did not start"),
    body=_(
        "%(car)s was delivered but its guarantee could not be started (%(error)s). The buyer sees "
        "“guarantee not started yet”. Fix the cause, then run “manage.py coverage_backfill”."
    ),
)
EXTENSION_ACTIVE = notice_kind(
    "warranty.extension_active",
    label=_("Extended warranty bought"),
    subject=_("Your extended warranty is active"),
    body=_("Your core-part warranty now runs until 24:00 on %(date)s or %(km)s km on the odometer."),
)

# --- after-sales requests (buyer ↔ dealer) -------------------------------------------------------

REQUEST_SUBMITTED = notice_kind(
    "warranty.request_submitted",
    label=_("New after-sales request"),
    subject=_("New after-sales request for %(car)s"),
    body=_("Please acknowledge it by %(deadline)s."),
)
REQUEST_RECEIVED = notice_kind(
    "warranty.request_received",
    label=_("After-sales request received"),
    subject=_("We received your request #%(id)s"),
    body=_("The dealer must acknowledge it by %(deadline)s."),
)
REQUEST_ASSESSING = notice_kind(
    "warranty.request_assessing",
    label=_("After-sales request being assessed"),
    subject=_("Your request #%(id)s is being assessed"),
    body=_("A decision is due by %(deadline)s."),
)
REQUEST_APPROVED = notice_kind(
    "warranty.request_approved",
    label=_("After-sales request approved"),
    subject=_("Your request #%(id)s was approved"),
    body=_("It must be completed by %(deadline)s."),
)
REQUEST_REJECTED = notice_kind(
    "warranty.request_rejected",
    label=_("After-sales request rejected"),
    subject=_("Your request #%(id)s was rejected"),
    body=_("Reason: %(reason)s. %(note)s If you disagree, you can file a complaint from the request page."),
)
REQUEST_COMPLETED = notice_kind(
    "warranty.request_completed",
    label=_("After-sales request completed"),
    subject=_("Your request #%(id)s is completed"),
    body="%(note)s",  # the handler's note, as written
)

# --- warranty claims (buyer ↔ staff) -------------------------------------------------------------

CLAIM_SUBMITTED = notice_kind(
    "warranty.claim_submitted",
    label=_("New warranty claim"),
    subject=_("New warranty claim #%(id)s"),
    body=_("Acknowledge by %(deadline)s."),
)
CLAIM_UNDER_REVIEW = notice_kind(
    "warranty.claim_under_review",
    label=_("Warranty claim under review"),
    subject=_("Your claim #%(id)s is under review"),
)
CLAIM_AUTHORISED = notice_kind(
    "warranty.claim_authorised",
    label=_("Warranty claim authorised"),
    subject=_("Your claim #%(id)s is authorised"),
    body=_("Please take the car to %(shop)s, %(address)s (%(phone)s)."),
)
CLAIM_REJECTED = notice_kind(
    "warranty.claim_rejected",
    label=_("Warranty claim rejected"),
    subject=_("Your claim #%(id)s was rejected"),
    body="%(note)s",  # the written reason staff gave
)
CLAIM_COMPLETED = notice_kind(
    "warranty.claim_completed",
    label=_("Warranty repair completed"),
    subject=_("Your car has been repaired (claim #%(id)s)"),
    body="%(note)s",
)

# --- repeated failure (one flag, three audiences) --------------------------------------------------

REPEATED_FAILURE_BUYER = notice_kind(
    "warranty.repeated_failure_buyer",
    label=_("Repeated failure: exchange or return offered"),
    subject=_("Repeated failure: you may ask for an exchange or a return"),
    body="%(reason)s",  # localized(...): why the rule applies
)
REPEATED_FAILURE_DEALER = notice_kind(
    "warranty.repeated_failure_dealer",
    label=_("Repeated failure on a car sold"),
    subject=_("Repeated failure on a car you sold (order #%(order)s)"),
    body="%(reason)s",
)
REPEATED_FAILURE_STAFF = notice_kind(
    "warranty.repeated_failure_staff",
    label=_("Repeated failure flagged"),
    subject=_("Repeated failure flagged (order #%(order)s)"),
    body="%(reason)s",
)

# --- clocks: the SLA sweep (requests and claims alike) ---------------------------------------------

CASE_DEADLINE_REMINDER = notice_kind(
    "warranty.case_deadline_reminder",
    label=_("After-sales deadline soon (handler)"),
    subject=_("Deadline soon: %(case)s"),
    body=_("Due by %(deadline)s."),
    clock=True,
)
CASE_DEADLINE_ESCALATED = notice_kind(
    "warranty.case_deadline_escalated",
    label=_("After-sales deadline missed (supervisor)"),
    subject=_("Deadline missed: %(case)s"),
    body=_("It was due by %(deadline)s."),
    clock=True,
)
CASE_DEADLINE_BREACHED = notice_kind(
    "warranty.case_deadline_breached",
    label=_("After-sales case late (buyer)"),
    subject=_("Your %(case)s is late; we have escalated it"),
    body=_("A supervisor is following it up."),
    clock=True,
)

# --- clocks: the daily guarantee sweep -------------------------------------------------------------

WINDOW_CLOSING = notice_kind(
    "warranty.window_closing",
    label=_("Return/exchange/repair window closing"),
    subject=_("Your 30-day return/exchange/repair window closes soon"),
    body=_("It ends at 24:00 on %(date)s."),
    clock=True,
)
EXTENSION_OFFER = notice_kind(
    "warranty.extension_offer",
    label=_("Warranty ending: extension offer"),
    subject=_("Your warranty ends soon: extend it"),
    body=_("Your core-part warranty ends at 24:00 on %(date)s. You can buy an extension until then."),
    clock=True,
)
WARRANTY_ENDED = notice_kind(
    "warranty.warranty_ended",
    label=_("Core-part warranty ended"),
    subject=_("Your core-part warranty has ended"),
    body=_("It ended at 24:00 on %(date)s. Thank you for buying with Anxin Auto."),
    clock=True,
)
