"""What complaints tell people is stored as a kind + parameters and reads in the reader's language."""

import logging

import pytest

from complaints import notices, services
from complaints.models import Complaint
from notifications.models import Notification

from .factories import at, file_complaint

pytestmark = pytest.mark.django_db
Status = Complaint.Status


def test_a_reminder_reads_in_english_and_in_chinese_with_the_deadline_and_its_name(buyer, dealer, agent):
    complaint = file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 11, 23, 10))
    services.complaint_assign(complaint=complaint, assignee=agent, actor=agent)
    services.complaint_sla_sweep(now=at(2026, 11, 24, 14))
    reminder = Notification.objects.get(recipient=agent, kind="complaint.reminder")
    assert reminder.render("en") == (
        f"Due 24 Nov 2026, 18:00: Acknowledge for complaint {complaint.number}",
        complaint.subject,
    )
    subject, _body = reminder.render("zh-hans")
    assert subject == f"2026年11月24日 18:00 到期：投诉 {complaint.number} 的确认受理"


def test_the_customer_told_it_is_late_reads_in_both_languages(buyer, dealer, supervisor):
    file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 11, 23, 10))
    services.complaint_sla_sweep(now=at(2026, 11, 24, 18, 1))
    delayed = Notification.objects.get(recipient=buyer, kind="complaint.delayed")
    assert "We did not manage to acknowledge your complaint by 24 Nov 2026, 18:00" in delayed.render("en")[1]
    assert "2026年11月24日 18:00" in delayed.render("zh-hans")[1] and "前受理您的投诉" in delayed.render("zh-hans")[1]
    assert Notification.objects.get(recipient=supervisor, kind="complaint.escalated").render("zh-hans")[0].startswith("已升级")


def test_sweep_kinds_are_clock_kinds_and_the_rest_are_not():
    clock = {kind.code for kind in vars(notices).values() if isinstance(kind, type(notices.REMINDER)) and kind.clock}
    assert clock == {"complaint.reminder", "complaint.escalated", "complaint.delayed"}


def test_every_notice_of_a_whole_case_renders_its_parameters_in_both_languages(buyer, dealer, agent, supervisor, caplog):
    complaint = file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 11, 23, 10))
    services.complaint_sla_sweep(now=at(2026, 11, 24, 15))  # unassigned: supervisors reminded
    services.complaint_assign(complaint=complaint, assignee=agent, actor=supervisor)
    services.complaint_sla_sweep(now=at(2026, 11, 24, 18, 1))  # breached, escalated, customer told
    complaint.refresh_from_db()
    services.complaint_transition(complaint=complaint, to_status=Status.INVESTIGATING, actor=agent)
    services.complaint_post_message(complaint=complaint, author=buyer, body="Any news?")
    services.complaint_pause(complaint=complaint, actor=agent, reason="Photos of the dashboard")
    services.complaint_post_message(complaint=complaint, author=dealer, body="We will call today.")
    complaint.resolution = "Free repair."
    complaint.save(update_fields=["resolution"])
    services.complaint_transition(complaint=complaint, to_status=Status.RESOLUTION_PROPOSED, actor=agent)
    services.complaint_customer_decide(complaint=complaint, actor=buyer, accept=False, reason="Not enough")
    services.complaint_escalate(complaint=complaint, actor=agent, reason="Customer is very upset")
    services.complaint_transition(complaint=complaint, to_status=Status.RESOLUTION_PROPOSED, actor=agent)
    services.complaint_transition(complaint=complaint, to_status=Status.RESOLVED, actor=agent, note="Accepted by phone")
    services.complaint_transition(complaint=complaint, to_status=Status.CLOSED, actor=agent)
    second = file_complaint(buyer=buyer, dealer=dealer)
    for status in (Status.ACKNOWLEDGED, Status.INVESTIGATING):
        services.complaint_transition(complaint=second, to_status=status, actor=agent)
    second.resolution = "Refund."
    services.complaint_transition(complaint=second, to_status=Status.RESOLUTION_PROPOSED, actor=agent)
    services.complaint_customer_decide(complaint=second, actor=buyer, accept=True)

    rows = list(Notification.objects.all())
    assert {row.kind for row in rows} == {k.code for k in vars(notices).values() if isinstance(k, type(notices.REMINDER))}
    with caplog.at_level(logging.WARNING, logger="notifications.kinds"):
        for row in rows:
            assert row.subject == "" and row.params is not None
            for language in ("en", "zh-hans"):
                subject, body = row.render(language)
                assert subject and "%(" not in subject + body, (row.kind, language)
    assert [r.getMessage() for r in caplog.records if r.name == "notifications.kinds"] == []
