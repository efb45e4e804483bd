"""Staff work here: policies (legal floor enforced by ``WarrantyPolicy.clean``), case SLA policies, shops, and all cases
with filters by status, deadline and dealer. Lifecycle changes go through the services (actions and
the case pages), never by editing the status field."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

from . import services
from .models import (
    AfterSalesPhoto,
    AfterSalesRequest,
    CaseSlaPolicy,
    ComponentGroup,
    Coverage,
    Exclusion,
    ExtendedWarrantyPlan,
    ExtendedWarrantyPurchase,
    Part,
    RepairPart,
    RepairRecord,
    RepairShop,
    WarrantyClaim,
    WarrantyPolicy,
)


class PartInline(admin.TabularInline):
    model = Part
    extra = 1


@admin.register(ComponentGroup)
class ComponentGroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_zh", "position")
    inlines = [PartInline]


@admin.register(Exclusion)
class ExclusionAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_zh", "position")


class WarrantyPolicyForm(forms.ModelForm):
    def validate_constraints(self):
        # "Only one active policy" is not the form's to refuse: saving an active policy retires the
        # previous one (``services.policy_save``), which then checks every constraint.
        try:
            self.instance.validate_constraints(exclude={"is_active"})
        except ValidationError as exc:
            self._update_errors(exc)


@admin.register(WarrantyPolicy)
class WarrantyPolicyAdmin(admin.ModelAdmin):
    form = WarrantyPolicyForm
    list_display = ("name", "is_active", "window_days", "window_km", "warranty_months", "warranty_km", "updated_at")
    list_filter = ("is_active",)
    filter_horizontal = ("covered_groups", "exclusions")

    def save_model(self, request, obj, form, change):
        # ``form`` already ran ``clean()`` (legal floor); activating this policy retires the previous one.
        services.policy_save(policy=obj)


@admin.register(CaseSlaPolicy)
class CaseSlaPolicyAdmin(admin.ModelAdmin):
    """Staff-editable deadlines per type of case, like the complaints' SLA policies; a type without a row
    runs on the defaults (new cases only: an open case keeps the deadlines it started with)."""

    DEADLINE_FIELDS = ("acknowledge_working_days", "assess_working_days", "complete_working_days", "reminder_lead_hours")
    list_display = ("case_type", *DEADLINE_FIELDS, "updated_at")
    list_editable = DEADLINE_FIELDS
    ordering = ("case_type",)


@admin.register(ExtendedWarrantyPlan)
class ExtendedWarrantyPlanAdmin(admin.ModelAdmin):
    list_display = ("name_en", "name_zh", "extra_months", "extra_km", "price", "is_active")
    list_filter = ("is_active",)


@admin.register(RepairShop)
class RepairShopAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "certification_number", "contact_name", "phone", "is_active")
    list_filter = ("is_active", "city")
    search_fields = ("name", "certification_number", "city")


class DealerFilter(admin.SimpleListFilter):
    title = _("dealer")
    parameter_name = "dealer"
    path = "coverage__order__listing__dealer"

    def lookups(self, request, model_admin):
        dealers = (
            get_user_model()
            .objects.filter(role=get_user_model().Role.DEALER)
            .select_related("dealer_profile")
            .order_by("username")
        )
        return [(d.pk, getattr(getattr(d, "dealer_profile", None), "business_name", "") or d.username) for d in dealers]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.path: self.value()})
        return queryset


class CoverageDealerFilter(DealerFilter):
    path = "order__listing__dealer"


class DeadlineFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Overdue")),
            ("24h", _("Due within 24 hours")),
            ("week", _("Due within 7 days")),
            ("none", _("No deadline")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        value = self.value()
        if value == "overdue":
            return queryset.open().filter(next_deadline_at__lt=now)
        if value == "24h":
            return queryset.open().filter(next_deadline_at__gte=now, next_deadline_at__lt=now + dt.timedelta(hours=24))
        if value == "week":
            return queryset.open().filter(next_deadline_at__gte=now, next_deadline_at__lt=now + dt.timedelta(days=7))
        if value == "none":
            return queryset.filter(next_deadline_at__isnull=True)
        return queryset


class CaseAdmin(admin.ModelAdmin):
    list_filter = ("status", DeadlineFilter, DealerFilter)
    date_hierarchy = "submitted_at"
    list_select_related = ("coverage__order__listing__vehicle", "coverage__order__listing__dealer", "coverage__order__buyer")
    readonly_fields = (
        "status",
        "coverage",
        "acknowledge_due_at",
        "assess_due_at",
        "complete_due_at",
        "next_deadline_at",
        "breached_at",
        "breach_count",
        "submitted_at",
    )
    search_fields = ("=id", "coverage__order__buyer__username", "coverage__order__listing__vehicle__vin")

    @admin.display(description=_("car"))
    def car(self, obj):
        return obj.coverage.order.listing.vehicle

    @admin.display(description=_("dealer"))
    def dealer(self, obj):
        return obj.coverage.order.listing.dealer

    def has_add_permission(self, request):
        return False  # cases are opened by buyers through the services

    def take_first_step(self, request, queryset, step, done_message) -> None:
        """Run ``step(case)`` (a service) on each selected case still submitted; refusals are listed."""
        done = 0
        for case in queryset.filter(status=self.model.Status.SUBMITTED):
            try:
                step(case)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"#{case.pk}: {exc}", messages.ERROR)
        self.message_user(request, done_message % {"n": done})


class AfterSalesPhotoInline(admin.TabularInline):
    model = AfterSalesPhoto
    extra = 0
    readonly_fields = ("image", "uploaded_at")
    can_delete = False


@admin.register(AfterSalesRequest)
class AfterSalesRequestAdmin(CaseAdmin):
    list_display = ("id", "kind", "status", "car", "dealer", "next_deadline_at", "breached_at", "submitted_at")
    list_filter = ("status", "kind", DeadlineFilter, DealerFilter)
    readonly_fields = (
        *CaseAdmin.readonly_fields,
        "kind",
        "odometer_km",
        "rejection_reason",
        "refund_amount",
        "exchange_listing",
        "price_difference",
        "under_repeated_failure",
    )
    fields = (
        "coverage",
        "kind",
        "status",
        "description",
        "odometer_km",
        "under_repeated_failure",
        "rejection_reason",
        "decision_note",
        "refund_amount",
        "exchange_listing",
        "price_difference",
        "submitted_at",
        "acknowledge_due_at",
        "assess_due_at",
        "complete_due_at",
        "next_deadline_at",
        "breached_at",
        "breach_count",
    )
    inlines = [AfterSalesPhotoInline]
    actions = ["acknowledge"]

    @admin.action(description=_("Acknowledge and start assessment"))
    def acknowledge(self, request, queryset):
        self.take_first_step(
            request,
            queryset,
            lambda case: services.request_start_assessment(request=case, actor=request.user),
            _("%(n)s request(s) acknowledged."),
        )


@admin.register(WarrantyClaim)
class WarrantyClaimAdmin(CaseAdmin):
    list_display = (
        "id",
        "part",
        "status",
        "car",
        "dealer",
        "repair_shop",
        "is_repeated_failure",
        "next_deadline_at",
        "submitted_at",
    )
    list_filter = ("status", "is_repeated_failure", DeadlineFilter, DealerFilter, "part__group")
    list_select_related = (*CaseAdmin.list_select_related, "part", "repair_shop")
    readonly_fields = (
        *CaseAdmin.readonly_fields,
        "part",
        "odometer_km",
        "failed_on",
        "repair_shop",
        "estimated_completion_on",
        "is_repeated_failure",
    )
    actions = ["start_review"]

    @admin.action(description=_("Start review"))
    def start_review(self, request, queryset):
        self.take_first_step(
            request,
            queryset,
            lambda claim: services.claim_review(claim=claim, actor=request.user),
            _("%(n)s claim(s) under review. Authorise or reject them on the claim page."),
        )


class PurchaseInline(admin.TabularInline):
    model = ExtendedWarrantyPurchase
    extra = 0
    can_delete = False
    readonly_fields = ("plan", "buyer", "extra_months", "extra_km", "price", "purchased_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Coverage)
class CoverageAdmin(admin.ModelAdmin):
    list_display = (
        "order",
        "delivered_on",
        "window_ends_at",
        "warranty_ends_at",
        "warranty_km_limit",
        "repeated_failure_at",
        "closed_at",
    )
    list_filter = (
        CoverageDealerFilter,
        ("repeated_failure_at", admin.EmptyFieldListFilter),
        ("closed_at", admin.EmptyFieldListFilter),
    )
    list_select_related = ("order__listing__vehicle",)
    readonly_fields = [f.name for f in Coverage._meta.fields]
    inlines = [PurchaseInline]

    def has_add_permission(self, request):
        return False


class RepairPartInline(admin.TabularInline):
    model = RepairPart
    extra = 0


@admin.register(RepairRecord)
class RepairRecordAdmin(admin.ModelAdmin):
    list_display = ("id", "shop", "part", "completed_on", "days_in_shop", "cost_borne_by", "total_cost")
    list_filter = ("shop", "cost_borne_by")
    search_fields = ("parts__serial_installed", "parts__serial_removed")
    list_select_related = ("shop", "part")
    readonly_fields = ("coverage", "claim", "request")
    inlines = [RepairPartInline]

    def has_add_permission(self, request):
        return False  # recorded when a claim or repair request is completed
