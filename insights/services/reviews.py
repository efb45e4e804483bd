"""Verified reviews (buyer → dealer) and buyer ratings (dealer → buyer) of delivered orders."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import is_platform_staff
from contracts.models import Order
from core.calendar import local_date
from core.errors import DomainError
from core.periods import end_of_day, is_within, last_day
from core.statemachine import audit

from ..errors import AlreadyReplied, AlreadyReviewed, EditWindowClosed, ReviewNotAllowed
from ..models import BuyerRating, Review

EDIT_WINDOW_DAYS = 14
REVIEW_FIELDS = ("overall", "as_described", "communication", "delivery", "after_sales", "comment")


def review_edit_deadline(written_at: dt.datetime) -> dt.datetime:
    """24:00 Asia/Shanghai of the 14th day after the day the review was written (that day not counted)."""
    return end_of_day(last_day(local_date(written_at), days=EDIT_WINDOW_DAYS))


def _locked_delivered_order(order: Order, user, party: str, *, once: type[Review | BuyerRating], already: DomainError) -> Order:
    """The order's row, locked, if it is delivered, ``user`` is its ``party`` ("buyer" or "dealer") and it has
    no ``once`` row (its review, its buyer rating) yet; ``already`` is raised otherwise. The lock makes "once
    per order" hold when two submissions race."""
    order = Order.objects.select_for_update().select_related("listing").get(pk=order.pk)
    if order.status != Order.Status.DELIVERED:
        raise ReviewNotAllowed(_("Only a delivered order can be reviewed."), code="not_delivered")
    if order.party_of(user) != party:
        raise ReviewNotAllowed(_("Only the parties of this order can review it."), code="not_party")
    if once.objects.filter(order=order).exists():
        raise already
    return order


def _require_staff(actor) -> None:
    if not is_platform_staff(actor):
        raise ReviewNotAllowed(_("Only staff can hide reviews."), code="not_staff")


@transaction.atomic
def review_create(
    *,
    order: Order,
    buyer,
    overall: int,
    as_described: int,
    communication: int,
    delivery: int,
    after_sales: int | None = None,
    comment: str = "",
    now: dt.datetime | None = None,
) -> Review:
    """The buyer of a delivered order reviews its dealer, once."""
    now = now or timezone.now()
    already = AlreadyReviewed(_("You have already reviewed this purchase."), code="already_reviewed")
    order = _locked_delivered_order(order, buyer, "buyer", once=Review, already=already)
    review = Review(
        order=order,
        buyer=buyer,
        dealer_id=order.listing.dealer_id,
        overall=overall,
        as_described=as_described,
        communication=communication,
        delivery=delivery,
        after_sales=after_sales,
        comment=comment.strip(),
        created_at=now,
        editable_until=review_edit_deadline(now),
    )
    review.full_clean()
    review.save()
    audit(review, action="review_written", actor=buyer)
    return review


@transaction.atomic
def review_update(*, review: Review, actor, now: dt.datetime | None = None, **fields) -> Review:
    """The author edits their review while the 14-day window is open."""
    now = now or timezone.now()
    if actor.pk != review.buyer_id:
        raise ReviewNotAllowed(_("Only the author can edit this review."), code="not_author")
    if not is_within(now, review.editable_until):
        raise EditWindowClosed(
            _("Reviews can be edited for %(days)s days only.") % {"days": EDIT_WINDOW_DAYS}, code="edit_closed"
        )
    unknown = set(fields) - set(REVIEW_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(review, name, value.strip() if name == "comment" else value)
    review.edited_at = now
    review.full_clean()
    review.save(update_fields=[*fields, "edited_at"])
    audit(review, action="review_edited", actor=actor)
    return review


@transaction.atomic
def review_reply(*, review: Review, dealer, text: str, now: dt.datetime | None = None) -> Review:
    """The reviewed dealer answers publicly, once."""
    if dealer.pk != review.dealer_id:
        raise ReviewNotAllowed(_("Only the reviewed dealer can reply."), code="not_dealer")
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.replied_at:
        raise AlreadyReplied(_("You have already replied to this review."), code="already_replied")
    text = (text or "").strip()
    if not text:
        raise ReviewNotAllowed(_("Write a reply first."), code="empty_reply")
    review.reply = text
    review.replied_at = now or timezone.now()
    review.save(update_fields=["reply", "replied_at"])
    audit(review, action="review_replied", actor=dealer)
    return review


@transaction.atomic
def review_hide(*, review: Review, actor, reason: str, now: dt.datetime | None = None) -> Review:
    """Staff hide an abusive review; the reason goes to the audit trail (and stays on the row)."""
    _require_staff(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ReviewNotAllowed(_("Give the reason for hiding this review."), code="no_reason")
    review.is_hidden = True
    review.hidden_reason = reason[:255]
    review.hidden_at = now or timezone.now()
    review.save(update_fields=["is_hidden", "hidden_reason", "hidden_at"])
    audit(review, action="review_hidden", actor=actor, from_status="visible", to_status="hidden", note=reason)
    return review


@transaction.atomic
def review_unhide(*, review: Review, actor, reason: str = "") -> Review:
    """Staff restore a hidden review (the earlier reason stays in the audit trail)."""
    _require_staff(actor)
    review.is_hidden = False
    review.hidden_reason = ""
    review.hidden_at = None
    review.save(update_fields=["is_hidden", "hidden_reason", "hidden_at"])
    audit(review, action="review_restored", actor=actor, from_status="hidden", to_status="visible", note=reason)
    return review


@transaction.atomic
def buyer_rating_create(
    *,
    order: Order,
    dealer,
    payment_on_time: int,
    communication: int,
    comment: str = "",
    now: dt.datetime | None = None,
) -> BuyerRating:
    """The dealer of a delivered order rates its buyer, once."""
    already = AlreadyReviewed(_("You have already rated this buyer for this order."), code="already_rated")
    order = _locked_delivered_order(order, dealer, "dealer", once=BuyerRating, already=already)
    rating = BuyerRating(
        order=order,
        dealer=dealer,
        buyer_id=order.buyer_id,
        payment_on_time=payment_on_time,
        communication=communication,
        comment=(comment or "").strip(),
        created_at=now or timezone.now(),
    )
    rating.full_clean()
    rating.save()
    return rating
