"""Every move of an order's lifecycle (``Order.TRANSITIONS``), each with its audit row and the car's listing
moved by marketplace, and the moves that must be refused."""

import datetime as dt
from decimal import Decimal

import pytest

from contracts import services
from contracts.errors import AlreadyReserved
from contracts.models import Order
from core.errors import DomainError, InvalidTransition
from core.statemachine import audit_trail
from marketplace.models import Listing
from marketplace.tests.factories import ListingFactory

from .factories import delivered_order, paid_order, reserve, sign, signed_order

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def last_move(obj):
    """(from, to) of the last status change audited for ``obj``."""
    row = [event for event in audit_trail(obj) if event.to_status][-1]
    return row.from_status, row.to_status


def listing_status(order: Order) -> str:
    return Listing.objects.get(pk=order.listing_id).status


def test_reserve_makes_a_reserved_order_and_reserves_the_car(buyer, dealer):
    listing = ListingFactory(dealer=dealer)
    order = services.order_reserve(buyer=buyer, listing=listing, now=T0)
    assert order.status == Order.Status.RESERVED
    assert listing_status(order) == Listing.Status.RESERVED
    assert last_move(order) == ("", Order.Status.RESERVED)
    assert last_move(Listing.objects.get(pk=listing.pk)) == (Listing.Status.PUBLISHED, Listing.Status.RESERVED)


def test_cancel_moves_reserved_to_cancelled_and_the_car_back_on_sale(buyer, dealer):
    order = services.order_cancel(order=reserve(buyer=buyer, dealer=dealer), actor=buyer, reason="Changed my mind")
    assert (order.status, order.cancel_kind) == (Order.Status.CANCELLED, Order.CancelKind.BUYER_CANCELLED)
    assert last_move(order) == (Order.Status.RESERVED, Order.Status.CANCELLED)
    assert listing_status(order) == Listing.Status.PUBLISHED


def test_decline_moves_reserved_to_cancelled_and_the_car_back_on_sale(buyer, dealer):
    order = services.order_decline(order=reserve(buyer=buyer, dealer=dealer), actor=dealer, reason="Sold at the showroom")
    assert (order.status, order.cancel_kind) == (Order.Status.CANCELLED, Order.CancelKind.DEALER_DECLINED)
    assert last_move(order) == (Order.Status.RESERVED, Order.Status.CANCELLED)
    assert listing_status(order) == Listing.Status.PUBLISHED


def test_expire_moves_reserved_to_cancelled_at_the_deadline(buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer, now=T0)
    assert services.order_expire_reservations(now=T0 + dt.timedelta(hours=48)) == 1
    order.refresh_from_db()
    assert (order.status, order.cancel_kind) == (Order.Status.CANCELLED, Order.CancelKind.EXPIRED)
    assert last_move(order) == (Order.Status.RESERVED, Order.Status.CANCELLED)
    assert listing_status(order) == Listing.Status.PUBLISHED


def test_both_signatures_move_reserved_to_contract_signed(buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    sign(order, buyer)
    order.refresh_from_db()
    assert order.status == Order.Status.RESERVED  # one signature changes nothing
    sign(order, dealer)
    order.refresh_from_db()
    assert order.status == Order.Status.CONTRACT_SIGNED
    assert last_move(order) == (Order.Status.RESERVED, Order.Status.CONTRACT_SIGNED)
    assert listing_status(order) == Listing.Status.RESERVED


def test_full_payment_moves_contract_signed_to_paid(buyer, dealer):
    order = signed_order(buyer=buyer, dealer=dealer)
    services.payment_record(order=order, actor=dealer, amount=order.agreed_price, method="cash", reference="R1")
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert last_move(order) == (Order.Status.CONTRACT_SIGNED, Order.Status.PAID)


def test_confirmed_handover_moves_paid_to_delivered_and_sells_the_car(buyer, dealer):
    order = delivered_order(buyer=buyer, dealer=dealer, now=T0)
    assert order.status == Order.Status.DELIVERED
    assert last_move(order) == (Order.Status.PAID, Order.Status.DELIVERED)
    assert listing_status(order) == Listing.Status.SOLD


def test_return_moves_delivered_to_returned_and_the_car_back_on_sale(buyer, dealer, staff_user):
    order = delivered_order(buyer=buyer, dealer=dealer, now=T0)
    order = services.order_return(order=order, actor=staff_user, note="30-day return accepted")
    order.refresh_from_db()
    assert order.status == Order.Status.RETURNED
    assert last_move(order) == (Order.Status.DELIVERED, Order.Status.RETURNED)
    listing = Listing.objects.get(pk=order.listing_id)
    assert listing.status == Listing.Status.PUBLISHED
    assert last_move(listing) == (Listing.Status.SOLD, Listing.Status.PUBLISHED)


def test_a_returned_car_can_be_reserved_again_by_another_buyer(buyer, other_buyer, dealer, staff_user):
    order = delivered_order(buyer=buyer, dealer=dealer, now=T0)
    services.order_return(order=order, actor=staff_user)
    again = services.order_reserve(buyer=other_buyer, listing=order.listing)
    assert again.status == Order.Status.RESERVED
    assert Order.objects.filter(listing=order.listing).active().get() == again


# --- refused moves ---------------------------------------------------------------------------


@pytest.mark.parametrize("make", [reserve, signed_order, paid_order])
def test_an_order_that_is_not_delivered_cannot_be_returned(make, buyer, dealer, staff_user):
    order = make(buyer=buyer, dealer=dealer)
    status, listing_before = order.status, listing_status(order)
    with pytest.raises(InvalidTransition):
        services.order_return(order=order, actor=staff_user)
    order.refresh_from_db()
    assert (order.status, listing_status(order)) == (status, listing_before)


def test_a_returned_order_cannot_be_returned_twice(buyer, dealer, staff_user):
    order = delivered_order(buyer=buyer, dealer=dealer)
    services.order_return(order=order, actor=staff_user)
    with pytest.raises(InvalidTransition):
        services.order_return(order=order, actor=staff_user)
    assert Order.objects.get(pk=order.pk).status == Order.Status.RETURNED


def test_a_sold_car_cannot_be_reserved(buyer, other_buyer, dealer):
    order = delivered_order(buyer=buyer, dealer=dealer)
    with pytest.raises(AlreadyReserved):
        services.order_reserve(buyer=other_buyer, listing=order.listing)
    assert Order.objects.filter(listing=order.listing).count() == 1


def test_a_cancelled_order_cannot_be_cancelled_declined_or_signed_again(buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    services.order_cancel(order=order, actor=buyer)
    with pytest.raises(DomainError):
        services.order_cancel(order=order, actor=buyer)
    with pytest.raises(DomainError):
        services.order_decline(order=order, actor=dealer, reason="late")
    with pytest.raises(DomainError):
        sign(order, buyer)
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED


def test_payment_and_handover_are_refused_out_of_order(buyer, dealer):
    order = signed_order(buyer=buyer, dealer=dealer)
    with pytest.raises(DomainError):
        services.delivery_confirm(order=order, actor=buyer)
    order = paid_order(buyer=buyer, dealer=dealer, listing=ListingFactory(dealer=dealer))
    with pytest.raises(DomainError):
        services.payment_record(order=order, actor=dealer, amount=Decimal("1"), method="cash", reference="R2")
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID


def test_the_order_map_allows_exactly_the_documented_moves():
    s = Order.Status
    assert {
        s.RESERVED: {s.CONTRACT_SIGNED, s.CANCELLED},
        s.CONTRACT_SIGNED: {s.PAID, s.CANCELLED},
        s.PAID: {s.DELIVERED, s.CANCELLED},
        s.DELIVERED: {s.RETURNED},
        s.CANCELLED: set(),
        s.RETURNED: set(),
    } == Order.TRANSITIONS


# --- what the parties are told -------------------------------------------------------------------


def test_a_reservation_notice_reads_in_the_language_it_is_shown_in(buyer, dealer):
    from notifications.models import Notification

    order = reserve(buyer=buyer, dealer=dealer)
    notice = Notification.objects.get(recipient=dealer, kind="contracts.order_reserved")
    assert notice.subject == "" and notice.params["hours"] == 48  # stored as kind + parameters, not text
    car = str(order.listing.vehicle)
    assert notice.render("en")[0] == f"New reservation: {car}"
    assert notice.render("zh-hans")[0] == f"新预订：{car}"
    assert "48" in notice.render("zh-hans")[1] and buyer.display_name in notice.render("zh-hans")[1]


def test_only_the_expiry_sweep_s_notice_is_a_clock():
    from contracts import notices
    from notifications.kinds import NoticeKind

    kinds = [value for value in vars(notices).values() if isinstance(value, NoticeKind)]
    assert {kind.code for kind in kinds if kind.clock} == {"contracts.reservation_expired"}
    assert all(kind.code.startswith("contracts.") for kind in kinds)
