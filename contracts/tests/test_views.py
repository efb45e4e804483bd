import datetime as dt
import hashlib
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contracts.models import Amendment, Order, Signature
from contracts.services import amendment_create, contract_pdf_get
from marketplace.models import Listing
from marketplace.tests.factories import ListingFactory

from .factories import PASSWORD, delivered_order, paid_order, reserve, signed_order

pytestmark = pytest.mark.django_db


def order_urls(order, amendment=None):
    pk = order.pk
    urls = [
        ("get", reverse("contracts:order_detail", args=[pk])),
        ("post", reverse("contracts:order_cancel", args=[pk])),
        ("get", reverse("contracts:order_decline", args=[pk])),
        ("post", reverse("contracts:order_decline", args=[pk])),
        ("get", reverse("contracts:contract_detail", args=[pk])),
        ("post", reverse("contracts:contract_detail", args=[pk])),
        ("get", reverse("contracts:contract_terms", args=[pk])),
        ("post", reverse("contracts:contract_terms", args=[pk])),
        ("get", reverse("contracts:contract_pdf", args=[pk])),
        ("get", reverse("contracts:payment_create", args=[pk])),
        ("post", reverse("contracts:payment_create", args=[pk])),
        ("get", reverse("contracts:delivery_record", args=[pk])),
        ("post", reverse("contracts:delivery_record", args=[pk])),
        ("post", reverse("contracts:delivery_confirm", args=[pk])),
        ("get", reverse("contracts:amendment_create", args=[pk])),
        ("post", reverse("contracts:amendment_create", args=[pk])),
    ]
    if amendment is not None:
        urls += [
            ("get", reverse("contracts:amendment_detail", args=[amendment.pk])),
            ("post", reverse("contracts:amendment_detail", args=[amendment.pk])),
        ]
    return urls


@pytest.mark.parametrize("outsider_fixture", ["other_buyer", "other_dealer", "inspector"])
def test_outsiders_get_404_on_every_order_and_contract_url(request, client, buyer, dealer, outsider_fixture):
    order = signed_order(buyer=buyer, dealer=dealer)
    amendment = amendment_create(
        contract=order.contract, kind="other", payload={"text": "Add floor mats", "reason": "Asked"}, actor=buyer
    )
    client.force_login(request.getfixturevalue(outsider_fixture))
    for method, url in order_urls(order, amendment):
        response = getattr(client, method)(url, {"reason": "x"} if method == "post" else None)
        assert response.status_code == 404, (method, url, response.status_code)
    order.refresh_from_db()
    assert order.status == Order.Status.CONTRACT_SIGNED


def test_visitors_are_sent_to_sign_in_on_every_order_url(client, buyer, dealer):
    order = signed_order(buyer=buyer, dealer=dealer)
    for method, url in order_urls(order):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_staff_can_see_orders_and_contracts(client, buyer, dealer, staff_user):
    order = signed_order(buyer=buyer, dealer=dealer)
    client.force_login(staff_user)
    assert client.get(reverse("contracts:order_detail", args=[order.pk])).status_code == 200
    assert client.get(reverse("contracts:contract_detail", args=[order.pk])).status_code == 200
    assert client.get(reverse("contracts:contract_pdf", args=[order.pk])).status_code == 200


def test_buyer_reserves_from_the_listing_page_and_lands_on_the_contract(client, buyer, dealer):
    listing = ListingFactory(dealer=dealer)
    client.force_login(buyer)
    response = client.post(reverse("contracts:reserve", args=[listing.pk]))
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("contracts:contract_detail", args=[order.pk])
    listing.refresh_from_db()
    assert listing.status == Listing.Status.RESERVED


def test_reserving_a_reserved_car_shows_a_message_not_an_error_page(client, buyer, other_buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    client.force_login(other_buyer)
    response = client.post(reverse("contracts:reserve", args=[order.listing_id]), follow=True)
    assert response.status_code == 200
    assert "already reserved" in response.content.decode()
    assert Order.objects.count() == 1


def test_visitor_reserve_post_redirects_to_sign_in(client, dealer):
    listing = ListingFactory(dealer=dealer)
    response = client.post(reverse("contracts:reserve", args=[listing.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_buyer_signs_through_the_page_with_password_name_and_consent(client, buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    url = reverse("contracts:contract_detail", args=[order.pk])
    client.force_login(buyer)
    page = client.get(url)
    assert page.status_code == 200 and "Sign the contract" in page.content.decode()
    data = {
        "content_hash": order.contract.content_hash,
        "typed_name": buyer.full_name,
        "password": "wrong-password",
        "consent": "on",
    }
    response = client.post(url, data, HTTP_USER_AGENT="Mozilla/5.0 test")
    assert response.status_code == 200 and "password is not correct" in response.content.decode()
    assert not Signature.objects.exists()
    response = client.post(url, {**data, "password": PASSWORD}, HTTP_USER_AGENT="Mozilla/5.0 test")
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert signature.party == "buyer" and signature.user_agent == "Mozilla/5.0 test" and signature.ip_address == "127.0.0.1"


def test_dealer_cannot_sign_first_through_the_page(client, buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    client.force_login(dealer)
    url = reverse("contracts:contract_detail", args=[order.pk])
    assert "Sign the contract" not in client.get(url).content.decode()
    client.post(
        url, {"content_hash": order.contract.content_hash, "typed_name": dealer.full_name, "password": PASSWORD, "consent": "on"}
    )
    assert not Signature.objects.exists()


def test_wrong_party_gets_403_on_the_other_sides_actions(client, buyer, dealer):
    order = signed_order(buyer=buyer, dealer=dealer)
    client.force_login(buyer)
    assert client.get(reverse("contracts:payment_create", args=[order.pk])).status_code == 403
    assert client.get(reverse("contracts:contract_terms", args=[order.pk])).status_code == 403
    client.force_login(dealer)
    assert client.post(reverse("contracts:order_cancel", args=[order.pk])).status_code == 403


def test_dealer_records_payment_and_handover_then_buyer_confirms(client, buyer, dealer):
    order = signed_order(buyer=buyer, dealer=dealer)
    client.force_login(dealer)
    response = client.post(
        reverse("contracts:payment_create", args=[order.pk]),
        {
            "amount": str(order.agreed_price),
            "method": "bank_transfer",
            "reference": "ICBC-778",
            "received_at": "2026-01-01T10:00",
        },
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    response = client.post(
        reverse("contracts:delivery_record", args=[order.pk]),
        {
            "delivered_at": "2026-01-02T10:00",
            "odometer_km": 35010,
            "keys_handed_over": "on",
            "documents_handed_over": "on",
            "registration_transfer_started": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.force_login(buyer)
    client.post(reverse("contracts:delivery_confirm", args=[order.pk]))
    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED and order.delivery_odometer_km == 35010


def test_incomplete_checklist_is_shown_as_a_form_error(client, buyer, dealer):
    order = paid_order(buyer=buyer, dealer=dealer)
    client.force_login(dealer)
    response = client.post(
        reverse("contracts:delivery_record", args=[order.pk]),
        {"delivered_at": "2026-01-02T10:00", "odometer_km": 35010, "keys_handed_over": "on"},
    )
    assert response.status_code == 200 and "checklist" in response.content.decode()


def test_pdf_download_holds_chinese_text_both_signers_and_the_report_hash(client, buyer, dealer, monkeypatch, tmp_path, real_pdf):
    report_hash = hashlib.sha256(b"inspection report v2").hexdigest()
    monkeypatch.setattr("contracts.services.drafting.inspection_report_of", lambda listing: (2, report_hash))
    buyer.full_name = "孙小明"
    buyer.save()
    dealer.full_name = "王建国"
    dealer.save()
    order = signed_order(buyer=buyer, dealer=dealer)
    client.force_login(buyer)
    texts = {}
    for language, query in (("zh-hans", {}), ("en", {"lang": "en"})):
        response = client.get(reverse("contracts:contract_pdf", args=[order.pk]), query)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert f"{order.contract.number}-{language[:2]}.pdf" in response["Content-Disposition"]
        path = tmp_path / f"{language}.pdf"
        path.write_bytes(b"".join(response.streaming_content))
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
        texts[language] = "".join(text.split())
    flat = texts["zh-hans"]
    assert "二手车买卖合同" in flat and "违约责任" in flat and "争议解决" in flat
    assert "孙小明" in flat and "王建国" in flat
    assert report_hash in flat
    assert order.contract.number in flat
    english = texts["en"]
    assert "UsedVehicleSaleandPurchaseContract" in english and "Signatures(electronic)" in english
    assert "孙小明" in english and report_hash in english and "违约责任" not in english
    assert order.contract.pdfs.count() == 2  # stored on the first download, served from storage afterwards
    assert client.get(reverse("contracts:contract_pdf", args=[order.pk]), {"lang": "fr"}).status_code == 404


def test_verify_page_says_match_for_the_right_hash_and_pdf_and_no_match_otherwise(client, buyer, dealer):
    order = signed_order(buyer=buyer, dealer=dealer)
    contract = order.contract
    url = reverse("contracts:verify")
    ok = client.post(url, {"number": contract.number, "digest": contract.content_hash})
    assert 'data-matched="true"' in ok.content.decode()
    assert buyer.full_name not in ok.content.decode() and dealer.full_name not in ok.content.decode()
    bad = client.post(url, {"number": contract.number, "digest": "0" * 64})
    assert 'data-matched="false"' in bad.content.decode()
    document = contract_pdf_get(contract=contract, language="en")
    with document.file.open("rb") as handle:
        pdf_bytes = handle.read()
    upload = client.post(url, {"number": contract.number, "pdf": SimpleUploadedFile("c.pdf", pdf_bytes, "application/pdf")})
    assert 'data-matched="true"' in upload.content.decode()
    tampered = client.post(
        url, {"number": contract.number, "pdf": SimpleUploadedFile("c.pdf", pdf_bytes + b"%x", "application/pdf")}
    )
    assert 'data-matched="false"' in tampered.content.decode()
    by_link = client.get(url, {"number": contract.number, "hash": document.sha256})
    assert 'data-matched="true"' in by_link.content.decode()


def test_an_unsigned_contract_never_verifies(client, buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    response = client.post(reverse("contracts:verify"), {"number": order.contract.number, "digest": order.contract.content_hash})
    assert 'data-matched="false"' in response.content.decode()


def test_signed_contract_is_read_only_in_the_admin(client, buyer, dealer, staff_user):
    order = signed_order(buyer=buyer, dealer=dealer)
    contract = order.contract
    client.force_login(staff_user)
    url = reverse("admin:contracts_contract_change", args=[contract.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = client.post(url, {"delivery_place": "Somewhere else", "agreed_price": "1"})
    assert response.status_code == 403
    contract.refresh_from_db()
    assert contract.agreed_price == order.agreed_price


def test_admin_lists_render(client, buyer, dealer, staff_user):
    delivered_order(buyer=buyer, dealer=dealer)
    client.force_login(staff_user)
    for name in ("order", "contract", "signature", "payment", "delivery", "amendment"):
        assert client.get(reverse(f"admin:contracts_{name}_changelist")).status_code == 200, name


def test_my_orders_and_dealer_orders_have_bounded_queries(client, buyer, dealer, django_assert_max_num_queries):
    for _ in range(2):
        signed_order(buyer=buyer, dealer=dealer)
        reserve(buyer=buyer, dealer=dealer)
    client.force_login(buyer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("contracts:my_orders"))
    assert response.content.decode().count('data-testid="order-row"') == 4
    client.force_login(dealer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("contracts:dealer_orders"))
    assert response.content.decode().count('data-testid="order-row"') == 4


def test_order_and_contract_pages_have_bounded_queries(client, buyer, dealer, django_assert_max_num_queries):
    order = delivered_order(buyer=buyer, dealer=dealer)
    client.force_login(buyer)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("contracts:order_detail", args=[order.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("contracts:contract_detail", args=[order.pk])).status_code == 200


def test_buyer_only_sees_own_orders_in_the_list(client, buyer, other_buyer, dealer):
    reserve(buyer=other_buyer, dealer=dealer)
    client.force_login(buyer)
    assert 'data-testid="order-row"' not in client.get(reverse("contracts:my_orders")).content.decode()


def test_amendment_is_proposed_and_signed_through_the_pages(client, buyer, dealer):
    order = signed_order(buyer=buyer, dealer=dealer)
    client.force_login(dealer)
    new_date = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    response = client.post(
        reverse("contracts:amendment_create", args=[order.pk]),
        {"kind": "delivery_date", "delivery_date": new_date, "reason": "Paint job"},
    )
    amendment = Amendment.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("contracts:amendment_detail", args=[amendment.pk])
    for user in (dealer, buyer):
        client.force_login(user)
        client.post(
            reverse("contracts:amendment_detail", args=[amendment.pk]),
            {"content_hash": amendment.content_hash, "typed_name": user.full_name, "password": PASSWORD, "consent": "on"},
        )
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.EFFECTIVE


def test_dealer_declines_with_a_reason(client, buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    client.force_login(dealer)
    response = client.post(reverse("contracts:order_decline", args=[order.pk]), {"reason": "Sold offline"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and order.cancelled_reason == "Sold offline"


def test_dealer_sets_instalment_terms_through_the_form(client, buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    client.force_login(dealer)
    today = dt.date.today()
    response = client.post(
        reverse("contracts:contract_terms", args=[order.pk]),
        {
            "agreed_price": "95000", "payment_method": "instalments", "amount_1": "15000", "due_1": today.isoformat(),
            "amount_2": "80000", "due_2": (today + dt.timedelta(days=6)).isoformat(), "delivery_date": (today + dt.timedelta(days=7)).isoformat(),
            "delivery_place": "Showroom", "dispute_resolution": "court",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    order.contract.refresh_from_db()
    assert [row["amount"] for row in order.contract.payment_schedule] == ["15000", "80000"]


# --- reserve button partial ------------------------------------------------------------------


def _render_button(rf, listing, user):
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string

    request = rf.get(f"/cars/{listing.pk}/")
    request.user = user or AnonymousUser()
    return render_to_string("contracts/partials/reserve_button.html", {"listing": listing, "user": request.user}, request=request)


def test_reserve_button_states(rf, buyer, other_buyer, dealer, django_assert_max_num_queries):
    listing = ListingFactory(dealer=dealer)
    assert "Sign in to reserve" in _render_button(rf, listing, None)
    with django_assert_max_num_queries(0):
        html = _render_button(rf, listing, buyer)
    assert reverse("contracts:reserve", args=[listing.pk]) in html
    assert "disabled" in _render_button(rf, listing, dealer)
    order = reserve(buyer=buyer, listing=listing)
    listing.refresh_from_db()
    with django_assert_max_num_queries(1):
        html = _render_button(rf, listing, other_buyer)
    assert "Reserved by another buyer" in html
    assert reverse("contracts:order_detail", args=[order.pk]) in _render_button(rf, listing, buyer)
    listing.status = "sold"
    assert "Sold" in _render_button(rf, listing, other_buyer)


def test_reserve_button_renders_on_the_listing_detail_page(client, buyer, dealer):
    listing = ListingFactory(dealer=dealer)
    client.force_login(buyer)
    response = client.get(f"/cars/{listing.pk}/")
    if response.status_code != 200:
        pytest.skip("listing detail page not available")
    assert 'data-testid="reserve-button"' in response.content.decode()


def test_a_delivered_order_links_the_buyer_to_the_guarantee_and_to_a_complaint(client, buyer, dealer):
    order = delivered_order(buyer=buyer, dealer=dealer)
    client.force_login(buyer)
    page = client.get(reverse("contracts:order_detail", args=[order.pk])).content.decode()
    assert reverse("warranty:guarantee", args=[order.pk]) in page
    assert f"{reverse('complaints:create')}?order={order.pk}" in page
    client.force_login(dealer)
    page = client.get(reverse("contracts:order_detail", args=[order.pk])).content.decode()
    assert 'data-testid="guarantee-link"' not in page and 'data-testid="complaint-link"' not in page


# --- refusals (accounts.roles) and page languages ----------------------------------------------


def test_the_order_lists_are_for_their_role_and_refuse_the_others_with_403(client, buyer, dealer, inspector, staff_user):
    for user, my_orders, dealer_orders in ((buyer, 200, 403), (dealer, 403, 200), (inspector, 403, 403), (staff_user, 403, 403)):
        client.force_login(user)
        assert client.get(reverse("contracts:my_orders")).status_code == my_orders, user
        assert client.get(reverse("contracts:dealer_orders")).status_code == dealer_orders, user


def test_staff_may_read_an_order_but_not_propose_an_amendment_on_it(client, buyer, dealer, staff_user):
    order = signed_order(buyer=buyer, dealer=dealer)
    client.force_login(staff_user)
    url = reverse("contracts:amendment_create", args=[order.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"kind": "other", "text": "x", "reason": "y"}).status_code == 403
    assert not Amendment.objects.exists()


@pytest.mark.parametrize(
    ("name", "who", "english", "chinese"),
    [
        ("payment_create", "dealer", "Record a payment", "登记收款"),
        ("delivery_record", "dealer", "Record the handover", "登记交车"),
        ("order_decline", "dealer", "Decline the reservation", "拒绝该预订"),
        ("amendment_create", "buyer", "Propose an amendment or a cancellation", "提出补充协议或解除协议"),
    ],
)
def test_form_page_titles_follow_the_language_of_each_request(client, buyer, dealer, name, who, english, chinese):
    order = reserve(buyer=buyer, dealer=dealer) if name == "order_decline" else signed_order(buyer=buyer, dealer=dealer)
    client.force_login(buyer if who == "buyer" else dealer)
    url = reverse(f"contracts:{name}", args=[order.pk])
    assert f"<title>{english}" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"<title>{chinese}" in client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"<title>{english}" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_payment_form_offers_the_amount_still_outstanding(client, buyer, dealer):
    from decimal import Decimal

    from contracts import services

    order = signed_order(buyer=buyer, dealer=dealer)
    client.force_login(dealer)
    url = reverse("contracts:payment_create", args=[order.pk])
    assert client.get(url).context["form"].initial["amount"] == order.agreed_price
    services.payment_record(
        order=order, actor=dealer, amount=Decimal("10000"), method="bank_transfer", reference="TX-9", received_at=None
    )
    assert client.get(url).context["form"].initial["amount"] == order.agreed_price - Decimal("10000")
