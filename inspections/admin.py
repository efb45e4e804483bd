from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

from . import services
from .models import ChecklistItemDefinition, InspectionItem, InspectionReport, InspectionRequest


@admin.register(ChecklistItemDefinition)
class ChecklistItemDefinitionAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "section",
        "name_zh",
        "name_en",
        "kind",
        "allowed_defects",
        "evidence",
        "minor_points",
        "major_points",
        "is_active",
    )
    list_filter = ("section", "kind", "evidence", "is_active")
    search_fields = ("code", "name_zh", "name_en")
    ordering = ("position",)


class InspectionItemInline(admin.TabularInline):
    model = InspectionItem
    extra = 0
    fields = ("definition", "result", "defect_code", "note", "photo")
    readonly_fields = ("definition",)
    can_delete = False
    ordering = ("definition__position",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # Published and superseded versions are frozen, here as in the services.
        return obj is None or obj.is_draft


@admin.register(InspectionReport)
class InspectionReportAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "vehicle",
        "version",
        "status",
        "grade",
        "score",
        "is_accident",
        "is_flood",
        "is_fire",
        "inspector",
        "published_at",
    )
    list_filter = ("status", "grade", "is_accident", "is_flood", "is_fire")
    search_fields = ("vehicle__vin", "vehicle__make", "vehicle__model", "inspector__username")
    list_select_related = ("vehicle", "inspector")
    raw_id_fields = ("vehicle", "listing", "inspector", "previous_version")
    inlines = [InspectionItemInline]
    readonly_fields = (
        "score", "grade", "is_accident", "is_flood", "is_fire", "minor_count", "major_count", "not_checked_count",
        "status", "version", "content_hash", "published_at", "changes", "previous_version",
    )  # fmt: skip
    actions = ["recompute_hash_check"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_locked:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_locked:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # would bypass the per-object lock
        return actions

    def save_model(self, request, obj, form, change):
        if (
            change
            and obj.pk
            and InspectionReport.objects.filter(pk=obj.pk).exclude(status=InspectionReport.Status.DRAFT).exists()
        ):
            raise PermissionError("published inspection reports are immutable")
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if form.instance.is_draft:
            try:
                services.report_evaluate(report=form.instance)
            except DomainError as exc:
                messages.error(request, str(exc))

    @admin.action(description=_("Verify the stored SHA-256 of the selected reports"))
    def recompute_hash_check(self, request, queryset):
        for report in queryset.exclude(status=InspectionReport.Status.DRAFT):
            ok = services.report_verify(report)
            level = messages.SUCCESS if ok else messages.ERROR
            self.message_user(
                request,
                _("%(report)s: hash %(state)s") % {"report": report, "state": _("matches") if ok else _("DOES NOT MATCH")},
                level,
            )


@admin.register(InspectionRequest)
class InspectionRequestAdmin(admin.ModelAdmin):
    list_display = ("pk", "vehicle", "listing", "requested_by", "inspector", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("vehicle__vin",)
    list_select_related = ("vehicle", "listing", "requested_by", "inspector")
    raw_id_fields = ("listing", "vehicle", "requested_by", "inspector", "report")
