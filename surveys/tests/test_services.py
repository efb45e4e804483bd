import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification
from surveys import notices, services
from surveys.models import Survey
from surveys.services import (
    SurveyAlreadyAnswered,
    SurveyLinkExpired,
    SurveyLinkInvalid,
    survey_answer,
    survey_from_token,
    survey_schedule_sweep,
    survey_token,
)

from .factories import at, delivered_order, sent_survey

INVITATION_CODES = [kind.code for kind in notices.INVITATIONS.values()]

pytestmark = pytest.mark.django_db


def _sweep(now, django_capture_on_commit_callbacks):
    """One sweep at a frozen ``now``; the batch tasks it enqueues run eagerly after commit."""
    with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
        return survey_schedule_sweep(now=now)


# --- planning -----------------------------------------------------------------------------------


def test_delivery_plans_a_survey_at_7_days_and_return_visits_at_30_and_180(buyer, dealer):
    order = delivered_order(buyer=buyer, dealer=dealer, delivered_at=at(2026, 3, 1, 15))
    planned = services.survey_plan_for_delivery(order=order, now=at(2026, 3, 1, 16))
    assert {s.kind: s.due_at for s in planned} == {
        Survey.Kind.DELIVERY: at(2026, 3, 8, 15),
        Survey.Kind.RETURN_VISIT_30: at(2026, 3, 31, 15),
        Survey.Kind.RETURN_VISIT_180: at(2026, 8, 28, 15),
    }
    assert all(s.respondent == buyer and s.dealer == dealer and s.order == order for s in planned)


def test_planning_twice_creates_nothing_new(buyer):
    order = delivered_order(buyer=buyer, delivered_at=at(2026, 3, 1))
    services.survey_plan_for_delivery(order=order, now=at(2026, 3, 1, 11))
    assert services.survey_plan_for_delivery(order=order, now=at(2026, 3, 1, 12)) == []
    assert Survey.objects.count() == 3


def test_the_order_delivered_signal_plans_the_surveys(buyer):
    from contracts.models import Order
    from contracts.signals import order_delivered

    order = delivered_order(buyer=buyer, delivered_at=at(2026, 3, 1))
    with time_machine.travel(at(2026, 3, 1, 11), tick=False):
        order_delivered.send(sender=Order, order=order)
    assert set(Survey.objects.filter(order=order).values_list("kind", flat=True)) == {
        Survey.Kind.DELIVERY,
        Survey.Kind.RETURN_VISIT_30,
        Survey.Kind.RETURN_VISIT_180,
    }


def test_the_sweep_catches_up_on_deliveries_that_missed_the_signal_without_stale_surveys(
    buyer, django_capture_on_commit_callbacks
):
    recent = delivered_order(buyer=buyer, delivered_at=at(2026, 3, 1))
    old = delivered_order(buyer=buyer, delivered_at=at(2025, 12, 1))  # 7- and 30-day moments long gone
    result = _sweep(at(2026, 3, 2), django_capture_on_commit_callbacks)
    assert result["planned"] == 4
    assert Survey.objects.filter(order=recent).count() == 3
    assert list(Survey.objects.filter(order=old).values_list("kind", flat=True)) == [Survey.Kind.RETURN_VISIT_180]
    assert _sweep(at(2026, 3, 2, 11), django_capture_on_commit_callbacks)["planned"] == 0


def test_a_closed_complaint_gets_a_survey_the_next_sweep(buyer, dealer, django_capture_on_commit_callbacks):
    from complaints.models import Complaint
    from complaints.tests.factories import file_complaint

    complaint = file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 3, 2, 9))
    Complaint.objects.filter(pk=complaint.pk).update(status=Complaint.Status.CLOSED, closed_at=at(2026, 3, 5, 10))
    _sweep(at(2026, 3, 5, 11), django_capture_on_commit_callbacks)
    survey = Survey.objects.get(kind=Survey.Kind.COMPLAINT_CLOSED)
    assert survey.subject == complaint and survey.respondent == buyer and survey.dealer == dealer
    assert survey.sent_at == at(2026, 3, 5, 11)
    assert Notification.objects.filter(recipient=buyer, kind=notices.INVITATIONS[Survey.Kind.COMPLAINT_CLOSED].code).count() == 1


# --- sending and reminding (frozen clock) -------------------------------------------------------


def test_every_kind_of_survey_has_its_own_clock_invitation():
    assert set(notices.INVITATIONS) == set(Survey.Kind.values)
    assert all(kind.clock for kind in notices.INVITATIONS.values()) and notices.REMINDER.clock


def test_the_invitation_and_the_reminder_read_in_the_readers_language(buyer, django_capture_on_commit_callbacks):
    delivered_order(buyer=buyer, delivered_at=at(2026, 3, 1, 15))
    _sweep(at(2026, 3, 8, 15), django_capture_on_commit_callbacks)
    invitation = Notification.objects.get(recipient=buyer, kind=notices.INVITATIONS[Survey.Kind.DELIVERY].code)
    assert invitation.render("en")[0] == "How was buying your car with Anxin Auto?"
    assert invitation.render("zh-hans")[0] == str(_zh("How was buying your car with Anxin Auto?"))
    assert invitation.render("zh-hans")[0] != invitation.render("en")[0]
    _sweep(at(2026, 3, 11, 15), django_capture_on_commit_callbacks)
    reminder = Notification.objects.get(recipient=buyer, kind=notices.REMINDER.code)
    subject_en, body_en = reminder.render("en")
    subject_zh, body_zh = reminder.render("zh-hans")
    assert subject_en == "Reminder: How was buying your car with Anxin Auto?"
    assert invitation.render("zh-hans")[0] in subject_zh and subject_zh != subject_en
    assert "7 Apr 2026" in body_en and "2026年4月7日" in body_zh  # the last day of the link, Shanghai time


def _zh(msgid: str) -> str:
    from django.utils import translation

    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def test_a_survey_not_yet_due_is_not_sent(buyer, django_capture_on_commit_callbacks):
    delivered_order(buyer=buyer, delivered_at=at(2026, 3, 1, 15))
    _sweep(at(2026, 3, 8, 14, 59), django_capture_on_commit_callbacks)
    assert not Survey.objects.filter(sent_at__isnull=False).exists()
    assert not Notification.objects.filter(kind__in=INVITATION_CODES).exists()


def test_a_due_survey_is_sent_exactly_once_even_when_the_sweep_runs_twice(buyer, django_capture_on_commit_callbacks):
    order = delivered_order(buyer=buyer, delivered_at=at(2026, 3, 1, 15))
    _sweep(at(2026, 3, 8, 15), django_capture_on_commit_callbacks)
    _sweep(at(2026, 3, 8, 15, 5), django_capture_on_commit_callbacks)
    survey = Survey.objects.get(order=order, kind=Survey.Kind.DELIVERY)
    assert survey.sent_at == at(2026, 3, 8, 15)
    assert survey.expires_at == at(2026, 4, 7, 15)
    invitations = Notification.objects.filter(kind__in=INVITATION_CODES)
    assert [n.dedupe_key for n in invitations] == [f"survey:{survey.pk}:invite"]
    assert invitations[0].url.startswith("/surveys/r/")


def test_the_sweep_sends_a_batch_with_one_update_and_one_notification_insert(buyer, django_capture_on_commit_callbacks):
    for day in range(1, 6):
        delivered_order(buyer=buyer, delivered_at=at(2026, 3, day))
    survey_schedule_sweep(now=at(2026, 3, 6))  # plans them all (none due yet)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, CaptureQueriesContext(connection) as queries:
        sent = services.surveys_send(now=at(2026, 3, 20), batch_size=2)
    assert sent == 5 and Notification.objects.filter(kind__in=INVITATION_CODES).count() == 5
    writes = [q["sql"].split("(")[0] for q in queries.captured_queries if q["sql"].startswith(("UPDATE", "INSERT"))]
    # Per batch: the sent stamp, the notifications, the outbox row for the e-mails — 3 batches of ≤ 2.
    assert sum(sql.startswith("UPDATE") and '"surveys_survey"' in sql for sql in writes) == 3
    assert sum(sql.startswith("INSERT") and '"notifications_notification"' in sql for sql in writes) == 3
    assert sum(sql.startswith("INSERT") and '"core_outboxmessage"' in sql for sql in writes) == 3
    # One e-mail task per batch, not per survey (the other callbacks forget the recipients' cached badge counts).
    assert sum("outbox" in callback.__qualname__ for callback in callbacks) == 3


def test_a_rolled_back_sweep_enqueues_nothing(buyer, django_capture_on_commit_callbacks):
    delivered_order(buyer=buyer, delivered_at=at(2026, 3, 1))
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        survey_schedule_sweep(now=at(2026, 3, 9))
        raise RuntimeError
    assert callbacks == []
    assert not Survey.objects.exists()


def test_an_unanswered_survey_is_reminded_once_after_three_days(buyer, django_capture_on_commit_callbacks):
    survey = sent_survey(buyer=buyer, sent_at=at(2026, 3, 8, 15))
    _sweep(at(2026, 3, 11, 14, 59), django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(kind=notices.REMINDER.code).exists()
    _sweep(at(2026, 3, 11, 15), django_capture_on_commit_callbacks)
    _sweep(at(2026, 3, 12, 15), django_capture_on_commit_callbacks)
    reminders = Notification.objects.filter(kind=notices.REMINDER.code)
    assert [n.dedupe_key for n in reminders] == [f"survey:{survey.pk}:reminder"]
    survey.refresh_from_db()
    assert survey.reminded_at == at(2026, 3, 11, 15)


def test_an_answered_survey_is_not_reminded(buyer, django_capture_on_commit_callbacks):
    survey = sent_survey(buyer=buyer, sent_at=at(2026, 3, 8, 15))
    survey_answer(survey=survey, csat=5, nps=10, tags=[], now=at(2026, 3, 9))
    _sweep(at(2026, 3, 12), django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(kind=notices.REMINDER.code).exists()


def test_an_expired_survey_is_not_reminded(buyer, django_capture_on_commit_callbacks):
    sent_survey(buyer=buyer, sent_at=at(2026, 3, 8, 15))
    _sweep(at(2026, 4, 8), django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(kind=notices.REMINDER.code).exists()


def test_a_planned_survey_whose_moment_passed_long_ago_is_closed_without_sending(buyer, django_capture_on_commit_callbacks):
    order = delivered_order(buyer=buyer, delivered_at=at(2026, 3, 1))
    services.survey_plan_for_delivery(order=order, now=at(2026, 3, 1))
    result = _sweep(at(2026, 4, 1), django_capture_on_commit_callbacks)  # 7-day survey is 24 days late
    assert result["stale"] == 1
    assert (
        not Notification.objects.filter(kind__in=INVITATION_CODES).exists()
        or Notification.objects.filter(kind__in=INVITATION_CODES).get().dedupe_key
        == f"survey:{Survey.objects.get(order=order, kind=Survey.Kind.RETURN_VISIT_30).pk}:invite"
    )


# --- tokens and answers -------------------------------------------------------------------------


def test_a_valid_link_opens_its_survey(buyer):
    with time_machine.travel(at(2026, 3, 8, 15), tick=False):
        survey = sent_survey(buyer=buyer, sent_at=at(2026, 3, 8, 15))
        token = survey_token(survey)
    with time_machine.travel(at(2026, 4, 7, 14, 59), tick=False):
        assert survey_from_token(token) == survey


def test_a_tampered_link_is_invalid(buyer):
    survey = sent_survey(buyer=buyer, sent_at=at(2026, 3, 8, 15))
    token = survey_token(survey)
    value, _, signature = token.partition(":")
    forged = ("0" if value[0] != "0" else "1") + value[1:] + ":" + signature
    with pytest.raises(SurveyLinkInvalid):
        survey_from_token(forged)
    with pytest.raises(SurveyLinkInvalid):
        survey_from_token(token[:-2] + ("aa" if token[-2:] != "aa" else "bb"))


def test_a_link_signed_for_another_purpose_is_invalid(buyer):
    from django.core import signing

    survey = sent_survey(buyer=buyer, sent_at=at(2026, 3, 8, 15))
    with pytest.raises(SurveyLinkInvalid):
        survey_from_token(signing.TimestampSigner(salt="something.else").sign(survey.public_id.hex))


def test_a_link_is_expired_after_thirty_days(buyer):
    with time_machine.travel(at(2026, 3, 8, 15), tick=False):
        survey = sent_survey(buyer=buyer, sent_at=at(2026, 3, 8, 15))
        token = survey_token(survey)
    with time_machine.travel(at(2026, 4, 7, 15, 1), tick=False), pytest.raises(SurveyLinkExpired):
        survey_from_token(token)


def test_a_survey_past_its_expiry_refuses_a_freshly_signed_link(buyer):
    survey = sent_survey(buyer=buyer, sent_at=at(2026, 3, 8, 15))
    with time_machine.travel(at(2026, 4, 8), tick=False):
        token = survey_token(survey)  # signature fresh, but the survey itself closed on 7 Apr
        with pytest.raises(SurveyLinkExpired):
            survey_from_token(token)


def test_a_survey_answers_once_and_a_reused_link_is_refused(buyer):
    survey = sent_survey(buyer=buyer, sent_at=at(2026, 3, 8, 15))
    survey_answer(
        survey=survey, csat=4, nps=9, tags=["fast_response", "bogus", "fast_response"], comment=" Good ", now=at(2026, 3, 9)
    )
    survey.refresh_from_db()
    assert (survey.csat, survey.nps, survey.tags, survey.comment) == (4, 9, ["fast_response"], "Good")
    with pytest.raises(SurveyAlreadyAnswered):
        survey_answer(survey=survey, csat=1, nps=0, tags=[], now=at(2026, 3, 10))
    survey.refresh_from_db()
    assert survey.csat == 4


def test_an_unsent_survey_has_no_valid_link(buyer):
    order = delivered_order(buyer=buyer, delivered_at=at(2026, 3, 1))
    survey = services.survey_plan_for_delivery(order=order, now=at(2026, 3, 1))[0]
    with pytest.raises(SurveyLinkInvalid):
        survey_from_token(survey_token(survey))


def test_ratings_outside_the_scale_are_refused(buyer):
    survey = sent_survey(buyer=buyer, sent_at=at(2026, 3, 8, 15))
    with pytest.raises(services.DomainError):
        survey_answer(survey=survey, csat=6, nps=5, tags=[], now=at(2026, 3, 9))


def test_results_give_the_csat_average_and_nps(buyer):
    answers = [(5, 10), (4, 9), (3, 7), (2, 3)]
    for i, (csat, nps) in enumerate(answers):
        survey = sent_survey(buyer=buyer, sent_at=at(2026, 3, 8 + i, 15))
        survey_answer(survey=survey, csat=csat, nps=nps, tags=[], now=at(2026, 3, 20))
    sent_survey(buyer=buyer, sent_at=at(2026, 3, 18, 15))  # unanswered: not counted
    results = Survey.objects.results()
    assert results["answered"] == 4
    assert results["csat_avg"] == 3.5
    assert results["nps"] == 25  # 2 promoters, 1 detractor of 4


def test_a_survey_answered_within_time_is_saved_even_one_second_before_expiry(buyer):
    survey = sent_survey(buyer=buyer, sent_at=at(2026, 3, 8, 15))
    survey_answer(survey=survey, csat=3, nps=6, tags=[], now=at(2026, 4, 7, 15) - dt.timedelta(seconds=1))
    survey.refresh_from_db()
    assert survey.is_answered


def test_an_expired_survey_refuses_an_answer(buyer):
    survey = sent_survey(buyer=buyer, sent_at=at(2026, 3, 8, 15))
    with pytest.raises(SurveyLinkExpired):
        survey_answer(survey=survey, csat=3, nps=6, tags=[], now=at(2026, 4, 7, 15))
