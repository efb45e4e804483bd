from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from .models import DealerProfile, User

#: Usernames are at most what the model stores; django-axes records a failed sign-in's username in a
#: varchar(255), so a longer one used to reach the database (and fail there, a 500) instead of the form.
USERNAME_MAX_LENGTH = User._meta.get_field("username").max_length
#: Generous for any password manager, and a bound on what the hasher and the validators are given.
PASSWORD_MAX_LENGTH = 1024


def limit_length(field: forms.Field, limit: int) -> None:
    """Refuse a longer value as a form error (Django's own message, translated), and say so to the browser."""
    field.max_length = limit
    field.validators.append(MaxLengthValidator(limit))
    field.widget.attrs["maxlength"] = str(limit)


class LoginForm(AuthenticationForm):
    """Sign-in: over-long input is a form error before anything is looked up, throttled or stored."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        limit_length(self.fields["username"], USERNAME_MAX_LENGTH)
        limit_length(self.fields["password"], PASSWORD_MAX_LENGTH)


class SignupForm(UserCreationForm):
    """Sign up as a buyer or a dealer; dealers also give their public business details."""

    role = forms.ChoiceField(
        label=_("I want to"),
        choices=[(User.Role.BUYER, _("Buy a car")), (User.Role.DEALER, _("Sell cars as a dealer"))],
        widget=forms.RadioSelect,
        initial=User.Role.BUYER,
    )
    business_name = forms.CharField(label=_("Business name"), max_length=120, required=False)
    licence_number = forms.CharField(label=_("Business licence number"), max_length=40, required=False)
    city = forms.CharField(label=_("City"), max_length=40, required=False)
    address = forms.CharField(label=_("Business address"), max_length=255, required=False)
    business_phone = forms.CharField(label=_("Business phone"), max_length=20, required=False)

    DEALER_FIELDS = ("business_name", "licence_number", "city", "address", "business_phone")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("role", "username", "full_name", "email", "phone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["full_name"].required = True
        for name in ("password1", "password2"):  # the username is limited by the model field already
            limit_length(self.fields[name], PASSWORD_MAX_LENGTH)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Create account"), css_class="btn-primary w-100"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") == User.Role.DEALER:
            for name in self.DEALER_FIELDS:
                if not cleaned.get(name):
                    self.add_error(name, _("Dealers must give this so buyers can reach them."))
            if cleaned.get("business_phone"):
                try:
                    User._meta.get_field("phone").run_validators(cleaned["business_phone"])
                except forms.ValidationError as error:
                    self.add_error("business_phone", error)
        return cleaned

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this e-mail already exists."))
        return email


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("full_name", "email", "phone", "id_number", "address", "language")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save"), css_class="btn-primary"))


class DealerProfileForm(forms.ModelForm):
    class Meta:
        model = DealerProfile
        fields = ("business_name", "licence_number", "city", "address", "phone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
