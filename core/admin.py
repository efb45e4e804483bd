import datetime as dt

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .calendar import calendar_changes
from .models import AuditEvent, CalendarOverride, OutboxMessage


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "content_type", "object_id", "action", "from_status", "to_status", "actor")
    list_filter = ("content_type", "action")
    search_fields = ("note", "object_id")
    date_hierarchy = "created_at"
    list_select_related = ("content_type", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CalendarOverrideForm(forms.ModelForm):
    """One day, or — when adding — a holiday of several days at once (``through``)."""

    MAX_DAYS = 31

    through = forms.DateField(
        label=_("through (optional)"),
        required=False,
        help_text=_("For a holiday of several days: every day from the date through this one gets the same kind and name."),
    )

    class Meta:
        model = CalendarOverride
        fields = ("date", "through", "kind", "name")

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("date"), cleaned.get("through")
        if first and last and not (first <= last < first + dt.timedelta(days=self.MAX_DAYS)):
            self.add_error("through", _("Give a day from the date up to %(n)s days later.") % {"n": self.MAX_DAYS - 1})
        return cleaned


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    """Staff corrections of the working-day calendar. Every change is announced once
    (``core.calendar.calendar_changes``), so the apps recompute what those days decide — provisional
    guarantee ends are extended, never shortened, and their buyers told."""

    form = CalendarOverrideForm
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj is None else [f for f in fields if f != "through"]

    def save_model(self, request, obj, form, change):
        last = form.cleaned_data.get("through")
        with transaction.atomic(), calendar_changes():
            super().save_model(request, obj, form, change)
            day = obj.date + dt.timedelta(days=1)
            while last and day <= last:
                CalendarOverride.objects.update_or_create(date=day, defaults={"kind": obj.kind, "name": obj.name})
                day += dt.timedelta(days=1)

    def delete_model(self, request, obj):
        with transaction.atomic(), calendar_changes():
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic(), calendar_changes():
            super().delete_queryset(request, queryset)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Tasks written by user actions; pending ones are published by the outbox relay (core.outbox)."""

    list_display = ("pk", "task_name", "args", "created_at", "attempts", "available_at", "sent_at", "last_error")
    list_filter = (("sent_at", admin.EmptyFieldListFilter), "task_name")
    readonly_fields = ("task_name", "args", "created_at", "attempts", "available_at", "sent_at", "last_error")

    def has_add_permission(self, request):
        return False
