import pytest
import time_machine
from django.urls import reverse

from complaints import services
from complaints.models import Complaint

from .factories import at, file_complaint, jpeg_upload, make_order, pdf_upload

pytestmark = pytest.mark.django_db


def _detail(c):
    return reverse("complaints:detail", args=[c.pk])


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("complaints:create"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_buyer_files_a_complaint_from_an_order_page_with_evidence(client, buyer, dealer):
    order = make_order(buyer=buyer, dealer=dealer)
    client.force_login(buyer)
    page = client.get(reverse("complaints:create") + f"?order={order.pk}")
    assert page.status_code == 200
    assert page.context["form"].initial["order"] == order.pk
    response = client.post(
        reverse("complaints:create") + f"?order={order.pk}",
        {
            "order": order.pk,
            "category": "vehicle_quality",
            "subject": "Gearbox jerks",
            "description": "Jerks between 2nd and 3rd gear.",
            "desired_outcome": "Repair",
            "complainant_name": "孙小明",
            "complainant_phone": "13812341234",
            "attachments": [jpeg_upload(), pdf_upload()],
        },
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == _detail(complaint)
    assert complaint.dealer == dealer and complaint.order == order and complaint.attachments.count() == 2


def test_name_and_phone_are_required_and_fake_files_refused(client, buyer, dealer):
    client.force_login(buyer)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("complaints:create"),
        {
            "dealer": dealer.pk,
            "category": "after_sales",
            "subject": "x",
            "description": "y",
            "desired_outcome": "z",
            "complainant_name": "",
            "complainant_phone": "",
            "attachments": [SimpleUploadedFile("evil.pdf", b"<script>alert(1)</script>")],
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"complainant_name", "complainant_phone", "attachments"} <= set(errors)
    assert not Complaint.objects.exists()


def test_someone_elses_order_in_the_url_is_not_offered(client, buyer, other_buyer, dealer):
    order = make_order(buyer=other_buyer, dealer=dealer)
    client.force_login(buyer)
    page = client.get(reverse("complaints:create") + f"?order={order.pk}")
    assert "order" not in page.context["form"].initial
    assert order not in page.context["form"].fields["order"].queryset


@time_machine.travel(at(2026, 11, 23, 10), tick=False)
def test_the_buyer_page_shows_status_timeline_and_the_next_deadline(client, buyer, dealer, django_assert_max_num_queries):
    complaint = file_complaint(buyer=buyer, dealer=dealer)
    client.force_login(buyer)
    with django_assert_max_num_queries(15):
        response = client.get(_detail(complaint))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="next-deadline"' in html and "Tue 24 Nov 18:00" in html
    assert "We will acknowledge your complaint by" in html


def test_internal_notes_never_reach_the_customer_or_the_dealer(client, buyer, dealer, staff_user):
    complaint = file_complaint(buyer=buyer, dealer=dealer)
    services.complaint_post_message(
        complaint=complaint, author=staff_user, body="SECRET dealer has history", internal=True, files=[pdf_upload()]
    )
    note_file = complaint.attachments.get()
    for user in (buyer, dealer):
        client.force_login(user)
        assert b"SECRET" not in client.get(_detail(complaint)).content
        assert client.get(reverse("complaints:attachment", args=[complaint.pk, note_file.pk])).status_code == 404


@pytest.mark.parametrize("intruder", ["other_buyer", "other_dealer"])
def test_other_buyers_and_dealers_get_404_everywhere(client, request, buyer, dealer, intruder):
    complaint = file_complaint(buyer=buyer, dealer=dealer, files=[jpeg_upload()])
    client.force_login(request.getfixturevalue(intruder))
    attachment = complaint.attachments.get()
    assert client.get(_detail(complaint)).status_code == 404
    assert client.get(reverse("complaints:attachment", args=[complaint.pk, attachment.pk])).status_code == 404
    assert client.post(reverse("complaints:message", args=[complaint.pk]), {"body": "hi"}).status_code == 404
    assert client.post(reverse("complaints:decide", args=[complaint.pk]), {"decision": "accept"}).status_code == 404
    assert complaint.messages.count() == 0


def test_the_dealer_concerned_sees_the_complaint_and_responds_but_cannot_decide(client, buyer, dealer, staff_user):
    complaint = file_complaint(buyer=buyer, dealer=dealer)
    complaint.resolution = "Refund 2,000 CNY"
    complaint.save(update_fields=["resolution"])
    for step in ("acknowledged", "investigating", "resolution_proposed"):
        services.complaint_transition(complaint=complaint, to_status=step, actor=staff_user)
    client.force_login(dealer)
    listing = client.get(reverse("complaints:list"))
    assert complaint.subject in listing.content.decode()
    page = client.get(_detail(complaint))
    assert page.status_code == 200 and b"138****1234" in page.content and b"13812341234" not in page.content
    response = client.post(reverse("complaints:message", args=[complaint.pk]), {"body": "We will call the customer today."})
    assert response.status_code == 302
    assert complaint.messages.get().author_role == "dealer"
    assert client.post(reverse("complaints:decide", args=[complaint.pk]), {"decision": "accept"}).status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == "resolution_proposed"


def test_the_buyer_rejects_the_proposal_and_the_case_reopens(client, buyer, dealer, staff_user):
    complaint = file_complaint(buyer=buyer, dealer=dealer)
    complaint.resolution = "Refund 500 CNY"
    complaint.save(update_fields=["resolution"])
    for step in ("acknowledged", "investigating", "resolution_proposed"):
        services.complaint_transition(complaint=complaint, to_status=step, actor=staff_user)
    client.force_login(buyer)
    page = client.get(_detail(complaint))
    assert b'data-testid="proposed-resolution"' in page.content
    assert client.post(reverse("complaints:decide", args=[complaint.pk]), {"decision": "reject", "reason": ""}).status_code == 400
    response = client.post(reverse("complaints:decide", args=[complaint.pk]), {"decision": "reject", "reason": "Too little"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "reopened"


def test_the_buyer_list_shows_only_their_complaints_in_few_queries(
    client, buyer, other_buyer, dealer, django_assert_max_num_queries
):
    mine = [file_complaint(buyer=buyer, dealer=dealer, subject=f"Mine {i}") for i in range(3)]
    file_complaint(buyer=other_buyer, dealer=dealer, subject="Not mine")
    client.force_login(buyer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("complaints:list"))
    html = response.content.decode()
    assert all(c.subject in html for c in mine) and "Not mine" not in html


@pytest.mark.parametrize("role", ["dealer", "inspector", "staff_user"])
def test_only_buyers_file_complaints_other_roles_get_403(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("complaints:create")).status_code == 403
    assert client.post(reverse("complaints:create"), {"subject": "x"}).status_code == 403
    assert not Complaint.objects.exists()


def test_a_buyer_files_a_complaint_from_an_after_sales_request(client, buyer, dealer):
    from .test_services import _after_sales_request

    request = _after_sales_request(buyer, dealer)
    client.force_login(buyer)
    url = reverse("complaints:create") + f"?request={request.pk}"
    form = client.get(url).context["form"]
    assert form.initial["after_sales_request"] == request.pk and form.initial["order"] == request.coverage.order_id
    response = client.post(
        url,
        {
            "after_sales_request": request.pk,
            "category": "after_sales",
            "subject": "Nobody repairs my gearbox",
            "description": "Three days and no call.",
            "desired_outcome": "Repair now",
            "complainant_name": "孙小明",
            "complainant_phone": "13812341234",
        },
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.after_sales_request == request and complaint.dealer == dealer
