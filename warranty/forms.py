"""Forms validate and present; the services decide."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.models import Listing

from .models import AfterSalesRequest, ExtendedWarrantyPlan, Part, RepairRecord, RepairShop, localized_name


def _helper(action: str = "", submit: str = "", *, css: str = "btn-primary", action_name: str = "") -> FormHelper:
    helper = FormHelper()
    helper.form_method = "post"
    if action:
        helper.form_action = action
    if submit:
        button = Submit(action_name or "submit", submit)
        button.field_classes = f"btn {css} w-100"
        helper.add_input(button)
    return helper


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.ImageField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultiplePhotoField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class OdometerForm(forms.Form):
    odometer_km = forms.IntegerField(label=_("Odometer now (km)"), min_value=0, max_value=2_000_000)

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(action, _("Update odometer"), css="btn-outline-primary")


class ExtensionForm(forms.Form):
    plan = forms.ModelChoiceField(
        label=_("Plan"), queryset=ExtendedWarrantyPlan.objects.filter(is_active=True), widget=forms.RadioSelect, empty_label=None
    )

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].label_from_instance = lambda p: f"{localized_name(p)} · ¥{p.price:,.0f}"
        self.helper = _helper(action, _("Buy extension"), css="btn-success")


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("What do you ask for?"), choices=AfterSalesRequest.Kind.choices, widget=forms.RadioSelect)
    description = forms.CharField(label=_("What is wrong?"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    odometer_km = forms.IntegerField(label=_("Odometer now (km)"), min_value=0, max_value=2_000_000)
    photos = MultiplePhotoField(label=_("Photos (up to 6)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("", _("Submit request"))
        self.helper.form_enctype = "multipart/form-data"
        self.fields["photos"].widget.attrs["accept"] = "image/*"


class ClaimForm(forms.Form):
    part = forms.ModelChoiceField(label=_("Failed part"), queryset=Part.objects.select_related("group"))
    symptom = forms.CharField(label=_("Symptom"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    odometer_km = forms.IntegerField(label=_("Odometer (km)"), min_value=0, max_value=2_000_000)
    failed_on = forms.DateField(label=_("Date of failure"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        groups: dict[str, list] = {}
        for part in self.fields["part"].queryset:
            groups.setdefault(str(part.group), []).append((part.pk, str(part)))
        self.fields["part"].choices = [("", _("— choose the part —")), *groups.items()]
        self.helper = _helper("", _("Submit claim"))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)

    submit_label = _("Save")
    css = "btn-primary"

    def __init__(self, *args, action: str = "", action_name: str = "", case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.helper = _helper(action, self.submit_label, css=self.css)
        self.helper.form_tag = False
        self.action_name = action_name


class ApproveForm(NoteForm):
    exchange_listing = forms.ModelChoiceField(
        label=_("Replacement car (same dealer)"), queryset=Listing.objects.none(), required=False
    )
    submit_label = _("Approve")
    css = "btn-success"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        case = self.case
        if case is not None and case.kind == AfterSalesRequest.Kind.EXCHANGE:
            order = case.coverage.order
            self.fields["exchange_listing"].queryset = (
                Listing.objects.filter(dealer_id=order.listing.dealer_id, status=Listing.Status.PUBLISHED)
                .exclude(pk=order.listing_id)
                .select_related("vehicle")
            )
            self.fields["exchange_listing"].label_from_instance = lambda listing: f"{listing.vehicle} · ¥{listing.price:,.0f}"
            self.fields["exchange_listing"].required = True
        else:
            del self.fields["exchange_listing"]


class RejectRequestForm(NoteForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=AfterSalesRequest.RejectionReason.choices)
    note = forms.CharField(label=_("Explanation for the buyer"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    submit_label = _("Reject")
    css = "btn-outline-danger"
    field_order = ["reason", "note"]


class RejectClaimForm(NoteForm):
    note = forms.CharField(label=_("Explanation for the buyer"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    submit_label = _("Reject")
    css = "btn-outline-danger"


class AssessForm(NoteForm):
    submit_label = _("Acknowledge and start assessment")


class ReviewForm(NoteForm):
    submit_label = _("Start review")


class StartWorkForm(NoteForm):
    submit_label = _("Start work")


class AuthoriseForm(NoteForm):
    shop = forms.ModelChoiceField(label=_("Certified repair shop"), queryset=RepairShop.objects.filter(is_active=True))
    estimated_completion_on = forms.DateField(
        label=_("Shop's estimated completion"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    submit_label = _("Authorise repair")
    css = "btn-success"
    field_order = ["shop", "estimated_completion_on", "note"]


PART_ROWS = 3


class RepairForm(NoteForm):
    """The shop's repair record with up to three replaced parts (serial numbers for traceability)."""

    shop = forms.ModelChoiceField(label=_("Certified repair shop"), queryset=RepairShop.objects.filter(is_active=True))
    diagnosis = forms.CharField(label=_("Diagnosis"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
    days_in_shop = forms.IntegerField(label=_("Days in shop"), min_value=0, max_value=365)
    completed_on = forms.DateField(label=_("Completed on"), widget=forms.DateInput(attrs={"type": "date"}))
    labour_hours = forms.DecimalField(label=_("Labour (hours)"), min_value=0, max_digits=6, decimal_places=1, required=False)
    labour_cost = forms.DecimalField(label=_("Labour cost (CNY)"), min_value=0, max_digits=10, decimal_places=0, required=False)
    parts_cost = forms.DecimalField(label=_("Parts cost (CNY)"), min_value=0, max_digits=10, decimal_places=0, required=False)
    cost_borne_by = forms.ChoiceField(label=_("Cost borne by"), choices=RepairRecord.CostBearer.choices)
    submit_label = _("Record repair and complete")
    css = "btn-success"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, PART_ROWS + 1):
            self.fields[f"part{i}_description"] = forms.CharField(
                label=_("Replaced part %(n)s") % {"n": i}, required=False, max_length=120
            )
            self.fields[f"part{i}_serial_removed"] = forms.CharField(label=_("Serial removed"), required=False, max_length=60)
            self.fields[f"part{i}_serial_installed"] = forms.CharField(label=_("Serial installed"), required=False, max_length=60)
        claim_shop = getattr(self.case, "repair_shop", None)
        if claim_shop is not None:
            self.fields["shop"].initial = claim_shop.pk
        # Move the note last.
        self.order_fields([name for name in self.fields if name != "note"] + ["note"])

    def repair_data(self) -> tuple[dict, list[dict]]:
        data = self.cleaned_data
        repair = {
            k: data.get(k)
            for k in (
                "shop",
                "diagnosis",
                "days_in_shop",
                "completed_on",
                "labour_hours",
                "labour_cost",
                "parts_cost",
                "cost_borne_by",
            )
        }
        parts = [
            {
                "description": data.get(f"part{i}_description", ""),
                "serial_removed": data.get(f"part{i}_serial_removed", ""),
                "serial_installed": data.get(f"part{i}_serial_installed", ""),
            }
            for i in range(1, PART_ROWS + 1)
        ]
        return repair, parts


class CompleteRequestForm(NoteForm):
    """Completion of a return (refund) or exchange; repairs use ``RepairForm``."""

    refund_amount = forms.DecimalField(
        label=_("Refund amount (CNY)"), min_value=1, max_digits=10, decimal_places=0, required=False
    )
    submit_label = _("Complete")
    css = "btn-success"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.case is not None and self.case.kind == AfterSalesRequest.Kind.RETURN:
            self.fields["refund_amount"].required = True
            self.fields["refund_amount"].initial = self.case.coverage.order.agreed_price
        else:
            del self.fields["refund_amount"]
