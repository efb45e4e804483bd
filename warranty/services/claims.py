"""Core-part warranty claims: the buyer opens one for a covered part, staff review it, authorise it to a
certified shop (or reject it with a reason) and record the repair."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.calendar import end_of_business, local_date
from core.errors import DomainError, PermissionDeniedError
from notifications.kinds import moment
from notifications.services import notify

from .. import notices
from ..models import CaseSlaPolicy, Coverage, Part, RepairRecord, RepairShop, WarrantyClaim
from .cases import case_lock_for, case_move, case_submit
from .coverage import NotCovered, coverage_check_reading, coverage_note_odometer
from .repairs import REPEATED_FAILURE_REPAIRS, coverage_flag_repeated_failure, prior_repairs, repair_record_create
from .staff import staff_users

Status = WarrantyClaim.Status


@transaction.atomic
def claim_open(
    *, coverage: Coverage, actor, part: Part, symptom: str, odometer_km: int, failed_on: dt.date, now=None
) -> WarrantyClaim:
    """Open a core-part claim; refused with the reason when the part, date or km is not covered.

    A third failure of the same part after two warranty repairs flags the repeated-failure rule.
    """
    now = now or timezone.now()
    if actor != coverage.order.buyer:
        raise PermissionDeniedError(_("Only the buyer of this car can open a claim."), code="forbidden")
    if failed_on > local_date(now):
        raise DomainError(_("The date of failure cannot be in the future."), code="future")
    if failed_on < coverage.delivered_on:
        raise DomainError(_("The date of failure cannot be before delivery."), code="before_delivery")
    coverage_check_reading(coverage=coverage, odometer_km=odometer_km)
    decision = coverage.covers(part, on=failed_on, odometer_km=odometer_km)
    if not decision:
        raise NotCovered(decision.reason, code=decision.code)
    if coverage.claims.filter(part=part, status__in=WarrantyClaim.OPEN_STATUSES).exists():
        raise DomainError(_("There is already an open claim for this part."), code="claim_open")
    claim = WarrantyClaim(
        coverage=coverage,
        part=part,
        symptom=symptom,
        odometer_km=odometer_km,
        failed_on=failed_on,
        submitted_at=now,
        is_repeated_failure=prior_repairs(coverage, part.code) >= REPEATED_FAILURE_REPAIRS,
    )
    policy = CaseSlaPolicy.for_case(claim)  # staff-editable (DESIGN.md defaults)
    claim.acknowledge_due_at = policy.deadline("acknowledge", start=now)
    claim.assess_due_at = policy.deadline("assess", start=now)
    case_submit(case=claim, actor=actor, note=part.code, exclude=("part", "repair_shop"))
    coverage_note_odometer(coverage=coverage, odometer_km=odometer_km)
    params = {"id": claim.pk, "deadline": moment(claim.acknowledge_due_at)}
    for staff in staff_users():
        notify(
            staff,
            notices.CLAIM_SUBMITTED,
            claim.notice_key("submitted", f"staff:{staff.pk}"),
            params=params,
            url=claim.get_admin_url(),
        )
    if claim.is_repeated_failure:
        coverage_flag_repeated_failure(
            coverage=coverage,
            reason=lambda: (
                _("%(part)s failed again after %(n)s warranty repairs.") % {"part": str(part), "n": REPEATED_FAILURE_REPAIRS}
            ),
            key=f"claim{claim.pk}",
        )
    return claim


@transaction.atomic
def claim_review(*, claim: WarrantyClaim, actor, note: str = "") -> WarrantyClaim:
    """Staff acknowledge the claim and start checking it against the contract's coverage."""
    claim = case_lock_for(case=claim, actor=actor)
    case_move(case=claim, to=Status.UNDER_REVIEW, actor=actor, note=note)
    notify(
        claim.customer,
        notices.CLAIM_UNDER_REVIEW,
        claim.notice_key("review", "buyer"),
        params={"id": claim.pk},
        url=claim.get_absolute_url(),
    )
    return claim


@transaction.atomic
def claim_authorise(
    *, claim: WarrantyClaim, actor, shop: RepairShop, estimated_completion_on: dt.date | None = None, note: str = ""
) -> WarrantyClaim:
    """Send a covered claim to a certified shop; re-checks coverage at the failure date and km. The repair
    is due by the shop's estimate (end of that business day), else in the policy's completion days (10)."""
    claim = case_lock_for(case=claim, actor=actor)
    if not shop.is_active:
        raise DomainError(_("This repair shop is not certified any more."), code="shop_inactive")
    decision = claim.coverage.covers(claim.part, on=claim.failed_on, odometer_km=claim.odometer_km)
    if not decision:
        raise NotCovered(decision.reason, code=decision.code)
    if claim.status == Status.SUBMITTED:
        case_move(case=claim, to=Status.UNDER_REVIEW, actor=actor)
    claim.repair_shop = shop
    claim.estimated_completion_on = estimated_completion_on
    claim.complete_due_at = (
        end_of_business(estimated_completion_on)
        if estimated_completion_on
        else CaseSlaPolicy.for_case(claim).deadline("complete", start=timezone.now())
    )
    claim.decision_note = note
    case_move(
        case=claim,
        to=Status.AUTHORISED,
        actor=actor,
        note=f"{shop.name}. {note}".strip(),
        update_fields=("repair_shop", "estimated_completion_on", "complete_due_at", "decision_note"),
    )
    notify(
        claim.customer,
        notices.CLAIM_AUTHORISED,
        claim.notice_key("authorised", "buyer"),
        params={"id": claim.pk, "shop": shop.name, "address": shop.address or shop.city, "phone": shop.phone},
        url=claim.get_absolute_url(),
    )
    return claim


@transaction.atomic
def claim_reject(*, claim: WarrantyClaim, actor, note: str) -> WarrantyClaim:
    """Reject with a written reason (e.g. an exclusion: misuse, accident, modification, missed maintenance)."""
    claim = case_lock_for(case=claim, actor=actor)
    if not (note or "").strip():
        raise DomainError(_("Explain the rejection: the buyer will read it."), code="note_required")
    claim.decision_note = note
    case_move(case=claim, to=Status.REJECTED, actor=actor, note=note, update_fields=("decision_note",))
    notify(
        claim.customer,
        notices.CLAIM_REJECTED,
        claim.notice_key("rejected", "buyer"),
        params={"id": claim.pk, "note": note},
        url=claim.get_absolute_url(),
    )
    return claim


@transaction.atomic
def claim_complete(*, claim: WarrantyClaim, actor, repair: dict, parts=(), note: str = "") -> RepairRecord:
    """Record the shop's repair (parts traced by serial number) and close the claim."""
    claim = case_lock_for(case=claim, actor=actor)
    if not claim.can_transition_to(Status.COMPLETED):
        case_move(case=claim, to=Status.COMPLETED, actor=actor)  # raises the transition error before any record
    record = repair_record_create(coverage=claim.coverage, actor=actor, repair=repair, parts=parts, claim=claim)
    case_move(case=claim, to=Status.COMPLETED, actor=actor, note=note)
    notify(
        claim.customer,
        notices.CLAIM_COMPLETED,
        claim.notice_key("completed", "buyer"),
        params={"id": claim.pk, "note": note},
        url=claim.get_absolute_url(),
    )
    return record
