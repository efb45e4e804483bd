"""Repairs at certified shops (parts traced by serial number) and the repeated-failure rule they feed:
a third failure of the same part after two warranty repairs, or more than 30 days in shops, lets the
buyer ask for an exchange or a return outside the window."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.calendar import local_date
from core.errors import DomainError
from core.statemachine import audit
from notifications.kinds import localized
from notifications.services import notify

from .. import notices
from ..models import AfterSalesRequest, Coverage, RepairPart, RepairRecord, WarrantyClaim
from .coverage import guarantee_url
from .staff import staff_users

# Repeated failure (三包-style): a third repair of the same part, or more than 30 days in the shop.
REPEATED_FAILURE_REPAIRS = 2
REPEATED_FAILURE_DAYS = 30


def prior_repairs(coverage: Coverage, part_code: str) -> int:
    return coverage.repairs.filter(part__code=part_code).count()


def repair_record_create(
    *,
    coverage: Coverage,
    actor,
    repair: dict,
    parts=(),
    claim: WarrantyClaim | None = None,
    request: AfterSalesRequest | None = None,
) -> RepairRecord:
    """Record what a certified shop did for one case. Every replaced part needs the serial number of the
    part installed; more than 30 days in shops in total flags the repeated-failure rule."""
    parts = [p for p in parts if (p.get("description") or "").strip()]
    for p in parts:
        if not (p.get("serial_installed") or "").strip():
            raise DomainError(_("Every replaced part needs the serial number of the part installed."), code="serial_required")
    shop = repair.get("shop") or (claim.repair_shop if claim else None)
    if shop is None:
        raise DomainError(_("Choose the certified repair shop."), code="shop_required")
    record = RepairRecord(
        shop=shop,
        coverage=coverage,
        claim=claim,
        request=request,
        part=repair.get("part") or (claim.part if claim else None),
        diagnosis=repair.get("diagnosis", ""),
        labour_hours=repair.get("labour_hours") or 0,
        labour_cost=repair.get("labour_cost") or 0,
        parts_cost=repair.get("parts_cost") or 0,
        cost_borne_by=repair.get("cost_borne_by") or RepairRecord.CostBearer.PLATFORM,
        days_in_shop=repair.get("days_in_shop") or 0,
        completed_on=repair.get("completed_on") or local_date(timezone.now()),
    )
    try:
        record.full_clean(exclude=["coverage", "claim", "request", "shop", "part"])
    except ValidationError as exc:
        raise DomainError("; ".join(exc.messages), code="repair_invalid") from exc
    record.save()
    RepairPart.objects.bulk_create(
        [
            RepairPart(
                record=record,
                part=p.get("part"),
                description=p["description"].strip(),
                serial_removed=(p.get("serial_removed") or "").strip(),
                serial_installed=p["serial_installed"].strip(),
                quantity=p.get("quantity") or 1,
            )
            for p in parts
        ]
    )
    audit(record, action="repair_recorded", actor=actor, note=f"{shop.name}: {len(parts)} part(s)")
    total_days = sum(coverage.repairs.values_list("days_in_shop", flat=True))
    if total_days > REPEATED_FAILURE_DAYS:
        coverage_flag_repeated_failure(
            coverage=coverage,
            reason=lambda: (
                _("The car has spent %(days)s days in repair shops (more than %(limit)s).")
                % {"days": total_days, "limit": REPEATED_FAILURE_DAYS}
            ),
            key="days",
        )
    return record


def coverage_flag_repeated_failure(*, coverage: Coverage, reason: Callable[[], str], key: str) -> None:
    """Flag the coverage (once) and offer the buyer an exchange or return; tell the dealer and staff.

    ``reason`` gives the sentence in the active language: it is stored on the coverage as it reads now
    and sent in every language (``localized``) so each reader gets it in theirs. ``key`` names the cause,
    so each cause is told once.
    """
    if coverage.repeated_failure_at is None:
        coverage.repeated_failure_at = timezone.now()
        coverage.repeated_failure_note = reason()
        coverage.save(update_fields=["repeated_failure_at", "repeated_failure_note", "updated_at"])
        audit(coverage, action="repeated_failure", note=coverage.repeated_failure_note)
    order = coverage.order
    params = {"order": order.pk, "reason": localized(reason)}
    key = f"warranty:repeated:{coverage.pk}:{key}"
    notify(order.buyer, notices.REPEATED_FAILURE_BUYER, f"{key}:buyer", params=params, url=guarantee_url(order))
    notify(
        order.listing.dealer,
        notices.REPEATED_FAILURE_DEALER,
        f"{key}:dealer",
        params=params,
        url=reverse("warranty:dealer_cases"),
    )
    admin_url = reverse("admin:warranty_coverage_change", args=[coverage.pk])
    for staff in staff_users():
        notify(staff, notices.REPEATED_FAILURE_STAFF, f"{key}:staff:{staff.pk}", params=params, url=admin_url)
