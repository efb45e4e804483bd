"""``complaint_staff_update``: every combination the admin page submits, and the edits it must refuse whole."""

import pytest

from complaints import services
from complaints.models import Complaint, ComplaintMessage, ComplaintPause
from complaints.services import Clock, StaffEdit, complaint_staff_update
from core.errors import DomainError, InvalidTransition, PermissionDeniedError
from core.models import AuditEvent
from core.statemachine import audit_trail
from notifications.models import Notification

from .factories import at, file_complaint

pytestmark = pytest.mark.django_db
Status = Complaint.Status


def _case(buyer, dealer, *, now=None):
    return file_complaint(buyer=buyer, dealer=dealer, now=now or at(2026, 11, 23, 10))


def _actions(complaint):
    return [e.action for e in audit_trail(complaint)]


def _snapshot(complaint):
    """Everything an edit could touch, to show that a refused edit kept nothing."""
    complaint.refresh_from_db()
    fields = ("status", "assignee_id", "priority", "category", "resolution", "paused_at", "acknowledged_at", "first_response_at")
    return (
        {name: getattr(complaint, name) for name in fields},
        ComplaintMessage.objects.filter(complaint=complaint).count(),
        ComplaintPause.objects.filter(complaint=complaint).count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )


# --- what the page submits, one part at a time and together ------------------------------------------


def test_case_fields_alone_are_saved_without_moving_the_case(buyer, dealer, agent):
    complaint = _case(buyer, dealer)
    edit = StaffEdit(fields={"priority": Complaint.Priority.URGENT, "category": Complaint.Category.CONTRACT})
    complaint_staff_update(complaint=complaint, actor=agent, edit=edit)
    complaint.refresh_from_db()
    assert (complaint.priority, complaint.category, complaint.status) == ("urgent", "contract", Status.NEW)
    assert _actions(complaint) == ["filed"]


def test_taking_a_case_acknowledging_and_replying_in_one_edit(buyer, dealer, agent):
    complaint = _case(buyer, dealer)
    edit = StaffEdit(assignee=agent, transition=Status.ACKNOWLEDGED, reply="We are on it.")
    complaint_staff_update(complaint=complaint, actor=agent, edit=edit, now=at(2026, 11, 23, 11))
    complaint.refresh_from_db()
    assert complaint.assignee == agent and complaint.status == Status.ACKNOWLEDGED
    assert complaint.acknowledged_at == complaint.first_response_at == at(2026, 11, 23, 11)
    assert _actions(complaint) == ["filed", "assigned", "transition", "message_staff"]
    assert set(Notification.objects.filter(recipient=buyer).values_list("kind", flat=True)) == {
        "complaint.received",
        "complaint.acknowledged",
        "complaint.message",
    }


def test_a_resolution_written_and_proposed_in_the_same_edit(buyer, dealer, agent):
    complaint = _case(buyer, dealer)
    complaint_staff_update(complaint=complaint, actor=agent, edit=StaffEdit(transition=Status.ACKNOWLEDGED))
    complaint_staff_update(
        complaint=complaint, actor=agent, edit=StaffEdit(transition=Status.INVESTIGATING, internal_note="Asked the dealer.")
    )
    edit = StaffEdit(
        fields={"resolution": "Free repair of the ignition coil.", "root_cause": Complaint.RootCause.PRODUCT_QUALITY},
        transition=Status.RESOLUTION_PROPOSED,
    )
    complaint_staff_update(complaint=complaint, actor=agent, edit=edit)
    complaint.refresh_from_db()
    assert complaint.status == Status.RESOLUTION_PROPOSED and complaint.resolution_proposed_at
    assert complaint.root_cause == "product_quality"
    proposal = Notification.objects.get(recipient=buyer, kind="complaint.resolution_proposed")
    assert "Free repair of the ignition coil." in proposal.render("en")[1]
    assert complaint.messages.get().is_internal


def test_moving_then_pausing_pauses_the_case_as_the_move_left_it(buyer, dealer, agent):
    complaint = _case(buyer, dealer)
    edit = StaffEdit(transition=Status.ACKNOWLEDGED, clock=Clock.PAUSE, pause_reason="Photos of the dashboard")
    complaint_staff_update(complaint=complaint, actor=agent, edit=edit, now=at(2026, 11, 23, 11))
    complaint.refresh_from_db()
    assert complaint.status == Status.ACKNOWLEDGED and complaint.paused_at == at(2026, 11, 23, 11)
    assert _actions(complaint)[-2:] == ["transition", "paused"]
    assert Notification.objects.filter(recipient=buyer, kind="complaint.waiting").count() == 1


def test_pause_and_resume_through_the_edit_move_deadlines_by_the_working_time_paused(buyer, dealer, agent):
    complaint = _case(buyer, dealer)
    pause = StaffEdit(clock=Clock.PAUSE, pause_reason="ID card copy")
    complaint_staff_update(complaint=complaint, actor=agent, edit=pause, now=at(2026, 11, 23, 11))
    complaint.refresh_from_db()
    assert complaint.next_reminder_at is None and complaint.sla_state() == "paused"
    complaint_staff_update(complaint=complaint, actor=agent, edit=StaffEdit(clock=Clock.RESUME), now=at(2026, 11, 25, 11))
    complaint.refresh_from_db()
    # Mon 11:00 → Wed 11:00 is 18 working hours: every open deadline moves two working days.
    assert complaint.ack_due_at == at(2026, 11, 26, 18)
    assert complaint.resolve_due_at == at(2026, 12, 4, 18)
    assert not complaint.is_paused and complaint.next_reminder_at is not None


def test_resuming_and_proposing_in_one_edit_resumes_the_clock_first(buyer, dealer, agent):
    complaint = _case(buyer, dealer)
    for status in (Status.ACKNOWLEDGED, Status.INVESTIGATING):
        complaint_staff_update(complaint=complaint, actor=agent, edit=StaffEdit(transition=status))
    complaint_staff_update(complaint=complaint, actor=agent, edit=StaffEdit(clock=Clock.PAUSE, pause_reason="Workshop report"))
    edit = StaffEdit(fields={"resolution": "Refund 500 CNY."}, transition=Status.RESOLUTION_PROPOSED, clock=Clock.RESUME)
    complaint_staff_update(complaint=complaint, actor=agent, edit=edit)
    complaint.refresh_from_db()
    assert complaint.status == Status.RESOLUTION_PROPOSED and not complaint.is_paused
    assert _actions(complaint)[-2:] == ["resumed", "transition"]


def test_a_supervisor_gives_a_colleague_s_case_to_someone_else(buyer, dealer, agent, other_agent, supervisor):
    complaint = _case(buyer, dealer)
    complaint_staff_update(complaint=complaint, actor=agent, edit=StaffEdit(assignee=agent))
    complaint_staff_update(complaint=complaint, actor=supervisor, edit=StaffEdit(assignee=other_agent))
    complaint.refresh_from_db()
    assert complaint.assignee == other_agent
    assert Notification.objects.filter(recipient=other_agent, kind="complaint.assigned").count() == 1


# --- refused whole: nothing of the edit is kept ---------------------------------------------------------


def test_a_non_supervisor_cannot_reassign_a_colleague_s_case_and_nothing_else_is_applied(buyer, dealer, agent, other_agent):
    complaint = _case(buyer, dealer)
    complaint_staff_update(complaint=complaint, actor=other_agent, edit=StaffEdit(assignee=other_agent))
    before = _snapshot(complaint)
    edit = StaffEdit(
        assignee=agent,
        fields={"priority": Complaint.Priority.HIGH},
        transition=Status.ACKNOWLEDGED,
        reply="I'm taking this over.",
    )
    with pytest.raises(PermissionDeniedError):
        complaint_staff_update(complaint=complaint, actor=agent, edit=edit)
    assert _snapshot(complaint) == before


def test_an_invalid_move_refuses_the_whole_edit(buyer, dealer, agent):
    complaint = _case(buyer, dealer)
    before = _snapshot(complaint)
    edit = StaffEdit(assignee=agent, transition=Status.CLOSED, internal_note="closing", fields={"priority": "high"})
    with pytest.raises(InvalidTransition):
        complaint_staff_update(complaint=complaint, actor=agent, edit=edit)
    with pytest.raises(InvalidTransition):  # only the customer reopens
        complaint_staff_update(complaint=complaint, actor=agent, edit=StaffEdit(transition=Status.REOPENED))
    assert _snapshot(complaint) == before


def test_the_clock_refusals(buyer, dealer, agent):
    complaint = _case(buyer, dealer)
    before = _snapshot(complaint)
    refused = [
        StaffEdit(clock=Clock.RESUME, reply="Resuming"),  # it is not paused
        StaffEdit(clock=Clock.PAUSE, pause_reason="  "),  # say what you wait for
        StaffEdit(clock=Clock.PAUSE, pause_reason="Photos", transition=Status.ESCALATED, reply="x"),
    ]
    with pytest.raises(DomainError, match="not paused"):
        complaint_staff_update(complaint=complaint, actor=agent, edit=refused[0])
    with pytest.raises(DomainError, match="waiting for"):
        complaint_staff_update(complaint=complaint, actor=agent, edit=refused[1])
    complaint_staff_update(complaint=complaint, actor=agent, edit=StaffEdit(clock=Clock.PAUSE, pause_reason="Photos"))
    with pytest.raises(DomainError, match="already paused"):
        complaint_staff_update(complaint=complaint, actor=agent, edit=refused[2])
    complaint.refresh_from_db()
    assert complaint.status == Status.NEW and ComplaintPause.objects.filter(complaint=complaint).count() == 1
    assert before[1] == ComplaintMessage.objects.filter(complaint=complaint).count()


def test_a_pause_is_refused_for_a_case_the_edit_hands_to_the_customer(buyer, dealer, agent):
    complaint = _case(buyer, dealer)
    for status in (Status.ACKNOWLEDGED, Status.INVESTIGATING):
        complaint_staff_update(complaint=complaint, actor=agent, edit=StaffEdit(transition=status))
    edit = StaffEdit(fields={"resolution": "Refund"}, transition=Status.RESOLUTION_PROPOSED, clock=Clock.PAUSE, pause_reason="x")
    refusals = services.staff_edit_refusals(complaint=complaint, actor=agent, edit=edit)
    assert list(refusals) == ["clock"]
    with pytest.raises(DomainError):
        complaint_staff_update(complaint=complaint, actor=agent, edit=edit)
    complaint.refresh_from_db()
    assert complaint.status == Status.INVESTIGATING and complaint.resolution == ""


def test_refusals_name_the_part_of_the_edit_they_concern(buyer, dealer, agent, other_agent):
    complaint = _case(buyer, dealer)
    complaint_staff_update(complaint=complaint, actor=other_agent, edit=StaffEdit(assignee=other_agent))
    for status in (Status.ACKNOWLEDGED, Status.INVESTIGATING):
        complaint_staff_update(complaint=complaint, actor=other_agent, edit=StaffEdit(transition=status))
    edit = StaffEdit(assignee=agent, transition=Status.RESOLUTION_PROPOSED, clock=Clock.PAUSE)
    refusals = services.staff_edit_refusals(complaint=complaint, actor=agent, edit=edit)
    assert set(refusals) == {"assignee", "resolution", "clock"}


def test_customers_and_dealers_cannot_use_the_staff_edit(buyer, dealer):
    complaint = _case(buyer, dealer)
    before = _snapshot(complaint)
    for user in (buyer, dealer):
        with pytest.raises(PermissionDeniedError):
            complaint_staff_update(complaint=complaint, actor=user, edit=StaffEdit(fields={"priority": "urgent"}))
    assert _snapshot(complaint) == before


def test_a_step_that_fails_late_rolls_back_the_steps_before_it(buyer, dealer, agent, monkeypatch):
    """The refusals are checked first, but a later step may still refuse (another writer got there first):
    then the assignment, move, reply and notifications already made are undone too."""
    complaint = _case(buyer, dealer)
    before = _snapshot(complaint)

    def pause_refused(**kwargs):
        raise DomainError("The clock is already paused.", code="already_paused")

    monkeypatch.setattr("complaints.services.staff_edit.complaint_pause", pause_refused)
    edit = StaffEdit(
        assignee=agent,
        fields={"priority": Complaint.Priority.HIGH},
        transition=Status.ACKNOWLEDGED,
        reply="On it",
        internal_note="Note",
        clock=Clock.PAUSE,
        pause_reason="Photos",
    )
    with pytest.raises(DomainError):
        complaint_staff_update(complaint=complaint, actor=agent, edit=edit)
    assert _snapshot(complaint) == before


def test_the_edit_refuses_fields_staff_do_not_edit():
    with pytest.raises(ValueError):
        StaffEdit(fields={"status": Status.CLOSED})
