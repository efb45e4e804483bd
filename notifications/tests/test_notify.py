import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.models import OutboxMessage
from notifications.kinds import day, localized, moment, notice_kind
from notifications.models import Notification
from notifications.services import (
    EMAIL_LEASE,
    Notice,
    message_id_for,
    notifications_batched,
    notify,
    notify_many,
    send_pending_emails,
)

# Texts that exist in the root catalogue in both languages, so the tests see real translations.
WELCOME = notice_kind("tests.welcome", label=_("Notifications"), subject=_("Welcome to Anxin Auto, %(name)s!"))
PLAIN = notice_kind("tests.plain", label=_("Notifications"), subject="Reminder %(n)s", body="Body %(n)s")
DATED = notice_kind("tests.dated", label=_("Notifications"), subject="Due %(when)s on %(day)s", body="%(label)s")


@pytest.mark.django_db(transaction=True)
def test_notify_twice_with_the_same_key_writes_one_notification_and_one_email(buyer, mailoutbox):
    first = notify(buyer, PLAIN, "complaint:1:ack_due:2026-11-26T10:00", params={"n": 1})
    second = notify(buyer, PLAIN, "complaint:1:ack_due:2026-11-26T10:00", params={"n": 1})
    assert first is not None
    assert second is None
    assert Notification.objects.filter(recipient=buyer).count() == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [buyer.email]


def test_notify_refuses_a_kind_that_is_not_declared(buyer):
    with pytest.raises(TypeError):
        notify(buyer, "tests.undeclared", "k")


@pytest.mark.django_db
def test_the_same_notification_reads_in_the_language_of_the_page_showing_it(buyer):
    notification = notify(buyer, WELCOME, "welcome", params={"name": "Li Lei"})
    notification.refresh_from_db()
    assert notification.subject == ""  # nothing rendered is stored: kind + params are
    assert notification.render("en")[0] == "Welcome to Anxin Auto, Li Lei!"
    assert notification.render("zh-hans")[0] == "欢迎来到安心车，Li Lei！"


@pytest.mark.django_db
def test_the_inbox_renders_each_notification_in_the_reader_s_language(client, buyer):
    notify(buyer, WELCOME, "welcome", params={"name": "Li Lei"})
    client.force_login(buyer)
    client.cookies["django_language"] = "en"
    english = client.get(reverse("notifications:inbox")).content.decode()
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(reverse("notifications:inbox")).content.decode()
    assert "Welcome to Anxin Auto, Li Lei!" in english
    assert "欢迎来到安心车，Li Lei！" in chinese


@pytest.mark.django_db
def test_old_rows_keep_showing_their_stored_text(client, buyer):
    Notification.objects.create(recipient=buyer, kind="warranty_claim", dedupe_key="old", subject="您的索赔已受理", body="旧文本")
    client.force_login(buyer)
    content = client.get(reverse("notifications:inbox")).content.decode()
    assert "您的索赔已受理" in content
    assert "旧文本" in content


@pytest.mark.django_db(transaction=True)
def test_email_goes_out_in_the_recipient_s_language_whatever_the_actor_browses_in(buyer, mailoutbox):
    buyer.language = "en"
    buyer.save(update_fields=["language"])
    with translation.override("zh-hans"):  # the dealer who caused it browses in Chinese
        notify(buyer, WELCOME, "welcome-mail", params={"name": "Li Lei"})
    assert [m.subject for m in mailoutbox] == ["Welcome to Anxin Auto, Li Lei!"]
    buyer.language = "zh-hans"
    buyer.save(update_fields=["language"])
    with translation.override("en"):
        notify(buyer, WELCOME, "welcome-mail-2", params={"name": "Li Lei"})
    assert mailoutbox[1].subject == "欢迎来到安心车，Li Lei！"


@pytest.mark.django_db
def test_localized_dates_and_labels_follow_the_reader(buyer):
    when = dt.datetime(2026, 3, 2, 2, 30, tzinfo=dt.UTC)  # 10:30 in Shanghai
    notification = notify(
        buyer,
        DATED,
        "dated",
        params={"when": moment(when), "day": day(dt.date(2026, 3, 31)), "label": localized(_("Notifications"))},
    )
    english, english_body = notification.render("en")
    chinese, chinese_body = notification.render("zh-hans")
    assert "10:30" in english and "2026" in english
    assert "10:30" in chinese and "2026年3月31日" in chinese
    assert english_body == "Notifications"
    assert chinese_body == "消息通知"


@pytest.mark.django_db
def test_the_language_switcher_saves_a_signed_in_user_s_choice(client, buyer):
    client.force_login(buyer)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    buyer.refresh_from_db()
    assert buyer.language == "en"
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    buyer.refresh_from_db()
    assert buyer.language == "zh-hans"
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    buyer.refresh_from_db()
    assert buyer.language == "zh-hans"


@pytest.mark.django_db(transaction=True)
def test_email_is_sent_only_after_commit(buyer, mailoutbox):
    with transaction.atomic():
        notify(buyer, PLAIN, "k-commit", params={"n": 1})
        assert mailoutbox == []
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_notification_sends_nothing(buyer, mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(buyer, PLAIN, "k-rollback", params={"n": 1})
        raise RuntimeError
    assert not Notification.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_inbox_shows_only_my_notifications_and_unread_count(client, buyer, other_buyer):
    notify(buyer, PLAIN, "mine", params={"n": "for the buyer"})
    notify(other_buyer, PLAIN, "theirs", params={"n": "for someone else"})
    client.force_login(buyer)
    content = client.get(reverse("notifications:inbox")).content.decode()
    assert "Reminder for the buyer" in content
    assert "for someone else" not in content
    assert 'data-testid="unread-count">1<' in content


@pytest.mark.django_db
def test_opening_someone_elses_notification_is_404(client, buyer, other_buyer):
    theirs = notify(other_buyer, PLAIN, "theirs", params={"n": 1})
    client.force_login(buyer)
    assert client.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_opening_a_notification_marks_it_read_and_follows_its_link(client, buyer):
    mine = notify(buyer, PLAIN, "mine", params={"n": 1}, url="/cars/")
    client.force_login(buyer)
    response = client.post(reverse("notifications:open", args=[mine.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/cars/"
    mine.refresh_from_db()
    assert mine.read_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_batch_of_notifications_queues_one_email_task_and_sends_each_email_once(buyer, other_buyer, mailoutbox):
    before = OutboxMessage.objects.count()
    with notifications_batched():
        for n in range(5):
            notify(buyer, PLAIN, f"batch-buyer-{n}", params={"n": n})
        notify(other_buyer, PLAIN, "batch-other", params={"n": "other"})
    assert OutboxMessage.objects.count() - before == 1  # one task for the whole batch, not six
    assert sorted(m.subject for m in mailoutbox) == [
        "Reminder 0",
        "Reminder 1",
        "Reminder 2",
        "Reminder 3",
        "Reminder 4",
        "Reminder other",
    ]
    assert not Notification.objects.filter(email_pending=True).exists()
    assert send_pending_emails() == 0  # the safety net finds nothing left to send twice
    assert len(mailoutbox) == 6


@pytest.mark.django_db(transaction=True)
def test_notify_many_inserts_once_per_key_and_queues_one_task(buyer, other_buyer, mailoutbox):
    before = OutboxMessage.objects.count()
    notices = [Notice(buyer, PLAIN, f"many-{n}", {"n": n}) for n in range(3)] + [Notice(other_buyer, PLAIN, "many-x", {"n": "x"})]
    assert notify_many(notices) == 4
    assert notify_many(notices) == 0  # a re-run writes nothing
    assert Notification.objects.count() == 4
    assert OutboxMessage.objects.count() - before == 1
    assert len(mailoutbox) == 4


@pytest.mark.django_db(transaction=True)
def test_a_pending_email_whose_task_was_lost_is_sent_by_the_safety_net(buyer, mailoutbox):
    Notification.objects.create(recipient=buyer, kind="test", dedupe_key="lost", subject="Lost task", email_pending=True)
    assert send_pending_emails() == 1
    assert [m.subject for m in mailoutbox] == ["Lost task"]
    assert mailoutbox[0].extra_headers["Message-ID"] == message_id_for("lost")


@pytest.mark.django_db(transaction=True)
def test_a_sender_killed_after_claiming_loses_no_email_the_lease_expires_and_the_retry_has_the_same_message_id(buyer, mailoutbox):
    row = Notification.objects.create(
        recipient=buyer, kind="tests.plain", params={"n": 7}, dedupe_key="killed", email_pending=True
    )
    now = timezone.now()
    # A sender claimed it and died before sending: the lease is held, so nobody sends it yet …
    Notification.objects.filter(pk=row.pk).update(email_lease_until=now + EMAIL_LEASE, email_claim="dead-worker")
    assert send_pending_emails(now=now) == 0
    assert mailoutbox == []
    # … and once the lease has expired, the periodic sender does.
    assert send_pending_emails(now=now + EMAIL_LEASE + dt.timedelta(seconds=1)) == 1
    assert [m.subject for m in mailoutbox] == ["Reminder 7"]
    assert mailoutbox[0].extra_headers["Message-ID"] == message_id_for("killed")
    row.refresh_from_db()
    assert row.emailed_at is not None and not row.email_pending


@pytest.mark.django_db(transaction=True)
def test_an_smtp_failure_leaves_the_email_owed_and_the_next_run_sends_it(buyer, mailoutbox, monkeypatch):
    from django.core.mail import EmailMessage

    row = Notification.objects.create(recipient=buyer, kind="tests.plain", params={"n": 1}, dedupe_key="smtp", email_pending=True)
    original = EmailMessage.send

    def refuse(self, fail_silently=False):
        raise OSError("connection refused")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    assert send_pending_emails() == 0
    row.refresh_from_db()
    assert row.email_pending and row.email_lease_until is None
    monkeypatch.setattr(EmailMessage, "send", original)
    assert send_pending_emails() == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_the_badge_count_is_cached_per_user_and_forgotten_when_notifications_arrive_or_are_read(
    buyer, other_buyer, django_assert_num_queries
):
    from notifications.selectors import unread_count
    from notifications.services import notification_mark_read

    assert unread_count(buyer) == 0
    with django_assert_num_queries(0):
        assert unread_count(buyer) == 0  # from the cache: no COUNT on every page
    kind = notice_kind("test.badge", label="Badge", subject="Badge %(n)s", body="Body %(n)s")
    notify_many([Notice(buyer, kind, f"badge:{n}", {"n": n}, email=False) for n in range(3)])
    notify_many([Notice(other_buyer, kind, "badge:other", {"n": 9}, email=False)])
    assert unread_count(buyer) == 3 and unread_count(other_buyer) == 1
    notify_many([Notice(buyer, kind, "badge:0", {"n": 0}, email=False)])  # a duplicate key: nothing new
    assert unread_count(buyer) == 3
    first = Notification.objects.filter(recipient=buyer).order_by("pk").first()
    notification_mark_read(user=buyer, notification_ids=[first.pk])
    assert unread_count(buyer) == 2 and unread_count(other_buyer) == 1
    notification_mark_read(user=buyer)
    assert unread_count(buyer) == 0
