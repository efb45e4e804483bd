"""What the survey clock sends: one invitation kind per kind of survey, and the one reminder.

All are clock kinds (``clock=True``): the hourly sweep sends them, and the staff clocks page lists them.
Texts are rendered in the reader's language (see ``notifications.kinds``).
"""

from django.utils.translation import gettext_lazy as _

from notifications.kinds import notice_kind

from .models import Survey

INVITATIONS = {
    kind: notice_kind(f"surveys.invitation_{kind.value}", label=label, subject=subject, body=body, clock=True)
    for kind, label, subject, body in (
        (
            Survey.Kind.DELIVERY,
            _("Survey invitation: after delivery"),
            _("How was buying your car with Anxin Auto?"),
            _("A week has passed since you took delivery. Two minutes, no login needed: tell us how it went."),
        ),
        (
            Survey.Kind.RETURN_VISIT_30,
            _("Return visit: after 30 days"),
            _("Return visit: one month with your car"),
            _("How is the car doing after a month? Anything the dealer or we should know?"),
        ),
        (
            Survey.Kind.RETURN_VISIT_180,
            _("Return visit: after 180 days"),
            _("Return visit: half a year with your car"),
            _("Six months on — how satisfied are you with the car and the after-sales service?"),
        ),
        (
            Survey.Kind.COMPLAINT_CLOSED,
            _("Survey invitation: complaint closed"),
            _("How did we handle your complaint?"),
            _("Your complaint has been closed. Please tell us how satisfied you are with how it was handled."),
        ),
        (
            Survey.Kind.WARRANTY_REPAIR,
            _("Survey invitation: warranty repair"),
            _("How was your warranty repair?"),
            _("The repair of your car is complete. Please tell us how satisfied you are with it."),
        ),
    )
}

#: ``subject``: the invitation's subject (``localized``), ``date``: the last day the link works (``day``).
REMINDER = notice_kind(
    "surveys.reminder",
    label=_("Survey reminder"),
    subject=_("Reminder: %(subject)s"),
    body=_("We would still love to hear from you. The link works until %(date)s."),
    clock=True,
)
