from django.contrib import admin

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


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Tasks written by user actions; pending ones are published by the outbox relay (core.outbox)."""

    list_display = ("pk", "task_name", "args", "created_at", "attempts", "available_at", "sent_at", "last_error")
    list_filter = (("sent_at", admin.EmptyFieldListFilter), "task_name")
    readonly_fields = ("task_name", "args", "created_at", "attempts", "available_at", "sent_at", "last_error")

    def has_add_permission(self, request):
        return False
