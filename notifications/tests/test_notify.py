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
