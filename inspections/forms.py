from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DefectCode, InspectionItem, InspectionReport


class ReportHeaderForm(forms.ModelForm):
    """Date, odometer, place and summary of a draft; saved by ``services.report_update``."""

    class Meta:
        model = InspectionReport
        fields = ["inspected_at", "odometer_km", "location", "summary", "correction_reason"]
        widgets = {
            "inspected_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "summary": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspected_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.fields["inspected_at"].required = True
        self.fields["odometer_km"].required = True
        self.fields["location"].required = True
        if not self.instance.previous_version_id:
            del self.fields["correction_reason"]
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save"), css_class="btn-brand"))


class ItemForm(forms.Form):
    """One checklist line: result, defect code (only the codes the line allows), note, photo."""

    result = forms.ChoiceField(label=_("Result"), choices=InspectionItem.Result.choices, widget=forms.RadioSelect)
    defect_code = forms.ChoiceField(label=_("Defect code"), required=False)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=500, widget=forms.TextInput(attrs={"placeholder": _("Note (optional)")})
    )
    photo = forms.ImageField(label=_("Photo"), required=False)
    remove_photo = forms.BooleanField(label=_("Remove photo"), required=False)

    def __init__(self, *args, item: InspectionItem, **kwargs):
        self.item = item
        kwargs.setdefault("prefix", f"i{item.pk}")
        kwargs.setdefault("initial", {"result": item.result, "defect_code": item.defect_code, "note": item.note})
        super().__init__(*args, **kwargs)
        labels = dict(DefectCode.choices)
        codes = item.definition.defect_codes
        self.fields["defect_code"].choices = [("", "—")] + [(c, labels.get(c, c)) for c in codes]
        if not codes:
            self.fields["defect_code"].widget = forms.HiddenInput()
        self.fields["defect_code"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["note"].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["photo"].widget.attrs.update({"class": "form-control form-control-sm", "accept": "image/*"})

    def change(self) -> dict | None:
        """The service call's change dict, or None if nothing was edited."""
        data = self.cleaned_data
        change = {"item": self.item}
        if data["result"] != self.item.result:
            change["result"] = data["result"]
        if (data.get("defect_code") or "") != self.item.defect_code or "result" in change:
            change["defect_code"] = data.get("defect_code") or ""
        if data["note"] != self.item.note:
            change["note"] = data["note"]
        if data.get("photo"):
            change["photo"] = data["photo"]
        elif data.get("remove_photo"):
            change["photo"] = False
        return change if len(change) > 1 else None


class CorrectionForm(forms.Form):
    reason = forms.CharField(label=_("Why does the report need a correction?"), max_length=300, widget=forms.TextInput)


class RequestForm(forms.Form):
    note = forms.CharField(label=_("Note for the inspector"), max_length=300, required=False)
