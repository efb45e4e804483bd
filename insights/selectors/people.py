"""Buyers as seen by the platform: the credit record dealers see, and the staff customer archive (客户档案)."""

from __future__ import annotations

from django.db.models import Avg, Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import is_dealer, is_platform_staff
from complaints.models import Complaint
from contracts.models import Order
from marketplace.models import Conversation
from surveys.models import Survey
from warranty.models import AfterSalesRequest, WarrantyClaim

from ..models import BuyerRating, Review

BUYER_FAULT_CANCELLATIONS = (Order.CancelKind.BUYER_CANCELLED, Order.CancelKind.EXPIRED)
REGULAR_FROM = 1
VIP_FROM = 3
TIERS = {"new": _("New customer"), "regular": _("Regular customer"), "vip": _("VIP customer")}


def tier_for(purchases: int) -> str:
    """new: no completed purchase yet · regular: 1–2 · VIP: 3 or more."""
    if purchases >= VIP_FROM:
        return "vip"
    if purchases >= REGULAR_FROM:
        return "regular"
    return "new"


def buyer_credit(buyer) -> dict:
    """Completed purchases, cancellations (the buyer's own or lapsed reservations), returns, dealers' ratings."""
    orders = Order.objects.filter(buyer=buyer).aggregate(
        purchases=Count("pk", filter=Q(status=Order.Status.DELIVERED)),
        returns=Count("pk", filter=Q(status=Order.Status.RETURNED)),
        cancellations=Count("pk", filter=Q(status=Order.Status.CANCELLED, cancel_kind__in=BUYER_FAULT_CANCELLATIONS)),
        other_cancellations=Count("pk", filter=Q(status=Order.Status.CANCELLED) & ~Q(cancel_kind__in=BUYER_FAULT_CANCELLATIONS)),
        open=Count("pk", filter=Q(status__in=Order.OPEN_STATUSES)),
    )
    ratings = BuyerRating.objects.filter(buyer=buyer).aggregate(
        n=Count("pk"), payment=Avg("payment_on_time"), communication=Avg("communication")
    )
    return {
        **orders,
        "ratings": ratings,
        "tier": tier_for(orders["purchases"]),
        "tier_label": TIERS[tier_for(orders["purchases"])],
        "member_since": buyer.date_joined,
    }


def buyers_visible_to(user):
    """Buyers whose credit record ``user`` may open: staff see all; a dealer those with an order or a
    conversation about one of the dealer's cars; a buyer only themself."""
    buyers = User.objects.filter(role=User.Role.BUYER)
    if not getattr(user, "is_authenticated", False):
        return buyers.none()
    if is_platform_staff(user):
        return buyers
    if is_dealer(user):
        return buyers.filter(
            Exists(Order.objects.filter(buyer=OuterRef("pk"), listing__dealer=user))
            | Exists(Conversation.objects.filter(buyer=OuterRef("pk"), dealer=user))
        )
    return buyers.filter(pk=user.pk)


def customers(query: str = ""):
    """The archive list: buyers with purchase counts (one query per page)."""
    qs = User.objects.filter(role=User.Role.BUYER).annotate(
        purchases=Count("orders", filter=Q(orders__status=Order.Status.DELIVERED), distinct=True),
        order_count=Count("orders", distinct=True),
    )
    if query:
        qs = qs.filter(Q(username__icontains=query) | Q(full_name__icontains=query) | Q(email__icontains=query))
    return qs.order_by("-purchases", "username")


def customer_archive(customer) -> dict:
    """Everything the archive page shows about one customer (a fixed number of queries)."""
    orders = list(
        Order.objects.filter(buyer=customer)
        .select_related("listing__vehicle", "listing__dealer__dealer_profile")
        .order_by("-reserved_at")
    )
    return {
        "credit": buyer_credit(customer),
        "orders": orders,
        "complaints": list(Complaint.objects.filter(complainant=customer).order_by("-created_at")),
        "requests": list(
            AfterSalesRequest.objects.filter(coverage__order__buyer=customer)
            .select_related("coverage__order__listing__vehicle")
            .order_by("-submitted_at")
        ),
        "claims": list(
            WarrantyClaim.objects.filter(coverage__order__buyer=customer)
            .select_related("part", "coverage__order__listing__vehicle")
            .order_by("-submitted_at")
        ),
        "surveys": list(Survey.objects.filter(respondent=customer).order_by("-due_at")),
        "reviews": list(
            Review.objects.filter(buyer=customer).select_related("dealer__dealer_profile", "order__listing__vehicle")
        ),
        "ratings": list(BuyerRating.objects.filter(buyer=customer).select_related("dealer__dealer_profile")),
    }
