import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from complaints import services
from complaints.attachments import validate_attachment
from complaints.models import Complaint, ComplaintPause, SlaPolicy
from core.errors import DomainError, InvalidTransition, PermissionDeniedError
from core.statemachine import audit_trail
from notifications.models import Notification
from warranty import services as warranty_services

from .factories import at, file_complaint, jpeg_upload, make_order, pdf_upload

pytestmark = pytest.mark.django_db
Status = Complaint.Status


def test_filing_sets_three_working_day_deadlines_writes_audit_and_sends_the_receipt(buyer, dealer):
    complaint = file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 11, 23, 10))
    assert complaint.number.startswith("TS20261123")
    assert complaint.ack_due_at == at(2026, 11, 24, 18)
    assert complaint.response_due_at == at(2026, 11, 26, 18)
    assert complaint.resolve_due_at == at(2026, 12, 2, 18)
    assert (complaint.next_deadline_kind, complaint.next_deadline_at) == ("ack", at(2026, 11, 24, 18))
    assert complaint.next_reminder_at == at(2026, 11, 24, 14)  # 4 working hours before
    assert [e.action for e in audit_trail(complaint)] == ["filed"]
    receipt = Notification.objects.get(dedupe_key=f"complaint:{complaint.pk}:received")
    assert receipt.recipient == buyer and complaint.number in receipt.title
    assert Notification.objects.filter(recipient=dealer, dedupe_key=f"complaint:{complaint.pk}:dealer-notice").exists()


def test_a_complaint_filed_the_day_before_spring_festival_2026_is_due_after_the_holiday(buyer, dealer):
    complaint = file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 2, 14, 16))  # make-up Saturday
    assert complaint.ack_due_at == at(2026, 2, 24, 18)


def test_default_policies_exist_for_every_category_and_priority():
    assert SlaPolicy.objects.count() == len(Complaint.Category.choices) * len(Complaint.Priority.choices)
    normal = SlaPolicy.objects.get(category="vehicle_quality", priority="normal")
    assert (normal.ack_working_days, normal.response_working_days, normal.resolve_working_days) == (1, 3, 7)


def test_deadlines_follow_the_staff_edited_sla_policy_of_the_category_and_priority(buyer, dealer):
    SlaPolicy.objects.filter(category="contract", priority="urgent").update(
        ack_working_days=1, response_working_days=1, resolve_working_days=2
    )
    complaint = file_complaint(buyer=buyer, dealer=dealer, category="contract", priority="urgent", now=at(2026, 11, 23, 10))
    assert complaint.response_due_at == at(2026, 11, 24, 18)
    assert complaint.resolve_due_at == at(2026, 11, 25, 18)


def test_an_sla_policy_with_deadlines_out_of_order_is_refused():
    policy = SlaPolicy(category="other", priority="low", ack_working_days=5, response_working_days=3, resolve_working_days=7)
    with pytest.raises(ValidationError):
        policy.full_clean()


def test_complaining_about_someone_elses_order_is_refused(buyer, other_buyer, dealer):
    order = make_order(buyer=other_buyer, dealer=dealer)
    with pytest.raises(PermissionDeniedError):
        file_complaint(buyer=buyer, order=order)


def test_an_order_sets_the_dealer_and_vin_and_a_different_dealer_is_refused(buyer, dealer, other_dealer):
    order = make_order(buyer=buyer, dealer=dealer)
    complaint = file_complaint(buyer=buyer, order=order)
    assert complaint.dealer == dealer and complaint.vin == order.listing.vehicle.vin
    with pytest.raises(DomainError):
        file_complaint(buyer=buyer, order=order, dealer=other_dealer)


def test_evidence_photos_are_reencoded_and_pdfs_kept(buyer, dealer):
    complaint = file_complaint(buyer=buyer, dealer=dealer, files=[jpeg_upload(), pdf_upload()])
    types = sorted(a.content_type for a in complaint.attachments.all())
    assert types == ["application/pdf", "image/jpeg"]


def test_a_file_pretending_to_be_a_pdf_is_refused():
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationError):
        validate_attachment(SimpleUploadedFile("contract.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"))


def test_forbidden_transitions_are_refused_and_write_no_audit_row(buyer, dealer, agent):
    complaint = file_complaint(buyer=buyer, dealer=dealer)
    with pytest.raises(InvalidTransition):
        services.complaint_transition(complaint=complaint, to_status=Status.RESOLVED, actor=agent)
    with pytest.raises(InvalidTransition):
        services.complaint_transition(complaint=complaint, to_status=Status.CLOSED, actor=agent)
    with pytest.raises(InvalidTransition):  # only the customer reopens
        services.complaint_transition(complaint=complaint, to_status=Status.REOPENED, actor=agent)
    complaint.refresh_from_db()
    assert complaint.status == Status.NEW
    assert [e.action for e in audit_trail(complaint)] == ["filed"]


def test_only_staff_move_a_case(buyer, dealer):
    complaint = file_complaint(buyer=buyer, dealer=dealer)
    for user in (buyer, dealer):
        with pytest.raises(PermissionDeniedError):
            services.complaint_transition(complaint=complaint, to_status=Status.ACKNOWLEDGED, actor=user)


def test_proposing_a_resolution_needs_its_text(buyer, dealer, agent):
    complaint = file_complaint(buyer=buyer, dealer=dealer)
    services.complaint_transition(complaint=complaint, to_status=Status.ACKNOWLEDGED, actor=agent)
    services.complaint_transition(complaint=complaint, to_status=Status.INVESTIGATING, actor=agent)
    with pytest.raises(DomainError):
        services.complaint_transition(complaint=complaint, to_status=Status.RESOLUTION_PROPOSED, actor=agent)


def _proposed(buyer, dealer, agent, now):
    complaint = file_complaint(buyer=buyer, dealer=dealer, now=now)
    services.complaint_transition(complaint=complaint, to_status=Status.ACKNOWLEDGED, actor=agent, now=now)
    services.complaint_transition(complaint=complaint, to_status=Status.INVESTIGATING, actor=agent, now=now)
    complaint.resolution = "The dealer replaces the ignition coil free of charge."
    complaint.save(update_fields=["resolution"])
    services.complaint_transition(complaint=complaint, to_status=Status.RESOLUTION_PROPOSED, actor=agent, now=now)
    return complaint


def test_rejecting_the_proposed_resolution_reopens_the_case_with_a_fresh_deadline(buyer, dealer, agent):
    complaint = _proposed(buyer, dealer, agent, at(2026, 11, 23, 10))
    assert complaint.next_deadline_at is None  # the customer decides; no clock runs against staff
    services.complaint_customer_decide(
        complaint=complaint, actor=buyer, accept=False, reason="The light is back.", now=at(2026, 11, 30, 10)
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.REOPENED
    assert complaint.customer_feedback == "The light is back."
    assert complaint.resolve_due_at == at(2026, 12, 3, 18)
    assert complaint.next_deadline_kind == "resolve"
    assert [e.action for e in audit_trail(complaint)][-1] == "customer_rejected"


def test_rejecting_without_a_reason_or_by_someone_else_is_refused(buyer, other_buyer, dealer, agent):
    complaint = _proposed(buyer, dealer, agent, at(2026, 11, 23, 10))
    with pytest.raises(DomainError):
        services.complaint_customer_decide(complaint=complaint, actor=buyer, accept=False, reason="  ")
    for user in (other_buyer, dealer, agent):
        with pytest.raises(PermissionDeniedError):
            services.complaint_customer_decide(complaint=complaint, actor=user, accept=True)


def test_the_whole_lifecycle_to_closed_leaves_an_audit_row_per_step(buyer, dealer, agent):
    complaint = _proposed(buyer, dealer, agent, at(2026, 11, 23, 10))
    services.complaint_customer_decide(complaint=complaint, actor=buyer, accept=True)
    services.complaint_transition(complaint=complaint, to_status=Status.CLOSED, actor=agent)
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED and complaint.closed_at and complaint.next_reminder_at is None
    moves = [(e.from_status, e.to_status) for e in audit_trail(complaint) if e.to_status and e.action != "filed"]
    assert moves == [
        ("new", "acknowledged"),
        ("acknowledged", "investigating"),
        ("investigating", "resolution_proposed"),
        ("resolution_proposed", "resolved"),
        ("resolved", "closed"),
    ]


def test_pausing_stops_the_clock_and_resuming_moves_deadlines_by_the_working_time_paused(buyer, dealer, agent):
    complaint = file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 11, 23, 10))
    services.complaint_pause(complaint=complaint, actor=agent, reason="Photos of the dashboard", now=at(2026, 11, 23, 11))
    assert complaint.next_reminder_at is None and complaint.sla_state() == "paused"
    assert services.complaint_sla_sweep(now=at(2026, 11, 24, 19))["checked"] == 0
    services.complaint_resume(complaint=complaint, actor=agent, now=at(2026, 11, 25, 11))
    complaint.refresh_from_db()
    # Paused Mon 11:00 → Wed 11:00 = 7 h + 9 h + 2 h = 18 working hours = two working days.
    assert complaint.ack_due_at == at(2026, 11, 26, 18)
    assert complaint.response_due_at == at(2026, 11, 30, 18)
    assert complaint.resolve_due_at == at(2026, 12, 4, 18)
    pause = ComplaintPause.objects.get(complaint=complaint)
    assert pause.working_seconds == 18 * 3600
    assert [e.action for e in audit_trail(complaint)][-2:] == ["paused", "resumed"]


def test_pausing_twice_or_resuming_a_running_clock_is_refused(buyer, dealer, agent):
    complaint = file_complaint(buyer=buyer, dealer=dealer)
    with pytest.raises(DomainError):
        services.complaint_resume(complaint=complaint, actor=agent)
    services.complaint_pause(complaint=complaint, actor=agent, reason="ID card copy")
    with pytest.raises(DomainError):
        services.complaint_pause(complaint=complaint, actor=agent, reason="again")


def test_staff_take_unassigned_cases_but_only_supervisors_reassign(buyer, dealer, agent, other_agent, supervisor):
    complaint = file_complaint(buyer=buyer, dealer=dealer)
    services.complaint_assign(complaint=complaint, assignee=agent, actor=agent)
    with pytest.raises(PermissionDeniedError):
        services.complaint_assign(complaint=complaint, assignee=other_agent, actor=other_agent)
    with pytest.raises(PermissionDeniedError):
        services.complaint_assign(complaint=complaint, assignee=other_agent, actor=agent)
    services.complaint_assign(complaint=complaint, assignee=other_agent, actor=supervisor)
    assert complaint.assignee == other_agent
    assert Notification.objects.filter(recipient=other_agent, kind="complaint.assigned").exists()
    assert [e.action for e in audit_trail(complaint)].count("assigned") == 2


def test_a_staff_reply_is_the_first_response_and_internal_notes_stay_internal(buyer, dealer, agent):
    complaint = file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 11, 23, 10))
    services.complaint_post_message(
        complaint=complaint, author=agent, body="Checking with the dealer.", internal=True, now=at(2026, 11, 23, 11)
    )
    assert complaint.first_response_at is None
    assert not Notification.objects.filter(recipient=buyer, kind="complaint.message").exists()
    services.complaint_post_message(complaint=complaint, author=agent, body="We are looking into it.", now=at(2026, 11, 23, 12))
    assert complaint.first_response_at == at(2026, 11, 23, 12)
    assert Notification.objects.filter(recipient=buyer, kind="complaint.message").count() == 1


def test_customers_and_dealers_cannot_write_internal_notes_and_strangers_cannot_write(buyer, other_buyer, dealer, other_dealer):
    complaint = file_complaint(buyer=buyer, dealer=dealer)
    with pytest.raises(PermissionDeniedError):
        services.complaint_post_message(complaint=complaint, author=dealer, body="psst", internal=True)
    for stranger in (other_buyer, other_dealer):
        with pytest.raises(PermissionDeniedError):
            services.complaint_post_message(complaint=complaint, author=stranger, body="hello")
    message = services.complaint_post_message(complaint=complaint, author=dealer, body="We will call you today.")
    assert message.author_role == "dealer"
    assert Notification.objects.filter(recipient=buyer, kind="complaint.message").exists()


class TestSlaSweep:
    def test_reminds_the_assignee_four_working_hours_ahead_once(self, buyer, dealer, agent):
        complaint = file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 11, 23, 10))
        services.complaint_assign(complaint=complaint, assignee=agent, actor=agent)
        assert services.complaint_sla_sweep(now=at(2026, 11, 24, 13, 59))["checked"] == 0
        result = services.complaint_sla_sweep(now=at(2026, 11, 24, 14))
        assert result["reminded"] == 1
        key = f"complaint:{complaint.pk}:ack:{at(2026, 11, 24, 18).astimezone(dt.UTC).isoformat()}:remind"
        assert Notification.objects.get(dedupe_key=key).recipient == agent
        assert services.complaint_sla_sweep(now=at(2026, 11, 24, 15))["checked"] == 0

    def test_a_missed_deadline_is_marked_escalated_and_told_to_supervisors_and_customer_once(
        self, buyer, dealer, agent, supervisor
    ):
        complaint = file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 11, 23, 10))
        services.complaint_assign(complaint=complaint, assignee=agent, actor=agent)
        result = services.complaint_sla_sweep(now=at(2026, 11, 24, 18, 1))
        assert result == {"checked": 1, "reminded": 0, "breached": 1, "escalated": 1}
        complaint.refresh_from_db()
        assert complaint.status == Status.ESCALATED
        assert complaint.ack_breached_at == at(2026, 11, 24, 18, 1) and complaint.breached_at
        assert complaint.sla_state(at(2026, 11, 24, 18, 2)) == "breached"
        assert complaint.next_deadline_kind == "response"
        assert Notification.objects.filter(recipient=supervisor, kind="complaint.escalated").count() == 1
        assert Notification.objects.filter(recipient=buyer, kind="complaint.delayed").count() == 1
        assert "sla_breached" in [e.action for e in audit_trail(complaint)]
        again = services.complaint_sla_sweep(now=at(2026, 11, 24, 18, 5))
        assert again["breached"] == 0
        assert Notification.objects.filter(kind__in=["complaint.escalated", "complaint.delayed"]).count() == 2

    def test_unassigned_cases_remind_the_supervisors(self, buyer, dealer, supervisor):
        file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 11, 23, 10))
        services.complaint_sla_sweep(now=at(2026, 11, 24, 15))
        assert Notification.objects.filter(recipient=supervisor, kind="complaint.reminder").count() == 1

    def test_the_sweep_takes_batches_until_nothing_is_due(self, buyer, dealer):
        for _ in range(3):
            file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 11, 23, 10))
        result = services.complaint_sla_sweep(now=at(2026, 11, 24, 15), batch_size=2)
        assert result["checked"] == 3 and result["reminded"] == 3
        assert services.complaint_sla_sweep(now=at(2026, 11, 24, 15), batch_size=2)["checked"] == 0


@time_machine.travel(at(2026, 11, 24, 15), tick=False)
def test_queryset_sla_state_matches_the_model(buyer, dealer):
    due_soon = file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 11, 23, 10))
    on_track = file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 11, 24, 10))
    breached = file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 11, 20, 10))
    states = dict(Complaint.objects.with_sla_state().values_list("pk", "sla"))
    assert states == {due_soon.pk: "due_soon", on_track.pk: "on_track", breached.pk: "breached"}
    for c in (due_soon, on_track, breached):
        assert c.sla_state() == states[c.pk]


def test_the_receipt_reads_in_the_language_of_whoever_reads_it(buyer, dealer):
    complaint = file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 11, 23, 10))
    receipt = Notification.objects.get(dedupe_key=f"complaint:{complaint.pk}:received")
    assert receipt.subject == "" and receipt.kind == "complaint.received"  # kind + params stored, no text
    subject, body = receipt.render("en")
    assert subject == f"We received your complaint {complaint.number}"
    assert "acknowledge it by 24 Nov 2026, 18:00" in body and "answer by 26 Nov 2026, 18:00" in body
    subject, body = receipt.render("zh-hans")
    assert subject.startswith("我们已收到您的投诉") and complaint.number in subject
    assert "2026年11月24日 18:00" in body and "2026年11月26日 18:00" in body


def _after_sales_request(buyer, dealer):
    order = make_order(buyer=buyer, dealer=dealer)
    order.delivered_at = timezone.now() - dt.timedelta(days=3)
    order.delivery_odometer_km = 35000
    order.save(update_fields=["delivered_at", "delivery_odometer_km"])
    coverage = warranty_services.coverage_start(order=order)
    return warranty_services.request_create(
        coverage=coverage, actor=buyer, kind="repair", description="Gearbox slips", odometer_km=35100
    )


def test_a_complaint_about_an_after_sales_request_links_the_request_its_order_and_dealer(buyer, other_buyer, dealer):
    request = _after_sales_request(buyer, dealer)
    complaint = file_complaint(buyer=buyer, after_sales_request=request, category="after_sales")
    assert complaint.after_sales_request == request
    assert complaint.order == request.coverage.order and complaint.dealer == dealer
    assert list(request.complaints.all()) == [complaint]
    with pytest.raises(PermissionDeniedError):
        file_complaint(buyer=other_buyer, after_sales_request=request)


def test_the_customers_answer_restarts_a_paused_clock(buyer, dealer, agent):
    complaint = file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 11, 23, 10))
    services.complaint_pause(complaint=complaint, actor=agent, reason="Photos please", now=at(2026, 11, 23, 11))
    services.complaint_post_message(
        complaint=complaint, author=buyer, body="Here they are", files=[jpeg_upload()], now=at(2026, 11, 23, 15)
    )
    complaint.refresh_from_db()
    assert not complaint.is_paused
    assert complaint.ack_due_at == at(2026, 11, 25, 13)  # moved by the 4 working hours paused
    assert complaint.next_reminder_at is not None
