"""Amendments: a change to (or the end of) a signed contract, proposed by a party as a new document that both
parties sign (``signing.document_sign``), or that its proposer withdraws. Lifecycle: ``Amendment.TRANSITIONS``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import is_platform_staff
from core.errors import DomainError, PermissionDeniedError
from core.statemachine import audit
from notifications.kinds import localized
from notifications.services import notify

from ..errors import ContractLocked
from ..models import Amendment, Contract, Order
from ..notices import AMENDMENT_PROPOSED
from .common import order_url, parties
from .drafting import render_in_languages

#: A sale can be undone by a signed cancellation agreement after signing, until the car is handed over.
CANCELLABLE_BY_AGREEMENT = (Order.Status.CONTRACT_SIGNED, Order.Status.PAID)


def _clean_payload(kind: str, payload: dict, *, contract: Contract, now: dt.datetime) -> dict:
    payload = dict(payload or {})
    if kind == Amendment.Kind.DELIVERY_DATE:
        try:
            new_date = payload["delivery_date"]
            new_date = new_date if isinstance(new_date, dt.date) else dt.date.fromisoformat(str(new_date))
        except (KeyError, ValueError) as exc:
            raise DomainError(_("Give the new delivery date."), code="payload") from exc
        if new_date < timezone.localdate(now):
            raise DomainError(_("The delivery date cannot be in the past."), code="payload")
        payload["delivery_date"] = new_date.isoformat()
        payload.setdefault("delivery_place", "")
    elif kind == Amendment.Kind.CANCELLATION:
        if contract.order.status not in CANCELLABLE_BY_AGREEMENT:
            raise DomainError(_("Only a signed order that is not yet delivered can be cancelled by agreement."), code="status")
        refund = payload.get("refund_amount", "0") or "0"
        try:
            refund = Decimal(str(refund))
        except InvalidOperation as exc:
            raise DomainError(_("Enter the refund amount as a number."), code="payload") from exc
        if refund < 0:
            raise DomainError(_("The refund cannot be negative."), code="payload")
        payload["refund_amount"] = str(refund)
    if not str(payload.get("reason", "")).strip() and kind in (
        Amendment.Kind.DELIVERY_DATE,
        Amendment.Kind.CANCELLATION,
        Amendment.Kind.OTHER,
    ):
        raise DomainError(_("Give a reason for the change."), code="payload")
    return payload


def _render(amendment: Amendment) -> None:
    amendment.content_zh, amendment.content_en = render_in_languages(
        "contracts/document/amendment_{lang}.html", {"a": amendment, "c": amendment.contract}
    )
    amendment.content_hash = amendment.compute_content_hash()


@transaction.atomic
def amendment_create(*, contract: Contract, kind: str, payload: dict, actor, now: dt.datetime | None = None) -> Amendment:
    """Propose a change to a signed contract as a new document both parties must sign.

    ``kind`` is one of ``Amendment.Kind``; other apps call this too (e.g. warranty records an
    extended-warranty purchase with ``kind="extended_warranty"``, payload with plan details).
    """
    now = now or timezone.now()
    contract = Contract.objects.select_for_update().select_related("order", "order__listing").get(pk=contract.pk)
    if not contract.signed_at:
        raise DomainError(_("Amendments are for signed contracts; change the draft instead."), code="unsigned")
    if not (contract.order.party_of(actor) or is_platform_staff(actor)):
        raise PermissionDeniedError(_("You are not a party to this order."), code="not_a_party")
    if kind not in Amendment.Kind.values:
        raise DomainError(_("Unknown kind of amendment."), code="kind")
    if contract.order.status in (Order.Status.CANCELLED, Order.Status.RETURNED):
        raise DomainError(_("This order is closed."), code="closed")
    if kind == Amendment.Kind.CANCELLATION and contract.amendments.filter(kind=kind, status=Amendment.Status.PENDING).exists():
        raise DomainError(_("A cancellation agreement is already waiting for signatures."), code="duplicate")
    payload = _clean_payload(kind, payload, contract=contract, now=now)
    sequence = (contract.amendments.aggregate(m=Max("sequence"))["m"] or 0) + 1
    amendment = Amendment(contract=contract, sequence=sequence, kind=kind, payload=payload, proposed_by=actor)
    _render(amendment)
    amendment.save()
    audit(amendment, action="proposed", actor=actor, note=amendment.content_hash)
    order = contract.order
    for recipient, side in parties(order):
        if recipient.pk != getattr(actor, "pk", None):
            notify(
                recipient,
                AMENDMENT_PROPOSED,
                f"contracts:amendment:{amendment.pk}:proposed:{side}",
                params={"number": amendment.number, "what": localized(amendment.get_kind_display)},
                url=order_url(order),
            )
    return amendment


@transaction.atomic
def amendment_withdraw(*, amendment: Amendment, actor) -> Amendment:
    """The proposer withdraws a pending amendment (pending → withdrawn); nobody else may."""
    amendment = Amendment.objects.select_for_update().get(pk=amendment.pk)
    if not amendment.can_transition_to(Amendment.Status.WITHDRAWN):
        raise ContractLocked(_("This amendment is no longer open."), code="closed")
    if amendment.proposed_by_id != actor.pk:
        raise PermissionDeniedError(_("Only the party who proposed it can withdraw it."), code="not_proposer")
    amendment.transition_to(Amendment.Status.WITHDRAWN, actor=actor, action="withdrawn")
    amendment.save(update_fields=["status", "updated_at"])
    return amendment
