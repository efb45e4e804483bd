"""Evidence files, listed for staff; they are added only with a complaint or a message."""

from __future__ import annotations

from django.contrib import admin

from ..models import ComplaintAttachment


@admin.register(ComplaintAttachment)
class ComplaintAttachmentAdmin(admin.ModelAdmin):
    list_display = ("original_name", "complaint", "content_type", "size", "uploaded_by", "created_at")
    list_select_related = ("complaint", "uploaded_by")
    search_fields = ("original_name", "complaint__number")
    readonly_fields = ("complaint", "message", "file", "original_name", "content_type", "size", "uploaded_by", "created_at")

    def has_add_permission(self, request):
        return False
