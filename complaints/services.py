"""Every write to a complaint. Views, admin actions and the Celery sweep call these functions.

Rules enforced here:
- deadlines come from the ``SlaPolicy`` of the category and priority, on the working-day calendar;
- status moves only along ``Complaint.TRANSITIONS``, each move writes an audit row;
- a pause (waiting for the customer) stops the clock, and resuming moves every open deadline by the
  working time that passed;
- only supervisors reassign a case someone else holds; the dealer concerned can write but never move a case;
- every outbound message goes through ``notify`` with a deterministic dedupe key.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import calendar
from core.errors import DomainError, InvalidTransition, PermissionDeniedError
from core.statemachine import audit
from notifications.services import notify

from .attachments import prepare_attachment
from .models import Complaint, ComplaintAttachment, ComplaintMessage, ComplaintPause, DeadlineKind, SlaPolicy

Status = Complaint.Status
SUPERVISE_PERMISSION = "complaints.supervise_complaint"


# --- who is who -------------------------------------------------------------------------------


def is_supervisor(user) -> bool:
    return bool(getattr(user, "is_active", False) and user.is_staff and user.has_perm(SUPERVISE_PERMISSION))


def supervisors():
    """Active staff holding the supervise permission (directly, through a group, or as superusers)."""
    perm = Permission.objects.filter(content_type__app_label="complaints", codename="supervise_complaint").first()
    condition = Q(is_superuser=True)
    if perm is not None:
        condition |= Q(user_permissions=perm) | Q(groups__permissions=perm)
    return get_user_model().objects.filter(is_active=True, is_staff=True).filter(condition).distinct().order_by("pk")


def _customer_url(complaint: Complaint) -> str:
    return reverse("complaints:detail", args=[complaint.pk])


def _staff_url(complaint: Complaint) -> str:
    return reverse("admin:complaints_complaint_change", args=[complaint.pk])


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def format_deadline(moment: dt.datetime | None) -> str:
    """'Wed 26 Nov 18:00' in Asia/Shanghai, in the active language."""
    if moment is None:
        return ""
    from django.utils.formats import date_format

    local = timezone.localtime(moment, calendar.SHANGHAI)
    return date_format(local, _("D j M H:i"))


# --- SLA bookkeeping ---------------------------------------------------------------------------


def _refresh_sla(complaint: Complaint) -> list[str]:
    """Recompute the denormalised next deadline and next sweep time; returns the changed field names."""
    before = (complaint.next_deadline_at, complaint.next_deadline_kind, complaint.next_reminder_at)
    pending = (
        []
        if (not complaint.is_open or complaint.is_paused)
        else [(due, kind) for kind, due, met, breached in complaint.deadlines() if met is None and breached is None]
    )
    if pending:
        due, kind = min(pending)
        complaint.next_deadline_at, complaint.next_deadline_kind = due, kind
        complaint.next_reminder_at = calendar.add_working_seconds(due, -3600 * complaint.reminder_lead_hours)
    else:
        complaint.next_deadline_at, complaint.next_deadline_kind, complaint.next_reminder_at = None, "", None
    after = (complaint.next_deadline_at, complaint.next_deadline_kind, complaint.next_reminder_at)
    return ["next_deadline_at", "next_deadline_kind", "next_reminder_at"] if before != after else []


def _save(complaint: Complaint, fields: Iterable[str]) -> None:
    fields = set(fields) | set(_refresh_sla(complaint)) | {"updated_at"}
    complaint.save(update_fields=sorted(fields))


# --- filing -----------------------------------------------------------------------------------


def _attach(*, complaint: Complaint, message: ComplaintMessage | None, files, user) -> list[ComplaintAttachment]:
    stored = []
    for upload in files or ():
        try:
            prepared = prepare_attachment(upload)
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages), code="invalid_attachment") from exc
        attachment = ComplaintAttachment(
            complaint=complaint,
            message=message,
            original_name=prepared.original_name,
            content_type=prepared.content_type,
            size=prepared.size,
            uploaded_by=user,
        )
        attachment.file.save(prepared.content.name, prepared.content, save=False)
        attachment.save()
        stored.append(attachment)
    return stored


@transaction.atomic
def complaint_file(
    *,
    complainant,
    complainant_name: str,
    complainant_phone: str,
    category: str,
    subject: str,
    description: str,
    desired_outcome: str,
    dealer=None,
    order=None,
    vin: str = "",
    after_sales_request=None,
    warranty_claim=None,
    priority: str = Complaint.Priority.NORMAL,
    files=(),
    now: dt.datetime | None = None,
) -> Complaint:
    """File a complaint: deadlines from the SLA policy, an audit row, evidence files, an acknowledgement receipt.

    A linked order, after-sales request or warranty claim must be the complainant's own; the order
    then follows from the request or claim, and the dealer concerned is the seller of the order.
    """
    now = now or timezone.now()
    for source in (after_sales_request, warranty_claim):
        if source is None:
            continue
        source_order = source.coverage.order
        if source_order.buyer_id != complainant.pk:
            raise PermissionDeniedError(_("You can only complain about your own requests and claims."), code="not_your_case")
        if order is not None and order.pk != source_order.pk:
            raise DomainError(_("The request or claim belongs to a different order."), code="order_mismatch")
        order = source_order
    if order is not None:
        if order.buyer_id != complainant.pk:
            raise PermissionDeniedError(_("You can only complain about your own orders."), code="not_your_order")
        seller = order.listing.dealer
        if dealer is not None and dealer.pk != seller.pk:
            raise DomainError(_("The dealer concerned must be the seller of the order."), code="dealer_mismatch")
        dealer = seller
        vin = vin or order.listing.vehicle.vin
    if dealer is not None and not dealer.is_dealer:
        raise DomainError(_("Choose a dealer."), code="not_a_dealer")

    policy = SlaPolicy.for_case(category=category, priority=priority)
    complaint = Complaint(
        number=f"tmp-{uuid.uuid4().hex[:16]}",
        complainant=complainant,
        complainant_name=complainant_name.strip(),
        complainant_phone=complainant_phone.strip(),
        dealer=dealer,
        order=order,
        after_sales_request=after_sales_request,
        warranty_claim=warranty_claim,
        vin=(vin or "").upper(),
        category=category,
        priority=priority,
        subject=subject.strip(),
        description=description.strip(),
        desired_outcome=desired_outcome.strip(),
        ack_due_at=calendar.add_working_days(now, policy.ack_working_days),
        response_due_at=calendar.add_working_days(now, policy.response_working_days),
        resolve_due_at=calendar.add_working_days(now, policy.resolve_working_days),
        reminder_lead_hours=policy.reminder_lead_hours,
        created_at=now,
    )
    _refresh_sla(complaint)
    complaint.full_clean(exclude=["number"])
    complaint.save()
    complaint.number = f"TS{timezone.localtime(now, calendar.SHANGHAI):%Y%m%d}{complaint.pk:05d}"
    complaint.save(update_fields=["number"])
    audit(complaint, action="filed", actor=complainant, to_status=complaint.status, note=complaint.subject)
    _attach(complaint=complaint, message=None, files=files, user=complainant)

    _tell(
        complainant,
        "complaint.received",
        f"complaint:{complaint.pk}:received",
        subject=lambda: _("We received your complaint %(number)s") % {"number": complaint.number},
        body=lambda: (
            _(
                "Thank you, %(name)s. Your complaint “%(subject)s” is registered as %(number)s. "
                "We will acknowledge it by %(ack)s and answer by %(response)s at the latest."
            )
            % {
                "name": complaint.complainant_name,
                "subject": complaint.subject,
                "number": complaint.number,
                "ack": format_deadline(complaint.ack_due_at),
                "response": format_deadline(complaint.response_due_at),
            }
        ),
        url=_customer_url(complaint),
    )
    if dealer is not None:
        _tell(
            dealer,
            "complaint.dealer_notice",
            f"complaint:{complaint.pk}:dealer-notice",
            subject=lambda: _("A customer filed complaint %(number)s about your business") % {"number": complaint.number},
            body=lambda: (
                _("Subject: %(subject)s. Please read it and respond; our customer service will contact you.")
                % {"subject": complaint.subject}
            ),
            url=_customer_url(complaint),
        )
    return complaint


# --- assignment and lifecycle -----------------------------------------------------------------


def _tell(recipient, kind: str, dedupe_key: str, *, subject, body=lambda: "", url: str = ""):
    """``notify`` with subject and body built in the recipient's language (dates included)."""
    with translation.override(getattr(recipient, "language", None) or translation.get_language()):
        return notify(recipient, kind, dedupe_key, subject=subject(), body=body(), url=url)


def _require_staff(actor) -> None:
    if not getattr(actor, "is_staff", False):
        raise PermissionDeniedError(_("Only customer service staff can do this."), code="staff_only")


def assignment_refusal(*, complaint: Complaint, assignee, actor) -> str:
    """Why ``actor`` may not give the case to ``assignee`` ('' when allowed)."""
    if is_supervisor(actor):
        return ""
    if complaint.assignee_id and complaint.assignee_id != actor.pk:
        return _("Only a supervisor can reassign a case that %(name)s is handling.") % {"name": complaint.assignee}
    if assignee is not None and assignee.pk != actor.pk:
        return _("Only a supervisor can assign a case to someone else.")
    return ""


@transaction.atomic
def complaint_assign(*, complaint: Complaint, assignee, actor) -> Complaint:
    """Give the case to ``assignee`` (or nobody). Staff may take unassigned cases; supervisors move any case."""
    _require_staff(actor)
    if assignee is not None and not (assignee.is_staff and assignee.is_active):
        raise DomainError(_("Cases can only be assigned to active staff."), code="not_staff")
    refusal = assignment_refusal(complaint=complaint, assignee=assignee, actor=actor)
    if refusal:
        raise PermissionDeniedError(refusal, code="cannot_reassign")
    if complaint.assignee_id == (assignee.pk if assignee else None):
        return complaint
    previous = complaint.assignee
    complaint.assignee = assignee
    _save(complaint, ["assignee"])
    audit(
        complaint,
        action="assigned",
        actor=actor,
        note=_("%(old)s → %(new)s") % {"old": previous or _("nobody"), "new": assignee or _("nobody")},
    )
    if assignee is not None and assignee.pk != actor.pk:
        _tell(
            assignee,
            "complaint.assigned",
            f"complaint:{complaint.pk}:assigned:{assignee.pk}:{_stamp(timezone.now())}",
            subject=lambda: _("Complaint %(number)s is assigned to you") % {"number": complaint.number},
            body=lambda: _("Next deadline: %(due)s.") % {"due": format_deadline(complaint.next_deadline_at) or "—"},
            url=_staff_url(complaint),
        )
    return complaint


def _notify_customer_status(complaint: Complaint, subject, body=lambda: "") -> None:
    _tell(
        complaint.complainant,
        "complaint.status",
        f"complaint:{complaint.pk}:status:{complaint.status}:{_stamp(timezone.now())}",
        subject=subject,
        body=body,
        url=_customer_url(complaint),
    )


@transaction.atomic
def complaint_transition(
    *, complaint: Complaint, to_status: str, actor, note: str = "", now: dt.datetime | None = None
) -> Complaint:
    """Move the case along its transition map (staff only), with the bookkeeping each status needs.

    - acknowledged: meets the acknowledgement deadline;
    - resolution proposed: needs the resolution text; stops the resolution clock; the customer decides;
    - escalated: supervisors are told;
    - reopened: a fresh resolution deadline from the policy;
    - resolved / closed: the clock stops for good.
    """
    _require_staff(actor)
    now = now or timezone.now()
    if to_status == Status.REOPENED:
        raise InvalidTransition(
            _("Only the customer reopens a case, by rejecting the proposed resolution."), code="customer_reopens"
        )
    if to_status == Status.RESOLVED and complaint.status == Status.RESOLUTION_PROPOSED and not note:
        raise DomainError(
            _("Say how the customer accepted the resolution (e.g. “accepted by phone on …”) before marking it resolved."),
            code="note_required",
        )
    return _move(complaint=complaint, to_status=to_status, actor=actor, note=note, now=now)


def _move(*, complaint: Complaint, to_status: str, actor, note: str, now: dt.datetime) -> Complaint:
    if to_status == Status.RESOLUTION_PROPOSED and not complaint.resolution.strip():
        raise DomainError(_("Write the proposed resolution first; the customer will see it."), code="resolution_required")
    complaint.transition_to(to_status, actor=actor, note=note)
    fields = {"status"}
    if to_status == Status.ACKNOWLEDGED:
        complaint.acknowledged_at = complaint.acknowledged_at or now
        fields.add("acknowledged_at")
        _notify_customer_status(
            complaint,
            lambda: _("Complaint %(number)s: we are on it") % {"number": complaint.number},
            lambda: (
                _("Your complaint is acknowledged. We will answer by %(due)s.")
                % {"due": format_deadline(complaint.response_due_at)}
            ),
        )
    elif to_status == Status.RESOLUTION_PROPOSED:
        complaint.resolution_proposed_at = now
        complaint.acknowledged_at = complaint.acknowledged_at or now
        complaint.first_response_at = complaint.first_response_at or now
        fields |= {"resolution_proposed_at", "acknowledged_at", "first_response_at"}
        _notify_customer_status(
            complaint,
            lambda: _("Complaint %(number)s: we propose a resolution") % {"number": complaint.number},
            lambda: _("Please read it and accept or reject it: %(resolution)s") % {"resolution": complaint.resolution},
        )
    elif to_status == Status.ESCALATED:
        complaint.escalated_at = now
        fields.add("escalated_at")
        _notify_supervisors_escalated(complaint, note=note)
    elif to_status == Status.RESOLVED:
        complaint.resolved_at = now
        fields.add("resolved_at")
        _notify_customer_status(complaint, lambda: _("Complaint %(number)s is resolved") % {"number": complaint.number})
    elif to_status == Status.CLOSED:
        complaint.closed_at = now
        fields.add("closed_at")
        _notify_customer_status(complaint, lambda: _("Complaint %(number)s is closed") % {"number": complaint.number})
    if complaint.is_paused and not complaint.is_open:
        _end_pause(complaint, now=now, extend=False)
        fields.add("paused_at")
    _save(complaint, fields)
    return complaint


def _notify_supervisors_escalated(complaint: Complaint, *, note: str = "", key: str = "") -> None:
    key = key or f"escalated:{_stamp(timezone.now())}"
    for supervisor in supervisors():
        _tell(
            supervisor,
            "complaint.escalated",
            f"complaint:{complaint.pk}:{key}:{supervisor.pk}",
            subject=lambda: _("Escalated: complaint %(number)s") % {"number": complaint.number},
            body=lambda: note or complaint.subject,
            url=_staff_url(complaint),
        )


@transaction.atomic
def complaint_escalate(*, complaint: Complaint, actor, reason: str = "", now: dt.datetime | None = None) -> Complaint:
    """Hand the case to the supervisors (status "escalated"); refused when it is already escalated or done."""
    _require_staff(actor)
    return _move(complaint=complaint, to_status=Status.ESCALATED, actor=actor, note=reason, now=now or timezone.now())


@transaction.atomic
def complaint_customer_decide(
    *, complaint: Complaint, actor, accept: bool, reason: str = "", now: dt.datetime | None = None
) -> Complaint:
    """The complainant accepts (→ resolved) or rejects (→ reopened, fresh deadline) the proposed resolution."""
    now = now or timezone.now()
    if actor.pk != complaint.complainant_id:
        raise PermissionDeniedError(_("Only the customer who filed the complaint can decide."), code="not_complainant")
    if complaint.status != Status.RESOLUTION_PROPOSED:
        raise InvalidTransition(_("There is no proposed resolution to decide on."), code="nothing_to_decide")
    if accept:
        complaint.transition_to(Status.RESOLVED, actor=actor, note=_("Accepted by the customer."), action="customer_accepted")
        complaint.resolved_at = now
        _save(complaint, ["status", "resolved_at"])
        recipients_key = "accepted"
    else:
        if not reason.strip():
            raise DomainError(_("Tell us why the resolution does not work for you."), code="reason_required")
        policy = SlaPolicy.for_case(category=complaint.category, priority=complaint.priority)
        complaint.transition_to(Status.REOPENED, actor=actor, note=reason.strip(), action="customer_rejected")
        complaint.customer_feedback = reason.strip()
        complaint.resolution_proposed_at = None
        complaint.resolve_breached_at = None
        complaint.resolve_due_at = calendar.add_working_days(now, policy.reopen_working_days)
        _save(complaint, ["status", "customer_feedback", "resolution_proposed_at", "resolve_breached_at", "resolve_due_at"])
        recipients_key = "rejected"
    staff = [complaint.assignee] if complaint.assignee_id else list(supervisors())
    for user in staff:
        _tell(
            user,
            f"complaint.customer_{recipients_key}",
            f"complaint:{complaint.pk}:{recipients_key}:{_stamp(now)}:{user.pk}",
            subject=lambda: (
                (
                    _("Customer accepted the resolution of %(number)s")
                    if accept
                    else _("Customer rejected the resolution of %(number)s")
                )
                % {"number": complaint.number}
            ),
            body=lambda: reason,
            url=_staff_url(complaint),
        )
    return complaint


# --- the conversation -------------------------------------------------------------------------


def _author_role(complaint: Complaint, user) -> str:
    if user.is_staff:
        return ComplaintMessage.AuthorRole.STAFF
    if complaint.dealer_id and user.pk == complaint.dealer_id:
        return ComplaintMessage.AuthorRole.DEALER
    if user.pk == complaint.complainant_id:
        return ComplaintMessage.AuthorRole.CUSTOMER
    raise PermissionDeniedError(_("You are not part of this complaint."), code="not_a_party")


@transaction.atomic
def complaint_post_message(
    *, complaint: Complaint, author, body: str, internal: bool = False, files=(), now: dt.datetime | None = None
) -> ComplaintMessage:
    """Add a message (or, for staff, an internal note). A staff reply to the customer is the first response."""
    now = now or timezone.now()
    role = _author_role(complaint, author)
    if internal and role != ComplaintMessage.AuthorRole.STAFF:
        raise PermissionDeniedError(_("Only staff write internal notes."), code="staff_only")
    if complaint.status == Status.CLOSED and role != ComplaintMessage.AuthorRole.STAFF:
        raise DomainError(_("This complaint is closed. File a new one if the problem comes back."), code="closed")
    if not body.strip():
        raise DomainError(_("Write a message."), code="empty")
    message = ComplaintMessage.objects.create(
        complaint=complaint, author=author, author_role=role, body=body.strip(), is_internal=internal, created_at=now
    )
    _attach(complaint=complaint, message=message, files=files, user=author)
    fields = set()
    if role == ComplaintMessage.AuthorRole.CUSTOMER and complaint.is_paused:
        # The customer answered what we were waiting for: the clock runs again by itself.
        _resume(complaint, actor=author, now=now)
    if role == ComplaintMessage.AuthorRole.STAFF and not internal and complaint.first_response_at is None:
        complaint.first_response_at = now
        fields.add("first_response_at")
    _save(complaint, fields)
    audit(complaint, action="internal_note" if internal else f"message_{role}", actor=author, note=body.strip()[:500])
    if internal:
        return message

    preview = body.strip()[:300]
    recipients = []
    if role == ComplaintMessage.AuthorRole.STAFF:
        recipients = [(complaint.complainant, _customer_url(complaint))]
    elif role == ComplaintMessage.AuthorRole.CUSTOMER:
        recipients = [(complaint.assignee, _staff_url(complaint))] if complaint.assignee_id else []
    else:  # the dealer answers: the customer and the case handler both read it
        recipients = [(complaint.complainant, _customer_url(complaint))]
        if complaint.assignee_id:
            recipients.append((complaint.assignee, _staff_url(complaint)))
    for recipient, url in recipients:
        _tell(
            recipient,
            "complaint.message",
            f"complaint:{complaint.pk}:message:{message.pk}:{recipient.pk}",
            subject=lambda: _("New message on complaint %(number)s") % {"number": complaint.number},
            body=lambda: preview,
            url=url,
        )
    return message


# --- pausing the clock ------------------------------------------------------------------------


@transaction.atomic
def complaint_pause(*, complaint: Complaint, actor, reason: str, now: dt.datetime | None = None) -> ComplaintPause:
    """Stop the SLA clock while staff wait for the customer (documents, an inspection appointment …)."""
    _require_staff(actor)
    now = now or timezone.now()
    if not complaint.is_open or complaint.status == Status.RESOLUTION_PROPOSED:
        raise DomainError(_("Only a case staff are working on can be paused."), code="not_pausable")
    if complaint.is_paused:
        raise DomainError(_("The clock is already paused."), code="already_paused")
    if not reason.strip():
        raise DomainError(_("Say what you are waiting for."), code="reason_required")
    pause = ComplaintPause.objects.create(complaint=complaint, reason=reason.strip(), started_at=now, started_by=actor)
    complaint.paused_at = now
    _save(complaint, ["paused_at"])
    audit(complaint, action="paused", actor=actor, note=reason.strip())
    _tell(
        complaint.complainant,
        "complaint.waiting",
        f"complaint:{complaint.pk}:paused:{_stamp(now)}",
        subject=lambda: _("Complaint %(number)s: we need something from you") % {"number": complaint.number},
        body=lambda: reason.strip(),
        url=_customer_url(complaint),
    )
    return pause


def _end_pause(complaint: Complaint, *, now: dt.datetime, extend: bool) -> int:
    pause = complaint.pauses.filter(ended_at__isnull=True).first()
    seconds = calendar.working_seconds_between(complaint.paused_at, now) if extend else 0
    if pause is not None:
        pause.ended_at, pause.working_seconds = now, seconds
        pause.save(update_fields=["ended_at", "working_seconds"])
    complaint.paused_at = None
    return seconds


@transaction.atomic
def complaint_resume(*, complaint: Complaint, actor, now: dt.datetime | None = None) -> Complaint:
    """Restart the clock; every deadline not yet met moves later by the working time the case was paused."""
    _require_staff(actor)
    now = now or timezone.now()
    if not complaint.is_paused:
        raise DomainError(_("The clock is not paused."), code="not_paused")
    return _resume(complaint, actor=actor, now=now)


def _resume(complaint: Complaint, *, actor, now: dt.datetime) -> Complaint:
    seconds = _end_pause(complaint, now=now, extend=True)
    fields = {"paused_at"}
    if seconds:
        for kind, due, met, breached in complaint.deadlines():
            if met is None and breached is None:
                field = f"{kind}_due_at"
                setattr(complaint, field, calendar.add_working_seconds(due, seconds))
                fields.add(field)
    _save(complaint, fields)
    hours = seconds / 3600
    audit(complaint, action="resumed", actor=actor, note=_("Deadlines moved by %(hours).1f working hours.") % {"hours": hours})
    return complaint


# --- the SLA sweep (called by the Celery beat task) ------------------------------------------

_KIND_LABELS = {
    DeadlineKind.ACK: gettext_lazy("acknowledge your complaint"),
    DeadlineKind.RESPONSE: gettext_lazy("give you a first answer"),
    DeadlineKind.RESOLVE: gettext_lazy("propose a resolution"),
}


def complaint_sla_sweep(*, now: dt.datetime | None = None, batch_size: int = 500) -> dict:
    """Remind before deadlines, mark and escalate breaches. Idempotent: re-runs send nothing twice.

    Reads only due rows (``next_reminder_at <= now`` on open, unpaused cases — an indexed query), one
    row locked at a time in its own transaction so a slow case never blocks the batch.
    """
    now = now or timezone.now()
    result = {"checked": 0, "reminded": 0, "breached": 0, "escalated": 0}
    due_ids = list(Complaint.objects.due_for_sla(now).order_by("next_reminder_at").values_list("pk", flat=True)[:batch_size])
    for pk in due_ids:
        with transaction.atomic():
            complaint = Complaint.objects.select_for_update().filter(pk=pk).first()
            if complaint is None or not Complaint.objects.due_for_sla(now).filter(pk=pk).exists():
                continue
            result["checked"] += 1
            outcome = _sweep_one(complaint, now=now)
            for key in outcome:
                result[key] += 1
    return result


def _sweep_one(complaint: Complaint, *, now: dt.datetime) -> list[str]:
    kind, due = complaint.next_deadline_kind, complaint.next_deadline_at
    if due is None or not kind:
        _save(complaint, [])
        return []
    base_key = f"complaint:{complaint.pk}:{kind}:{due.astimezone(dt.UTC).isoformat()}"
    if due > now:
        recipients = [complaint.assignee] if complaint.assignee_id else list(supervisors())
        for user in recipients:
            _tell(
                user,
                "complaint.reminder",
                f"{base_key}:remind" if complaint.assignee_id else f"{base_key}:remind:{user.pk}",
                subject=lambda: (
                    _("Due %(due)s: %(kind)s for complaint %(number)s")
                    % {"due": format_deadline(due), "kind": DeadlineKind(kind).label, "number": complaint.number}
                ),
                body=lambda: complaint.subject,
                url=_staff_url(complaint),
            )
        complaint.next_reminder_at = due
        complaint.save(update_fields=["next_reminder_at", "updated_at"])
        return ["reminded"]

    setattr(complaint, f"{kind}_breached_at", now)
    complaint.breached_at = complaint.breached_at or now
    fields = {f"{kind}_breached_at", "breached_at"}
    audit(
        complaint,
        action="sla_breached",
        note=_("Missed deadline: %(kind)s (%(due)s)") % {"kind": DeadlineKind(kind).label, "due": format_deadline(due)},
    )
    outcome = ["breached"]
    note = _("SLA breached: %(kind)s was due %(due)s.") % {"kind": DeadlineKind(kind).label, "due": format_deadline(due)}
    if complaint.can_transition_to(Status.ESCALATED):
        complaint.transition_to(Status.ESCALATED, note=note, action="auto_escalated")
        complaint.escalated_at = now
        fields |= {"status", "escalated_at"}
        outcome.append("escalated")
    _notify_supervisors_escalated(complaint, note=note, key=f"{kind}:{due.astimezone(dt.UTC).isoformat()}:breach")
    _tell(
        complaint.complainant,
        "complaint.delayed",
        f"{base_key}:customer",
        subject=lambda: _("Complaint %(number)s: we are late, and a supervisor is now involved") % {"number": complaint.number},
        body=lambda: (
            _("We did not manage to %(what)s by %(due)s as promised. We apologise: your case is now with a supervisor.")
            % {"what": _KIND_LABELS[kind], "due": format_deadline(due)}
        ),
        url=_customer_url(complaint),
    )
    _save(complaint, fields)
    return outcome
