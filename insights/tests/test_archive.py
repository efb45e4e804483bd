"""Customer archive (客户档案): masked by default, unmasked only with the permission, every unmasked view audited;
buyer credit records only for the dealers a buyer deals with."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from conftest import make_user
from contracts.models import Order
from core.models import AuditEvent
from insights import services
from insights.selectors.people import tier_for

from .factories import at, sold_order


@pytest.fixture
def cs_agent(db):
    return make_user("agent", "staff", is_staff=True)


@pytest.fixture
def privacy_officer(db):
    user = make_user("officer", "staff", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_personal_data", content_type__app_label="accounts"))
    return user


def test_staff_without_the_permission_see_masked_data_and_nothing_is_logged(buyer, dealer, cs_agent, client):
    sold_order(buyer=buyer, dealer=dealer, delivered_at=at(2026, 3, 1))
    client.force_login(cs_agent)
    response = client.get(reverse("insights:customer", args=[buyer.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "138****1234" in body and "13812341234" not in body
    assert "1101**********1234" in body and "110101199003071234" not in body
    assert not AuditEvent.objects.filter(action="personal_data_viewed").exists()


def test_staff_with_the_permission_see_unmasked_data_and_every_view_is_logged(buyer, privacy_officer, client):
    client.force_login(privacy_officer)
    for _ in range(2):
        body = client.get(reverse("insights:customer", args=[buyer.pk])).content.decode()
        assert "13812341234" in body and "110101199003071234" in body
    events = AuditEvent.objects.filter(action="personal_data_viewed", object_id=buyer.pk)
    assert events.count() == 2 and {e.actor for e in events} == {privacy_officer}


def test_archive_shows_tier_orders_and_reviews(buyer, dealer, cs_agent, client):
    orders = [sold_order(buyer=buyer, dealer=dealer, delivered_at=at(2026, m, 1)) for m in (1, 2, 3)]
    services.review_create(
        order=orders[0], buyer=buyer, overall=4, as_described=4, communication=4, delivery=4, comment="Nice dealer"
    )
    client.force_login(cs_agent)
    response = client.get(reverse("insights:customer", args=[buyer.pk]))
    body = response.content.decode()
    assert "VIP customer" in body and "Nice dealer" in body and f"#{orders[2].pk}" in body
    assert client.get(reverse("insights:customers")).status_code == 200


@pytest.mark.parametrize(("purchases", "tier"), [(0, "new"), (1, "regular"), (2, "regular"), (3, "vip")])
def test_tiers_by_completed_purchases(purchases, tier):
    assert tier_for(purchases) == tier


def test_buyers_and_dealers_cannot_open_the_archive(buyer, dealer, client):
    for user in (buyer, dealer):
        client.force_login(user)
        assert client.get(reverse("insights:customer", args=[buyer.pk])).status_code == 403


def test_buyer_credit_record_is_visible_to_dealers_they_deal_with_only(buyer, dealer, other_dealer, other_buyer, client):
    order = sold_order(buyer=buyer, dealer=dealer, delivered_at=at(2026, 3, 1))
    cancelled = sold_order(buyer=buyer, dealer=dealer, delivered_at=at(2026, 3, 5))
    Order.objects.filter(pk=cancelled.pk).update(status=Order.Status.CANCELLED, cancel_kind=Order.CancelKind.BUYER_CANCELLED)
    services.buyer_rating_create(order=order, dealer=dealer, payment_on_time=5, communication=4)
    url = reverse("insights:buyer_credit", args=[buyer.pk])
    client.force_login(dealer)
    response = client.get(url)
    assert response.status_code == 200
    credit = response.context["credit"]
    assert (credit["purchases"], credit["cancellations"]) == (1, 1)
    assert "13812341234" not in response.content.decode()
    for outsider in (other_dealer, other_buyer):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
