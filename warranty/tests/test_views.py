"""Pages: the guarantee clock, request/claim forms and detail pages, and who is refused how (sign-in,
403 for the wrong role, 404 for somebody else's car or case). GET pages never write."""

import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from core.calendar import SHANGHAI
from marketplace.models import Listing
from marketplace.tests.factories import ListingFactory
from notifications.models import Notification
from warranty import services
from warranty.models import AfterSalesRequest, Coverage, WarrantyClaim
from warranty.tests.factories import DeliveredOrderFactory

NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def order(buyer, dealer):
    return DeliveredOrderFactory(buyer=buyer, listing=ListingFactory(dealer=dealer, status=Listing.Status.SOLD))


@pytest.fixture
def coverage(order):
    return services.coverage_start(order=order)


@pytest.fixture
def request_case(coverage):
    return services.request_create(
        coverage=coverage,
        actor=coverage.order.buyer,
        kind=AfterSalesRequest.Kind.REPAIR,
        description="Rattle",
        odometer_km=35200,
        now=NOW,
    )


@pytest.fixture
def claim_case(coverage, engine_part):
    return services.claim_open(
        coverage=coverage,
        actor=coverage.order.buyer,
        part=engine_part,
        symptom="Knock",
        odometer_km=35300,
        failed_on=dt.date(2026, 3, 9),
        now=NOW,
    )


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "photo.png"
    return buffer


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_guarantee_page_shows_both_clocks_and_the_extension_offer(client, buyer, coverage, django_assert_max_num_queries):
    client.force_login(buyer)
    url = reverse("warranty:guarantee", args=[coverage.order_id])
    with django_assert_max_num_queries(25):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="window-clock"' in html and 'data-testid="warranty-clock"' in html
    assert 'data-testid="extension-offer"' in html
    assert "Crankshaft" in html
    # Delivered 1 Mar 2026; on 10 Mar: 22 days left of the window (until 31 Mar).
    assert "22 days" in html


def test_my_cars_lists_the_buyers_delivered_cars(client, buyer, coverage):
    order = coverage.order
    client.force_login(buyer)
    response = client.get(reverse("warranty:my_cars"))
    assert response.status_code == 200
    page = response.content.decode()
    assert order.listing.title in page and order.listing.vehicle.trim in page
    assert 'data-testid="guarantee-pending"' not in page


def test_a_car_without_a_guarantee_shows_not_started_and_the_pages_write_nothing(client, buyer, order):
    client.force_login(buyer)
    with CaptureQueriesContext(connection) as queries:
        guarantee = client.get(reverse("warranty:guarantee", args=[order.pk]))
        my_cars = client.get(reverse("warranty:my_cars"))
        form = client.get(reverse("warranty:request_create", args=[order.pk]))
    assert guarantee.status_code == my_cars.status_code == form.status_code == 200
    for response in (guarantee, my_cars, form):
        assert 'data-testid="guarantee-pending"' in response.content.decode()
    assert "staff have been told" in guarantee.content.decode()
    assert _writes(queries) == []
    assert not Coverage.objects.exists() and not Notification.objects.exists()


def test_posting_to_a_car_without_a_guarantee_goes_back_to_its_page(client, buyer, order):
    client.force_login(buyer)
    response = client.post(
        reverse("warranty:request_create", args=[order.pk]), {"kind": "repair", "description": "x", "odometer_km": 35500}
    )
    assert response.status_code == 302 and response["Location"] == reverse("warranty:guarantee", args=[order.pk])
    assert not AfterSalesRequest.objects.exists() and not Coverage.objects.exists()


def test_buyer_updates_the_odometer(client, buyer, coverage):
    client.force_login(buyer)
    client.post(reverse("warranty:odometer", args=[coverage.order_id]), {"odometer_km": 36000})
    coverage.refresh_from_db()
    assert coverage.current_odometer_km == 36000


def test_buyer_buys_an_extension(client, buyer, coverage, plan12):
    client.force_login(buyer)
    client.post(reverse("warranty:extend", args=[coverage.order_id]), {"plan": plan12.pk})
    assert coverage.purchases.count() == 1


def test_buyer_opens_a_request_with_photos(client, buyer, coverage):
    client.force_login(buyer)
    response = client.post(
        reverse("warranty:request_create", args=[coverage.order_id]),
        {"kind": "repair", "description": "Engine light on", "odometer_km": 35500, "photos": [_png(), _png()]},
    )
    request = AfterSalesRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == request.get_absolute_url()
    assert request.photos.count() == 2


def test_a_refused_request_shows_the_reason_not_a_500(client, buyer, coverage):
    client.force_login(buyer)
    response = client.post(
        reverse("warranty:request_create", args=[coverage.order_id]), {"kind": "return", "description": "x", "odometer_km": 39000}
    )
    assert response.status_code == 200
    assert "km limit" in response.content.decode()


def test_a_claim_on_a_wear_item_is_refused_with_the_reason(client, buyer, coverage, wear_part):
    client.force_login(buyer)
    response = client.post(
        reverse("warranty:claim_create", args=[coverage.order_id]),
        {"part": wear_part.pk, "symptom": "squeal", "odometer_km": 35500, "failed_on": "2026-03-09"},
    )
    assert response.status_code == 200
    assert "not a covered core part" in response.content.decode()
    assert not WarrantyClaim.objects.exists()


def test_dealer_moves_the_request_through_its_workflow(client, dealer, request_case):
    client.force_login(dealer)
    url = request_case.get_absolute_url()
    assert client.post(url, {"action": "assess", "assess-note": "Coming to look"}).status_code == 302
    response = client.post(url, {"action": "reject", "reject-reason": "misuse", "reject-note": ""})
    assert response.status_code == 200  # the note is required
    assert client.post(url, {"action": "approve", "approve-note": "Fault confirmed"}).status_code == 302
    request_case.refresh_from_db()
    assert request_case.status == AfterSalesRequest.Status.APPROVED


def test_staff_authorise_a_claim_to_a_shop(client, staff_user, claim_case, shop):
    client.force_login(staff_user)
    response = client.post(
        claim_case.get_absolute_url(), {"action": "authorise", "authorise-shop": shop.pk, "authorise-note": ""}
    )
    assert response.status_code == 302
    claim_case.refresh_from_db()
    assert claim_case.status == WarrantyClaim.Status.AUTHORISED and claim_case.repair_shop == shop


def test_the_buyer_sees_a_dispute_link_on_a_rejected_request(client, buyer, dealer, request_case):
    services.request_start_assessment(request=request_case, actor=dealer)
    services.request_reject(
        request=request_case, actor=dealer, reason=AfterSalesRequest.RejectionReason.ACCIDENT, note="Front bumper impact"
    )
    client.force_login(buyer)
    response = client.get(request_case.get_absolute_url())
    assert response.status_code == 200
    assert "Accident damage" in response.content.decode()


def test_the_buyer_sees_the_case_but_is_refused_the_dealer_actions(client, buyer, request_case):
    client.force_login(buyer)
    page = client.get(request_case.get_absolute_url())
    assert page.status_code == 200 and page.context["action_forms"] == []
    assert client.post(request_case.get_absolute_url(), {"action": "assess"}).status_code == 403
    assert AfterSalesRequest.objects.get().status == AfterSalesRequest.Status.SUBMITTED


def test_dealer_case_list_shows_only_their_cars(client, dealer, other_dealer, request_case, django_assert_max_num_queries):
    client.force_login(dealer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("warranty:dealer_cases"))
    assert f"#{request_case.pk}" in response.content.decode()
    client.force_login(other_dealer)
    assert f"#{request_case.pk} " not in client.get(reverse("warranty:dealer_cases")).content.decode()


@pytest.mark.parametrize("who", ["buyer", "inspector"])
def test_buyers_and_inspectors_are_refused_the_dealer_case_list(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("warranty:dealer_cases")).status_code == 403


@pytest.mark.parametrize("who", ["dealer", "inspector", "staff_user"])
def test_the_buyer_pages_are_refused_to_other_roles(client, request, who, coverage, plan12):
    client.force_login(request.getfixturevalue(who))
    order_pk = coverage.order_id
    for method, url, data in [
        ("get", reverse("warranty:my_cars"), {}),
        ("get", reverse("warranty:guarantee", args=[order_pk]), {}),
        ("post", reverse("warranty:odometer", args=[order_pk]), {"odometer_km": 99999}),
        ("post", reverse("warranty:extend", args=[order_pk]), {"plan": plan12.pk}),
        ("get", reverse("warranty:request_create", args=[order_pk]), {}),
        ("get", reverse("warranty:claim_create", args=[order_pk]), {}),
    ]:
        assert getattr(client, method)(url, data).status_code == 403, url
    assert Coverage.objects.get().current_odometer_km == 35000 and not coverage.purchases.exists()


def test_another_buyer_gets_404_on_every_url_of_somebody_elses_car(
    client, other_buyer, coverage, request_case, claim_case, plan12
):
    client.force_login(other_buyer)
    order_pk = coverage.order_id
    urls = [
        ("get", reverse("warranty:guarantee", args=[order_pk]), {}),
        ("post", reverse("warranty:odometer", args=[order_pk]), {"odometer_km": 99999}),
        ("post", reverse("warranty:extend", args=[order_pk]), {"plan": plan12.pk}),
        ("get", reverse("warranty:request_create", args=[order_pk]), {}),
        (
            "post",
            reverse("warranty:request_create", args=[order_pk]),
            {"kind": "repair", "description": "x", "odometer_km": 35500},
        ),
        ("get", reverse("warranty:claim_create", args=[order_pk]), {}),
        ("get", request_case.get_absolute_url(), {}),
        ("post", request_case.get_absolute_url(), {"action": "assess"}),
        ("get", claim_case.get_absolute_url(), {}),
        ("post", claim_case.get_absolute_url(), {"action": "review"}),
    ]
    for method, url, data in urls:
        assert getattr(client, method)(url, data).status_code == 404, url
    assert Coverage.objects.get().current_odometer_km == 35300
    assert AfterSalesRequest.objects.get().status == AfterSalesRequest.Status.SUBMITTED


def test_another_dealer_gets_404_and_an_inspector_403_on_the_case_pages(
    client, other_dealer, inspector, request_case, claim_case
):
    for user, status in ((other_dealer, 404), (inspector, 403)):
        client.force_login(user)
        for url in (request_case.get_absolute_url(), claim_case.get_absolute_url()):
            assert client.get(url).status_code == status, (user, url)
            assert client.post(url, {"action": "assess"}).status_code == status, (user, url)
    assert AfterSalesRequest.objects.get().status == AfterSalesRequest.Status.SUBMITTED


def test_the_dealer_of_the_car_sees_the_claim_but_cannot_decide_it(client, dealer, claim_case):
    client.force_login(dealer)
    assert client.get(claim_case.get_absolute_url()).status_code == 200
    assert client.post(claim_case.get_absolute_url(), {"action": "review"}).status_code == 403
    assert WarrantyClaim.objects.get().status == WarrantyClaim.Status.SUBMITTED


def test_anonymous_users_are_sent_to_login(client, request_case):
    response = client.get(request_case.get_absolute_url())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_detail_pages_have_bounded_queries(client, buyer, request_case, claim_case, django_assert_max_num_queries):
    client.force_login(buyer)
    for url in (request_case.get_absolute_url(), claim_case.get_absolute_url()):
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200


def test_my_cars_counts_the_open_request_and_claim(client, buyer, request_case, claim_case):
    client.force_login(buyer)
    response = client.get(reverse("warranty:my_cars"))
    assert response.context["cars"][0]["open_count"] == 2
    assert "Open cases: 2" in response.content.decode()


def test_guarantee_and_case_pages_link_to_the_order_and_to_a_complaint(client, buyer, request_case, claim_case):
    client.force_login(buyer)
    order_pk = request_case.coverage.order_id
    guarantee = client.get(reverse("warranty:guarantee", args=[order_pk])).content.decode()
    assert reverse("contracts:order_detail", args=[order_pk]) in guarantee
    assert f"{reverse('complaints:create')}?order={order_pk}" in guarantee
    page = client.get(reverse("warranty:request_detail", args=[request_case.pk])).content.decode()
    assert f"{reverse('complaints:create')}?request={request_case.pk}" in page
    page = client.get(reverse("warranty:claim_detail", args=[claim_case.pk])).content.decode()
    assert f"{reverse('complaints:create')}?claim={claim_case.pk}" in page


def test_the_dealer_sees_no_complaint_link_on_a_case(client, dealer, request_case):
    client.force_login(dealer)
    page = client.get(reverse("warranty:request_detail", args=[request_case.pk])).content.decode()
    assert 'data-testid="complaint-link"' not in page
