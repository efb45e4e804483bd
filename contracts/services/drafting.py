"""The contract draft: the frozen snapshot of the order, its texts in both languages, the dealer's terms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.masking import mask_id_number, mask_phone
from core.errors import DomainError
from core.statemachine import audit
from inspections.models import InspectionReport
from marketplace import finance
from marketplace.models import Listing
from notifications.services import notify

from ..errors import ContractLocked
from ..models import Contract, Order, Signature
from ..notices import TERMS_UPDATED
from ..terms import after_sales_terms_for
from .common import lock_order, order_url, require_party
from .numbering import contract_next_number

#: The languages every contract and amendment text is rendered in (both are signed).
LANGUAGES = ("zh-hans", "en")
DEFAULT_DELIVERY_DAYS = 7


def render_in_languages(template: str, context: dict) -> tuple[str, str]:
    """(Chinese, English) renderings of ``template`` — ``template`` holds ``{lang}``."""
    texts = []
    for lang in LANGUAGES:
        with translation.override(lang):
            texts.append(render_to_string(template.format(lang=lang), context).strip())
    return texts[0], texts[1]


# --- snapshot --------------------------------------------------------------------------------


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
    """(version, SHA-256) of the latest published inspection report of the listing's car, or (None, "")."""
    report = (
        listing.vehicle.inspection_reports.filter(status=InspectionReport.Status.PUBLISHED)
        .order_by("-version")
        .only("version", "content_hash")
        .first()
    )
    if report is None:
        return None, ""
    return report.version, report.content_hash


# --- the draft and its terms ----------------------------------------------------------------


def _refresh_content(contract: Contract) -> None:
    contract.content_zh, contract.content_en = render_in_languages("contracts/document/contract_{lang}.html", {"c": contract})
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


def financed_schedule(*, agreed_price: Decimal, method: str, finance_terms: dict, delivery_date: dt.date) -> list[dict]:
    """Instalments or a loan on the estimate's own calculation (``marketplace.finance``): what the dealer receives —
    the down payment and the amount financed, adding up to the agreed price, both by the delivery date — and the
    buyer's repayment of the amount financed in equal monthly instalments from a month after delivery (annuity,
    rounded to the fen, the last instalment clearing the balance), frozen into the snapshot and printed."""
    try:
        down = Decimal(str(finance_terms.get("down_payment") or 0)).quantize(finance.FEN)
        months = int(finance_terms["term_months"])
        rate = Decimal(str(finance_terms["annual_rate"])).quantize(finance.FEN)
    except (KeyError, InvalidOperation, TypeError, ValueError) as exc:
        raise DomainError(_("Give the down payment, the term and the annual rate."), code="bad_finance") from exc
    if not 0 <= down < agreed_price:
        raise DomainError(_("The down payment must be less than the agreed price."), code="bad_finance")
    if not finance.TERM_MIN <= months <= finance.TERM_MAX:
        raise DomainError(_("The term runs from 12 to 60 months."), code="bad_finance")
    if not 0 <= rate <= finance.RATE_MAX:
        raise DomainError(_("The annual rate must be between 0 and 36 %."), code="bad_finance")
    financed = agreed_price - down
    rows = finance.schedule(financed, rate, months, first_due=finance.add_months(delivery_date, 1))
    plan = {
        "term_months": months,
        "annual_rate": str(rate),
        "monthly": str(finance.monthly_payment(financed, rate, months)),
        "total_interest": str(sum((row.interest for row in rows), Decimal(0))),
        "repayments": [
            [row.number, row.due.isoformat(), str(row.payment), str(row.interest), str(row.principal), str(row.balance)]
            for row in rows
        ],
    }
    due = delivery_date.isoformat()
    schedule = [{"label": "deposit", "amount": str(down), "due": due}] if down else []
    label = "loan" if method == Contract.PaymentMethod.LOAN else "financed"
    return [*schedule, {"label": label, "amount": str(finance.fen(financed)), "due": due, "finance": plan}]


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
    finance_terms: dict | None = None,
    dispute_resolution: str = Contract.Dispute.COURT,
    arbitration_body: str = "",
    now: dt.datetime | None = None,
) -> Contract:
    """The dealer sets the commercial terms of a draft. Refused as soon as anyone has signed. Instalments and loans
    with ``finance_terms`` (down payment, term, annual rate) get the computed schedule (``financed_schedule``);
    otherwise the dated payments listed."""
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
    if payment_method != Contract.PaymentMethod.FULL and finance_terms:
        contract.payment_schedule = financed_schedule(
            agreed_price=agreed_price, method=payment_method, finance_terms=finance_terms, delivery_date=delivery_date
        )
    else:
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
    notify(
        order.buyer,
        TERMS_UPDATED,
        f"contracts:contract:{contract.pk}:terms:{contract.content_hash[:16]}",
        params={"number": contract.number},
        url=order_url(order),
    )
    return contract


def contract_assert_mutable(contract: Contract) -> None:
    """Raise ``ContractLocked`` if ``contract`` is sealed (used by any code path that might edit it)."""
    if contract.signed_at:
        raise ContractLocked(_("A signed contract cannot be changed; make an amendment instead."), code="signed")
