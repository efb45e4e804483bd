"""One staff edit of a case, as the complaint's admin page submits it: applied whole, or not at all.

The page may change the case fields, the handler, the status, the clock, and add a reply and an
internal note, all at once. ``complaint_staff_update`` applies them in the order that keeps the
SLA bookkeeping right and refuses the whole edit when any part is refused; ``staff_edit_refusals``
tells the form beforehand, field by field, with the same rules (the services' own checks).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

from ..models import Complaint
from .assignment import assignment_refusal, complaint_assign
from .common import save_case, staff_refusal
from .conversation import complaint_post_message
from .pauses import complaint_pause, complaint_resume, pause_refusal, resume_refusal
from .workflow import complaint_transition, transition_refusal

#: Case fields staff edit directly on the page (the rest is filed by the customer or kept by services).
STAFF_FIELDS = ("priority", "category", "dealer", "resolution", "classification", "root_cause", "root_cause_detail")


class Clock(models.TextChoices):
    PAUSE = "pause", _("Pause: waiting for the customer")
    RESUME = "resume", _("Resume the clock")


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()


@dataclass(frozen=True)
class StaffEdit:
    """What a staff member changed on the case (only what they changed; the rest stays as it is)."""

    fields: Mapping[str, Any] = field(default_factory=dict)  # of STAFF_FIELDS
    assignee: Any = UNCHANGED  # a staff user, None for nobody
    transition: str = ""  # a Complaint.Status to move to
    transition_note: str = ""
    reply: str = ""  # to the customer (the dealer concerned reads it too)
    internal_note: str = ""
    clock: str = ""  # a Clock
    pause_reason: str = ""

    def __post_init__(self) -> None:
        unknown = set(self.fields) - set(STAFF_FIELDS)
        if unknown:
            raise ValueError(f"staff do not edit {sorted(unknown)} directly")


# Which part of the edit a refusal concerns, by the error code the services give it.
_FIELD_OF_CODE = {"resolution_required": "resolution", "note_required": "transition_note", "reason_required": "pause_reason"}


def staff_edit_refusals(*, complaint: Complaint, actor, edit: StaffEdit) -> dict[str, DomainError]:
    """Every reason ``complaint_staff_update`` would refuse ``edit``, keyed by the part of the edit it concerns
    ("" for the edit as a whole). Empty when the edit may be applied. Reads only."""
    refusal = staff_refusal(actor)
    if refusal is not None:
        return {"": refusal}
    refusals: dict[str, DomainError] = {}
    if edit.assignee is not UNCHANGED:
        refusal = assignment_refusal(complaint=complaint, assignee=edit.assignee, actor=actor)
        if refusal is not None:
            refusals["assignee"] = refusal
    if edit.transition:
        resolution = edit.fields.get("resolution", complaint.resolution) or ""
        refusal = transition_refusal(
            complaint=complaint, to_status=edit.transition, note=edit.transition_note, resolution=resolution
        )
        if refusal is not None:
            refusals[_FIELD_OF_CODE.get(refusal.code, "transition")] = refusal
    if edit.clock == Clock.PAUSE:
        refusal = pause_refusal(complaint=complaint, reason=edit.pause_reason, status=edit.transition or None)
        if refusal is not None:
            refusals[_FIELD_OF_CODE.get(refusal.code, "clock")] = refusal
    elif edit.clock == Clock.RESUME:
        refusal = resume_refusal(complaint=complaint)
        if refusal is not None:
            refusals["clock"] = refusal
    return refusals


@transaction.atomic
def complaint_staff_update(*, complaint: Complaint, actor, edit: StaffEdit, now: dt.datetime | None = None) -> Complaint:
    """Apply one staff edit of a case, all of it or nothing (the first refusal is raised, nothing is kept).

    ``complaint`` is reloaded (and locked) first, so it shows the result afterwards.

    Order: the case fields (a resolution is written before it is proposed), the handler, a resumed clock
    (deadlines move before a move stops them), the move, the reply, the internal note, then a pause (of the
    case as the move left it). Each step is the service the site and the admin actions call.
    """
    now = now or timezone.now()
    # Work on the row as it is now (locked against the sweep), not on what the caller's form put on the object.
    complaint.refresh_from_db(from_queryset=Complaint.objects.select_for_update())
    refusals = staff_edit_refusals(complaint=complaint, actor=actor, edit=edit)
    if refusals:
        raise next(iter(refusals.values()))
    if edit.fields:
        for name, value in edit.fields.items():
            setattr(complaint, name, value)
        try:
            complaint.full_clean(exclude=[f.name for f in Complaint._meta.fields if f.name not in edit.fields])
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages), code="invalid_field") from exc
        save_case(complaint, edit.fields)
    if edit.assignee is not UNCHANGED:
        complaint_assign(complaint=complaint, assignee=edit.assignee, actor=actor)
    if edit.clock == Clock.RESUME:
        complaint_resume(complaint=complaint, actor=actor, now=now)
    if edit.transition:
        complaint_transition(complaint=complaint, to_status=edit.transition, actor=actor, note=edit.transition_note, now=now)
    if edit.reply.strip():
        complaint_post_message(complaint=complaint, author=actor, body=edit.reply, now=now)
    if edit.internal_note.strip():
        complaint_post_message(complaint=complaint, author=actor, body=edit.internal_note, internal=True, now=now)
    if edit.clock == Clock.PAUSE:
        complaint_pause(complaint=complaint, actor=actor, reason=edit.pause_reason, now=now)
    return complaint
