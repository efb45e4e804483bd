"""Forms of the buyer features: saving a search, booking and moving a viewing, the dealer's viewing hours."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Appointment, SavedSearch, ViewingHours

WEEKDAYS = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class SavedSearchForm(forms.Form):
    """ "Save this search" on /cars/: the filters travel as the page's query string."""

    query = forms.CharField(max_length=600, required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=80, required=False)
    frequency = forms.ChoiceField(
        label=_("Alerts"), choices=SavedSearch.Frequency.choices, initial=SavedSearch.Frequency.INSTANT, required=False
    )


class SavedSearchEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80, required=False)
    frequency = forms.ChoiceField(label=_("Alerts"), choices=SavedSearch.Frequency.choices, required=False)
    alerts_on = forms.BooleanField(label=_("Alerts on"), required=False)


class BookingForm(forms.Form):
    slot = forms.CharField(label=_("Time"), max_length=20)
    kind = forms.ChoiceField(label=_("What for"), choices=Appointment.Kind.choices, initial=Appointment.Kind.VIEWING)
    note = forms.CharField(
        label=_("Note for the dealer (optional)"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ViewingHoursForm(forms.Form):
    """One opening interval per weekday (empty or "closed" = closed), the slot length and the closed days."""

    slot_minutes = forms.TypedChoiceField(
        label=_("Slot length"), choices=ViewingHours.SLOT_CHOICES, coerce=int, widget=forms.Select(attrs={"class": "form-select"})
    )
    closed_on_public_holidays = forms.BooleanField(label=_("Closed on public holidays"), required=False)
    closed_days = forms.CharField(
        label=_("Other closed days"),
        help_text=_("One date per line, e.g. 2025-06-01."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day, label in enumerate(WEEKDAYS):
            self.fields[f"closed_{day}"] = forms.BooleanField(label=_("Closed"), required=False)
            self.fields[f"opens_{day}"] = forms.TimeField(label=label, required=False, widget=TIME)
            self.fields[f"closes_{day}"] = forms.TimeField(label=label, required=False, widget=TIME)

    @property
    def weekdays(self):
        return [(label, self[f"opens_{d}"], self[f"closes_{d}"], self[f"closed_{d}"]) for d, label in enumerate(WEEKDAYS)]

    @classmethod
    def initial_for(cls, hours: ViewingHours) -> dict:
        initial = {
            "slot_minutes": hours.slot_minutes,
            "closed_on_public_holidays": hours.closed_on_public_holidays,
            "closed_days": "\n".join(hours.closed_days or ()),
        }
        for day in range(7):
            interval = (hours.weekly or {}).get(str(day))
            initial[f"closed_{day}"] = not interval
            if interval:
                initial[f"opens_{day}"], initial[f"closes_{day}"] = interval
        return initial

    def clean_closed_days(self) -> list[dt.date]:
        days = []
        for line in (self.cleaned_data.get("closed_days") or "").replace(",", "\n").splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                days.append(dt.date.fromisoformat(line))
            except ValueError:
                raise forms.ValidationError(_("“%(value)s” is not a date like 2025-06-01.") % {"value": line[:20]}) from None
        return days

    def clean(self):
        cleaned = super().clean()
        for day in range(7):
            opens, closes = cleaned.get(f"opens_{day}"), cleaned.get(f"closes_{day}")
            if cleaned.get(f"closed_{day}") or not (opens or closes):
                continue
            if not (opens and closes) or closes <= opens:
                self.add_error(f"closes_{day}", _("Give an opening time before the closing time, or mark the day closed."))
        return cleaned

    def weekly(self) -> dict:
        week = {}
        for day in range(7):
            opens, closes = self.cleaned_data.get(f"opens_{day}"), self.cleaned_data.get(f"closes_{day}")
            if not self.cleaned_data.get(f"closed_{day}") and opens and closes:
                week[str(day)] = [opens.strftime("%H:%M"), closes.strftime("%H:%M")]
        return week
