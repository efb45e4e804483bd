"""What the marketplace tells people: price drops on saved cars, messages, saved-search alerts and viewings.

Texts are rendered in the reader's language (see ``notifications.kinds``); car names travel as
``localized(...)`` parameters, prices as plain grouped figures.
"""

from django.utils.translation import gettext_lazy as _

from notifications.kinds import notice_kind

PRICE_DROP = notice_kind(
    "marketplace.price_drop",
    label=_("Price drop on a saved car"),
    subject=_("Price drop: %(car)s is now ¥%(price)s"),
    body=_("A car you saved dropped from ¥%(old)s to ¥%(new)s."),
)

MESSAGE = notice_kind(
    "marketplace.message",
    label=_("New message about a car"),
    subject=_("New message about %(car)s"),
    # The message itself, as the recipient may read it (phone numbers masked until a reservation).
    body="%(text)s",
)

# --- saved searches (the sweep) --------------------------------------------------------------------

SAVED_SEARCH_MATCH = notice_kind(
    "marketplace.saved_search_match",
    label=_("New car for a saved search"),
    subject=_("New for “%(name)s”: %(car)s, ¥%(price)s"),
    body=_(
        "%(car)s was just listed at ¥%(price)s and matches your saved search “%(name)s”.\n\nStop these alerts: %(unsubscribe)s"
    ),
    clock=True,
)

SAVED_SEARCH_DIGEST = notice_kind(
    "marketplace.saved_search_digest",
    label=_("Daily digest of a saved search"),
    subject=_("New cars for “%(name)s”: %(count)s"),
    body=_("New matches for your saved search “%(name)s”: %(cars)s.\n\nStop these alerts: %(unsubscribe)s"),
    clock=True,
)

# --- viewings and test drives ---------------------------------------------------------------------

APPOINTMENT_BOOKED = notice_kind(
    "marketplace.appointment_booked",
    label=_("Viewing booked"),
    subject=_("%(kind)s booked: %(car)s, %(when)s"),
    body=_("%(buyer)s booked a slot for %(car)s on %(when)s (%(kind)s)."),
)

APPOINTMENT_RESCHEDULED = notice_kind(
    "marketplace.appointment_rescheduled",
    label=_("Viewing moved"),
    subject=_("%(kind)s moved: %(car)s, now %(when)s"),
    body=_("%(who)s moved the %(car)s appointment from %(old)s to %(when)s."),
)

APPOINTMENT_CANCELLED = notice_kind(
    "marketplace.appointment_cancelled",
    label=_("Viewing cancelled"),
    subject=_("%(kind)s cancelled: %(car)s, %(when)s"),
    body=_("%(who)s cancelled the %(car)s appointment on %(when)s. %(reason)s"),
)

APPOINTMENT_CAR_GONE = notice_kind(
    "marketplace.appointment_car_gone",
    label=_("Viewing cancelled: the car is no longer available"),
    subject=_("%(kind)s cancelled: %(car)s is %(status)s"),
    body=_("The car you booked to see on %(when)s, %(car)s, is %(status)s, so the appointment is cancelled."),
)

APPOINTMENT_REMINDER = notice_kind(
    "marketplace.appointment_reminder",
    label=_("Viewing reminder"),
    subject=_("Reminder: %(kind)s of %(car)s at %(when)s"),
    body=_("%(kind)s of %(car)s at %(when)s, at %(place)s."),
    clock=True,
)
