from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "subject", "read_at", "emailed_at")
    list_filter = ("kind", "created_at")
    search_fields = ("subject", "dedupe_key", "recipient__username")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Notification._meta.fields]
    list_select_related = ("recipient",)
