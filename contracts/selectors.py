"""Reads: order lists with everything their rows show, and next steps (public verification: ``verification``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Prefetch, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from .models import Amendment, Order, Payment, Signature


def _with_rows(qs):
    return (
        qs.select_related(
            "buyer", "listing", "listing__vehicle", "listing__dealer", "listing__dealer__dealer_profile", "contract", "delivery"
        )
        .prefetch_related(Prefetch("contract__signatures", queryset=Signature.objects.order_by("signed_at")))
        # The paid total as a correlated subquery: a SUM over the payments join made the list a GROUP BY of every
        # column of seven tables.
        .annotate(
            paid_total=Coalesce(
                Subquery(
                    Payment.objects.filter(order=OuterRef("pk"))
                    .order_by()
                    .values("order")
                    .annotate(total=Sum("amount"))
                    .values("total")[:1]
                ),
                Value(Decimal(0)),
                output_field=DecimalField(max_digits=12, decimal_places=2),
            )
        )
    )


def orders_for_buyer(user):
    return _with_rows(Order.objects.filter(buyer=user)).order_by("-created_at")


def orders_for_dealer(user, *, status: str = ""):
    qs = Order.objects.filter(listing__dealer=user)
    if status == "open":
        qs = qs.filter(status__in=Order.OPEN_STATUSES)
    elif status in Order.Status.values:
        qs = qs.filter(status=status)
    return _with_rows(qs).order_by("-created_at")


def order_for_detail(user, pk: int) -> Order | None:
    return _with_rows(Order.objects.visible_to(user)).filter(pk=pk).first()


@dataclass
class NextSteps:
    headline: str
    buyer: list[str] = field(default_factory=list)
    dealer: list[str] = field(default_factory=list)
    step: int = 0  # 1 reserve … 5 delivered, for the progress bar


def _signature(order: Order, party: str):
    contract = getattr(order, "contract", None)
    if contract is None:
        return None
    return contract.signature_of(party)


def order_next_steps(order: Order) -> NextSteps:
    """What happens next and what each party still has to do (no queries on a ``_with_rows`` order)."""
    status = order.status
    expires = date_format(localtime(order.expires_at), "DATETIME_FORMAT") if order.expires_at else ""
    if status == Order.Status.RESERVED:
        if _signature(order, Signature.Party.BUYER) is None:
            return NextSteps(
                _("Waiting for the buyer to sign the contract"),
                buyer=[_("Review the full contract and sign it before %(time)s.") % {"time": expires}],
                dealer=[
                    _("Check the contract terms (price, payment, delivery) — you can adjust them until the buyer signs."),
                    _("Countersign after the buyer."),
                ],
                step=1,
            )
        return NextSteps(
            _("Waiting for the dealer to countersign"),
            buyer=[],
            dealer=[_("Countersign the contract before %(time)s.") % {"time": expires}],
            step=2,
        )
    if status == Order.Status.CONTRACT_SIGNED:
        paid = getattr(order, "paid_total", Decimal(0)) or Decimal(0)
        outstanding = order.agreed_price - paid
        return NextSteps(
            _("Contract signed — waiting for payment"),
            buyer=[_("Pay ¥%(amount)s as set out in the contract.") % {"amount": f"{outstanding:,.0f}"}],
            dealer=[_("Record each payment you receive.")],
            step=3,
        )
    if status == Order.Status.PAID:
        delivery = getattr(order, "delivery", None) if hasattr(order, "delivery") else None
        if delivery is None:
            contract = getattr(order, "contract", None)
            when = date_format(contract.delivery_date, "DATE_FORMAT") if contract else ""
            return NextSteps(
                _("Paid — waiting for the handover"),
                buyer=[_("Collect the car on %(date)s.") % {"date": when}],
                dealer=[_("Hand over the car and record the delivery (date, odometer, checklist).")],
                step=4,
            )
        return NextSteps(
            _("Handover recorded — waiting for the buyer's confirmation"),
            buyer=[_("Confirm the handover (time and odometer) to start your guarantees.")],
            dealer=[],
            step=4,
        )
    if status == Order.Status.DELIVERED:
        return NextSteps(_("Delivered — the guarantees are running"), step=5)
    if status == Order.Status.RETURNED:
        return NextSteps(_("Returned and refunded"), step=5)
    return NextSteps(_("Cancelled"), step=0)


def amendments_of(order: Order):
    contract = getattr(order, "contract", None)
    if contract is None:
        return Amendment.objects.none()
    return contract.amendments.prefetch_related("signatures").select_related("proposed_by").order_by("sequence")
