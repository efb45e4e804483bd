"""Extended warranty: a buyer buys one plan before the base warranty ends; the contract records it as
an amendment both parties sign."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from contracts.models import Amendment
from contracts.services import amendment_create
from core.errors import DomainError, PermissionDeniedError
from core.periods import last_day_of
from core.statemachine import audit
from notifications.kinds import day
from notifications.services import notify

from .. import notices
from ..models import Coverage, ExtendedWarrantyPlan, ExtendedWarrantyPurchase
from ..models.coverage import km_within
from .coverage import apply_clocks, guarantee_url

logger = logging.getLogger(__name__)


@transaction.atomic
def extension_purchase(
    *, coverage: Coverage, plan: ExtendedWarrantyPlan, actor, now: dt.datetime | None = None
) -> ExtendedWarrantyPurchase:
    """Buy an extension before the base warranty ends — by date, and by km (at the limit itself it has not
    ended yet): moves the end date and km limit, and proposes the contract amendment that records it (when
    the order has a signed contract)."""
    now = now or timezone.now()
    coverage = Coverage.objects.select_for_update(of=("self",)).select_related("order__buyer").get(pk=coverage.pk)
    if actor != coverage.order.buyer:
        raise PermissionDeniedError(_("Only the buyer can buy an extension."), code="forbidden")
    if coverage.closed_at:
        raise DomainError(_("This car has been returned; its guarantee has ended."), code="closed")
    if not plan.is_active:
        raise DomainError(_("This plan is no longer on sale."), code="plan_inactive")
    if coverage.purchases.exists():
        raise DomainError(_("This car already has an extended warranty."), code="already_extended")
    if now >= coverage.warranty_ends_at:
        raise DomainError(
            _("An extension must be bought before the base warranty ends (it ended at 24:00 on %(date)s).")
            % {"date": date_format(last_day_of(coverage.warranty_ends_at))},
            code="warranty_ended",
        )
    if not km_within(coverage.current_odometer_km, coverage.warranty_km_limit):
        raise DomainError(
            _(
                "An extension must be bought before the base warranty ends: it covered the car up to and including "
                "%(limit)s km on the odometer, and the odometer reads %(km)s km."
            )
            % {"limit": f"{coverage.warranty_km_limit:,}", "km": f"{coverage.current_odometer_km:,}"},
            code="warranty_km_exceeded",
        )
    old_end, old_km = coverage.warranty_ends_at, coverage.warranty_km_limit
    purchase = ExtendedWarrantyPurchase.objects.create(
        coverage=coverage,
        plan=plan,
        buyer=actor,
        extra_months=plan.extra_months,
        extra_km=plan.extra_km,
        price=plan.price,
        purchased_at=now,
    )
    apply_clocks(coverage)
    coverage.save(update_fields=["window_ends_at", "window_km_limit", "warranty_ends_at", "warranty_km_limit", "updated_at"])
    note = (
        f"{plan.name_en}: {last_day_of(old_end).isoformat()} → {last_day_of(coverage.warranty_ends_at).isoformat()}; "
        f"{old_km} → {coverage.warranty_km_limit} km"
    )
    audit(coverage, action="extension_purchased", actor=actor, note=note)
    _record_amendment(coverage, purchase, actor)
    notify(
        coverage.order.buyer,
        notices.EXTENSION_ACTIVE,
        f"warranty:extension:{purchase.pk}",
        params={"date": day(last_day_of(coverage.warranty_ends_at)), "km": f"{coverage.warranty_km_limit:,}"},
        url=guarantee_url(coverage.order),
    )
    return purchase


def _record_amendment(coverage: Coverage, purchase: ExtendedWarrantyPurchase, actor) -> None:
    """Propose the contract amendment; an order without a signed contract (none to amend) has none."""
    contract = getattr(coverage.order, "contract", None)  # no contract: the accessor raises AttributeError
    if contract is None or not contract.signed_at:
        logger.info("extension %s: order %s has no signed contract to amend", purchase.pk, coverage.order_id)
        return
    plan = purchase.plan
    payload = {
        # Flat keys read by the contracts' amendment document; the nested block is the full record.
        "plan": plan.name_en,
        "plan_name": plan.name_en,
        "plan_name_en": plan.name_en,
        "plan_name_zh": plan.name_zh,
        "months": purchase.extra_months,
        "km": purchase.extra_km,
        "price": str(purchase.price),
        "extended_plan": {
            "plan_id": purchase.plan_id,
            "name_en": plan.name_en,
            "name_zh": plan.name_zh,
            "extra_months": purchase.extra_months,
            "extra_km": purchase.extra_km,
            "price": str(purchase.price),
        },
        "warranty_last_day": last_day_of(coverage.warranty_ends_at).isoformat(),
        "warranty_km_limit": coverage.warranty_km_limit,
        "reason": f"Extended warranty {plan.name_en} / {plan.name_zh}",
    }
    amendment_create(contract=contract, kind=Amendment.Kind.EXTENDED_WARRANTY, payload=payload, actor=actor)
