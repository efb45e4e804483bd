"""Warranty cases on the SLA engine: deadlines from the staff-editable ``CaseSlaPolicy`` of the case type
(DESIGN.md defaults without a row), a reminder once per deadline (not re-tried every run), a new stage
starting a new deadline and reminder, and the policies editable in the admin by staff only."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Notification
from warranty import notices, services
from warranty.models import AfterSalesRequest, CaseSlaPolicy
from warranty.tests.factories import open_claim, open_request, sh

pytestmark = pytest.mark.django_db


def _reminders():
    return Notification.objects.filter(kind=notices.CASE_DEADLINE_REMINDER.code)


def test_every_case_type_has_a_default_policy_row_staff_can_edit():
    assert set(CaseSlaPolicy.objects.values_list("case_type", flat=True)) == set(CaseSlaPolicy.CaseType.values)
    row = CaseSlaPolicy.objects.get(case_type=CaseSlaPolicy.CaseType.CLAIM)
    assert (row.acknowledge_working_days, row.assess_working_days, row.complete_working_days, row.reminder_lead_hours) == (
        1,
        3,
        10,
        24,
    )


def test_a_request_runs_on_the_policy_of_its_kind(coverage):
    CaseSlaPolicy.objects.filter(case_type="request_repair").update(acknowledge_working_days=2, assess_working_days=4)
    repair = open_request(coverage, at=sh(2026, 3, 6, 10, 0))  # Fri
    assert repair.acknowledge_due_at == sh(2026, 3, 10, 18) and repair.assess_due_at == sh(2026, 3, 12, 18)
    assert repair.next_deadline_at == repair.acknowledge_due_at
    assert repair.next_reminder_at == sh(2026, 3, 9, 18)  # 24 hours ahead


def test_without_policy_rows_the_design_defaults_apply(coverage):
    CaseSlaPolicy.objects.all().delete()
    request = open_request(coverage, at=sh(2026, 3, 6, 10, 0))
    assert (request.acknowledge_due_at, request.assess_due_at, request.complete_due_at) == (
        sh(2026, 3, 9, 18),
        sh(2026, 3, 11, 18),
        sh(2026, 3, 20, 18),
    )


def test_a_longer_reminder_lead_reminds_earlier(coverage):
    CaseSlaPolicy.objects.filter(case_type="request_repair").update(reminder_lead_hours=48)
    open_request(coverage, at=sh(2026, 3, 6, 10, 0))  # acknowledge by Mon 9 Mar 18:00
    assert services.warranty_sla_sweep(now=sh(2026, 3, 7, 17, 59))["reminded"] == 0
    assert services.warranty_sla_sweep(now=sh(2026, 3, 7, 18, 0))["reminded"] == 1


def test_a_claim_authorised_without_a_shop_estimate_is_due_in_the_policy_s_days(coverage, engine_part, shop, staff_user):
    CaseSlaPolicy.objects.filter(case_type="claim").update(complete_working_days=5)
    claim = open_claim(coverage, engine_part, day=dt.date(2026, 4, 1))
    import time_machine

    with time_machine.travel(sh(2026, 4, 2, 10), tick=False):
        claim = services.claim_authorise(claim=claim, actor=staff_user, shop=shop)
    assert claim.complete_due_at == sh(2026, 4, 10, 18)  # 5 working days after Thu 2 Apr (Qingming 4–6 Apr)
    assert claim.next_reminder_at == sh(2026, 4, 9, 18)


def test_a_reminder_fires_once_per_deadline_and_later_runs_touch_nothing(coverage):
    open_request(coverage, at=sh(2026, 3, 6, 10, 0))
    assert services.warranty_sla_sweep(now=sh(2026, 3, 9, 9, 0))["reminded"] == 1
    for minute in (5, 10, 15):  # every 5 minutes until the deadline: nothing is due, nothing is tried
        with CaptureQueriesContext(connection) as queries:
            assert services.warranty_sla_sweep(now=sh(2026, 3, 9, 9, minute)) == {"reminded": 0, "breached": 0}
        assert not any("notifications_notification" in q["sql"] for q in queries.captured_queries)
    assert _reminders().count() == 1


def test_the_next_stage_starts_a_new_deadline_with_its_own_reminder(coverage):
    request = open_request(coverage, at=sh(2026, 3, 6, 10, 0))
    services.warranty_sla_sweep(now=sh(2026, 3, 9, 9, 0))  # reminded of the acknowledgement
    request = services.request_start_assessment(request=request, actor=coverage.order.listing.dealer)
    request.refresh_from_db()
    assert request.next_deadline_at == request.assess_due_at == sh(2026, 3, 11, 18)
    assert request.next_reminder_at == sh(2026, 3, 10, 18)
    assert services.warranty_sla_sweep(now=sh(2026, 3, 10, 18, 0))["reminded"] == 1
    assert sorted(n.dedupe_key.split(":")[3] for n in _reminders()) == ["submitted", "under_assessment"]


def test_a_closed_case_has_no_clock(coverage, staff_user):
    request = open_request(coverage, at=sh(2026, 3, 6, 10, 0))
    request = services.request_start_assessment(request=request, actor=staff_user)
    request = services.request_reject(
        request=request, actor=staff_user, reason=AfterSalesRequest.RejectionReason.MISUSE, note="x"
    )
    request.refresh_from_db()
    assert request.next_deadline_at is None and request.next_reminder_at is None
    assert services.warranty_sla_sweep(now=sh(2026, 4, 30)) == {"reminded": 0, "breached": 0}


def test_staff_edit_case_policies_in_the_admin_list_and_others_are_kept_out(client, staff_user, buyer):
    url = reverse("admin:warranty_caseslapolicy_changelist")
    client.force_login(buyer)
    assert client.get(url).status_code == 302  # to the admin login
    client.force_login(staff_user)
    response = client.get(url)
    assert response.status_code == 200
    assert "id_form-0-acknowledge_working_days" in response.content.decode()


def test_a_policy_with_deadlines_out_of_order_is_refused():
    from django.core.exceptions import ValidationError

    policy = CaseSlaPolicy.objects.get(case_type="claim")
    policy.assess_working_days = 12  # more than complete (10)
    with pytest.raises(ValidationError):
        policy.full_clean()
