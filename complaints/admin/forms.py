"""The change page's form: the case fields staff edit, plus the controls that work the case.

It presents and validates; what a submission does is one ``StaffEdit`` for ``complaint_staff_update``, and
the form shows that service's refusals next to the fields they concern before anything is saved.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import Complaint
from ..services import UNCHANGED, Clock, StaffEdit

Status = Complaint.Status


def _text(label, help_text, rows: int, **attrs) -> forms.CharField:
    """One of the optional text boxes of “Work the case”."""
    widget = forms.Textarea(attrs={"rows": rows, "cols": 80, **attrs})
    return forms.CharField(label=label, required=False, widget=widget, help_text=help_text)


class ComplaintAdminForm(forms.ModelForm):
    transition = forms.ChoiceField(label=_("Move the case to"), required=False)
    transition_note = _text(
        _("Note on this step"),
        _("Kept in the timeline. Required when you mark a proposed resolution resolved (how did the customer accept?)."),
        rows=2,
    )
    reply = _text(
        _("Reply to the customer"),
        _("Sent to the customer and visible to the dealer concerned. The first reply meets the first-response deadline."),
        rows=3,
    )
    internal_note = _text(
        _("Internal note"), _("Staff only — never shown to the customer or the dealer."), rows=2, **{"class": "internal-note"}
    )
    clock = forms.ChoiceField(label=_("SLA clock"), required=False)
    pause_reason = forms.CharField(
        label=_("Waiting for"), required=False, max_length=255, help_text=_("Told to the customer, e.g. “photos of the damage”.")
    )

    class Meta:
        model = Complaint
        fields = ("assignee", *services.STAFF_FIELDS)
        widgets = {
            "resolution": forms.Textarea(attrs={"rows": 4, "cols": 80}),
            "root_cause_detail": forms.Textarea(attrs={"rows": 2, "cols": 80}),
        }

    current_user = None  # set per request by ComplaintAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        obj = self.instance
        labels = dict(Status.choices)
        choices = [("", _("— keep “%(status)s” —") % {"status": obj.get_status_display()})]
        choices += [(s, labels[s]) for s in obj.available_transitions() if s != Status.REOPENED]
        self.fields["transition"].choices = choices
        user = self.current_user
        if "assignee" in self.fields and user is not None and not services.is_supervisor(user):
            allowed = {user.pk} | ({obj.assignee_id} if obj.assignee_id else set())
            self.fields["assignee"].queryset = self.fields["assignee"].queryset.filter(pk__in=allowed)
            self.fields["assignee"].help_text = _("Only supervisors can give a case to someone else or take it from them.")
        offered = Clock.RESUME if obj.is_paused else Clock.PAUSE
        self.fields["clock"].choices = [("", _("— leave the clock as it is —")), (offered.value, offered.label)]

    def staff_edit(self) -> StaffEdit:
        """What this submission asks for: only the fields staff changed, and the steps they picked."""
        data = self.cleaned_data
        changed = set(self.changed_data)
        return StaffEdit(
            fields={name: data.get(name) for name in services.STAFF_FIELDS if name in changed},
            assignee=data.get("assignee") if "assignee" in changed else UNCHANGED,
            transition=data.get("transition") or "",
            transition_note=data.get("transition_note") or "",
            reply=data.get("reply") or "",
            internal_note=data.get("internal_note") or "",
            clock=data.get("clock") or "",
            pause_reason=data.get("pause_reason") or "",
        )

    def clean(self):
        data = super().clean()
        if self.errors or self.current_user is None:
            return data
        refusals = services.staff_edit_refusals(complaint=self.instance, actor=self.current_user, edit=self.staff_edit())
        for name, refusal in refusals.items():
            self.add_error(name if name in self.fields else None, str(refusal))
        return data
