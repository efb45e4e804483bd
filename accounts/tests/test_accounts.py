import pytest
from django.urls import reverse

from accounts.masking import mask_id_number, mask_phone, mask_phones_in_text
from accounts.models import DealerProfile, User

SIGNUP = {
    "username": "newperson",
    "full_name": "Li Lei",
    "email": "lilei@example.com",
    "phone": "13812341234",
    "password1": "Very-secret-pass-42",
    "password2": "Very-secret-pass-42",
}


@pytest.mark.django_db
def test_signup_as_buyer_creates_a_buyer_and_signs_in(client):
    response = client.post(reverse("accounts:signup"), {**SIGNUP, "role": "buyer"})
    assert response.status_code == 302
    user = User.objects.get(username="newperson")
    assert user.role == User.Role.BUYER
    assert not DealerProfile.objects.filter(user=user).exists()
    assert client.get(reverse("accounts:profile")).status_code == 200


@pytest.mark.django_db
def test_signup_as_dealer_requires_and_stores_business_details(client):
    response = client.post(reverse("accounts:signup"), {**SIGNUP, "role": "dealer"})
    assert response.status_code == 200
    assert "Dealers must give this" in response.content.decode()
    assert not User.objects.filter(username="newperson").exists()

    response = client.post(
        reverse("accounts:signup"),
        {
            **SIGNUP,
            "role": "dealer",
            "business_name": "Anxin Motors",
            "licence_number": "91110105MA01ABCD1X",
            "city": "北京",
            "address": "朝阳区 88 号",
            "business_phone": "010-65001234",
        },
    )
    assert response.status_code == 302
    profile = DealerProfile.objects.get(user__username="newperson")
    assert profile.user.role == User.Role.DEALER
    assert profile.business_name == "Anxin Motors"


@pytest.mark.django_db
def test_signup_cannot_choose_inspector_or_staff(client):
    response = client.post(reverse("accounts:signup"), {**SIGNUP, "role": "staff"})
    assert response.status_code == 200
    assert not User.objects.filter(username="newperson").exists()


@pytest.mark.django_db
def test_signup_refuses_a_duplicate_email(client, buyer):
    response = client.post(reverse("accounts:signup"), {**SIGNUP, "role": "buyer", "email": buyer.email.upper()})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


@pytest.mark.django_db
def test_login_and_logout(client, buyer, password):
    response = client.post(reverse("accounts:login"), {"username": buyer.username, "password": password})
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200
    client.post(reverse("accounts:logout"))
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.django_db
def test_login_with_wrong_password_is_refused(client, buyer):
    response = client.post(reverse("accounts:login"), {"username": buyer.username, "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_reset_sends_an_email_with_a_working_link(client, buyer, mailoutbox):
    client.post(reverse("accounts:password_reset"), {"email": buyer.email})
    assert len(mailoutbox) == 1
    link = next(line for line in mailoutbox[0].body.splitlines() if "/accounts/password/reset/" in line)
    path = link.split("testserver", 1)[1]
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert b"new password" in response.content.lower()


def test_phone_and_id_masking():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("+86 138-1234-1234") == "861****1234"
    assert mask_id_number("110101199003071234") == "1101**********1234"
    assert mask_phones_in_text("call me on 13812341234 or 139 0000 1111") == "call me on 138****1234 or 139****1111"


@pytest.mark.django_db
def test_personal_numbers_are_masked_for_other_users_but_not_for_oneself(buyer, other_buyer, staff_user):
    assert buyer.phone_for(other_buyer) == "138****1234"
    assert buyer.id_number_for(other_buyer) == "1101**********1234"
    assert buyer.phone_for(buyer) == "13812341234"
    assert buyer.phone_for(staff_user) == "13812341234"  # superuser holds view_personal_data


@pytest.mark.django_db
def test_profile_page_shows_own_numbers_in_the_form_and_masked_preview(client, buyer):
    client.force_login(buyer)
    content = client.get(reverse("accounts:profile")).content.decode()
    assert "13812341234" in content  # the editable field
    assert "138****1234" in content  # how others see it
