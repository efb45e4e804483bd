"""What the contracts app tells buyers and dealers (rendered in the reader's language, see ``notifications.kinds``).

Parameters: ``car`` is ``localized(lambda: str(vehicle))``, ``what`` an amendment's ``localized(get_kind_display)``;
numbers, contract numbers, people's names and references are plain values.
"""

from django.utils.translation import gettext_lazy as _

from notifications.kinds import notice_kind

# --- reservation ---------------------------------------------------------------------------------

ORDER_RESERVED = notice_kind(
    "contracts.order_reserved",
    label=_("Car reserved"),
    subject=_("New reservation: %(car)s"),
    body=_(
        "%(buyer)s reserved %(car)s. Check the contract terms; the buyer signs first, then you countersign within %(hours)d hours."
    ),
)
ORDER_CANCELLED = notice_kind(
    "contracts.order_cancelled",
    label=_("Reservation cancelled by the buyer"),
    subject=_("Reservation cancelled: %(car)s"),
    body=_("The buyer cancelled the reservation. The car is on sale again."),
)
ORDER_DECLINED = notice_kind(
    "contracts.order_declined",
    label=_("Reservation declined by the dealer"),
    subject=_("The dealer declined your reservation of %(car)s"),
    body=_("Reason given: %(reason)s"),
)
#: Sent to both parties by the expiry sweep (a clock), with one dedupe key per side.
RESERVATION_EXPIRED = notice_kind(
    "contracts.reservation_expired",
    label=_("Reservation expired"),
    subject=_("Reservation expired: %(car)s"),
    body=_("The contract was not signed by both parties within %(hours)d hours, so the car is on sale again."),
    clock=True,
)

# --- the contract --------------------------------------------------------------------------------

TERMS_UPDATED = notice_kind(
    "contracts.terms_updated",
    label=_("Contract terms set"),
    subject=_("Contract %(number)s is ready for you to sign"),
    body=_("The dealer has set the terms. Please review the full text and sign."),
)
BUYER_SIGNED = notice_kind(
    "contracts.buyer_signed",
    label=_("Buyer signed the contract"),
    subject=_("The buyer signed contract %(number)s — your countersignature is needed"),
    body=_("Countersign before the reservation expires."),
)
CONTRACT_SIGNED = notice_kind(
    "contracts.contract_signed",
    label=_("Contract signed by both parties"),
    subject=_("Contract %(number)s is signed by both parties"),
    body=_("The signed PDF is ready to download. Next step: payment."),
)

# --- amendments ----------------------------------------------------------------------------------

AMENDMENT_PROPOSED = notice_kind(
    "contracts.amendment_proposed",
    label=_("Amendment proposed"),
    subject=_("Please review and sign %(number)s"),
    body=_("A change to your contract was proposed: %(what)s."),
)
AMENDMENT_SIGNED = notice_kind(
    "contracts.amendment_signed",
    label=_("Amendment signed by the other party"),
    subject=_("%(number)s awaits your signature"),
    body=_("The other party has signed: %(what)s."),
)
AMENDMENT_EFFECTIVE = notice_kind(
    "contracts.amendment_effective",
    label=_("Amendment in effect"),
    subject=_("%(number)s is signed by both parties"),
    body=_("%(what)s is now in effect."),
)

# --- payment and handover ------------------------------------------------------------------------

PAYMENT_RECORDED = notice_kind(
    "contracts.payment_recorded",
    label=_("Payment recorded"),
    subject=_("Payment of ¥%(amount)s received"),
    body=_("The dealer recorded your payment (reference %(reference)s)."),
)
DELIVERY_RECORDED = notice_kind(
    "contracts.delivery_recorded",
    label=_("Handover recorded"),
    subject=_("Please confirm the handover of %(car)s"),
    body=_("The dealer recorded the handover at %(km)s km. Confirm it to start your guarantees."),
)
DELIVERED = notice_kind(
    "contracts.delivered",
    label=_("Handover confirmed"),
    subject=_("Handover confirmed: %(car)s"),
    body=_("The buyer confirmed the handover. The order is complete."),
)
