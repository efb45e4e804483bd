"""What the marketplace tells people: price drops on saved cars and new messages in a conversation.

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
