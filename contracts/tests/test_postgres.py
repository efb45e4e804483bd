"""Guarantees only PostgreSQL can give: row locks under real concurrency, and database triggers.

Run with your own database, e.g.
DATABASE_URL=postgres://postgres@127.0.0.1:5432/anxin_contracts .venv/bin/pytest contracts/tests/test_postgres.py
"""

import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, connections, transaction

from contracts import services
from contracts.errors import AlreadyReserved
from contracts.models import Contract, Order, Signature
from core.statemachine import audit_trail
from marketplace.models import Listing
from marketplace.tests.factories import ListingFactory, UserFactory

from .factories import delivered_order, signed_order

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (row locks, triggers)"),
]

THREADS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_buyers_reserving_the_same_car_at_once_make_exactly_one_order():
    listing = ListingFactory(price=Decimal("99000"))
    buyers = [UserFactory(username=f"racer{i}", full_name=f"Racer {i}") for i in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(buyer):
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                services.order_reserve(buyer=buyer, listing=listing)
            result = "won"
        except AlreadyReserved:
            result = "refused"
        except Exception as exc:  # noqa: BLE001 - reported in the assertion below
            result = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(b,)) for b in buyers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["refused"] * (THREADS - 1) + ["won"], outcomes
    assert Order.objects.filter(listing=listing).count() == 1
    assert Listing.objects.get(pk=listing.pk).status == Listing.Status.RESERVED
    assert Contract.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_return_racing_new_reservations_of_the_same_car_sells_it_at_most_once(staff_user):
    """A delivered car comes back (``order_return``) while THREADS buyers try to reserve it. Both flows lock
    the listing row first, so every reservation either ran while the car was still sold (refused) or after the
    return committed (exactly one wins); never two live orders, never a listing that disagrees with them."""
    listing = ListingFactory(price=Decimal("99000"))
    sold = delivered_order(buyer=UserFactory(username="first_owner", full_name="First Owner"), listing=listing)
    buyers = [UserFactory(username=f"next{i}", full_name=f"Next {i}") for i in range(THREADS)]
    barrier = threading.Barrier(THREADS + 1)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(label, action):
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                action()
            result = label
        except AlreadyReserved:
            result = "refused"
        except Exception as exc:  # noqa: BLE001 - reported in the assertion below
            result = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=("returned", lambda: services.order_return(order=sold, actor=staff_user)))]
    threads += [
        threading.Thread(target=run, args=("won", lambda b=b: services.order_reserve(buyer=b, listing=listing))) for b in buyers
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert outcomes.count("returned") == 1 and len(outcomes) == THREADS + 1
    won = outcomes.count("won")
    assert won <= 1 and outcomes.count("refused") == THREADS - won
    sold.refresh_from_db()
    assert sold.status == Order.Status.RETURNED
    active = list(Order.objects.filter(listing=listing).active())
    assert len(active) == won
    assert Order.objects.filter(listing=listing, status=Order.Status.DELIVERED).count() == 0
    listing.refresh_from_db()
    moves = [(e.from_status, e.to_status) for e in audit_trail(listing) if e.to_status]
    if won:
        assert active[0].status == Order.Status.RESERVED and active[0].buyer in buyers
        assert listing.status == Listing.Status.RESERVED
        # The reservation came after the return: sold → published → reserved, in that order.
        assert moves[-2:] == [
            (Listing.Status.SOLD, Listing.Status.PUBLISHED),
            (Listing.Status.PUBLISHED, Listing.Status.RESERVED),
        ]
    else:
        assert listing.status == Listing.Status.PUBLISHED
        assert moves[-1] == (Listing.Status.SOLD, Listing.Status.PUBLISHED)


@pytest.mark.django_db(transaction=True)
def test_contract_numbers_stay_unique_under_concurrent_reservations():
    listings = [ListingFactory() for _ in range(10)]
    buyers = [UserFactory(username=f"numbers{i}") for i in range(10)]
    barrier = threading.Barrier(10)
    errors = []

    def attempt(buyer, listing):
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                services.order_reserve(buyer=buyer, listing=listing)
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(buyers, listings, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    numbers = sorted(Contract.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 10
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == list(range(1, 11))


@pytest.mark.django_db
def test_raw_sql_update_of_a_signed_contract_is_refused_by_the_database(buyer, dealer):
    order = signed_order(buyer=buyer, dealer=dealer)
    contract = order.contract
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE contracts_contract SET agreed_price = 1 WHERE id = %s", [contract.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM contracts_contract WHERE id = %s", [contract.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE contracts_signature SET typed_name = 'forged' WHERE contract_id = %s", [contract.pk])
    contract.refresh_from_db()
    assert contract.agreed_price == order.agreed_price
    assert not Signature.objects.filter(typed_name="forged").exists()


@pytest.mark.django_db
def test_orm_update_of_a_signed_contract_is_refused_too(buyer, dealer):
    order = signed_order(buyer=buyer, dealer=dealer)
    with pytest.raises(DatabaseError), transaction.atomic():
        Contract.objects.filter(pk=order.contract.pk).update(delivery_place="elsewhere")


@pytest.mark.django_db
def test_an_unsigned_draft_can_still_be_updated(buyer, dealer):
    order = services.order_reserve(buyer=buyer, listing=ListingFactory(dealer=dealer))
    assert Contract.objects.filter(pk=order.contract.pk).update(delivery_place="Showroom 2") == 1


@pytest.mark.django_db
def test_partial_unique_constraint_blocks_a_second_active_order(buyer, other_buyer, dealer):
    order = services.order_reserve(buyer=buyer, listing=ListingFactory(dealer=dealer))
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.create(buyer=other_buyer, listing=order.listing, agreed_price=1)
