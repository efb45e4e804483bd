"""Login brute-force protection (django-axes, username + IP) and the throttled password re-confirmation."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.reauth import ReauthenticationLocked, check_password_with_throttle

BASE_DIR = Path(__file__).resolve().parents[2]
LOGIN = "/accounts/login/"


def _fail(client, username, times, ip="10.0.0.1"):
    for _ in range(times):
        response = client.post(LOGIN, {"username": username, "password": "wrong-password"}, REMOTE_ADDR=ip)
    return response


@pytest.mark.django_db
def test_a_wrong_password_shows_the_normal_form_error_below_the_limit(client, buyer, settings):
    response = _fail(client, "buyer", settings.AXES_FAILURE_LIMIT - 1)
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


@pytest.mark.django_db
def test_the_fifth_wrong_password_locks_the_username_from_that_address_with_a_clear_message(client, buyer, password):
    response = _fail(client, "buyer", 5)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed sign-in attempts" in page
    assert "locked after 5 wrong passwords" in page
    assert "paused for 30 minutes" in page
    # Even the right password is refused while locked.
    response = client.post(LOGIN, {"username": "buyer", "password": password}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_lockout_message_is_shown_in_chinese(client, buyer):
    client.cookies["django_language"] = "zh-hans"
    response = _fail(client, "buyer", 5)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


@pytest.mark.django_db
def test_the_lock_is_per_username_and_address(client, buyer, other_buyer, password):
    _fail(client, "buyer", 5, ip="10.0.0.1")
    # The same user from another address, and another user from the same address, can still sign in.
    assert client.post(LOGIN, {"username": "buyer", "password": password}, REMOTE_ADDR="10.0.0.2").status_code == 302
    client.logout()
    assert client.post(LOGIN, {"username": "otherbuyer", "password": password}, REMOTE_ADDR="10.0.0.1").status_code == 302


@pytest.mark.django_db
def test_the_lock_lifts_after_the_cool_off(client, buyer, password):
    _fail(client, "buyer", 5)
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        response = client.post(LOGIN, {"username": "buyer", "password": password}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_successful_sign_in_resets_the_failure_count(client, buyer, password):
    _fail(client, "buyer", 4)
    assert client.post(LOGIN, {"username": "buyer", "password": password}, REMOTE_ADDR="10.0.0.1").status_code == 302
    client.logout()
    assert _fail(client, "buyer", 4).status_code == 200


@pytest.mark.django_db
def test_staff_see_the_lock_in_the_admin_and_unlock_it(client, buyer, staff_user, password):
    _fail(client, "buyer", 5)
    attempt = AccessAttempt.objects.get(username="buyer")
    assert attempt.failures_since_start == 5
    staff_client = type(client)()
    staff_client.force_login(staff_user)
    changelist = staff_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert changelist.status_code == 200
    assert "buyer" in changelist.content.decode()
    response = staff_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert client.post(LOGIN, {"username": "buyer", "password": password}, REMOTE_ADDR="10.0.0.1").status_code == 302


@pytest.mark.django_db
def test_a_buyer_cannot_open_the_lockout_admin(client, buyer):
    client.force_login(buyer)
    response = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_the_test_client_login_helpers_keep_working(client, buyer, password):
    assert client.login(username="buyer", password=password)
    assert client.get(reverse("accounts:profile")).status_code == 200
    client.logout()
    assert not client.login(username="buyer", password="wrong")
    client.force_login(buyer)
    assert client.get(reverse("accounts:profile")).status_code == 200


@pytest.mark.django_db
def test_signup_still_signs_the_new_user_in(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "role": "buyer",
            "username": "newbuyer",
            "full_name": "New Buyer",
            "email": "new@example.com",
            "password1": "a-Long-passw0rd-here",
            "password2": "a-Long-passw0rd-here",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200


def _request(ip="10.0.0.9"):
    request = RequestFactory().post("/contracts/1/sign/", REMOTE_ADDR=ip)
    return request


@pytest.mark.django_db
def test_password_reconfirmation_accepts_the_right_password_and_rejects_a_wrong_one(buyer, password):
    assert check_password_with_throttle(_request(), buyer, password) is True
    assert check_password_with_throttle(_request(), buyer, "nope") is False
    assert check_password_with_throttle(_request(), buyer, "") is False


@pytest.mark.django_db
def test_password_reconfirmation_locks_after_five_wrong_passwords(buyer, password):
    for _ in range(4):
        assert check_password_with_throttle(_request(), buyer, "nope") is False
    with pytest.raises(ReauthenticationLocked) as locked:
        check_password_with_throttle(_request(), buyer, "nope")
    assert "paused for 30 minutes" in str(locked.value)
    # Locked: even the right password is refused, and so is the login form from that address.
    with pytest.raises(ReauthenticationLocked):
        check_password_with_throttle(_request(), buyer, password)
    # Another address is not locked.
    assert check_password_with_throttle(_request(ip="10.0.0.10"), buyer, password) is True


@pytest.mark.django_db
def test_password_reconfirmation_of_one_user_cannot_confirm_another(buyer, other_buyer, password):
    # other_buyer has the same test password; the check is bound to the given user, not to a username field.
    assert check_password_with_throttle(_request(), buyer, password) is True
    assert check_password_with_throttle(_request(), other_buyer, "pass-1234-wrong") is False


@pytest.mark.django_db
def test_a_right_password_clears_earlier_reconfirmation_failures(buyer, password):
    for _ in range(4):
        check_password_with_throttle(_request(), buyer, "nope")
    assert check_password_with_throttle(_request(), buyer, password) is True
    for _ in range(4):
        assert check_password_with_throttle(_request(), buyer, "nope") is False


def test_project_code_always_passes_the_request_to_authenticate():
    """Axes needs the request; a request-less authenticate() would 500 in production (tests let it through)."""
    offenders = []
    for path in BASE_DIR.glob("*/**/*.py"):
        rel = path.relative_to(BASE_DIR)
        if rel.parts[0] in {".venv", "tests", "node_modules"} or "tests" in rel.parts or "migrations" in rel.parts:
            continue
        for match in re.finditer(r"(?<!def )\bauthenticate\(([^)]*)\)", path.read_text(encoding="utf-8", errors="ignore")):
            args = match.group(1).strip()
            if args and not (args.startswith("request") or args.startswith("self.request") or "request=" in args):
                offenders.append(f"{rel}: authenticate({args})")
    assert offenders == []
