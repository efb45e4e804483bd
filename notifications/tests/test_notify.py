import pytest
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notify


@pytest.mark.django_db(transaction=True)
def test_notify_twice_with_the_same_key_writes_one_notification_and_one_email(buyer, mailoutbox):
    first = notify(buyer, "test", "complaint:1:ack_due:2026-11-26T10:00", subject="Reminder", body="Body")
    second = notify(buyer, "test", "complaint:1:ack_due:2026-11-26T10:00", subject="Reminder", body="Body")
    assert first is not None
    assert second is None
    assert Notification.objects.filter(recipient=buyer).count() == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [buyer.email]


@pytest.mark.django_db(transaction=True)
def test_email_is_sent_only_after_commit(buyer, mailoutbox):
    from django.db import transaction

    with transaction.atomic():
        notify(buyer, "test", "k-commit", subject="Hello")
        assert mailoutbox == []
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_notification_sends_nothing(buyer, mailoutbox):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        notify(buyer, "test", "k-rollback", subject="Hello")
        raise RuntimeError
    assert not Notification.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_inbox_shows_only_my_notifications_and_unread_count(client, buyer, other_buyer):
    notify(buyer, "test", "mine", subject="For the buyer")
    notify(other_buyer, "test", "theirs", subject="For someone else")
    client.force_login(buyer)
    content = client.get(reverse("notifications:inbox")).content.decode()
    assert "For the buyer" in content
    assert "For someone else" not in content
    assert 'data-testid="unread-count">1<' in content


@pytest.mark.django_db
def test_opening_someone_elses_notification_is_404(client, buyer, other_buyer):
    theirs = notify(other_buyer, "test", "theirs", subject="Private")
    client.force_login(buyer)
    assert client.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_opening_a_notification_marks_it_read_and_follows_its_link(client, buyer):
    mine = notify(buyer, "test", "mine", subject="Go", url="/cars/")
    client.force_login(buyer)
    response = client.post(reverse("notifications:open", args=[mine.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/cars/"
    mine.refresh_from_db()
    assert mine.read_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_batch_of_notifications_queues_one_email_task_and_sends_each_email_once(buyer, other_buyer, mailoutbox):
    from core.models import OutboxMessage
    from notifications.services import notifications_batched, send_pending_emails

    before = OutboxMessage.objects.count()
    with notifications_batched():
        for n in range(5):
            notify(buyer, "test", f"batch-buyer-{n}", subject=f"Reminder {n}")
        notify(other_buyer, "test", "batch-other", subject="Other")
    assert OutboxMessage.objects.count() - before == 1  # one task for the whole batch, not six
    # Eager Celery ran the task on commit: every e-mail went out once.
    assert sorted(m.subject for m in mailoutbox) == ["Other"] + [f"Reminder {n}" for n in range(5)]
    assert not Notification.objects.filter(email_pending=True).exists()
    assert send_pending_emails() == 0  # the safety net finds nothing left to send twice
    assert len(mailoutbox) == 6


@pytest.mark.django_db(transaction=True)
def test_a_pending_email_whose_task_was_lost_is_sent_by_the_safety_net(buyer, mailoutbox):
    from notifications.services import send_pending_emails

    Notification.objects.create(recipient=buyer, kind="test", dedupe_key="lost", subject="Lost task", email_pending=True)
    assert send_pending_emails() == 1
    assert [m.subject for m in mailoutbox] == ["Lost task"]
