from django.conf import settings
from django.db import transaction
from django.utils import translation

from .models import DealerProfile, User


@transaction.atomic
def user_sign_up(
    *,
    username: str,
    password: str,
    email: str,
    role: str,
    full_name: str = "",
    phone: str = "",
    dealer: dict | None = None,
    language: str | None = None,
) -> User:
    """Create a buyer or dealer account; a dealer always gets a DealerProfile in the same transaction.

    The account's language is the one the person signed up in (e-mails go out in it) unless given."""
    if role not in (User.Role.BUYER, User.Role.DEALER):
        raise ValueError("Only buyers and dealers can sign up; inspectors and staff are created by staff.")
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    user = User(username=username, email=email, role=role, full_name=full_name, phone=phone, language=language)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    if role == User.Role.DEALER:
        profile = DealerProfile(user=user, **(dealer or {}))
        profile.full_clean()
        profile.save()
    return user


def user_set_language(*, user: User, language: str) -> User:
    """Remember the user's language: e-mails and messages rendered for them later use it."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unknown language {language!r}")
    user.language = language
    user.save(update_fields=["language"])
    return user
