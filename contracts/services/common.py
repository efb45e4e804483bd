"""Small helpers shared by the contracts services."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from core.statemachine import audit  # noqa: F401  (re-exported for the service modules)
from marketplace.models import Listing
from marketplace.services import listing_lock
from notifications.services import notify

from ..errors import NotAParty
from ..models import Order, Signature


def tell(recipient, kind: str, dedupe_key: str, *, subject, body="", url: str = "", **params) -> None:
    """Notify ``recipient`` in their own language; ``subject``/``body`` are lazy strings with %(name)s params."""
    with translation.override(getattr(recipient, "language", None) or translation.get_language()):
        rendered_subject = str(subject) % params if params else str(subject)
        rendered_body = (str(body) % params if params else str(body)) if body else ""
    notify(recipient, kind, dedupe_key, subject=rendered_subject, body=rendered_body, url=url)


def order_url(order: Order) -> str:
    return reverse("contracts:order_detail", args=[order.pk])


def party_of(order: Order, actor) -> str:
    """The actor's side of the order; raises ``NotAParty`` for anybody else."""
    party = order.party_of(actor)
    if not party:
        raise NotAParty(translation.gettext("You are not a party to this order."), code="not_a_party")
    return party


def require_party(order: Order, actor, party: str) -> None:
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
