from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind_shown", "title_shown", "read_at", "emailed_at")
    list_filter = ("kind", "created_at")
    search_fields = ("subject", "dedupe_key", "recipient__username")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Notification._meta.fields]
    list_select_related = ("recipient",)

    @admin.display(description=_("kind"), ordering="kind")
    def kind_shown(self, obj: Notification) -> str:
        return obj.kind_label

    @admin.display(description=_("subject"))
    def title_shown(self, obj: Notification) -> str:
        return obj.title
