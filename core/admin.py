from django.contrib import admin

from .models import AuditEvent, CalendarOverride


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
