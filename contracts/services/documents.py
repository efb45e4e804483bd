"""The contract and its amendments: drafting the snapshot, e-signing, the PDF, amendments."""

from __future__ import annotations

import datetime as dt
import secrets
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.masking import mask_id_number, mask_phone
from core.errors import DomainError, PermissionDeniedError
from core.statemachine import audit
from marketplace.models import Listing

from ..errors import ContractLocked, SigningRefused
from ..models import Amendment, Contract, ContractCounter, Order, Signature, sha256_hex
from ..signals import amendment_effective
from ..terms import after_sales_terms_for
from .common import lock_order, order_url, party_of, require_party, tell
from .orders import _cancel

LANGUAGES = ("zh-hans", "en")
DEFAULT_DELIVERY_DAYS = 7


# --- numbering -------------------------------------------------------------------------------


def contract_next_number(*, year: int) -> str:
    """``AX-<year>-<6 digits>``, sequential per year. The UPDATE takes a row lock, so concurrent
    transactions queue up and never draw the same number (the unique index on ``number`` backs it)."""
    for _attempt in range(3):
        if ContractCounter.objects.filter(year=year).update(last=F("last") + 1):
            last = ContractCounter.objects.values_list("last", flat=True).get(year=year)
            return f"AX-{year}-{last:06d}"
        try:
            with transaction.atomic():
                ContractCounter.objects.create(year=year, last=0)
        except IntegrityError:
            pass  # another transaction created this year's row first; update it on the next pass
    raise RuntimeError("could not allocate a contract number")


# --- snapshot and rendering -------------------------------------------------------------------


def _labels(instance, field: str) -> dict:
    out = {"code": getattr(instance, field)}
    for lang in LANGUAGES:
        with translation.override(lang):
            out[lang[:2]] = str(getattr(instance, f"get_{field}_display")())
    return out


def _vehicle_snapshot(listing: Listing) -> dict:
    vehicle = listing.vehicle
    return {
        "vin": vehicle.vin,
        "make": vehicle.make,
        "model": vehicle.model,
        "trim": vehicle.trim,
        "year": vehicle.year,
        "first_registration": vehicle.first_registration.isoformat() if vehicle.first_registration else "",
        "mileage_km": vehicle.mileage_km,
        "fuel": _labels(vehicle, "fuel"),
        "transmission": _labels(vehicle, "transmission"),
        "body_type": _labels(vehicle, "body_type"),
        "emission_standard": _labels(vehicle, "emission_standard"),
        "colour": vehicle.colour,
        "engine_displacement_l": str(vehicle.engine_displacement_l) if vehicle.engine_displacement_l is not None else "",
        "battery_kwh": str(vehicle.battery_kwh) if vehicle.battery_kwh is not None else "",
        "seats": vehicle.seats,
        "previous_owners": vehicle.previous_owners,
        "city": vehicle.city,
        "is_accident": listing.is_accident,
        "is_flood": listing.is_flood,
        "is_fire": listing.is_fire,
        "inspection_grade": listing.inspection_grade,
        "listing_id": listing.pk,
    }


def _seller_snapshot(dealer) -> dict:
    profile = getattr(dealer, "dealer_profile", None)
    return {
        "business_name": profile.business_name if profile else dealer.display_name,
        "licence_number": profile.licence_number if profile else "",
        "address": profile.address if profile else "",
        "phone": profile.phone if profile else "",
        "city": profile.city if profile else "",
        "representative": dealer.full_name or dealer.get_full_name() or dealer.username,
    }


def _buyer_snapshot(buyer) -> dict:
    # Personal data is masked in the contract text (DESIGN.md privacy rule); the platform keeps the account link.
    return {
        "name": buyer.full_name or buyer.get_full_name() or buyer.username,
        "id_number": mask_id_number(buyer.id_number) if buyer.id_number else "",
        "phone": mask_phone(buyer.phone) if buyer.phone else "",
        "user_id": buyer.pk,
    }


def inspection_report_of(listing: Listing) -> tuple[int | None, str]:
    """(version, SHA-256) of the listing's latest published inspection report, or (None, "")."""
    vehicle = listing.vehicle
    reports = getattr(vehicle, "inspection_reports", None)
    if reports is None:
        return None, ""
    try:
        report = reports.filter(status="published").order_by("-version").first()
    except Exception:  # noqa: BLE001  (the inspections app may not define these fields yet)
        return None, ""
    if report is None:
        return None, ""
    return getattr(report, "version", None), getattr(report, "content_hash", "") or ""


def _render_texts(contract: Contract) -> tuple[str, str]:
    texts = []
    for lang in LANGUAGES:
        with translation.override(lang):
            texts.append(render_to_string(f"contracts/document/contract_{lang}.html", {"c": contract}).strip())
    return texts[0], texts[1]


def _refresh_content(contract: Contract) -> None:
    contract.content_zh, contract.content_en = _render_texts(contract)
    contract.content_hash = contract.compute_content_hash()


def _full_payment_schedule(amount: Decimal, due: dt.date) -> list[dict]:
    return [{"label": "full", "amount": str(amount), "due": due.isoformat()}]


@transaction.atomic
def contract_draft(*, order: Order, now: dt.datetime | None = None) -> Contract:
    """Freeze the snapshot for ``order`` and render both language versions (called on reservation).

    Later edits of the listing or vehicle never reach the contract: everything it shows is copied here.
    """
    now = now or timezone.now()
    existing = Contract.objects.filter(order=order).first()
    if existing:
        return existing
    listing = order.listing
    delivery_date = timezone.localdate(now) + dt.timedelta(days=DEFAULT_DELIVERY_DAYS)
    version, report_hash = inspection_report_of(listing)
    contract = Contract(
        order=order,
        number=contract_next_number(year=timezone.localdate(now).year),
        seller=_seller_snapshot(listing.dealer),
        buyer=_buyer_snapshot(order.buyer),
        vehicle=_vehicle_snapshot(listing),
        listing_price=listing.price,
        agreed_price=order.agreed_price,
        payment_method=Contract.PaymentMethod.FULL,
        payment_schedule=_full_payment_schedule(order.agreed_price, delivery_date),
        delivery_date=delivery_date,
        delivery_place=_seller_snapshot(listing.dealer)["address"] or listing.vehicle.city,
        inspection_report_version=version,
        inspection_report_hash=report_hash,
        terms=after_sales_terms_for(order=order),
        dispute_resolution=Contract.Dispute.COURT,
    )
    _refresh_content(contract)
    contract.full_clean(exclude=["pdf", "content_zh", "content_en"])
    contract.save()
    audit(contract, action="drafted", note=contract.content_hash)
    return contract


def _clean_schedule(schedule, *, agreed_price: Decimal, method: str, delivery_date: dt.date) -> list[dict]:
    if method == Contract.PaymentMethod.FULL or not schedule:
        return _full_payment_schedule(agreed_price, delivery_date)
    cleaned, total = [], Decimal(0)
    for row in schedule:
        try:
            amount = Decimal(str(row["amount"]))
            due = row["due"] if isinstance(row["due"], dt.date) else dt.date.fromisoformat(str(row["due"]))
        except (KeyError, InvalidOperation, ValueError) as exc:
            raise DomainError(_("Each payment needs an amount and a due date."), code="bad_schedule") from exc
        if amount <= 0:
            raise DomainError(_("Payment amounts must be positive."), code="bad_schedule")
        total += amount
        cleaned.append({"label": str(row.get("label") or "instalment")[:60], "amount": str(amount), "due": due.isoformat()})
    if total != agreed_price:
        raise DomainError(
            _("The payments add up to %(total)s but the agreed price is %(price)s.") % {"total": total, "price": agreed_price},
            code="schedule_total",
        )
    return sorted(cleaned, key=lambda r: r["due"])


@transaction.atomic
def contract_update_terms(
    *,
    contract: Contract,
    actor,
    agreed_price: Decimal,
    payment_method: str,
    delivery_date: dt.date,
    delivery_place: str,
    lender_name: str = "",
    payment_schedule: list | None = None,
    dispute_resolution: str = Contract.Dispute.COURT,
    arbitration_body: str = "",
    now: dt.datetime | None = None,
) -> Contract:
    """The dealer sets the commercial terms of a draft. Refused as soon as anyone has signed."""
    now = now or timezone.now()
    order, _listing = lock_order(contract.order)
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    require_party(order, actor, Signature.Party.DEALER)
    if contract.signed_at or contract.signatures.exists() or order.status != Order.Status.RESERVED:
        raise ContractLocked(_("Signing has begun: the contract text can no longer change."), code="locked")
    if agreed_price is None or agreed_price <= 0:
        raise DomainError(_("The agreed price must be positive."), code="price")
    if agreed_price > contract.listing_price:
        raise DomainError(_("The agreed price cannot be higher than the listed price."), code="price")
    if delivery_date < timezone.localdate(now):
        raise DomainError(_("The delivery date cannot be in the past."), code="delivery_date")
    if payment_method == Contract.PaymentMethod.LOAN and not lender_name.strip():
        raise DomainError(_("Name the lender for a loan."), code="lender")
    if dispute_resolution == Contract.Dispute.ARBITRATION and not arbitration_body.strip():
        raise DomainError(_("Name the arbitration commission."), code="arbitration")
    contract.agreed_price = agreed_price
    contract.payment_method = payment_method
    contract.lender_name = lender_name.strip() if payment_method == Contract.PaymentMethod.LOAN else ""
    contract.payment_schedule = _clean_schedule(
        payment_schedule, agreed_price=agreed_price, method=payment_method, delivery_date=delivery_date
    )
    contract.delivery_date = delivery_date
    contract.delivery_place = delivery_place.strip()
    contract.dispute_resolution = dispute_resolution
    contract.arbitration_body = arbitration_body.strip() if dispute_resolution == Contract.Dispute.ARBITRATION else ""
    _refresh_content(contract)
    contract.full_clean(exclude=["pdf", "content_zh", "content_en"])
    contract.save(
        update_fields=[
            "agreed_price", "payment_method", "lender_name", "payment_schedule", "delivery_date", "delivery_place",
            "dispute_resolution", "arbitration_body", "content_zh", "content_en", "content_hash", "updated_at",
        ]
    )  # fmt: skip
    order.agreed_price = agreed_price
    order.save(update_fields=["agreed_price", "updated_at"])
    audit(contract, action="terms_updated", actor=actor, note=contract.content_hash)
    tell(
        order.buyer,
        "contracts.terms_updated",
        f"contracts:contract:{contract.pk}:terms:{contract.content_hash[:16]}",
        subject=gettext_lazy("Contract %(number)s is ready for you to sign"),
        body=gettext_lazy("The dealer has set the terms. Please review the full text and sign."),
        url=order_url(order),
        number=contract.number,
    )
    return contract


# --- signing ---------------------------------------------------------------------------------


def _normalise_name(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name or "").split()).casefold()


def _check_signer(*, signer, password: str, typed_name: str, consent: bool, content_hash: str, expected_hash: str) -> str:
    """Art. 13 checks shared by contracts and amendments; returns the typed name as entered."""
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


@transaction.atomic
def contract_sign(
    *,
    contract: Contract,
    signer,
    password: str,
    typed_name: str,
    consent: bool,
    content_hash: str,
    ip_address: str | None = None,
    user_agent: str = "",
    now: dt.datetime | None = None,
) -> Signature:
    """Record one party's signature (buyer first, then dealer) on the exact text identified by ``content_hash``.

    When the dealer countersigns, the order becomes ``contract_signed``, the PDF is rendered once and
    stored with its SHA-256, and the contract is sealed (``signed_at``).
    """
    now = now or timezone.now()
    order, _listing = lock_order(contract.order)
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    party = party_of(order, signer)
    if contract.signed_at:
        raise ContractLocked(_("This contract is already signed by both parties."), code="signed")
    if order.status != Order.Status.RESERVED:
        raise SigningRefused(
            _("This order can no longer be signed (it is %(status)s).") % {"status": order.get_status_display()}, code="status"
        )
    if order.expires_at and order.expires_at <= now:
        raise SigningRefused(_("The reservation has expired; the contract can no longer be signed."), code="expired")
    signed = {s.party: s for s in contract.signatures.all()}
    if party in signed:
        raise SigningRefused(_("You have already signed this contract."), code="already_signed")
    if party == Signature.Party.DEALER and Signature.Party.BUYER not in signed:
        raise SigningRefused(_("The buyer signs first; you can countersign once the buyer has signed."), code="order")
    typed_name = _check_signer(
        signer=signer,
        password=password,
        typed_name=typed_name,
        consent=consent,
        content_hash=content_hash,
        expected_hash=contract.content_hash,
    )
    if contract.compute_content_hash() != contract.content_hash:
        raise SigningRefused(_("The contract text does not match its recorded hash. Please contact support."), code="tampered")
    signature = Signature.objects.create(
        contract=contract,
        party=party,
        signer=signer,
        typed_name=typed_name,
        consent=True,
        content_hash=contract.content_hash,
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:300],
        signed_at=now,
    )
    audit(contract, action=f"signed_by_{party}", actor=signer, note=contract.content_hash)
    if party == Signature.Party.BUYER:
        tell(
            order.listing.dealer,
            "contracts.buyer_signed",
            f"contracts:contract:{contract.pk}:signed:buyer",
            subject=gettext_lazy("The buyer signed contract %(number)s — your countersignature is needed"),
            body=gettext_lazy("Countersign before the reservation expires."),
            url=order_url(order),
            number=contract.number,
        )
    else:
        _seal(contract, order=order, actor=signer, now=now)
    return signature


def _seal(contract: Contract, *, order: Order, actor, now: dt.datetime) -> None:
    from core.pdf import render_pdf

    order.transition_to(Order.Status.CONTRACT_SIGNED, actor=actor)
    order.save(update_fields=["status", "updated_at"])
    contract.signed_at = now
    signatures = list(contract.signatures.select_related("signer").order_by("signed_at"))
    html = render_to_string(
        "contracts/pdf/contract.html",
        {
            "c": contract,
            "signatures": signatures,
            "buyer_sig": _pick(signatures, "buyer"),
            "dealer_sig": _pick(signatures, "dealer"),
        },
    )
    pdf_bytes = render_pdf(html)
    contract.pdf.save(f"{contract.number}-{secrets.token_hex(8)}.pdf", ContentFile(pdf_bytes), save=False)
    contract.pdf_sha256 = sha256_hex(pdf_bytes)
    contract.save(update_fields=["signed_at", "pdf", "pdf_sha256", "updated_at"])
    audit(contract, action="sealed", actor=actor, note=contract.pdf_sha256)
    for recipient, side in ((order.buyer, "buyer"), (order.listing.dealer, "dealer")):
        tell(
            recipient,
            "contracts.contract_signed",
            f"contracts:contract:{contract.pk}:sealed:{side}",
            subject=gettext_lazy("Contract %(number)s is signed by both parties"),
            body=gettext_lazy("The signed PDF is ready to download. Next step: payment."),
            url=order_url(order),
            number=contract.number,
        )


def _pick(signatures, party):
    return next((s for s in signatures if s.party == party), None)


def contract_assert_mutable(contract: Contract) -> None:
    """Raise ``ContractLocked`` if ``contract`` is sealed (used by any code path that might edit it)."""
    if contract.signed_at:
        raise ContractLocked(_("A signed contract cannot be changed; make an amendment instead."), code="signed")


# --- amendments ------------------------------------------------------------------------------


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
        if contract.order.status not in (Order.Status.CONTRACT_SIGNED, Order.Status.PAID):
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


def _render_amendment(amendment: Amendment) -> None:
    texts = []
    for lang in LANGUAGES:
        with translation.override(lang):
            texts.append(
                render_to_string(f"contracts/document/amendment_{lang}.html", {"a": amendment, "c": amendment.contract}).strip()
            )
    amendment.content_zh, amendment.content_en = texts
    amendment.content_hash = sha256_hex(
        f"{amendment.contract.number}-A{amendment.sequence}\n{amendment.content_zh}\n{amendment.content_en}"
    )


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
    if not (contract.order.party_of(actor) or getattr(actor, "is_staff", False)):
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
    _render_amendment(amendment)
    amendment.save()
    audit(amendment, action="proposed", actor=actor, note=amendment.content_hash)
    order = contract.order
    for recipient, side in ((order.buyer, "buyer"), (order.listing.dealer, "dealer")):
        if recipient.pk == getattr(actor, "pk", None):
            continue
        tell(
            recipient,
            "contracts.amendment_proposed",
            f"contracts:amendment:{amendment.pk}:proposed:{side}",
            subject=gettext_lazy("Please review and sign %(number)s"),
            body=gettext_lazy("A change to your contract was proposed: %(what)s."),
            url=order_url(order),
            number=amendment.number,
            what=amendment.get_kind_display(),
        )
    return amendment


@transaction.atomic
def amendment_sign(
    *,
    amendment: Amendment,
    signer,
    password: str,
    typed_name: str,
    consent: bool,
    content_hash: str,
    ip_address: str | None = None,
    user_agent: str = "",
    now: dt.datetime | None = None,
) -> Signature:
    """Sign an amendment (either party first). When both have signed it takes effect: a cancellation
    cancels the order and puts the car back on sale; other kinds are announced via ``amendment_effective``."""
    now = now or timezone.now()
    order, _listing = lock_order(amendment.contract.order)
    amendment = Amendment.objects.select_for_update().select_related("contract").get(pk=amendment.pk)
    party = party_of(order, signer)
    if amendment.status != Amendment.Status.PENDING:
        raise ContractLocked(_("This amendment is no longer open for signatures."), code="closed")
    if amendment.signatures.filter(party=party).exists():
        raise SigningRefused(_("You have already signed this amendment."), code="already_signed")
    typed_name = _check_signer(
        signer=signer,
        password=password,
        typed_name=typed_name,
        consent=consent,
        content_hash=content_hash,
        expected_hash=amendment.content_hash,
    )
    signature = Signature.objects.create(
        amendment=amendment,
        party=party,
        signer=signer,
        typed_name=typed_name,
        consent=True,
        content_hash=amendment.content_hash,
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:300],
        signed_at=now,
    )
    audit(amendment, action=f"signed_by_{party}", actor=signer, note=amendment.content_hash)
    if amendment.signatures.count() == 2:
        if amendment.kind == Amendment.Kind.CANCELLATION:
            if order.status not in (Order.Status.CONTRACT_SIGNED, Order.Status.PAID):
                raise DomainError(_("This order can no longer be cancelled by agreement."), code="status")
            _cancel(order, kind=Order.CancelKind.MUTUAL, reason=amendment.payload.get("reason", ""), actor=signer, now=now)
        amendment.status = Amendment.Status.EFFECTIVE
        amendment.effective_at = now
        amendment.save(update_fields=["status", "effective_at", "updated_at"])
        audit(amendment, action="effective", actor=signer)
        amendment_effective.send(sender=Amendment, amendment=amendment)
        for recipient, side in ((order.buyer, "buyer"), (order.listing.dealer, "dealer")):
            tell(
                recipient,
                "contracts.amendment_effective",
                f"contracts:amendment:{amendment.pk}:effective:{side}",
                subject=gettext_lazy("%(number)s is signed by both parties"),
                body=gettext_lazy("%(what)s is now in effect."),
                url=order_url(order),
                number=amendment.number,
                what=amendment.get_kind_display(),
            )
    else:
        other = order.listing.dealer if party == Signature.Party.BUYER else order.buyer
        tell(
            other,
            "contracts.amendment_signed",
            f"contracts:amendment:{amendment.pk}:signed:{party}",
            subject=gettext_lazy("%(number)s awaits your signature"),
            body=gettext_lazy("The other party has signed: %(what)s."),
            url=order_url(order),
            number=amendment.number,
            what=amendment.get_kind_display(),
        )
    return signature


@transaction.atomic
def amendment_withdraw(*, amendment: Amendment, actor) -> Amendment:
    """The proposer withdraws an amendment nobody else has signed yet."""
    amendment = Amendment.objects.select_for_update().get(pk=amendment.pk)
    if amendment.status != Amendment.Status.PENDING:
        raise ContractLocked(_("This amendment is no longer open."), code="closed")
    if amendment.proposed_by_id != actor.pk:
        raise PermissionDeniedError(_("Only the party who proposed it can withdraw it."), code="not_proposer")
    amendment.status = Amendment.Status.WITHDRAWN
    amendment.save(update_fields=["status", "updated_at"])
    audit(amendment, action="withdrawn", actor=actor)
    return amendment
