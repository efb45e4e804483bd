from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

from . import services
from .models import (
    Appointment,
    Conversation,
    Favourite,
    FinanceSettings,
    Listing,
    ListingPhoto,
    Message,
    PriceChange,
    SavedSearch,
    Vehicle,
    ViewingHours,
)


class ListingPhotoInline(admin.TabularInline):
    model = ListingPhoto
    extra = 0
    fields = ("thumbnail", "position", "is_cover")
    readonly_fields = ("thumbnail",)


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = ("vin", "make", "model", "year", "mileage_km", "city")
    search_fields = ("vin", "make", "model")
    list_filter = ("fuel", "body_type")


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ("pk", "vehicle", "dealer", "price", "status", "inspection_grade", "published_at")
    list_filter = ("status", "is_accident", "is_flood", "is_fire")
    search_fields = ("vehicle__vin", "vehicle__make", "vehicle__model", "dealer__username")
    list_select_related = ("vehicle", "dealer", "dealer__dealer_profile")
    raw_id_fields = ("vehicle", "dealer")
    readonly_fields = (
        "status",
        "inspection_grade",
        "is_accident",
        "is_flood",
        "is_fire",
        "published_at",
        "created_at",
        "updated_at",
    )
    inlines = [ListingPhotoInline]
    actions = ["withdraw"]

    @admin.action(description=_("Withdraw the selected cars"))
    def withdraw(self, request, queryset):
        done = 0
        for listing in queryset:
            try:
                services.listing_withdraw(listing=listing, actor=request.user)
                done += 1
            except DomainError as error:
                self.message_user(request, f"{listing}: {error}", messages.WARNING)
        self.message_user(request, _("%(n)d car(s) withdrawn.") % {"n": done})


@admin.register(Favourite)
class FavouriteAdmin(admin.ModelAdmin):
    list_display = ("user", "listing", "price_when_saved", "created_at")
    raw_id_fields = ("user", "listing")


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    readonly_fields = ("sender", "body", "created_at")
    can_delete = False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("pk", "listing", "buyer", "dealer", "last_message_at")
    raw_id_fields = ("listing", "buyer", "dealer")
    inlines = [MessageInline]


# --- issue 19: the finance estimate's defaults (staff), saved searches, price history, viewings ----------


@admin.register(FinanceSettings)
class FinanceSettingsAdmin(admin.ModelAdmin):
    """One row: the default down payment, term and annual rate every estimate starts from."""

    list_display = ("annual_rate", "down_payment_percent", "term_months", "updated_at")

    def has_add_permission(self, request):
        return not FinanceSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "frequency", "alerts_on", "created_at")
    list_filter = ("frequency", "alerts_on")
    search_fields = ("name", "user__username")
    raw_id_fields = ("user",)
    readonly_fields = ("query",)


@admin.register(PriceChange)
class PriceChangeAdmin(admin.ModelAdmin):
    list_display = ("listing", "old_price", "new_price", "changed_at", "changed_by")
    raw_id_fields = ("listing", "changed_by")
    date_hierarchy = "changed_at"


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ("listing", "buyer", "dealer", "kind", "starts_at", "status")
    list_filter = ("status", "kind")
    raw_id_fields = ("listing", "buyer", "dealer", "cancelled_by")
    date_hierarchy = "starts_at"


@admin.register(ViewingHours)
class ViewingHoursAdmin(admin.ModelAdmin):
    list_display = ("dealer", "slot_minutes", "closed_on_public_holidays", "updated_at")
    raw_id_fields = ("dealer",)
