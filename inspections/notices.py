"""What the inspections app tells people: inspectors of a new request, dealers of a published report.

Rendered in the reader's language (see ``notifications.kinds``): car names travel as ``localized(...)``.
"""

from django.utils.translation import gettext_lazy as _

from notifications.kinds import notice_kind

REQUESTED = notice_kind(
    "inspections.requested",
    label=_("New inspection request"),
    subject=_("New inspection request: %(car)s"),
    body=_("%(dealer)s asks for an inspection of %(car)s in %(city)s."),
)

REPORT_PUBLISHED = notice_kind(
    "inspections.report_published",
    label=_("Inspection report published"),
    subject=_("Inspection report published: %(car)s (grade %(grade)s)"),
    body=_("Version %(v)s of the inspection report is now shown on your listing."),
)
