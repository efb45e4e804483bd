"""Surveys: plan, send, remind, answer — each step exactly once.

* Planning writes ``Survey`` rows with a ``due_at`` (delivery + 7 / 30 / 180 days; complaint closed;
  warranty repair completed). It happens when ``contracts.signals.order_delivered`` fires and, as a
  catch-up for anything that missed the signal, in the hourly sweep. The unique constraint
  (kind, subject) makes planning idempotent.
* Sending and reminding are found by the sweep through partial indexes and claimed by a
  conditional UPDATE in the same transaction as the ``notify`` call, whose dedupe key
  (``survey:<pk>:invite`` / ``survey:<pk>:reminder``) backs the exactly-once promise.
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
from notifications.kinds import day, localized
from notifications.services import notify

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
MAX_PLANNING_BATCHES = 50


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


def survey_plan_for_delivery(*, order, now: dt.datetime | None = None) -> list[Survey]:
    """Plan the satisfaction survey (delivery + 7 days) and the return visits (+30 and +180 days)."""
    now = now or timezone.now()
    planned = []
    for kind, after in DELIVERY_SCHEDULE:
        due_at = order.delivered_at + after
        if due_at < now - STALE_AFTER:
            continue
        survey = survey_plan(
            kind=kind, subject=order, respondent=order.buyer, due_at=due_at, dealer=order.listing.dealer, order=order
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
    return queryset.filter(**{f"{moment}__gte": since, f"{moment}__lte": now}).filter(~Exists(planned)).order_by(moment)[:limit]


def _plan_each(kind: str, rows: Iterable[tuple]) -> int:
    """Plan one survey of ``kind`` per (subject, respondent, due_at, dealer, order); how many are new."""
    return sum(
        bool(survey_plan(kind=kind, subject=subject, respondent=respondent, due_at=due_at, dealer=dealer, order=order))
        for subject, respondent, due_at, dealer, order in rows
    )


def _plan_missing_deliveries(*, now: dt.datetime, limit: int) -> int:
    from contracts.models import Order

    delivered = Order.objects.filter(status=Order.Status.DELIVERED).select_related("buyer", "listing__dealer")
    orders = _unplanned(
        delivered, Survey.Kind.RETURN_VISIT_180, moment="delivered_at", since=now - CATCH_UP, now=now, limit=limit
    )
    return sum(len(survey_plan_for_delivery(order=order, now=now)) for order in orders)


def _plan_closed_complaints(*, now: dt.datetime, limit: int) -> int:
    from complaints.models import Complaint

    closed = Complaint.objects.filter(status=Complaint.Status.CLOSED).select_related("complainant", "dealer", "order")
    complaints = _unplanned(
        closed, Survey.Kind.COMPLAINT_CLOSED, moment="closed_at", since=now - STALE_AFTER, now=now, limit=limit
    )
    return _plan_each(Survey.Kind.COMPLAINT_CLOSED, ((c, c.complainant, c.closed_at, c.dealer, c.order) for c in complaints))


def _plan_completed_repairs(*, now: dt.datetime, limit: int) -> int:
    from warranty.models import RepairRecord

    records = RepairRecord.objects.select_related("coverage__order__buyer", "coverage__order__listing__dealer")
    repairs = _unplanned(records, Survey.Kind.WARRANTY_REPAIR, moment="created_at", since=now - STALE_AFTER, now=now, limit=limit)
    return _plan_each(
        Survey.Kind.WARRANTY_REPAIR,
        ((r, r.coverage.order.buyer, r.created_at, r.coverage.order.listing.dealer, r.coverage.order) for r in repairs),
    )


# --- sending ------------------------------------------------------------------------------------


@transaction.atomic
def survey_send(*, survey_id: int, now: dt.datetime) -> bool:
    """Send a due survey's link (once): claim the row, then notify with key ``survey:<pk>:invite``."""
    claimed = Survey.objects.filter(pk=survey_id, sent_at__isnull=True, due_at__lte=now).update(
        sent_at=now, expires_at=now + VALID_FOR
    )
    if not claimed:
        return False
    survey = Survey.objects.select_related("respondent").get(pk=survey_id)
    notify(survey.respondent, notices.INVITATIONS[survey.kind], f"survey:{survey.pk}:invite", url=survey_url(survey))
    return True


@transaction.atomic
def survey_remind(*, survey_id: int, now: dt.datetime) -> bool:
    """Remind once about an unanswered survey sent at least 3 days ago (key ``survey:<pk>:reminder``)."""
    claimed = Survey.objects.due_for_reminder(now).filter(pk=survey_id).update(reminded_at=now)
    if not claimed:
        return False
    survey = Survey.objects.select_related("respondent").get(pk=survey_id)
    notify(
        survey.respondent,
        notices.REMINDER,
        f"survey:{survey.pk}:reminder",
        params={
            "subject": localized(notices.INVITATIONS[survey.kind].subject),
            "date": day(timezone.localdate(survey.expires_at)),
        },
        url=survey_url(survey),
    )
    return True


def _batches(queryset, batch_size: int) -> Iterable[list[int]]:
    """Primary keys of ``queryset`` in batches, walking the index by pk (no OFFSET)."""
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not batch:
            return
        yield batch
        last = batch[-1]
        if len(batch) < batch_size:
            return


def survey_schedule_sweep(*, now: dt.datetime, batch_size: int = 200) -> dict:
    """The hourly survey clock: catch up on planning, then enqueue one send task per batch of due
    surveys and one reminder task per batch of surveys unanswered for 3 days.

    Tasks are enqueued after commit and carry primary keys only; a task that runs twice, or a
    sweep that finds a row again before its task ran, sends nothing twice (conditional UPDATE +
    dedupe key).
    """
    from .tasks import survey_remind_batch, survey_send_batch

    planned = 0
    for planner in (_plan_missing_deliveries, _plan_closed_complaints, _plan_completed_repairs):
        for _round in range(MAX_PLANNING_BATCHES):  # each batch plans its rows, so the next finds new ones
            with transaction.atomic():
                count = planner(now=now, limit=batch_size)
            planned += count
            if count == 0:
                break

    # Planned surveys whose moment passed long ago are closed without sending.
    stale = Survey.objects.due_to_send(now - STALE_AFTER).update(sent_at=now, expires_at=now)

    send_batches = remind_batches = 0
    for batch in _batches(Survey.objects.due_to_send(now), batch_size):
        survey_send_batch.delay_on_commit(batch)
        send_batches += 1
    for batch in _batches(Survey.objects.due_for_reminder(now), batch_size):
        survey_remind_batch.delay_on_commit(batch)
        remind_batches += 1
    return {"planned": planned, "stale": stale, "send_batches": send_batches, "remind_batches": remind_batches}


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
