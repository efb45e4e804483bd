"""``document_signable_by`` asks the same rules ``document_sign`` enforces (the pages offer the form with it)."""

import datetime as dt

import pytest

from contracts import services

from .factories import reserve, sign, signed_order

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def signable(document, user, now):
    return services.document_signable_by(document=document, user=user, now=now)


def test_the_contract_is_offered_to_the_buyer_first_then_to_the_dealer_until_the_reservation_lapses(
    buyer, other_buyer, dealer, staff_user
):
    order = reserve(buyer=buyer, dealer=dealer, now=T0)
    contract = order.contract
    soon = T0 + dt.timedelta(hours=1)
    assert [signable(contract, u, soon) for u in (buyer, dealer, other_buyer, staff_user)] == [True, False, False, False]
    sign(order, buyer, now=soon)
    contract.refresh_from_db()
    assert [signable(contract, u, soon) for u in (buyer, dealer)] == [False, True]
    assert signable(contract, dealer, T0 + dt.timedelta(hours=48)) is False  # lapsed, even before the sweep


def test_an_amendment_is_offered_to_either_party_until_each_has_signed(buyer, dealer):
    order = signed_order(buyer=buyer, dealer=dealer, now=T0)
    amendment = services.amendment_create(
        contract=order.contract, kind="other", payload={"text": "Floor mats", "reason": "Asked"}, actor=buyer
    )
    assert signable(amendment, buyer, T0) and signable(amendment, dealer, T0)
    services.amendment_withdraw(amendment=amendment, actor=buyer)
    amendment.refresh_from_db()
    assert not signable(amendment, buyer, T0) and not signable(amendment, dealer, T0)
