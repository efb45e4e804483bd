"""Verified reviews: only parties of a delivered order, once, editable for 14 days, one reply, staff hide."""

import pytest
import time_machine
from django.urls import reverse

from contracts.models import Order
from core.statemachine import audit_trail
from insights import services
from insights.errors import AlreadyReplied, AlreadyReviewed, EditWindowClosed, ReviewNotAllowed
from insights.models import Review

from .factories import at, sold_order

STARS = {"overall": 5, "as_described": 4, "communication": 5, "delivery": 4}


@pytest.fixture
def order(buyer, dealer):
    return sold_order(buyer=buyer, dealer=dealer, delivered_at=at(2026, 3, 1))


def test_buyer_of_a_delivered_order_can_review_its_dealer(order, buyer, dealer):
    review = services.review_create(order=order, buyer=buyer, comment=" Great car ", now=at(2026, 3, 2), **STARS)
    assert review.dealer == dealer and review.comment == "Great car"
    assert [e.action for e in audit_trail(review)] == ["review_written"]


@pytest.mark.parametrize("status", [Order.Status.RESERVED, Order.Status.PAID, Order.Status.CANCELLED, Order.Status.RETURNED])
def test_an_order_that_is_not_delivered_cannot_be_reviewed(order, buyer, status):
    Order.objects.filter(pk=order.pk).update(status=status)
    order.refresh_from_db()
    with pytest.raises(ReviewNotAllowed):
        services.review_create(order=order, buyer=buyer, **STARS)


def test_someone_who_is_not_the_buyer_cannot_review(order, other_buyer, dealer, staff_user):
    for user in (other_buyer, dealer, staff_user):
        with pytest.raises(ReviewNotAllowed):
            services.review_create(order=order, buyer=user, **STARS)
    assert not Review.objects.exists()


def test_a_second_review_of_the_same_order_is_refused(order, buyer):
    services.review_create(order=order, buyer=buyer, **STARS)
    with pytest.raises(AlreadyReviewed):
        services.review_create(order=order, buyer=buyer, **STARS)
    assert Review.objects.count() == 1


def test_review_can_be_edited_until_the_end_of_day_14_and_not_on_day_15(order, buyer):
    # Written 1 Apr 09:00 Shanghai: day 14 is 15 Apr (the day of writing is not counted).
    review = services.review_create(order=order, buyer=buyer, now=at(2026, 4, 1, 9), **STARS)
    with time_machine.travel(at(2026, 4, 15, 23, 59), tick=False):
        services.review_update(review=review, actor=buyer, overall=3)
    review.refresh_from_db()
    assert review.overall == 3 and review.edited_at is not None
    with time_machine.travel(at(2026, 4, 16, 0, 0), tick=False), pytest.raises(EditWindowClosed):
        services.review_update(review=review, actor=buyer, overall=1)
    review.refresh_from_db()
    assert review.overall == 3


def test_only_the_author_can_edit(order, buyer, other_buyer):
    review = services.review_create(order=order, buyer=buyer, **STARS)
    with pytest.raises(ReviewNotAllowed):
        services.review_update(review=review, actor=other_buyer, overall=1)


def test_the_dealer_replies_publicly_once(order, buyer, dealer, other_dealer):
    review = services.review_create(order=order, buyer=buyer, **STARS)
    with pytest.raises(ReviewNotAllowed):
        services.review_reply(review=review, dealer=other_dealer, text="Hi")
    services.review_reply(review=review, dealer=dealer, text="Thank you!")
    with pytest.raises(AlreadyReplied):
        services.review_reply(review=review, dealer=dealer, text="Again")
    review.refresh_from_db()
    assert review.reply == "Thank you!"


def test_staff_hide_a_review_with_the_reason_in_the_audit_trail(order, buyer, dealer, staff_user, client):
    review = services.review_create(order=order, buyer=buyer, comment="abusive words", **STARS)
    with pytest.raises(ReviewNotAllowed):
        services.review_hide(review=review, actor=dealer, reason="I dislike it")
    services.review_hide(review=review, actor=staff_user, reason="Insults the salesperson")
    event = audit_trail(review).get(action="review_hidden")
    assert event.note == "Insults the salesperson" and event.actor == staff_user
    response = client.get(reverse("insights:dealer", args=[dealer.pk]))
    assert "abusive words" not in response.content.decode()


def test_the_dealer_rates_the_buyer_once_and_the_buyer_cannot(order, buyer, dealer):
    with pytest.raises(ReviewNotAllowed):
        services.buyer_rating_create(order=order, dealer=buyer, payment_on_time=5, communication=5)
    services.buyer_rating_create(order=order, dealer=dealer, payment_on_time=5, communication=4)
    with pytest.raises(AlreadyReviewed):
        services.buyer_rating_create(order=order, dealer=dealer, payment_on_time=1, communication=1)


def test_review_page_is_404_for_another_buyer_and_403_for_a_dealer(order, buyer, other_buyer, dealer, client):
    url = reverse("insights:review", args=[order.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    client.force_login(other_buyer)
    assert client.get(url).status_code == 404
    assert client.post(url, {**STARS, "comment": "Not mine"}).status_code == 404
    client.force_login(dealer)  # a dealer on a buyer page
    assert client.get(url).status_code == 403
    assert client.post(url, {**STARS, "comment": "Self-praise"}).status_code == 403
    assert not Review.objects.exists()
    client.force_login(buyer)
    assert client.get(url).status_code == 200
    response = client.post(url, {**STARS, "comment": "Smooth handover"})
    assert response.status_code == 302
    assert Review.objects.get(order=order).comment == "Smooth handover"


def test_a_buyer_on_the_dealers_rating_and_reply_pages_gets_403_and_another_dealer_404(
    order, buyer, dealer, other_dealer, client
):
    review = services.review_create(order=order, buyer=buyer, **STARS)
    rate = reverse("insights:rate_buyer", args=[order.pk])
    reply = reverse("insights:review_reply", args=[review.pk])
    client.force_login(buyer)
    assert client.get(rate).status_code == 403 and client.get(reply).status_code == 403
    client.force_login(other_dealer)
    assert client.get(rate).status_code == 404 and client.get(reply).status_code == 404
    assert client.post(reply, {"text": "Not my review"}).status_code == 404
    client.force_login(dealer)
    assert client.get(rate).status_code == 200
    assert client.post(reply, {"text": "Thank you!"}).status_code == 302
    review.refresh_from_db()
    assert review.reply == "Thank you!"


def test_review_page_for_an_undelivered_order_shows_an_error_not_a_500(buyer, dealer, client):
    order = sold_order(buyer=buyer, dealer=dealer, delivered_at=at(2026, 3, 1), status=Order.Status.PAID)
    client.force_login(buyer)
    response = client.post(reverse("insights:review", args=[order.pk]), STARS)
    assert response.status_code == 200
    assert "Only a delivered order can be reviewed." in response.content.decode()
