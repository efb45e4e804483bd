"""Staff admin: case lists with filters, and the legal floor refused in the policy form."""

import pytest
from django.urls import reverse

from warranty.models import WarrantyPolicy


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
