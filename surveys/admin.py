from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    """Read-only: surveys are planned and sent by the clocks and answered by respondents."""

    list_display = ("pk", "kind", "respondent", "dealer", "due_at", "sent_at", "reminded_at", "answered_at", "csat", "nps")
    list_filter = ("kind", ("answered_at", admin.EmptyFieldListFilter), ("sent_at", admin.EmptyFieldListFilter))
    date_hierarchy = "due_at"
    list_select_related = ("respondent", "dealer")
    search_fields = ("respondent__username", "respondent__full_name", "comment")
    readonly_fields = [f.name for f in Survey._meta.fields if f.name != "public_id"] + ["results_note"]
    exclude = ("public_id",)

    def results_note(self, obj):
        return _("CSAT average and NPS for all surveys: see the staff clocks page.")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = (extra_context or {}) | {"title": _("Surveys")}
        response = super().changelist_view(request, extra_context)
        if hasattr(response, "context_data") and "cl" in response.context_data:
            results = response.context_data["cl"].queryset.results()
            response.context_data["subtitle"] = _("CSAT average %(csat)s · NPS %(nps)s · %(n)d answered") % {
                "csat": results["csat_avg"] if results["csat_avg"] is not None else "—",
                "nps": results["nps"] if results["nps"] is not None else "—",
                "n": results["answered"],
            }
        return response
