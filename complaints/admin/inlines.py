"""Read-only tables on the change page: the conversation, the audit timeline, the pauses."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.models import AuditEvent

from ..models import Complaint, ComplaintMessage, ComplaintPause


class ReadOnlyInlineMixin:
    """Shown, never edited here: new entries come only from the services (“Work the case”)."""

    extra = 0
    max_num = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MessageInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ComplaintMessage
    verbose_name = _("message")
    verbose_name_plural = _("Conversation and internal notes (add new ones with “Work the case” above)")
    fields = ("created_at", "who", "visibility", "body", "files")
    readonly_fields = fields
    classes = ("complaint-conversation",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author__dealer_profile").prefetch_related("attachments")

    @admin.display(description=_("from"))
    def who(self, obj):
        return format_html("{}<br><small>{}</small>", obj.get_author_role_display(), obj.author or "")

    @admin.display(description=_("visible to"))
    def visibility(self, obj):
        if obj.is_internal:
            return format_html('<span class="badge sla-breached">{}</span>', gettext("Internal note — staff only"))
        return format_html('<span class="badge sla-on-track">{}</span>', gettext("Customer and dealer"))

    @admin.display(description=_("files"))
    def files(self, obj):
        return (
            format_html_join(
                "<br>",
                '<a href="{}" target="_blank" rel="noopener">{}</a>',
                (
                    (reverse("complaints:attachment", args=[obj.complaint_id, a.pk]), a.original_name)
                    for a in obj.attachments.all()
                ),
            )
            or "—"
        )


class TimelineInline(ReadOnlyInlineMixin, GenericTabularInline):
    model = AuditEvent
    ct_field = "content_type"
    ct_fk_field = "object_id"
    verbose_name = _("event")
    verbose_name_plural = _("Timeline (audit)")
    fields = ("created_at", "action", "change", "actor", "note")
    readonly_fields = fields
    ordering = ("created_at", "pk")
    classes = ("collapse",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_view_permission(self, request, obj=None):
        # The case's own history: whoever may view the complaint sees it, without rights on all audit rows.
        return request.user.has_perm("complaints.view_complaint")

    @admin.display(description=_("status"))
    def change(self, obj):
        labels = dict(Complaint.Status.choices)
        if not obj.to_status:
            return "—"
        return f"{labels.get(obj.from_status, obj.from_status or '·')} → {labels.get(obj.to_status, obj.to_status)}"


class PauseInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ComplaintPause
    fields = ("started_at", "ended_at", "reason", "paused_hours", "started_by")
    readonly_fields = fields
    classes = ("collapse",)

    @admin.display(description=_("working hours paused"))
    def paused_hours(self, obj):
        return f"{obj.working_seconds / 3600:.1f}" if obj.ended_at else gettext("running")
