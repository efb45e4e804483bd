"""Staff admin: case lists with filters, the legal floor refused in the policy form, activating a policy,
and the case actions going through the services."""

import pytest
from django.urls import reverse

from warranty.models import AfterSalesRequest, WarrantyClaim, WarrantyPolicy
from warranty.tests.factories import open_claim, open_request, sh


@pytest.mark.parametrize(
    "model", ["aftersalesrequest", "warrantyclaim", "coverage", "warrantypolicy", "repairshop", "repairrecord"]
)
def test_admin_changelists_load(client, staff_user, model):
    client.force_login(staff_user)
    assert client.get(reverse(f"admin:warranty_{model}_changelist")).status_code == 200


@pytest.mark.parametrize("query", ["status=submitted", "deadline=overdue", "deadline=24h", "deadline=none", "dealer=1"])
def test_case_filters_by_status_deadline_and_dealer(client, staff_user, query):
    client.force_login(staff_user)
    assert client.get(reverse("admin:warranty_aftersalesrequest_changelist") + "?" + query).status_code == 200


def test_admin_refuses_a_policy_below_the_legal_floor(client, staff_user):
    client.force_login(staff_user)
    policy = WarrantyPolicy.objects.get(is_active=True)
    response = client.post(
        reverse("admin:warranty_warrantypolicy_change", args=[policy.pk]),
        {
            "name": policy.name,
            "is_active": "on",
            "window_days": 30,
            "window_km": 3000,
            "warranty_months": 2,
            "warranty_km": 20000,
        },
    )
    assert response.status_code == 200
    assert "Art. 19" in response.content.decode()
    policy.refresh_from_db()
    assert policy.warranty_months == 12


def test_activating_a_new_policy_in_the_admin_retires_the_old_one(client, staff_user):
    client.force_login(staff_user)
    old = WarrantyPolicy.objects.get(is_active=True)
    response = client.post(
        reverse("admin:warranty_warrantypolicy_add"),
        {
            "name": "2027 terms",
            "is_active": "on",
            "window_days": 30,
            "window_km": 3000,
            "warranty_months": 18,
            "warranty_km": 30000,
        },
    )
    assert response.status_code == 302
    assert WarrantyPolicy.objects.get(is_active=True).name == "2027 terms"
    old.refresh_from_db()
    assert not old.is_active


def test_the_first_step_actions_move_submitted_cases_through_the_services(client, staff_user, coverage, engine_part):
    request = open_request(coverage, at=sh(2026, 3, 6, 10, 0))
    claim = open_claim(coverage, engine_part)
    client.force_login(staff_user)
    for model, action, case in (("aftersalesrequest", "acknowledge", request), ("warrantyclaim", "start_review", claim)):
        response = client.post(
            reverse(f"admin:warranty_{model}_changelist"), {"action": action, "_selected_action": [case.pk]}, follow=True
        )
        assert "1 " in " ".join(str(m) for m in response.context["messages"])
    assert AfterSalesRequest.objects.get().status == AfterSalesRequest.Status.UNDER_ASSESSMENT
    assert WarrantyClaim.objects.get().status == WarrantyClaim.Status.UNDER_REVIEW
