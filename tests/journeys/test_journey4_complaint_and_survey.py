"""Journey 4: a buyer files a complaint; a staff member works it in the admin to closed; the buyer gets
the survey link in their notifications and answers it."""

import pytest
from django.utils import timezone

from conftest import make_user
from tests.journeys.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _admin_move(page, complaint_pk: int, status: str, **fields) -> None:
    page.goto(f"/admin/complaints/complaint/{complaint_pk}/change/")
    page.select_option("#id_transition", status)
    for name, value in fields.items():
        page.fill(f"#id_{name}", value)
    page.locator("input[name=_continue]").click()
    page.wait_for_load_state()
    errors = page.locator(".errorlist, .errornote")
    assert errors.count() == 0, errors.first.inner_text()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_complaint_is_worked_to_closed_and_the_buyer_answers_the_survey(open_page, language):
    from accounts.models import User
    from complaints.models import Complaint
    from notifications.models import Notification
    from surveys.models import Survey
    from surveys.services import survey_schedule_sweep

    suffix = language[:2]
    buyer = make_user(f"j4buyer{suffix}", full_name="Liu Yang", phone="13812341234")
    dealer = make_user(f"j4dealer{suffix}", User.Role.DEALER)
    staff = make_user(f"j4staff{suffix}", User.Role.STAFF, is_staff=True, is_superuser=True)

    # The buyer files a complaint.
    buyer_page = open_page(language)
    sign_in(buyer_page, buyer.username)
    buyer_page.goto("/complaints/new/")
    buyer_page.select_option("#id_category", Complaint.Category.AFTER_SALES)
    if buyer_page.locator("#id_dealer").count():
        buyer_page.select_option("#id_dealer", str(dealer.pk))
    buyer_page.fill("#id_subject", "售后一直没人回复" if suffix == "zh" else "Nobody answers about my repair")
    buyer_page.fill("#id_description", "I asked three times in two weeks.")
    buyer_page.fill("#id_desired_outcome", "A date for the repair.")
    buyer_page.fill("#id_complainant_name", buyer.full_name)
    buyer_page.fill("#id_complainant_phone", "13812341234")
    buyer_page.locator("main form [type=submit]").last.click()
    buyer_page.wait_for_load_state()
    complaint = Complaint.objects.get(complainant=buyer)

    # Staff work it in the admin: acknowledge, investigate, propose a resolution.
    staff_page = open_page(language)
    staff_page.goto("/admin/login/")
    staff_page.fill("#id_username", staff.username)
    staff_page.fill("#id_password", "pass-1234-word")
    staff_page.locator("input[type=submit]").click()
    staff_page.wait_for_load_state()
    _admin_move(staff_page, complaint.pk, Complaint.Status.ACKNOWLEDGED)
    _admin_move(staff_page, complaint.pk, Complaint.Status.INVESTIGATING)
    _admin_move(staff_page, complaint.pk, Complaint.Status.RESOLUTION_PROPOSED, resolution="The dealer repairs it on Friday.")

    # The buyer accepts the resolution; staff close the case.
    buyer_page.goto(f"/complaints/{complaint.pk}/")
    buyer_page.locator(f"form[action='/complaints/{complaint.pk}/decision/'] [type=submit]").first.click()
    buyer_page.wait_for_load_state()
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RESOLVED, complaint.status
    _admin_move(staff_page, complaint.pk, Complaint.Status.CLOSED)
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED

    # Celery beat's survey sweep plans and sends the survey; the link arrives in the buyer's notifications.
    survey_schedule_sweep(now=timezone.now())
    survey = Survey.objects.get(kind=Survey.Kind.COMPLAINT_CLOSED, respondent=buyer)
    notification = Notification.objects.filter(recipient=buyer, url__contains="/surveys/r/").latest("pk")
    buyer_page.goto("/notifications/")
    buyer_page.locator(f"form[action='/notifications/{notification.pk}/open/'] [type=submit]").first.click()
    buyer_page.wait_for_url("**/surveys/r/**")

    buyer_page.check("input[name=csat][value='5']", force=True)
    buyer_page.check("input[name=nps][value='9']", force=True)
    buyer_page.fill("#id_comment", "谢谢" if suffix == "zh" else "Thanks for sorting it out.")
    buyer_page.locator("main form [type=submit]").last.click()
    buyer_page.wait_for_load_state()
    survey.refresh_from_db()
    assert survey.answered_at is not None
    assert (survey.csat, survey.nps) == (5, 9)
