from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

from . import services
from .models import Conversation, Favourite, Listing, ListingPhoto, Message, Vehicle


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
