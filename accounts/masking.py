"""Privacy helpers: a person's phone and ID numbers are shown masked to everyone but themselves and
authorised staff. Dealers' business phone and address are public and are not masked."""

import re

PHONE_RE = re.compile(r"(?<!\d)(\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")


def mask_phone(phone: str) -> str:
    """13812341234 → 138****1234; short or odd values keep only their last 2 characters."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * max(len(phone) - 2, 0) + phone[-2:]


def mask_id_number(value: str) -> str:
    """110101199003071234 → 1101**********1234."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def mask_phones_in_text(text: str) -> str:
    """Mask every mainland mobile number written in free text (messages between strangers)."""
    return PHONE_RE.sub(lambda m: f"{m.group(2)}****{m.group(4)}", text or "")


def can_see_personal_data(viewer, person) -> bool:
    """The person themselves, or staff holding the ``accounts.view_personal_data`` permission."""
    if not getattr(viewer, "is_authenticated", False):
        return False
    return viewer.pk == person.pk or viewer.has_perm("accounts.view_personal_data")
