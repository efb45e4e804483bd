import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from marketplace.notices import MESSAGE
from notifications import kinds
from notifications.kinds import NoticeKind, day, localized
from notifications.services import notify
from surveys import notices
from surveys.models import Survey
from surveys.services import survey_answer, survey_token

from .factories import at, sent_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(buyer):
    return sent_survey(buyer=buyer, sent_at=at(2026, 3, 8, 15))


def answer_url(survey):
    return reverse("surveys:answer", args=[survey_token(survey)])


FROZEN = at(2026, 3, 9, 10)


@time_machine.travel(FROZEN, tick=False)
def test_anyone_with_the_link_sees_the_form_without_logging_in(client, survey):
    response = client.get(answer_url(survey))
    assert response.status_code == 200
    assert "Overall, how satisfied are you?" in response.content.decode()


@time_machine.travel(FROZEN, tick=False)
def test_answering_records_the_answer_once_and_then_thanks(client, survey):
    url = answer_url(survey)
    response = client.post(url, {"csat": "4", "nps": "9", "tags": ["fast_response"], "comment": "Smooth"})
    assert response.status_code == 302
    survey.refresh_from_db()
    assert (survey.csat, survey.nps, survey.tags, survey.comment) == (4, 9, ["fast_response"], "Smooth")
    again = client.post(url, {"csat": "1", "nps": "0"}, follow=True)
    assert "already been answered" in again.content.decode()
    survey.refresh_from_db()
    assert survey.csat == 4
    assert "Thank you!" in client.get(url).content.decode()


@time_machine.travel(FROZEN, tick=False)
def test_an_incomplete_answer_shows_form_errors(client, survey):
    response = client.post(answer_url(survey), {"csat": "9"})
    assert response.status_code == 200
    survey.refresh_from_db()
    assert survey.answered_at is None


@time_machine.travel(FROZEN, tick=False)
def test_a_tampered_link_is_404(client, survey):
    token = survey_token(survey)
    response = client.get(reverse("surveys:answer", args=[token[:-1] + ("x" if token[-1] != "x" else "y")]))
    assert response.status_code == 404
    assert (
        response.status_code == client.post(reverse("surveys:answer", args=["nonsense"]), {"csat": "5", "nps": "10"}).status_code
    )


def test_an_expired_link_is_410(client, survey):
    with time_machine.travel(at(2026, 3, 8, 15), tick=False):
        url = answer_url(survey)
    with time_machine.travel(at(2026, 4, 8), tick=False):
        response = client.get(url)
        assert response.status_code == 410
        assert "expired" in response.content.decode()
        assert client.post(url, {"csat": "5", "nps": "10"}).status_code == 410
    survey.refresh_from_db()
    assert survey.answered_at is None


@time_machine.travel(FROZEN, tick=False)
def test_the_answer_page_speaks_chinese(client, survey):
    client.cookies["django_language"] = "zh-hans"
    content = client.get(answer_url(survey)).content.decode()
    assert "总体而言" in content


# --- staff clocks page --------------------------------------------------------------------------


def test_the_clocks_page_needs_a_login(client):
    response = client.get(reverse("surveys:clocks"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("who", ["buyer", "dealer", "inspector"])
def test_the_clocks_page_is_forbidden_to_non_staff(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("surveys:clocks")).status_code == 403


def _remind(buyer, n: int) -> None:
    notify(
        buyer,
        notices.REMINDER,
        f"test:{n}:remind",
        params={"subject": localized(f"case {n}"), "date": day(dt.date(2026, 4, 7))},
    )


def test_staff_see_reminders_escalations_and_survey_results(client, staff_user, buyer, django_assert_max_num_queries):
    for i, (csat, nps) in enumerate([(5, 10), (4, 9), (2, 3)]):
        s = sent_survey(buyer=buyer, sent_at=at(2026, 3, 8 + i, 15))
        survey_answer(survey=s, csat=csat, nps=nps, tags=[], comment="Great dealer" if i == 0 else "", now=at(2026, 3, 12))
    for i in range(15):
        _remind(buyer, i)
    notify(buyer, notices.INVITATIONS[Survey.Kind.DELIVERY], "test:invite")
    notify(buyer, MESSAGE, "test:chat", params={"car": "Corolla", "text": "Unrelated chat message"})
    client.force_login(staff_user)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("surveys:clocks"))
    content = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="csat-avg">3.67<' in content
    assert 'data-testid="nps">33<' in content  # 2 promoters, 1 detractor of 3
    assert "Reminder: case 14" in content and "How was buying your car with Anxin Auto?" in content
    assert "Survey reminder" in content  # the kind's label, not its code
    assert "Unrelated chat message" not in content and "New message about Corolla" not in content
    assert "Great dealer" in content


def test_the_clocks_page_lists_what_the_apps_declare_as_clock_kinds_whatever_their_names(client, staff_user, buyer, monkeypatch):
    nudge = NoticeKind(code="elsewhere.nudge", label="A gentle nudge", subject="Nudge %(n)s", clock=True, group="elsewhere")
    chatty = NoticeKind(code="elsewhere.reminder_chat", label="Chat reminder", subject="Chat %(n)s", group="elsewhere")
    monkeypatch.setitem(kinds._REGISTRY, nudge.code, nudge)
    monkeypatch.setitem(kinds._REGISTRY, chatty.code, chatty)
    notify(buyer, nudge, "test:nudge", params={"n": 1})
    notify(buyer, chatty, "test:chatty", params={"n": 2})
    client.force_login(staff_user)
    response = client.get(reverse("surveys:clocks"))
    content = response.content.decode()
    assert "Nudge 1" in content and "A gentle nudge" in content  # a clock kind without a reminder-ish name
    assert "Chat 2" not in content  # a reminder-ish name that is no clock kind
    options = [k["code"] for group in response.context["kinds"] for k in group["kinds"]]
    assert "elsewhere.nudge" in options and notices.REMINDER.code in options and "elsewhere.reminder_chat" not in options


def test_the_clocks_page_names_kinds_in_the_readers_language(client, staff_user, buyer):
    _remind(buyer, 1)
    client.force_login(staff_user)
    content = client.get(reverse("surveys:clocks"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    with translation.override("zh-hans"):
        label = str(notices.REMINDER.label)
    assert label != "Survey reminder" and label in content


def test_staff_can_filter_the_clock_notifications_by_kind(client, staff_user, buyer):
    _remind(buyer, 1)
    notify(buyer, notices.INVITATIONS[Survey.Kind.DELIVERY], "k2")
    client.force_login(staff_user)
    content = client.get(reverse("surveys:clocks"), {"kind": notices.REMINDER.code}).content.decode()
    assert "Reminder: case 1" in content and "How was buying your car" not in content


def test_the_survey_admin_shows_csat_and_nps(client, staff_user, buyer):
    s = sent_survey(buyer=buyer, sent_at=at(2026, 3, 8, 15))
    survey_answer(survey=s, csat=5, nps=10, tags=[], now=at(2026, 3, 9))
    client.force_login(staff_user)
    content = client.get(reverse("admin:surveys_survey_changelist")).content.decode()
    assert "CSAT average 5.0" in content and "NPS 100" in content
    assert Survey.objects.count() == 3


def test_identical_notices_fold_into_one_row_so_the_reminders_stay_in_sight(client, staff_user, buyer, other_buyer):
    for i in range(40):
        notify(buyer if i % 2 else other_buyer, notices.INVITATIONS[Survey.Kind.DELIVERY], f"invite:{i}")
    _remind(buyer, 1)
    client.force_login(staff_user)
    response = client.get(reverse("surveys:clocks"))
    rows = response.context["rows"]
    assert [row.count for row in rows] == [1, 40]  # the reminder first (the latest), then the folded invitations
    content = response.content.decode()
    assert "Reminder: case 1" in content and content.count("How was buying your car with Anxin Auto?") == 1
    assert 'data-testid="repeat-count">× 40<' in content
    assert "to Buyer, Otherbuyer" in content  # the latest first
