from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row, Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.images import validate_image_upload

from . import catalogue
from .filters import CITIES
from .models import Listing, Vehicle
from .services import FACTS_EDITABLE, VEHICLE_FIELDS
from .validation import listing_errors
from .vin import normalise_vin, vin_facts
from .vocabularies import city_choices, city_normalise, colour_choices, colour_normalise


class VocabularyChoiceField(forms.ChoiceField):
    """A choice of a vocabulary that also takes the term typed in either language ("White", "杭州市")."""

    def __init__(self, *args, normalise, **kwargs):
        self.normalise = normalise
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return self.normalise(value) or value


class ListingForm(forms.ModelForm):
    """The car (``Vehicle``) and its offer (price, description) on one page.

    Plausibility rules live on the models (``validation.py``) so the form, the admin and the services
    all refuse the same nonsense with the same per-field messages.
    """

    price = forms.DecimalField(label=_("Asking price (CNY)"), max_digits=10, decimal_places=0, min_value=0)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Condition, service history, options. Do not write phone numbers; buyers reach you through messages."),
    )

    class Meta:
        model = Vehicle
        fields = VEHICLE_FIELDS
        widgets = {
            "first_registration": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "vin": forms.TextInput(
                attrs={
                    "autocomplete": "off",
                    "spellcheck": "false",
                    "class": "text-uppercase font-monospace",
                    "maxlength": 20,
                    "data-vin-input": "",
                }
            ),
        }
        help_texts = {
            "vin": _(
                "17 characters on the windscreen or the registration certificate (行驶证). The make and the model year "
                "are read from it when you leave them empty."
            ),
            "year": _("The model year (年款), e.g. 2022."),
            "engine_displacement_l": _("Leave empty for electric cars."),
            "battery_kwh": _("Electric and plug-in hybrid cars only."),
        }

    def __init__(self, *args, listing: Listing | None = None, **kwargs):
        self.listing = listing
        if listing is not None:
            kwargs.setdefault("instance", listing.vehicle)
            kwargs.setdefault("initial", {}).update(price=listing.price, description=listing.description)
        super().__init__(*args, **kwargs)
        self._pickers()
        self.facts_locked = listing is not None and listing.status not in FACTS_EDITABLE
        if self.facts_locked:
            for name in VEHICLE_FIELDS:
                self.fields[name].disabled = True
        self.helper = FormHelper()
        self.helper.form_tag = True
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Fieldset(
                _("Identity"),
                Row(Column("vin", css_class="col-md-6"), Column("city", css_class="col-md-6")),
                Row(
                    Column("make", css_class="col-md-4"),
                    Column("model", css_class="col-md-4"),
                    Column("trim", css_class="col-md-4"),
                ),
                Row(
                    Column("year", css_class="col-6 col-md-4"),
                    Column("first_registration", css_class="col-6 col-md-4"),
                    Column("mileage_km", css_class="col-md-4"),
                ),
            ),
            Fieldset(
                _("Specification"),
                Row(
                    Column("fuel", css_class="col-6 col-md-4"),
                    Column("transmission", css_class="col-6 col-md-4"),
                    Column("body_type", css_class="col-md-4"),
                ),
                Row(
                    Column("engine_displacement_l", css_class="col-6 col-md-3"),
                    Column("battery_kwh", css_class="col-6 col-md-3"),
                    Column("emission_standard", css_class="col-md-6"),
                ),
                Row(
                    Column("colour", css_class="col-md-4"),
                    Column("seats", css_class="col-6 col-md-4"),
                    Column("previous_owners", css_class="col-6 col-md-4"),
                ),
            ),
            Fieldset(_("Offer"), "price", "description"),
            Submit("save", _("Save"), css_class="btn-brand px-4"),
        )

    def _pickers(self) -> None:
        """Make, model, city and colour are picked from the vocabularies (a car already stored with a value
        outside them keeps it as a choice); make and model year may be left to the VIN."""
        vehicle = self.instance

        def keep(choices: list, value: str) -> list:
            return choices if not value or value in dict(choices) else [*choices, (value, value)]

        blank = [("", "—")]
        makes = keep(catalogue.label_choices(), vehicle.make)
        models = keep(
            [(m, catalogue.model_label(make, m)) for make, names in catalogue.models_by_make().items() for m in names],
            vehicle.model,
        )
        self.fields["make"] = forms.ChoiceField(
            label=_("Make"), choices=blank + makes, required=False, widget=forms.Select(attrs={"data-make-select": ""})
        )
        self.fields["model"] = forms.ChoiceField(
            label=_("Model"), choices=blank + models, required=False, widget=forms.Select(attrs={"data-model-select": ""})
        )
        self.fields["city"] = VocabularyChoiceField(
            label=_("City"), choices=blank + keep(city_choices(), vehicle.city), normalise=city_normalise
        )
        self.fields["colour"] = VocabularyChoiceField(
            label=_("Colour"), choices=blank + keep(colour_choices(), vehicle.colour), normalise=colour_normalise
        )
        self.fields["year"].required = False
        self.fields["year"].help_text = _("The model year (年款), e.g. 2022. Read from the VIN when left empty.")
        self.models_by_make = {
            make: [[m, catalogue.model_label(make, m)] for m in names] for make, names in catalogue.models_by_make().items()
        }
        if vehicle.model and vehicle.make not in self.models_by_make:
            self.models_by_make[vehicle.make] = [[vehicle.model, vehicle.model]]
        self.wmi_makes = catalogue.wmi_makes()

    def clean_vin(self):
        return normalise_vin(self.cleaned_data.get("vin", ""))

    def clean_price(self):
        price = self.cleaned_data["price"]
        errors = listing_errors(Listing(price=price))
        if errors:
            raise forms.ValidationError(errors["price"])
        return price

    def clean(self):
        data = super().clean()
        vin = data.get("vin")
        if not self.facts_locked:
            self._fill_from_vin(data)
        if vin and not self.facts_locked:
            clash = Listing.objects.filter(vehicle__vin=vin, status__in=Listing.ACTIVE_STATUSES)
            if self.listing is not None:
                clash = clash.exclude(pk=self.listing.pk)
            if clash.exists():
                self.add_error("vin", _("A car with this VIN is already listed. Withdraw that listing first."))
        return data

    def _fill_from_vin(self, data: dict) -> None:
        """The make and model year the VIN gives, where the dealer left them empty (vininfo, ``vin.vin_facts``);
        then make, model and year are required, and the model must be one of the make's."""
        facts = vin_facts(data.get("vin") or "", latest_year=timezone.localdate().year + 1) if data.get("vin") else {}
        for name in ("make", "year"):
            if not data.get(name) and name in facts:
                data[name] = facts[name]
        for name in ("make", "model", "year"):
            if not data.get(name) and name not in self.errors:
                self.add_error(name, self.fields[name].error_messages["required"])
        make, model = data.get("make"), data.get("model")
        if make and model and model not in [pair[0] for pair in self.models_by_make.get(make, [])]:
            self.add_error("model", _("Choose a model of this make."))

    def vehicle_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in VEHICLE_FIELDS if name in self.cleaned_data}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = data if isinstance(data, list | tuple) else [data]
        cleaned = [single(item, initial) for item in files if item]
        if not cleaned:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        errors = []
        for item in cleaned:
            try:
                validate_image_upload(item)
            except forms.ValidationError as exc:
                errors.append(forms.ValidationError(f"{item.name}: {exc.messages[0]}"))
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


class PhotoUploadForm(forms.Form):
    photos = MultiplePhotoField(
        label=_("Add photos"), help_text=_("JPEG, PNG or WebP, up to 10 MB each. Location data is removed automatically.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("Ask about the car's history, a viewing, the price…")}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.form_show_labels = False


def make_options() -> list[tuple[str, str]]:
    return catalogue.label_choices()


__all__ = ["CITIES", "ListingForm", "MessageForm", "PhotoUploadForm", "make_options"]
