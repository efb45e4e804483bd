"""Small pieces every contracts service uses: the locks, the party checks and notification parameters."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from core.statemachine import audit  # noqa: F401  (re-exported for the service modules)
from marketplace.models import Listing
from marketplace.services import listing_lock
from notifications.kinds import localized

from ..errors import NotAParty
from ..models import Order, Signature


def order_url(order: Order) -> str:
    return reverse("contracts:order_detail", args=[order.pk])


def car_of(order: Order) -> dict:
    """The order's car, named in every language (a notification parameter)."""
    vehicle = order.listing.vehicle
    return localized(lambda: str(vehicle))


def parties(order: Order) -> tuple[tuple[object, str], ...]:
    """(user, side) for the buyer and the dealer of ``order``."""
    return ((order.buyer, Signature.Party.BUYER), (order.listing.dealer, Signature.Party.DEALER))


def other_party(order: Order, party: str):
    """The user on the other side of ``order`` from ``party``."""
    return order.listing.dealer if party == Signature.Party.BUYER else order.buyer


def party_of(order: Order, actor) -> str:
    """The actor's side of the order; raises ``NotAParty`` for anybody else."""
    party = order.party_of(actor)
    if not party:
        raise NotAParty(translation.gettext("You are not a party to this order."), code="not_a_party")
    return party


def require_party(order: Order, actor, party: str) -> None:
    """Refuse anybody but the buyer (or the dealer) of ``order``."""
    if order.party_of(actor) != party:
        if party == Signature.Party.BUYER:
            message = translation.gettext("Only the buyer can do this.")
        else:
            message = translation.gettext("Only the dealer selling this car can do this.")
        raise NotAParty(message, code="wrong_party")


def lock_order(order: Order) -> tuple[Order, Listing]:
    """Lock the listing row, then the order row (always in this order, to avoid deadlocks)."""
    listing = listing_lock(order.listing_id)
    locked = Order.objects.select_for_update().get(pk=order.pk)
    locked.listing = listing
    return locked, listing
