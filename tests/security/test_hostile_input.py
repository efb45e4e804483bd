"""Hostile input: the main forms answer any submission with a page or form errors, never a 500, and
whatever HTML/JS a user types is shown escaped to the next reader."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import from_form

from tests.security.world import build_world

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
HOSTILE = [
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7*7 }}{% debug %}",
    "' OR 1=1 --",
    "\x00nul",
    "\u202eevil",
    "😀" * 50,
    "a" * 5000,
    "-1",
    "1e309",
    "9" * 40,
    "2026-02-30",
    " ",
]
hostile_text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=80))
FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def mutations(baseline: dict) -> st.SearchStrategy[dict]:
    """Each field keeps its valid value, becomes hostile text, or goes missing."""
    return st.fixed_dictionaries({}, optional={key: st.one_of(st.just(value), hostile_text) for key, value in baseline.items()})


def _assert_handled(response, what: str) -> None:
    assert response.status_code in (200, 302, 400, 403, 404), f"{what}: {response.status_code}"


@pytest.fixture
def world(db):
    return build_world()


def _client(user) -> Client:
    client = Client(raise_request_exception=True)
    client.force_login(user)
    return client


def _listing_baseline() -> dict:
    from marketplace.services import VEHICLE_FIELDS
    from marketplace.tests.factories import VehicleFactory

    vehicle = VehicleFactory.build()
    data = {k: v for k, v in model_to_dict(vehicle, fields=VEHICLE_FIELDS).items() if v is not None}
    data["first_registration"] = vehicle.first_registration.isoformat()
    data.update(price="88000", description="Well kept.")
    return {k: str(v) for k, v in data.items()}


def _complaint_baseline(world) -> dict:
    return {
        "order": str(world.ids["order"]),
        "dealer": str(world.users["dealer"].pk),
        "category": "vehicle_quality",
        "subject": "Noise",
        "description": "A rattle from the back.",
        "desired_outcome": "Repair",
        "complainant_name": "Wang Buyer",
        "complainant_phone": "13812341234",
    }


def _request_baseline(world) -> dict:
    return {"kind": "repair", "description": "Window motor stuck.", "odometer_km": "40000"}


def _claim_baseline(world) -> dict:
    from warranty.models import Part

    return {
        "part": str(Part.objects.first().pk),
        "symptom": "Oil on the floor.",
        "odometer_km": "40010",
        "failed_on": timezone.localdate().isoformat(),
    }


def _review_baseline(world) -> dict:
    return {"overall": "5", "as_described": "4", "communication": "5", "delivery": "4", "comment": "Good."}


@FUZZ
@given(data=st.data())
def test_the_listing_form_never_fails_with_a_server_error(world, data):
    client = _client(world.users["dealer"])
    payload = data.draw(mutations(_listing_baseline()))
    _assert_handled(client.post(reverse("marketplace:listing_create"), payload), f"listing {payload!r}")
    _assert_handled(
        client.post(reverse("marketplace:listing_edit", args=[world.ids["draft_listing"]]), payload), f"listing edit {payload!r}"
    )


@FUZZ
@given(data=st.data())
def test_the_complaint_form_never_fails_with_a_server_error(world, data):
    client = _client(world.users["buyer"])
    payload = data.draw(mutations(_complaint_baseline(world)))
    _assert_handled(client.post(reverse("complaints:create"), payload), f"complaint {payload!r}")


@FUZZ
@given(data=st.data())
def test_the_after_sales_request_form_never_fails_with_a_server_error(world, data):
    client = _client(world.users["buyer"])
    payload = data.draw(mutations(_request_baseline(world)))
    url = reverse("warranty:request_create", args=[world.ids["order"]])
    _assert_handled(client.post(url, payload), f"request {payload!r}")


@FUZZ
@given(data=st.data())
def test_the_warranty_claim_form_never_fails_with_a_server_error(world, data):
    client = _client(world.users["buyer"])
    payload = data.draw(mutations(_claim_baseline(world)))
    url = reverse("warranty:claim_create", args=[world.ids["order"]])
    _assert_handled(client.post(url, payload), f"claim {payload!r}")


@FUZZ
@given(data=st.data())
def test_the_conversation_message_form_never_fails_with_a_server_error(world, data):
    client = _client(world.users["buyer"])
    body = data.draw(hostile_text)
    _assert_handled(client.post(reverse("marketplace:conversation", args=[world.ids["conversation"]]), {"body": body}), body)
    _assert_handled(client.post(reverse("marketplace:ask", args=[world.ids["listing"]]), {"body": body}), body)


def test_the_review_form_validates_any_generated_input_without_crashing():
    from insights.forms import ReviewForm

    @FUZZ
    @given(form=from_form(ReviewForm))
    def check(form):
        form.is_valid()  # must not raise, whatever the generated values

    check()


@pytest.mark.django_db
def test_the_report_item_form_validates_hostile_notes_without_crashing():
    from inspections.forms import ItemForm
    from inspections.models import InspectionReport

    world = build_world()
    item = InspectionReport.objects.get(pk=world.ids["draft_report"]).items.select_related("definition").first()
    form = ItemForm(item=item)
    baseline = {name: (form.initial.get(name) or field.initial or "") for name, field in form.fields.items()}

    @FUZZ
    @given(payload=mutations({k: str(v) for k, v in baseline.items()}))
    def check(payload):
        ItemForm(payload, item=item, prefix=form.prefix).is_valid()

    check()


# --- what users type is shown escaped -----------------------------------------------------------


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _assert_escaped(page: str, where: str) -> None:
    assert ESCAPED in page, f"{where}: the typed text is not shown"
    assert SCRIPT not in page, f"{where}: raw <script> in the page"


@pytest.mark.django_db
def test_html_in_a_complaint_is_shown_escaped_to_buyer_dealer_and_staff(world):
    buyer = _client(world.users["buyer"])
    payload = _complaint_baseline(world) | {"subject": SCRIPT, "description": SCRIPT, "desired_outcome": SCRIPT}
    response = buyer.post(reverse("complaints:create"), payload)
    assert response.status_code == 302, response.content.decode()[:2000]
    from complaints.models import Complaint

    complaint = Complaint.objects.filter(subject=SCRIPT).get()
    for role in ("buyer", "dealer", "staff"):
        _assert_escaped(
            _page(_client(world.users[role]), reverse("complaints:detail", args=[complaint.pk])), f"complaint as {role}"
        )
    _assert_escaped(_page(_client(world.users["buyer"]), reverse("complaints:list")), "complaint list")


@pytest.mark.django_db
def test_html_in_a_question_to_the_dealer_is_shown_escaped(world):
    buyer = _client(world.users["buyer"])
    buyer.post(reverse("marketplace:conversation", args=[world.ids["conversation"]]), {"body": SCRIPT})
    for role in ("buyer", "dealer"):
        _assert_escaped(
            _page(_client(world.users[role]), reverse("marketplace:conversation", args=[world.ids["conversation"]])),
            f"conversation as {role}",
        )


@pytest.mark.django_db
def test_html_in_an_after_sales_request_and_a_claim_is_shown_escaped(world):
    from warranty.models import AfterSalesRequest, WarrantyClaim

    buyer = _client(world.users["buyer"])
    AfterSalesRequest.objects.filter(pk=world.ids["after_sales_request"]).update(description=SCRIPT)
    WarrantyClaim.objects.filter(pk=world.ids["claim"]).update(symptom=SCRIPT)
    for role in ("buyer", "dealer", "staff"):
        client = _client(world.users[role])
        _assert_escaped(
            _page(client, reverse("warranty:request_detail", args=[world.ids["after_sales_request"]])), f"request as {role}"
        )
        _assert_escaped(_page(client, reverse("warranty:claim_detail", args=[world.ids["claim"]])), f"claim as {role}")
    assert buyer


@pytest.mark.django_db
def test_html_in_a_listing_is_shown_escaped_on_the_public_page(world):
    from marketplace.models import Listing

    listing = Listing.objects.select_related("vehicle").get(pk=world.ids["listing"])
    Listing.objects.filter(pk=listing.pk).update(description=SCRIPT)
    type(listing.vehicle).objects.filter(pk=listing.vehicle_id).update(trim=SCRIPT)
    page = _page(Client(), reverse("marketplace:detail", args=[listing.pk]))
    _assert_escaped(page, "listing detail")
    _assert_escaped(_page(Client(), reverse("marketplace:browse")), "browse card")


@pytest.mark.django_db
def test_html_in_a_review_is_shown_escaped_on_the_dealer_page(world):
    from insights.models import Review

    Review.objects.filter(pk=world.ids["review"]).update(comment=SCRIPT)
    _assert_escaped(_page(Client(), reverse("insights:dealer", args=[world.users["dealer"].pk])), "dealer page")
