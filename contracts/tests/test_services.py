import datetime as dt
import hashlib
import re
import subprocess
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from contracts import services
from contracts.errors import AlreadyReserved, ContractLocked, NotAParty, SigningRefused
from contracts.models import Amendment, Contract, Order, Signature
from contracts.signals import order_delivered
from contracts.tasks import contract_render_pdfs_task
from core.errors import DomainError, PermissionDeniedError
from core.models import OutboxMessage
from marketplace.models import Listing
from marketplace.tests.factories import ListingFactory
from notifications.models import Notification

from .factories import delivered_order, paid_order, reserve, sign, signed_order

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def test_reserving_a_published_car_creates_an_order_and_reserves_the_listing(buyer, dealer):
    listing = ListingFactory(dealer=dealer, price=Decimal("128800"))
    order = services.order_reserve(buyer=buyer, listing=listing, now=T0)
    listing.refresh_from_db()
    assert order.status == Order.Status.RESERVED
    assert listing.status == Listing.Status.RESERVED
    assert order.expires_at == T0 + dt.timedelta(hours=48)
    assert order.contract.number.startswith("AX-2026-")
    assert Notification.objects.filter(recipient=dealer, kind="contracts.order_reserved").count() == 1


def test_reserving_a_reserved_car_is_refused(buyer, other_buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    with pytest.raises(AlreadyReserved):
        services.order_reserve(buyer=other_buyer, listing=order.listing)
    assert Order.objects.count() == 1


def test_database_constraint_refuses_a_second_active_order_even_without_the_lock(buyer, other_buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    Listing.objects.filter(pk=order.listing_id).update(status=Listing.Status.PUBLISHED)  # a caller that skipped the lock
    with pytest.raises(AlreadyReserved):
        services.order_reserve(buyer=other_buyer, listing=order.listing)


def test_dealers_cannot_reserve_cars(dealer, other_dealer):
    with pytest.raises(PermissionDeniedError):
        reserve(buyer=other_dealer, dealer=dealer)


def test_contract_numbers_are_sequential_per_year(buyer, other_buyer):
    a = reserve(buyer=buyer, now=T0).contract.number
    b = reserve(buyer=other_buyer, now=T0).contract.number
    c = reserve(buyer=buyer, now=dt.datetime(2027, 1, 5, tzinfo=dt.UTC)).contract.number
    assert (a, b, c) == ("AX-2026-000001", "AX-2026-000002", "AX-2027-000001")


# --- expiry ----------------------------------------------------------------------------------


def test_reservation_is_still_valid_at_47_hours_59_minutes(buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer, now=T0)
    with time_machine.travel(T0 + dt.timedelta(hours=47, minutes=59), tick=False):
        assert services.order_expire_reservations(now=timezone.now()) == 0
    order.refresh_from_db()
    assert order.status == Order.Status.RESERVED


def test_reservation_expires_at_exactly_48_hours_and_the_car_is_published_again(buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer, now=T0)
    with time_machine.travel(T0 + dt.timedelta(hours=48), tick=False):
        assert services.order_expire_reservations(now=timezone.now()) == 1
    order.refresh_from_db()
    order.listing.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.cancel_kind == Order.CancelKind.EXPIRED
    assert order.listing.status == Listing.Status.PUBLISHED
    keys = set(Notification.objects.filter(kind="contracts.reservation_expired").values_list("dedupe_key", flat=True))
    assert keys == {f"contracts:order:{order.pk}:expired:buyer", f"contracts:order:{order.pk}:expired:dealer"}


def test_expiry_sweep_is_idempotent_and_batches(buyer, other_buyer, settings):
    settings.RESERVATION_HOURS = 24
    orders = [reserve(buyer=buyer, now=T0), reserve(buyer=other_buyer, now=T0), reserve(buyer=other_buyer, now=T0)]
    later = T0 + dt.timedelta(hours=24)
    assert services.order_expire_reservations(now=later, batch_size=2) == 3
    assert services.order_expire_reservations(now=later, batch_size=2) == 0
    assert Notification.objects.filter(kind="contracts.reservation_expired").count() == 2 * len(orders)


def test_fully_signed_orders_never_expire(buyer, dealer):
    order = signed_order(buyer=buyer, dealer=dealer, now=T0)
    assert services.order_expire_reservations(now=T0 + dt.timedelta(days=10)) == 0
    order.refresh_from_db()
    assert order.status == Order.Status.CONTRACT_SIGNED


def test_signing_after_the_deadline_is_refused_even_before_the_sweep_runs(buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer, now=T0)
    with pytest.raises(SigningRefused):
        sign(order, buyer, now=T0 + dt.timedelta(hours=48))


# --- cancel / decline ------------------------------------------------------------------------


def test_buyer_can_cancel_before_signing(buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    services.order_cancel(order=order, actor=buyer)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert Listing.objects.get(pk=order.listing_id).status == Listing.Status.PUBLISHED


def test_dealer_cannot_cancel_as_buyer_and_buyer_cannot_decline(buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    with pytest.raises(NotAParty):
        services.order_cancel(order=order, actor=dealer)
    with pytest.raises(NotAParty):
        services.order_decline(order=order, actor=buyer, reason="x")


def test_dealer_decline_needs_a_reason_and_tells_the_buyer(buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    with pytest.raises(DomainError):
        services.order_decline(order=order, actor=dealer, reason="  ")
    services.order_decline(order=order, actor=dealer, reason="Car sold at the showroom")
    assert Notification.objects.get(recipient=buyer, kind="contracts.order_declined").text.endswith("Car sold at the showroom")


def test_buyer_cannot_cancel_unilaterally_after_signing(buyer, dealer):
    order = signed_order(buyer=buyer, dealer=dealer)
    with pytest.raises(DomainError):
        services.order_cancel(order=order, actor=buyer)


# --- signing ---------------------------------------------------------------------------------


def test_the_dealer_cannot_sign_before_the_buyer(buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    with pytest.raises(SigningRefused) as exc:
        sign(order, dealer)
    assert exc.value.code == "order"
    assert not Signature.objects.exists()


def test_wrong_password_is_refused_and_nothing_is_recorded(buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    with pytest.raises(SigningRefused) as exc:
        sign(order, buyer, password="not-my-password")
    assert exc.value.code == "password"
    assert not Signature.objects.exists()


@pytest.mark.parametrize(
    ("override", "code"),
    [({"consent": False}, "consent"), ({"typed_name": "Somebody Else"}, "name"), ({"content_hash": "0" * 64}, "stale")],
)
def test_signing_needs_consent_the_own_name_and_the_current_text(buyer, dealer, override, code):
    order = reserve(buyer=buyer, dealer=dealer)
    with pytest.raises(SigningRefused) as exc:
        sign(order, buyer, **override)
    assert exc.value.code == code


def test_an_outsider_cannot_sign(buyer, other_buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    with pytest.raises(NotAParty):
        sign(order, other_buyer)


def test_buyer_then_dealer_seals_the_contract_and_queues_its_pdfs_without_rendering_under_the_locks(buyer, dealer, monkeypatch):
    order = reserve(buyer=buyer, dealer=dealer)
    buyer_sig = sign(order, buyer)
    assert buyer_sig.party == "buyer" and buyer_sig.ip_address == "203.0.113.7" and buyer_sig.user_agent == "pytest"
    with pytest.raises(SigningRefused):
        sign(order, buyer)  # twice

    def no_render(*args, **kwargs):
        raise AssertionError("the PDF is rendered while the listing and order rows are locked")

    monkeypatch.setattr("core.pdf.render_pdf", no_render)
    sign(order, dealer)
    order.refresh_from_db()
    contract = order.contract
    assert order.status == Order.Status.CONTRACT_SIGNED
    assert contract.signed_at is not None
    assert {s.content_hash for s in contract.signatures.all()} == {contract.content_hash}
    assert not contract.pdfs.exists()
    queued = OutboxMessage.objects.filter(task_name="contracts.tasks.contract_render_pdfs_task")
    assert list(queued.values_list("args", flat=True)) == [[contract.pk]]


def test_the_worker_renders_one_pdf_per_language_of_at_most_three_pages_each_with_its_hash(buyer, dealer, real_pdf, tmp_path):
    contract = signed_order(buyer=buyer, dealer=dealer).contract
    assert contract_render_pdfs_task(contract.pk) == 2
    documents = {document.language: document for document in contract.pdfs.all()}
    assert set(documents) == {"zh-hans", "en"}
    texts = {}
    for language, document in documents.items():
        with document.file.open("rb") as handle:
            data = handle.read()
        assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == document.sha256
        path = tmp_path / f"{language}.pdf"
        path.write_bytes(data)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
        assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) <= 3, language
        texts[language] = "".join(
            subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout.split()
        )
    assert documents["zh-hans"].sha256 != documents["en"].sha256
    assert "二手车买卖合同" in texts["zh-hans"] and "UsedVehicleSale" not in texts["zh-hans"]
    assert "UsedVehicleSaleandPurchaseContract" in texts["en"] and "违约责任" not in texts["en"]
    assert contract_render_pdfs_task(contract.pk) == 2 and contract.pdfs.count() == 2  # a re-run renders nothing


def test_a_render_racing_another_keeps_the_stored_pdf_and_drops_its_own_file(buyer, dealer, monkeypatch):
    contract = signed_order(buyer=buyer, dealer=dealer).contract
    stored, calls = {}, []

    def render_while_the_other_stores(html, *, base_url=None):
        calls.append(html)
        if len(calls) == 1:  # the other render starts and stores its PDF while this one is still rendering
            stored["pdf"] = services.contract_pdf_get(contract=contract, language="en")
            return b"%PDF-1.7 the loser"
        return b"%PDF-1.7 the winner"

    monkeypatch.setattr("core.pdf.render_pdf", render_while_the_other_stores)
    result = services.contract_pdf_get(contract=contract, language="en")
    assert result.pk == stored["pdf"].pk and contract.pdfs.count() == 1
    with result.file.open("rb") as handle:
        assert handle.read() == b"%PDF-1.7 the winner"
    assert len(list(result.file.storage.listdir(result.file.name.rsplit("/", 1)[0])[1])) == 1  # the loser's file is gone


def test_an_unsigned_contract_has_no_pdf(buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    with pytest.raises(DomainError):
        services.contract_pdf_get(contract=order.contract, language="zh-hans")


def test_terms_cannot_change_once_the_buyer_signed(buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    sign(order, buyer)
    with pytest.raises(ContractLocked):
        services.contract_update_terms(
            contract=order.contract, actor=dealer, agreed_price=Decimal("90000"), payment_method="full",
            delivery_date=timezone.localdate() + dt.timedelta(days=3), delivery_place="Showroom",
        )  # fmt: skip


def test_dealer_terms_update_changes_the_hash_and_a_stale_signature_is_refused(buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer, price=Decimal("100000"))
    old_hash = order.contract.content_hash
    contract = services.contract_update_terms(
        contract=order.contract, actor=dealer, agreed_price=Decimal("95000"), payment_method="instalments",
        delivery_date=timezone.localdate() + dt.timedelta(days=5), delivery_place="Showroom 2",
        payment_schedule=[{"label": "deposit", "amount": "15000", "due": timezone.localdate().isoformat()},
                          {"label": "instalment", "amount": "80000", "due": (timezone.localdate() + dt.timedelta(days=5)).isoformat()}],
    )  # fmt: skip
    assert contract.content_hash != old_hash
    assert "95,000" in contract.content_zh or "95000" in contract.content_zh
    assert "玖万伍仟元整" in contract.content_zh
    with pytest.raises(SigningRefused):
        sign(order, buyer, content_hash=old_hash)
    sign(order, buyer, content_hash=contract.content_hash)


def test_instalments_must_add_up_to_the_agreed_price(buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    with pytest.raises(DomainError):
        services.contract_update_terms(
            contract=order.contract, actor=dealer, agreed_price=Decimal("90000"), payment_method="instalments",
            delivery_date=timezone.localdate() + dt.timedelta(days=5), delivery_place="x",
            payment_schedule=[{"label": "deposit", "amount": "1000", "due": timezone.localdate().isoformat()}],
        )  # fmt: skip


def test_snapshot_is_unaffected_by_later_listing_edits(buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer, price=Decimal("88000"))
    contract = order.contract
    text_before = contract.content_zh
    listing = order.listing
    listing.price = Decimal("50000")
    listing.description = "changed"
    listing.save()
    vehicle = listing.vehicle
    vehicle.mileage_km = 1
    vehicle.colour = "Pink"
    vehicle.save()
    contract.refresh_from_db()
    assert contract.vehicle["mileage_km"] == 35000 and contract.vehicle["colour"] == "White"
    assert contract.listing_price == Decimal("88000")
    assert contract.content_zh == text_before
    assert contract.compute_content_hash() == contract.content_hash


def test_contract_stores_after_sales_terms_and_the_inspection_report_hash(buyer, dealer, monkeypatch):
    monkeypatch.setattr("contracts.services.drafting.inspection_report_of", lambda listing: (3, "ab" * 32))
    order = reserve(buyer=buyer, dealer=dealer)
    contract = order.contract
    assert contract.inspection_report_version == 3 and contract.inspection_report_hash == "ab" * 32
    assert contract.terms["window_days"] == 30 and contract.terms["warranty_km"] == 20000
    assert {c["group"] for c in contract.terms["components"]} >= {"engine", "transmission"}
    assert "ab" * 32 in contract.content_zh


def test_without_a_terms_provider_the_contract_carries_the_design_defaults(buyer, dealer, monkeypatch):
    from contracts import terms

    monkeypatch.setattr(terms, "_provider", None)
    order = reserve(buyer=buyer, dealer=dealer)
    assert order.contract.terms["window_km"] == 3000
    assert order.contract.terms["policy_id"] is None


def test_signed_contract_refuses_service_changes(buyer, dealer):
    order = signed_order(buyer=buyer, dealer=dealer)
    with pytest.raises(ContractLocked):
        services.contract_assert_mutable(order.contract)
    with pytest.raises(ContractLocked):
        sign(order, dealer)


# --- amendments ------------------------------------------------------------------------------


def test_delivery_date_amendment_is_a_new_signed_document(buyer, dealer):
    order = signed_order(buyer=buyer, dealer=dealer)
    contract = order.contract
    new_date = timezone.localdate() + dt.timedelta(days=20)
    amendment = services.amendment_create(
        contract=contract, kind="delivery_date", payload={"delivery_date": new_date, "reason": "Paint touch-up"}, actor=dealer
    )
    assert amendment.number == f"{contract.number}-A1"
    for user in (dealer, buyer):
        services.document_sign(
            document=amendment,
            signer=user,
            password="pass-1234-word",
            typed_name=user.full_name,
            consent=True,
            content_hash=amendment.content_hash,
        )
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.EFFECTIVE
    contract.refresh_from_db()
    assert contract.delivery_date != new_date  # the contract itself never changes


def test_mutual_cancellation_cancels_the_order_and_republishes_the_car(buyer, dealer):
    order = paid_order(buyer=buyer, dealer=dealer)
    amendment = services.amendment_create(
        contract=order.contract,
        kind="cancellation",
        payload={"reason": "Buyer moved abroad", "refund_amount": "98000"},
        actor=buyer,
    )
    services.document_sign(
        document=amendment,
        signer=buyer,
        password="pass-1234-word",
        typed_name=buyer.full_name,
        consent=True,
        content_hash=amendment.content_hash,
    )
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    services.document_sign(
        document=amendment,
        signer=dealer,
        password="pass-1234-word",
        typed_name=dealer.full_name,
        consent=True,
        content_hash=amendment.content_hash,
    )
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and order.cancel_kind == Order.CancelKind.MUTUAL
    assert Listing.objects.get(pk=order.listing_id).status == Listing.Status.PUBLISHED


def test_amendments_need_a_signed_contract(buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    with pytest.raises(DomainError):
        services.amendment_create(contract=order.contract, kind="other", payload={"text": "x", "reason": "y"}, actor=buyer)


# --- payment and delivery --------------------------------------------------------------------


def test_payment_is_refused_before_signing_and_above_the_balance(buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    with pytest.raises(DomainError):
        services.payment_record(order=order, actor=dealer, amount=Decimal("1000"), method="cash", reference="R1")
    sign(order, buyer)
    sign(order, dealer)
    with pytest.raises(DomainError):
        services.payment_record(order=order, actor=dealer, amount=order.agreed_price + 1, method="cash", reference="R1")
    with pytest.raises(NotAParty):
        services.payment_record(order=order, actor=buyer, amount=Decimal("1000"), method="cash", reference="R1")


def test_partial_payments_reach_paid_when_the_price_is_covered(buyer, dealer):
    order = signed_order(buyer=buyer, dealer=dealer)
    services.payment_record(order=order, actor=dealer, amount=Decimal("20000"), method="wechat", reference="WX1")
    order.refresh_from_db()
    assert order.status == Order.Status.CONTRACT_SIGNED
    services.payment_record(order=order, actor=dealer, amount=order.agreed_price - 20000, method="bank_transfer", reference="TX2")
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and order.paid_at


def test_delivery_needs_the_full_checklist_and_a_sane_odometer(buyer, dealer):
    order = paid_order(buyer=buyer, dealer=dealer)
    now = timezone.now()
    kwargs = {"order": order, "actor": dealer, "delivered_at": now, "keys_handed_over": True, "documents_handed_over": True}
    with pytest.raises(DomainError):
        services.delivery_record(**kwargs, odometer_km=40000, registration_transfer_started=False)
    with pytest.raises(DomainError):
        services.delivery_record(**kwargs, odometer_km=100, registration_transfer_started=True)  # rolled back
    with pytest.raises(DomainError):
        services.delivery_record(
            **{**kwargs, "delivered_at": now + dt.timedelta(days=1)}, odometer_km=40000, registration_transfer_started=True
        )


def test_buyer_confirmation_delivers_sells_the_listing_and_sends_the_signal(buyer, dealer):
    received = []

    def receiver(sender, order, **kwargs):
        received.append(order.pk)

    order_delivered.connect(receiver)
    try:
        order = delivered_order(buyer=buyer, dealer=dealer, now=T0, odometer_km=35050)
    finally:
        order_delivered.disconnect(receiver)
    assert order.status == Order.Status.DELIVERED
    assert order.delivered_at == T0 and order.delivery_odometer_km == 35050
    assert Listing.objects.get(pk=order.listing_id).status == Listing.Status.SOLD
    assert received == [order.pk]


def test_only_the_buyer_confirms_the_handover(buyer, dealer):
    order = paid_order(buyer=buyer, dealer=dealer)
    services.delivery_record(
        order=order,
        actor=dealer,
        delivered_at=timezone.now(),
        odometer_km=36000,
        keys_handed_over=True,
        documents_handed_over=True,
        registration_transfer_started=True,
    )
    with pytest.raises(NotAParty):
        services.delivery_confirm(order=order, actor=dealer)


def test_visible_to_is_buyer_dealer_and_staff_only(buyer, other_buyer, dealer, other_dealer, staff_user):
    order = reserve(buyer=buyer, dealer=dealer)
    for user, visible in ((buyer, True), (dealer, True), (staff_user, True), (other_buyer, False), (other_dealer, False)):
        assert Order.objects.visible_to(user).filter(pk=order.pk).exists() is visible
        assert Contract.objects.visible_to(user).filter(order=order).exists() is visible


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database triggers need PostgreSQL")
def test_placeholder_for_pg_marker():
    pass
