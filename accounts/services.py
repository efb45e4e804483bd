from django.db import transaction

from .models import DealerProfile, User


@transaction.atomic
def user_sign_up(
    *, username: str, password: str, email: str, role: str, full_name: str = "", phone: str = "", dealer: dict | None = None
) -> User:
    """Create a buyer or dealer account; a dealer always gets a DealerProfile in the same transaction."""
    if role not in (User.Role.BUYER, User.Role.DEALER):
        raise ValueError("Only buyers and dealers can sign up; inspectors and staff are created by staff.")
    user = User(username=username, email=email, role=role, full_name=full_name, phone=phone)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    if role == User.Role.DEALER:
        profile = DealerProfile(user=user, **(dealer or {}))
        profile.full_clean()
        profile.save()
    return user
