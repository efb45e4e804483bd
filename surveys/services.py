"""Surveys: plan, send, remind, answer — each step exactly once.

* Planning writes ``Survey`` rows with a ``due_at`` (delivery + 7 / 30 / 180 days; complaint closed;
  warranty repair completed). It happens when ``contracts.signals.order_delivered`` fires and, as a
  catch-up for anything that missed the signal, in the hourly sweep. The unique constraint
  (kind, subject) makes planning idempotent.
* Planning, sending and reminding are set-based (``core.sweeps``): the sweep takes a batch of due rows
  through a partial index, locked ``SKIP LOCKED``; one INSERT plans a batch (the unique constraint skips
  what exists), one UPDATE marks a batch sent or reminded, one ``notify_many`` tells it — batch after batch
  until nothing is due. The notifications' dedupe keys (``survey:<pk>:invite`` / ``survey:<pk>:reminder``)
  back the exactly-once promise.
* The link is a ``TimestampSigner`` token of the survey's random public id: tampering breaks the
  signature, it stops working ``VALID_FOR`` after sending, and an answered survey refuses a second
  answer (conditional UPDATE on ``answered_at IS NULL``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.sweeps import lock_batch, run_batches
from notifications.kinds import day, localized
from notifications.services import Notice, notify_many

from . import notices
from .models import VALID_FOR, Survey

logger = logging.getLogger(__name__)

TOKEN_SALT = "surveys.answer"
DELIVERY_SCHEDULE = (
    (Survey.Kind.DELIVERY, dt.timedelta(days=7)),
    (Survey.Kind.RETURN_VISIT_30, dt.timedelta(days=30)),
    (Survey.Kind.RETURN_VISIT_180, dt.timedelta(days=180)),
)
# A survey whose moment passed longer ago than this is not sent any more (it would only confuse).
STALE_AFTER = dt.timedelta(days=14)
# How far back the catch-up planning looks for deliveries, closed complaints and repairs.
CATCH_UP = dt.timedelta(days=180) + STALE_AFTER


class SurveyLinkInvalid(DomainError):
    """The link was altered or does not belong to any survey."""


class SurveyLinkExpired(DomainError):
    """The link is older than its validity period."""


class SurveyAlreadyAnswered(DomainError):
    """The survey has been answered already (single response)."""


# --- tokens -------------------------------------------------------------------------------------


def survey_token(survey: Survey) -> str:
    """A signed, timestamped token for the survey's public link."""
    return signing.TimestampSigner(salt=TOKEN_SALT).sign(survey.public_id.hex)


def survey_url(survey: Survey) -> str:
    """The survey's public answer link (signed; works for ``VALID_FOR`` after sending)."""
    return reverse("surveys:answer", args=[survey_token(survey)])


def survey_from_token(token: str, *, now: dt.datetime | None = None) -> Survey:
    """The survey a link points to; refuses tampered, unknown, unsent and expired links.

    An answered survey is still returned (the page then thanks the respondent instead of asking
    again); ``survey_answer`` refuses a second answer.
    """
    now = now or timezone.now()
    signer = signing.TimestampSigner(salt=TOKEN_SALT)
    try:
        public_id = signer.unsign(token, max_age=VALID_FOR)
    except signing.SignatureExpired as exc:
        raise SurveyLinkExpired(_("This survey link has expired."), code="expired") from exc
    except signing.BadSignature as exc:
        raise SurveyLinkInvalid(_("This survey link is not valid."), code="invalid") from exc
    survey = Survey.objects.filter(public_id=public_id, sent_at__isnull=False).select_related("respondent", "order").first()
    if survey is None:
        raise SurveyLinkInvalid(_("This survey link is not valid."), code="invalid")
    if survey.answered_at is None and survey.is_expired(now):
        raise SurveyLinkExpired(_("This survey link has expired."), code="expired")
    return survey


# --- planning -----------------------------------------------------------------------------------


def survey_plan(*, kind: str, subject, respondent, due_at: dt.datetime, dealer=None, order=None) -> Survey | None:
    """Plan one survey about ``subject``; None when it is planned already (unique per kind and subject)."""
    subject_type = ContentType.objects.get_for_model(subject, for_concrete_model=True)
    survey, created = Survey.objects.get_or_create(
        kind=kind,
        subject_type=subject_type,
        subject_id=subject.pk,
        defaults={"respondent": respondent, "due_at": due_at, "dealer": dealer, "order": order},
    )
    return survey if created else None


def _delivery_surveys(order, *, now: dt.datetime) -> list[Survey]:
    """The surveys a delivery calls for (unsaved): satisfaction at 7 days, return visits at 30 and 180
    days, leaving out those whose moment is long gone."""
    subject_type = ContentType.objects.get_for_model(order, for_concrete_model=True)
    return [
        Survey(
            kind=kind,
            subject_type=subject_type,
            subject_id=order.pk,
            respondent=order.buyer,
            due_at=order.delivered_at + after,
            dealer=order.listing.dealer,
            order=order,
        )
        for kind, after in DELIVERY_SCHEDULE
        if order.delivered_at + after >= now - STALE_AFTER
    ]


def survey_plan_for_delivery(*, order, now: dt.datetime | None = None) -> list[Survey]:
    """Plan the satisfaction survey (delivery + 7 days) and the return visits (+30 and +180 days)."""
    now = now or timezone.now()
    planned = []
    for row in _delivery_surveys(order, now=now):
        survey = survey_plan(
            kind=row.kind, subject=order, respondent=row.respondent, due_at=row.due_at, dealer=row.dealer, order=order
        )
        if survey:
            planned.append(survey)
    return planned


def _unplanned(queryset, kind: str, *, moment: str, since: dt.datetime, now: dt.datetime, limit: int):
    """Rows of ``queryset`` whose ``moment`` lies between ``since`` and ``now`` and that have no survey of
    ``kind`` yet, oldest first (at most ``limit``)."""
    planned = Survey.objects.filter(
        kind=kind, subject_type=ContentType.objects.get_for_model(queryset.model), subject_id=OuterRef("pk")
    )
    return (
        queryset.filter(**{f"{moment}__gte": since, f"{moment}__lte": now})
        .filter(~Exists(planned))
        .order_by(moment, "pk")[:limit]
    )


def _plan(rows: list[Survey]) -> int:
    """Plan a batch with ONE INSERT; a survey planned meanwhile (unique kind and subject) is skipped."""
    Survey.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _followed_up(kind: str, rows: Iterable[tuple]) -> list[Survey]:
    """One unsaved survey of ``kind`` per (subject, respondent, due_at, dealer, order)."""
    return [
        Survey(
            kind=kind,
            subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=True),
            subject_id=subject.pk,
            respondent=respondent,
            due_at=due_at,
            dealer=dealer,
            order=order,
        )
        for subject, respondent, due_at, dealer, order in rows
    ]


def _plan_missing_deliveries(*, now: dt.datetime, limit: int) -> int:
    from contracts.models import Order

    delivered = Order.objects.filter(status=Order.Status.DELIVERED).select_related("buyer", "listing__dealer")
    orders = _unplanned(
        delivered, Survey.Kind.RETURN_VISIT_180, moment="delivered_at", since=now - CATCH_UP, now=now, limit=limit
    )
    return _plan([survey for order in orders for survey in _delivery_surveys(order, now=now)])


def _plan_closed_complaints(*, now: dt.datetime, limit: int) -> int:
    from complaints.models import Complaint

    closed = Complaint.objects.filter(status=Complaint.Status.CLOSED).select_related("complainant", "dealer", "order")
    complaints = _unplanned(
        closed, Survey.Kind.COMPLAINT_CLOSED, moment="closed_at", since=now - STALE_AFTER, now=now, limit=limit
    )
    return _plan(
        _followed_up(Survey.Kind.COMPLAINT_CLOSED, ((c, c.complainant, c.closed_at, c.dealer, c.order) for c in complaints))
    )


def _plan_completed_repairs(*, now: dt.datetime, limit: int) -> int:
    from warranty.models import RepairRecord

    records = RepairRecord.objects.select_related("coverage__order__buyer", "coverage__order__listing__dealer")
    repairs = _unplanned(records, Survey.Kind.WARRANTY_REPAIR, moment="created_at", since=now - STALE_AFTER, now=now, limit=limit)
    return _plan(
        _followed_up(
            Survey.Kind.WARRANTY_REPAIR,
            ((r, r.coverage.order.buyer, r.created_at, r.coverage.order.listing.dealer, r.coverage.order) for r in repairs),
        )
    )


# --- sending ------------------------------------------------------------------------------------


def _due_batch(due, *, ids: list[int] | None, size: int) -> list[Survey]:
    if ids is not None:
        due = due.filter(pk__in=ids)
    return lock_batch(due.select_related("respondent"), size=size)


def surveys_send(*, now: dt.datetime, ids: list[int] | None = None, batch_size: int = 500) -> int:
    """Send the links of the due surveys (of ``ids`` only, when given), batch after batch: each batch is
    locked, marked sent with ONE UPDATE and told with one ``notify_many`` (key ``survey:<pk>:invite``), so
    a survey is sent once however often, or however concurrently, this runs. Returns how many were sent."""

    def step() -> tuple[int, dict]:
        with transaction.atomic():
            batch = _due_batch(Survey.objects.due_to_send(now).order_by("due_at", "pk"), ids=ids, size=batch_size)
            if batch:
                Survey.objects.filter(pk__in=[survey.pk for survey in batch]).update(sent_at=now, expires_at=now + VALID_FOR)
                notify_many(
                    Notice(
                        survey.respondent, notices.INVITATIONS[survey.kind], f"survey:{survey.pk}:invite", {}, survey_url(survey)
                    )
                    for survey in batch
                )
        return len(batch), {"sent": len(batch)}

    return run_batches(step, totals={"sent": 0})["sent"]


def surveys_remind(*, now: dt.datetime, ids: list[int] | None = None, batch_size: int = 500) -> int:
    """Remind once about each unanswered survey sent at least 3 days ago (key ``survey:<pk>:reminder``),
    a locked batch at a time: ONE UPDATE stamps ``reminded_at``, one ``notify_many`` tells the batch."""
    subjects = {kind: localized(invitation.subject) for kind, invitation in notices.INVITATIONS.items()}

    def step() -> tuple[int, dict]:
        with transaction.atomic():
            batch = _due_batch(Survey.objects.due_for_reminder(now).order_by("sent_at", "pk"), ids=ids, size=batch_size)
            if batch:
                Survey.objects.filter(pk__in=[survey.pk for survey in batch]).update(reminded_at=now)
                notify_many(
                    Notice(
                        survey.respondent,
                        notices.REMINDER,
                        f"survey:{survey.pk}:reminder",
                        {"subject": subjects[survey.kind], "date": day(timezone.localdate(survey.expires_at))},
                        survey_url(survey),
                    )
                    for survey in batch
                )
        return len(batch), {"reminded": len(batch)}

    return run_batches(step, totals={"reminded": 0})["reminded"]


def survey_schedule_sweep(*, now: dt.datetime, batch_size: int = 500) -> dict:
    """The hourly survey clock: catch up on planning, close surveys whose moment passed long ago, send the
    due ones and remind the unanswered — each set-based, batch after batch until nothing is due.

    A sweep that runs twice, or two at once, sends nothing twice (rows locked ``SKIP LOCKED`` and marked in
    the batch's transaction; dedupe keys). Returns how many were ``planned``, closed as ``stale``, ``sent``
    and ``reminded``.
    """
    planned = 0
    for planner in (_plan_missing_deliveries, _plan_closed_complaints, _plan_completed_repairs):

        def step(planner=planner) -> tuple[int, dict]:
            with transaction.atomic():
                count = planner(now=now, limit=batch_size)
            return count, {"planned": count}

        planned += run_batches(step, totals={"planned": 0})["planned"]

    # Planned surveys whose moment passed long ago are closed without sending (one statement).
    stale = Survey.objects.due_to_send(now - STALE_AFTER).update(sent_at=now, expires_at=now)
    sent = surveys_send(now=now, batch_size=batch_size)
    reminded = surveys_remind(now=now, batch_size=batch_size)
    return {"planned": planned, "stale": stale, "sent": sent, "reminded": reminded}


# --- answering ----------------------------------------------------------------------------------


@transaction.atomic
def survey_answer(
    *, survey: Survey, csat: int, nps: int, tags: list[str], comment: str = "", now: dt.datetime | None = None
) -> Survey:
    """Record the one answer a survey accepts; refuses an expired or already answered survey."""
    now = now or timezone.now()
    if survey.is_expired(now) and survey.answered_at is None:
        raise SurveyLinkExpired(_("This survey link has expired."), code="expired")
    if not 1 <= csat <= 5 or not 0 <= nps <= 10:
        raise DomainError(_("Please choose a rating on the scale."), code="out_of_range")
    allowed = set(Survey.Tag.values)
    clean_tags = [tag for tag in dict.fromkeys(tags) if tag in allowed]
    answered = Survey.objects.filter(pk=survey.pk, answered_at__isnull=True).update(
        answered_at=now, csat=csat, nps=nps, tags=clean_tags, comment=comment.strip()[:2000]
    )
    if not answered:
        raise SurveyAlreadyAnswered(_("This survey has already been answered. Thank you!"), code="answered")
    survey.refresh_from_db()
    return survey
