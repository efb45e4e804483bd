"""One way to sign a document — the contract or one of its amendments (电子签名法 Art. 13).

``document_sign`` does what every signature needs: lock the car's listing, then the order (the order every
contracts flow locks in), then the document; check that the signer is a party and the document is open to
them; re-authenticate (password, typed full name, consent) against the exact text hash; record the
``Signature`` and audit it. The document's own rules decide the rest:

* **contract** — the buyer signs first, the dealer countersigns, while the reservation runs. The
  countersignature moves the order to ``contract_signed`` and seals the contract (``signed_at``); its PDFs
  are rendered after that commits (``pdfs``).
* **amendment** — either party first, while it is ``pending``. The second signature makes it ``effective``
  (a cancellation agreement cancels the order and puts the car back on sale) and sends ``amendment_effective``.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from core.outbox import outbox_enqueue
from core.statemachine import audit
from notifications.kinds import localized
from notifications.services import notify

from ..errors import ContractLocked, SigningRefused
from ..models import Amendment, Contract, Order, Signature
from ..notices import AMENDMENT_EFFECTIVE, AMENDMENT_SIGNED, BUYER_SIGNED, CONTRACT_SIGNED
from ..signals import amendment_effective
from .amendments import CANCELLABLE_BY_AGREEMENT
from .common import lock_order, order_url, other_party, parties, party_of
from .orders import _cancel

BOTH_PARTIES = frozenset(Signature.Party.values)
RENDER_PDFS_TASK = "contracts.tasks.contract_render_pdfs_task"


@transaction.atomic
def document_sign(
    *,
    document: Contract | Amendment,
    signer,
    password: str,
    typed_name: str,
    consent: bool,
    content_hash: str,
    ip_address: str | None = None,
    user_agent: str = "",
    now: dt.datetime | None = None,
) -> Signature:
    """Record ``signer``'s signature of ``document`` on the exact text identified by ``content_hash``.

    Refused for anybody but the buyer and the dealer, for a document closed to signatures, out of turn,
    twice by the same party, without the password / full name / consent, on a text that changed since the
    signer opened it, or on a text that no longer matches its recorded hash. The second signature completes
    the document (see the module docstring).
    """
    rules = RULES[type(document)]
    now = now or timezone.now()
    order, _listing = lock_order(rules.order_of(document))
    document = rules.model.objects.select_for_update().select_related(*rules.related).get(pk=document.pk)
    party = party_of(order, signer)
    rules.refuse_closed(document, order=order, now=now)
    signed = set(document.signatures.values_list("party", flat=True))
    if party in signed:
        raise SigningRefused(str(rules.already_signed), code="already_signed")
    rules.refuse_out_of_turn(party=party, signed=signed)
    typed_name = _check_signer(
        signer=signer, password=password, typed_name=typed_name, consent=consent, content_hash=content_hash,
        expected_hash=document.content_hash,
    )  # fmt: skip
    if document.compute_content_hash() != document.content_hash:
        raise SigningRefused(str(rules.tampered), code="tampered")
    signature = Signature.objects.create(
        **{rules.field: document},
        party=party,
        signer=signer,
        typed_name=typed_name,
        consent=True,
        content_hash=document.content_hash,
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:300],
        signed_at=now,
    )
    audit(document, action=f"signed_by_{party}", actor=signer, note=document.content_hash)
    if signed | {party} == BOTH_PARTIES:
        rules.both_signed(document, order=order, actor=signer, now=now)
    else:
        rules.first_signed(document, order=order, party=party)
    return signature


def document_signable_by(*, document: Contract | Amendment, user, now: dt.datetime | None = None) -> bool:
    """Whether ``user`` may sign ``document`` now — the same rules ``document_sign`` enforces, asked without
    locks (pages use it to offer the form; uses prefetched signatures)."""
    rules = RULES[type(document)]
    order = rules.order_of(document)
    party = order.party_of(user)
    signed = {signature.party for signature in document.signatures.all()}
    if not party or party in signed:
        return False
    try:
        rules.refuse_closed(document, order=order, now=now or timezone.now())
        rules.refuse_out_of_turn(party=party, signed=signed)
    except DomainError:
        return False
    return True


def _normalise_name(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name or "").split()).casefold()


def _check_signer(*, signer, password: str, typed_name: str, consent: bool, content_hash: str, expected_hash: str) -> str:
    """Art. 13: consent, re-authentication, the signer's own full name, the text they read; returns the typed name."""
    if not consent:
        raise SigningRefused(_("Tick the box to confirm you have read the full text and agree to sign it."), code="consent")
    if not password or not signer.check_password(password):
        raise SigningRefused(_("The password is not correct. Your signature was not recorded."), code="password")
    typed_name = " ".join((typed_name or "").split())
    expected_name = signer.full_name or signer.get_full_name()
    if not expected_name:
        raise SigningRefused(_("Add your full legal name to your profile before signing."), code="no_name")
    if _normalise_name(typed_name) != _normalise_name(expected_name):
        raise SigningRefused(
            _("Type your full name exactly as it appears in your profile (%(name)s).") % {"name": expected_name}, code="name"
        )
    if content_hash != expected_hash:
        raise SigningRefused(
            _("The text changed since you opened it. Please review the current version and sign again."), code="stale"
        )
    return typed_name


# --- what differs per document ---------------------------------------------------------------


class ContractRules:
    """The buyer signs first, the dealer countersigns before the reservation lapses; then the contract is sealed."""

    model = Contract
    field = "contract"
    related: tuple[str, ...] = ()
    already_signed = gettext_lazy("You have already signed this contract.")
    tampered = gettext_lazy("The contract text does not match its recorded hash. Please contact support.")

    def order_of(self, contract: Contract) -> Order:
        return contract.order

    def refuse_closed(self, contract: Contract, *, order: Order, now: dt.datetime) -> None:
        if contract.signed_at:
            raise ContractLocked(_("This contract is already signed by both parties."), code="signed")
        if order.status != Order.Status.RESERVED:
            raise SigningRefused(
                _("This order can no longer be signed (it is %(status)s).") % {"status": order.get_status_display()},
                code="status",
            )
        if order.expires_at and order.expires_at <= now:
            raise SigningRefused(_("The reservation has expired; the contract can no longer be signed."), code="expired")

    def refuse_out_of_turn(self, *, party: str, signed: set[str]) -> None:
        if party == Signature.Party.DEALER and Signature.Party.BUYER not in signed:
            raise SigningRefused(_("The buyer signs first; you can countersign once the buyer has signed."), code="order")

    def first_signed(self, contract: Contract, *, order: Order, party: str) -> None:
        notify(
            order.listing.dealer,
            BUYER_SIGNED,
            f"contracts:contract:{contract.pk}:signed:{party}",
            params={"number": contract.number},
            url=order_url(order),
        )

    def both_signed(self, contract: Contract, *, order: Order, actor, now: dt.datetime) -> None:
        """Seal: the order is ``contract_signed`` and the contract read-only from now on. Its PDFs (one per
        language) are rendered by the worker once this commits (``services.pdfs``) — never here, while the
        listing and order rows are locked."""
        order.transition_to(Order.Status.CONTRACT_SIGNED, actor=actor)
        order.save(update_fields=["status", "updated_at"])
        contract.signed_at = now
        contract.save(update_fields=["signed_at", "updated_at"])
        audit(contract, action="sealed", actor=actor, note=contract.content_hash)
        outbox_enqueue(RENDER_PDFS_TASK, contract.pk)
        for recipient, side in parties(order):
            notify(
                recipient,
                CONTRACT_SIGNED,
                f"contracts:contract:{contract.pk}:sealed:{side}",
                params={"number": contract.number},
                url=order_url(order),
            )


class AmendmentRules:
    """Either party signs first while the amendment is pending; the second signature makes it effective."""

    model = Amendment
    field = "amendment"
    related: tuple[str, ...] = ("contract",)
    already_signed = gettext_lazy("You have already signed this amendment.")
    tampered = gettext_lazy("The amendment text does not match its recorded hash. Please contact support.")

    def order_of(self, amendment: Amendment) -> Order:
        return amendment.contract.order

    def refuse_closed(self, amendment: Amendment, *, order: Order, now: dt.datetime) -> None:
        if not amendment.can_transition_to(Amendment.Status.EFFECTIVE):
            raise ContractLocked(_("This amendment is no longer open for signatures."), code="closed")

    def refuse_out_of_turn(self, *, party: str, signed: set[str]) -> None:
        return None  # either party may sign first

    def _params(self, amendment: Amendment) -> dict:
        return {"number": amendment.number, "what": localized(amendment.get_kind_display)}

    def first_signed(self, amendment: Amendment, *, order: Order, party: str) -> None:
        notify(
            other_party(order, party),
            AMENDMENT_SIGNED,
            f"contracts:amendment:{amendment.pk}:signed:{party}",
            params=self._params(amendment),
            url=order_url(order),
        )

    def both_signed(self, amendment: Amendment, *, order: Order, actor, now: dt.datetime) -> None:
        """pending → effective; a cancellation agreement first cancels the order (the car goes back on sale)."""
        if amendment.kind == Amendment.Kind.CANCELLATION:
            if order.status not in CANCELLABLE_BY_AGREEMENT:
                raise DomainError(_("This order can no longer be cancelled by agreement."), code="status")
            _cancel(order, kind=Order.CancelKind.MUTUAL, reason=amendment.payload.get("reason", ""), actor=actor, now=now)
        amendment.transition_to(Amendment.Status.EFFECTIVE, actor=actor, action="effective")
        amendment.effective_at = now
        amendment.save(update_fields=["status", "effective_at", "updated_at"])
        amendment_effective.send(sender=Amendment, amendment=amendment)
        for recipient, side in parties(order):
            notify(
                recipient,
                AMENDMENT_EFFECTIVE,
                f"contracts:amendment:{amendment.pk}:effective:{side}",
                params=self._params(amendment),
                url=order_url(order),
            )


RULES = {Contract: ContractRules(), Amendment: AmendmentRules()}
