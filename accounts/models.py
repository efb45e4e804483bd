from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.places import city_choices

from .masking import can_see_personal_data, mask_id_number, mask_phone

phone_validator = RegexValidator(r"^\+?[0-9][0-9\s-]{6,19}$", _("Enter a valid phone number, digits only (e.g. 13812341234)."))


class User(AbstractUser):
    """One user model for everyone; ``role`` decides the workspace. Staff are ``is_staff`` users."""

    class Role(models.TextChoices):
        BUYER = "buyer", _("Buyer")
        DEALER = "dealer", _("Dealer")
        INSPECTOR = "inspector", _("Inspector")
        STAFF = "staff", _("Staff")

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.BUYER, db_index=True)
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True, validators=[phone_validator])
    id_number = models.CharField(_("ID number"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [("view_personal_data", _("Can view unmasked personal data"))]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.is_dealer and hasattr(self, "dealer_profile"):
            return self.dealer_profile.business_name
        return self.full_name or self.get_full_name() or self.username

    @property
    def is_buyer(self) -> bool:
        return self.role == self.Role.BUYER

    @property
    def is_dealer(self) -> bool:
        return self.role == self.Role.DEALER

    @property
    def is_inspector(self) -> bool:
        return self.role == self.Role.INSPECTOR

    @property
    def is_platform_staff(self) -> bool:
        """The rule of ``accounts.roles.is_platform_staff``: the admin flag, not the role label."""
        return bool(self.is_active and self.is_staff)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def phone_for(self, viewer) -> str:
        return self.phone if can_see_personal_data(viewer, self) else self.masked_phone

    def id_number_for(self, viewer) -> str:
        return self.id_number if can_see_personal_data(viewer, self) else self.masked_id_number


class DealerProfile(models.Model):
    """A dealer's public business identity; shown on every listing so buyers can reach the seller."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="dealer_profile", verbose_name=_("user"))
    business_name = models.CharField(_("business name"), max_length=120)
    licence_number = models.CharField(_("business licence number"), max_length=40)
    city = models.CharField(_("city"), max_length=40, db_index=True, choices=city_choices)
    address = models.CharField(_("business address"), max_length=255)
    phone = models.CharField(_("business phone"), max_length=20, validators=[phone_validator])
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dealer profile")
        verbose_name_plural = _("dealer profiles")

    def __str__(self) -> str:
        return self.business_name
