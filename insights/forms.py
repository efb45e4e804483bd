import datetime as dt

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors.charts import DateRange

STAR_CHOICES = [(n, "★" * n) for n in range(1, 6)]


def _stars(label, *, required=True):
    choices = STAR_CHOICES if required else [("", _("Not needed yet")), *STAR_CHOICES]
    return forms.TypedChoiceField(
        label=label, choices=choices, coerce=int, empty_value=None, required=required, widget=forms.RadioSelect
    )


class ReviewForm(forms.Form):
    overall = _stars(_("Overall"))
    as_described = _stars(_("Vehicle as described"))
    communication = _stars(_("Communication"))
    delivery = _stars(_("Delivery"))
    after_sales = _stars(_("After-sales service"), required=False)
    comment = forms.CharField(label=_("Your review"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000, required=False)

    def __init__(self, *args, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            InlineRadios("overall"),
            InlineRadios("as_described"),
            InlineRadios("communication"),
            InlineRadios("delivery"),
            InlineRadios("after_sales"),
            "comment",
            Submit("submit", submit_label or _("Publish review"), css_class="btn-brand"),
        )


class BuyerRatingForm(forms.Form):
    payment_on_time = _stars(_("Payment on time"))
    communication = _stars(_("Communication"))
    comment = forms.CharField(
        label=_("Note (visible to dealers this buyer deals with)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            InlineRadios("payment_on_time"),
            InlineRadios("communication"),
            "comment",
            Submit("submit", _("Save rating"), css_class="btn-brand"),
        )


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Public reply"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Publish reply (only once)"), css_class="btn-brand"))


class HideForm(forms.Form):
    reason = forms.CharField(label=_("Reason for hiding (kept in the audit trail)"), max_length=255)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Hide review"), css_class="btn-danger"))


class DateRangeForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The start date must be before the end date."))
        return data

    def period(self) -> DateRange:
        default = DateRange.last_12_months()
        if not self.is_valid():
            return default
        start = self.cleaned_data.get("start") or default.start
        end = self.cleaned_data.get("end") or default.end
        if (end - start) > dt.timedelta(days=366 * 5):
            start = end - dt.timedelta(days=366 * 5)
        return DateRange(start=start, end=end)
