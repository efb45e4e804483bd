"""The amendment lifecycle (``Amendment.TRANSITIONS``: pending → effective | withdrawn, both final), signed
through the same service as the contract, and what it tells the parties."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from contracts import services
from contracts.errors import ContractLocked, NotAParty, SigningRefused
from contracts.models import Amendment, Signature
from contracts.signals import amendment_effective
from core.errors import InvalidTransition, PermissionDeniedError
from core.statemachine import audit_trail
from notifications.models import Notification

from .factories import PASSWORD, signed_order

pytestmark = pytest.mark.django_db


def propose(order, actor, kind=Amendment.Kind.OTHER, **payload):
    payload = payload or {"text": "Winter tyres included.", "reason": "Agreed at the showroom"}
    return services.amendment_create(contract=order.contract, kind=kind, payload=payload, actor=actor)


def sign(amendment, user, **extra):
    amendment.refresh_from_db()
    return services.document_sign(
        document=amendment,
        signer=user,
        password=PASSWORD,
        typed_name=user.full_name,
        consent=True,
        content_hash=extra.pop("content_hash", amendment.content_hash),
        **extra,
    )


def moves(amendment):
    return [(e.action, e.from_status, e.to_status) for e in audit_trail(amendment) if e.to_status]


@pytest.fixture
def order(buyer, dealer):
    return signed_order(buyer=buyer, dealer=dealer)


def test_the_amendment_map_has_two_moves_out_of_pending_and_none_out_of_the_ends():
    s = Amendment.Status
    assert {s.PENDING: {s.EFFECTIVE, s.WITHDRAWN}, s.EFFECTIVE: set(), s.WITHDRAWN: set()} == Amendment.TRANSITIONS


def test_a_proposal_is_pending_and_tells_only_the_other_party(order, buyer, dealer):
    amendment = propose(order, dealer)
    assert amendment.status == Amendment.Status.PENDING
    assert Notification.objects.filter(kind="contracts.amendment_proposed").get().recipient == buyer


def test_pending_becomes_effective_when_both_have_signed_in_either_order(order, buyer, dealer):
    received = []
    amendment_effective.connect(lambda sender, amendment, **kw: received.append(amendment.pk), weak=False, dispatch_uid="t")
    try:
        amendment = propose(order, buyer)
        sign(amendment, dealer)  # the dealer may sign first
        amendment.refresh_from_db()
        assert amendment.status == Amendment.Status.PENDING and amendment.effective_at is None
        assert Notification.objects.filter(kind="contracts.amendment_signed", recipient=buyer).exists()
        sign(amendment, buyer)
    finally:
        amendment_effective.disconnect(dispatch_uid="t")
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.EFFECTIVE and amendment.effective_at is not None
    assert moves(amendment) == [("effective", Amendment.Status.PENDING, Amendment.Status.EFFECTIVE)]
    assert received == [amendment.pk]
    assert Notification.objects.filter(kind="contracts.amendment_effective").count() == 2


def test_pending_becomes_withdrawn_by_its_proposer(order, dealer):
    amendment = services.amendment_withdraw(amendment=propose(order, dealer), actor=dealer)
    assert Amendment.objects.get(pk=amendment.pk).status == Amendment.Status.WITHDRAWN
    assert moves(amendment) == [("withdrawn", Amendment.Status.PENDING, Amendment.Status.WITHDRAWN)]


def test_the_other_party_cannot_withdraw_a_proposal(order, buyer, dealer):
    amendment = propose(order, dealer)
    with pytest.raises(PermissionDeniedError):
        services.amendment_withdraw(amendment=amendment, actor=buyer)
    assert Amendment.objects.get(pk=amendment.pk).status == Amendment.Status.PENDING
    assert moves(amendment) == []


def test_a_withdrawn_amendment_cannot_be_signed(order, buyer, dealer):
    amendment = propose(order, dealer)
    services.amendment_withdraw(amendment=amendment, actor=dealer)
    with pytest.raises(ContractLocked):
        sign(amendment, buyer)
    assert not Signature.objects.filter(amendment=amendment).exists()


def test_a_withdrawn_amendment_cannot_become_effective_or_pending_again(order, dealer):
    amendment = propose(order, dealer)
    services.amendment_withdraw(amendment=amendment, actor=dealer)
    amendment.refresh_from_db()
    for status in (Amendment.Status.EFFECTIVE, Amendment.Status.PENDING):
        with pytest.raises(InvalidTransition):
            amendment.transition_to(status)


def test_an_effective_amendment_moves_nowhere(order, buyer, dealer):
    amendment = propose(order, dealer)
    sign(amendment, dealer)
    sign(amendment, buyer)
    with pytest.raises(ContractLocked):
        services.amendment_withdraw(amendment=amendment, actor=dealer)
    with pytest.raises(ContractLocked):
        sign(amendment, buyer)
    amendment.refresh_from_db()
    for status in (Amendment.Status.WITHDRAWN, Amendment.Status.PENDING):
        with pytest.raises(InvalidTransition):
            amendment.transition_to(status)
    assert Amendment.objects.get(pk=amendment.pk).status == Amendment.Status.EFFECTIVE


def test_signing_an_amendment_twice_or_as_an_outsider_is_refused(order, buyer, other_buyer, dealer, staff_user):
    amendment = propose(order, dealer)
    sign(amendment, dealer)
    with pytest.raises(SigningRefused) as exc:
        sign(amendment, dealer)
    assert exc.value.code == "already_signed"
    for outsider in (other_buyer, staff_user):
        with pytest.raises(NotAParty):
            sign(amendment, outsider)
    assert Signature.objects.filter(amendment=amendment).count() == 1


def test_an_amendment_whose_text_no_longer_matches_its_hash_is_not_signed(order, dealer):
    amendment = propose(order, dealer)
    Amendment.objects.filter(pk=amendment.pk).update(content_en="Something else entirely")
    with pytest.raises(SigningRefused) as exc:
        sign(amendment, dealer)
    assert exc.value.code == "tampered"


def test_a_cancellation_agreement_needs_an_undelivered_order_when_it_takes_effect(buyer, dealer):
    order = signed_order(buyer=buyer, dealer=dealer)
    amendment = propose(order, buyer, kind=Amendment.Kind.CANCELLATION, reason="Moving abroad", refund_amount="0")
    with pytest.raises(Exception, match="already waiting"):
        propose(order, dealer, kind=Amendment.Kind.CANCELLATION, reason="again", refund_amount="0")
    sign(amendment, buyer)
    sign(amendment, dealer)
    order.refresh_from_db()
    assert order.status == order.Status.CANCELLED and order.cancel_kind == order.CancelKind.MUTUAL


def test_amendment_notices_read_in_the_language_of_the_reader(order, buyer, dealer):
    propose(
        order,
        dealer,
        kind=Amendment.Kind.DELIVERY_DATE,
        delivery_date=timezone.localdate() + dt.timedelta(days=9),
        reason="Paint touch-up",
    )
    notice = Notification.objects.get(kind="contracts.amendment_proposed", recipient=buyer)
    assert notice.render("en")[1] == "A change to your contract was proposed: Delivery date change."
    assert "交车日期变更" in notice.render("zh-hans")[1]
    with translation.override("zh-hans"):
        assert notice.render()[0].startswith("请")
