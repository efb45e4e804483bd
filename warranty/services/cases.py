"""One case lifecycle for after-sales requests and warranty claims (``models.SlaCase``).

Every move of either kind of case is: lock the case row, check the actor may handle it, transition
(refused by the model's map otherwise), start the new stage's deadline and its reminder (the case type's
``CaseSlaPolicy``), save with ``update_fields`` and write the audit row. The request_* and claim_* services add only what differs (outcome fields, the
notice they send).
"""

from __future__ import annotations

from core.errors import PermissionDeniedError
from core.statemachine import audit

from ..models import CaseSlaPolicy, SlaCase


def case_lock[Case: SlaCase](*, case: Case) -> Case:
    """Re-read ``case`` locked for this transaction, with its coverage, order, listing and buyer.

    Only the case row is locked (``FOR UPDATE OF`` the case's table): the order and listing rows joined for
    reading stay free, so ``contracts.services`` can still lock them listing → order (the order every flow
    on a car uses) and a return completed here queues behind a reservation of the same car instead of
    deadlocking with it.
    """
    return type(case).objects.select_for_update(of=("self",)).with_related().get(pk=case.pk)


def case_lock_for[Case: SlaCase](*, case: Case, actor) -> Case:
    """Lock the case and refuse an actor who may not handle it (``SlaCase.may_handle``: staff for
    every case, the dealer of the car for its after-sales requests)."""
    locked = case_lock(case=case)
    if not locked.may_handle(actor):
        raise PermissionDeniedError(str(locked.HANDLER_REFUSAL), code="forbidden")
    return locked


def case_start_clock(*, case: SlaCase) -> None:
    """Run the current stage's deadline: the next deadline, and when the sweep reminds the handler of it
    (none once the case is closed)."""
    case.next_deadline_at = case.stage_deadline()
    case.next_reminder_at = CaseSlaPolicy.for_case(case).reminder_before(case.next_deadline_at) if case.next_deadline_at else None


def case_submit[Case: SlaCase](*, case: Case, actor, note: str = "", exclude: tuple[str, ...] = ()) -> Case:
    """Save a new case in its first status with that stage's deadline running; audits ``submitted``."""
    case_start_clock(case=case)
    case.full_clean(exclude=["coverage", *exclude])
    case.save()
    audit(case, action="submitted", actor=actor, to_status=case.status, note=note)
    return case


def case_move[Case: SlaCase](*, case: Case, to: str, actor, note: str = "", update_fields: tuple[str, ...] = ()) -> Case:
    """Move a locked case to ``to``: the transition map refuses a bad move (``InvalidTransition``); the
    deadline of the new stage becomes the next one (none once the case is closed); the status, that
    deadline, its reminder time and ``update_fields`` are saved and an audit row is written."""
    case.transition_to(to, actor=actor, note=note)
    case_start_clock(case=case)
    case.save(update_fields=["status", "next_deadline_at", "next_reminder_at", "updated_at", *update_fields])
    return case
