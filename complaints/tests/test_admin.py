import pytest
from django.urls import reverse

from complaints import services
from complaints.models import Complaint
from core.statemachine import audit_trail

from .factories import file_complaint

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:complaints_complaint_changelist")
ESCALATIONS = reverse("admin:complaints_complaint_escalations")


def change_url(c):
    return reverse("admin:complaints_complaint_change", args=[c.pk])


def post_change(client, complaint, **changes):
    """Submit the admin change form as a browser would: current values plus ``changes``."""
    page = client.get(change_url(complaint))
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value not in (None, ""):
            data[name] = getattr(value, "pk", value)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
        for i, obj_form in enumerate(formset.initial_forms):
            data[f"{formset.prefix}-{i}-id"] = obj_form.instance.pk
    data.update({k: v for k, v in changes.items() if v is not None})
    data["_continue"] = "1"
    return client.post(change_url(complaint), data)


def test_the_changelist_renders_with_sla_badges_and_filters_for_staff(
    client, buyer, dealer, agent, django_assert_max_num_queries
):
    for i in range(5):
        file_complaint(buyer=buyer, dealer=dealer, subject=f"Case {i}")
    client.force_login(agent)
    with django_assert_max_num_queries(25):
        response = client.get(CHANGELIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-sla="') == 5
    for title in ("SLA state", "handled by", "status", "category", "assignee", "dealer", "created"):
        assert f"By {title}" in html or title in html
    assert 'data-testid="escalations-link"' not in html  # not a supervisor
    for query in ("?sla=breached", "?handler=me", "?q=13812341234", "?status=new", "?created_at__year=2026"):
        assert client.get(CHANGELIST + query).status_code == 200


def test_search_finds_a_complaint_by_number_phone_and_vin(client, buyer, dealer, agent):
    complaint = file_complaint(buyer=buyer, dealer=dealer, vin="LSVAB2BR0NA000001")
    file_complaint(buyer=buyer, dealer=dealer, complainant_phone="13900000000", subject="other")
    client.force_login(agent)
    for q in (complaint.number, "13812341234", "LSVAB2BR0NA000001"):
        result = client.get(CHANGELIST, {"q": q}).context["cl"].result_list
        assert list(result) == [complaint], q


def test_staff_without_the_permission_cannot_see_the_supervisor_view(client, agent, supervisor):
    client.force_login(agent)
    assert client.get(ESCALATIONS).status_code == 403
    client.force_login(supervisor)
    response = client.get(ESCALATIONS)
    assert response.status_code == 200 and b'data-testid="escalations"' in response.content
    assert b'data-testid="escalations-link"' in client.get(CHANGELIST).content


def test_bulk_actions_call_the_services_and_leave_audit_rows(client, buyer, dealer, agent, supervisor):
    cases = [file_complaint(buyer=buyer, dealer=dealer) for _ in range(2)]
    client.force_login(agent)
    ids = [c.pk for c in cases]
    client.post(CHANGELIST, {"action": "assign_to_me", "_selected_action": ids})
    client.post(CHANGELIST, {"action": "acknowledge", "_selected_action": ids})
    client.post(CHANGELIST, {"action": "escalate", "_selected_action": ids})
    for c in cases:
        c.refresh_from_db()
        assert c.assignee == agent and c.status == "escalated"
        assert [e.action for e in audit_trail(c)] == ["filed", "assigned", "transition", "transition"]


def test_a_staff_member_cannot_take_a_case_from_a_colleague_in_bulk_or_on_the_page(client, buyer, dealer, agent, other_agent):
    complaint = file_complaint(buyer=buyer, dealer=dealer)
    services.complaint_assign(complaint=complaint, assignee=other_agent, actor=other_agent)
    client.force_login(agent)
    client.post(CHANGELIST, {"action": "assign_to_me", "_selected_action": [complaint.pk]})
    complaint.refresh_from_db()
    assert complaint.assignee == other_agent
    response = post_change(client, complaint, assignee=agent.pk)
    assert response.status_code == 200 and "assignee" in response.context["adminform"].form.errors
    complaint.refresh_from_db()
    assert complaint.assignee == other_agent


def test_the_change_page_offers_only_allowed_transitions(client, buyer, dealer, agent):
    complaint = file_complaint(buyer=buyer, dealer=dealer)
    client.force_login(agent)
    form = client.get(change_url(complaint)).context["adminform"].form
    offered = [value for value, _label in form.fields["transition"].choices if value]
    assert offered == ["acknowledged", "escalated"]
    response = post_change(client, complaint, transition="closed")
    assert response.status_code == 200 and "transition" in response.context["adminform"].form.errors


def test_internal_notes_entered_in_admin_stay_internal(client, buyer, dealer, agent):
    complaint = file_complaint(buyer=buyer, dealer=dealer)
    client.force_login(agent)
    post_change(client, complaint, internal_note="Dealer had 3 similar cases")
    message = complaint.messages.get()
    assert message.is_internal and message.author == agent


def test_a_staff_member_works_a_case_from_new_to_closed_in_the_admin(client, buyer, dealer, agent):
    complaint = file_complaint(buyer=buyer, dealer=dealer)
    client.force_login(agent)
    steps = [
        {"assignee": agent.pk, "transition": "acknowledged", "reply": "We have your complaint and are on it."},
        {"transition": "investigating", "internal_note": "Asked dealer for the workshop report."},
        {"clock": "pause", "pause_reason": "Photos of the dashboard warning"},
        {"clock": "resume"},
        {
            "resolution": "The dealer repairs the ignition coil free of charge.",
            "transition": "resolution_proposed",
            "classification": "substantiated",
            "root_cause": "product_quality",
        },
    ]
    for step in steps:
        response = post_change(client, complaint, **step)
        assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    complaint.refresh_from_db()
    assert complaint.status == "resolution_proposed" and complaint.first_response_at and complaint.root_cause == "product_quality"
    services.complaint_customer_decide(complaint=complaint, actor=buyer, accept=True)
    assert post_change(client, complaint, transition="closed", transition_note="Customer satisfied").status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED
    actions = [e.action for e in audit_trail(complaint)]
    assert {"assigned", "message_staff", "internal_note", "paused", "resumed", "customer_accepted"} <= set(actions)


def test_a_change_page_submission_is_one_staff_update_with_only_what_changed(client, buyer, dealer, agent, monkeypatch):
    complaint = file_complaint(buyer=buyer, dealer=dealer)
    calls = []
    original = services.complaint_staff_update

    def spy(**kwargs):
        calls.append(kwargs["edit"])
        return original(**kwargs)

    monkeypatch.setattr(services, "complaint_staff_update", spy)
    client.force_login(agent)
    response = post_change(
        client, complaint, assignee=agent.pk, priority="urgent", transition="acknowledged", reply="We are on it."
    )
    assert response.status_code == 302
    [edit] = calls
    assert edit.fields == {"priority": "urgent"}
    assert (edit.assignee, edit.transition, edit.reply) == (agent, "acknowledged", "We are on it.")
    complaint.refresh_from_db()
    assert (complaint.assignee, complaint.priority, complaint.status) == (agent, "urgent", "acknowledged")


def test_the_form_shows_the_service_refusals_next_to_their_fields(client, buyer, dealer, agent):
    complaint = file_complaint(buyer=buyer, dealer=dealer)
    client.force_login(agent)
    errors = post_change(client, complaint, clock="pause", pause_reason="").context["adminform"].form.errors
    assert list(errors) == ["pause_reason"]
    for status in ("acknowledged", "investigating"):
        services.complaint_transition(complaint=complaint, to_status=status, actor=agent)
    errors = post_change(client, complaint, transition="resolution_proposed", reply="See below").context["adminform"].form.errors
    assert list(errors) == ["resolution"]
    complaint.refresh_from_db()
    assert complaint.status == "investigating" and not complaint.messages.exists()


def test_a_refusal_the_form_could_not_foresee_keeps_nothing_and_says_why(client, buyer, dealer, agent, other_agent, monkeypatch):
    """Another writer got there between the form's check and the save: the page reports it, nothing is applied."""
    from django.contrib.admin.models import LogEntry

    complaint = file_complaint(buyer=buyer, dealer=dealer)
    client.force_login(agent)
    monkeypatch.setattr(services, "staff_edit_refusals", lambda **kwargs: {})  # the form's check saw no problem
    page = client.get(change_url(complaint))
    services.complaint_assign(complaint=complaint, assignee=other_agent, actor=other_agent)  # meanwhile
    data = {"assignee": agent.pk, "reply": "Mine now", "transition": "acknowledged"}
    form = page.context["adminform"].form
    data.update({n: getattr(form.initial.get(n), "pk", form.initial.get(n)) for n in ("priority", "category", "dealer")})
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({f"{management.prefix}-{n}": management.initial.get(n, 0) for n in management.fields})
    response = client.post(change_url(complaint), {**data, "_continue": "1"}, follow=True)
    complaint.refresh_from_db()
    assert complaint.assignee == other_agent and complaint.status == "new" and not complaint.messages.exists()
    shown = [str(m) for m in response.context["messages"]]
    assert any("Only a supervisor can reassign" in m for m in shown)
    assert not any("changed successfully" in m for m in shown)
    assert not LogEntry.objects.filter(object_id=str(complaint.pk)).exists()
