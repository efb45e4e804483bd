"""Staff admin. Signed contracts, signatures and effective amendments are read-only here too."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Amendment, Contract, ContractCounter, Delivery, Order, Payment, Signature


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("received_at", "amount", "method", "reference", "recorded_by")
    readonly_fields = fields


class SignatureInline(ReadOnlyInline):
    model = Signature
    fk_name = "contract"
    fields = ("party", "signer", "typed_name", "signed_at", "ip_address", "user_agent", "content_hash")
    readonly_fields = fields


class AmendmentSignatureInline(SignatureInline):
    fk_name = "amendment"


class RecordAdmin(admin.ModelAdmin):
    """Staff may read these records but never add, edit or delete them: they are made by the signing,
    payment and delivery services, and a signed record is evidence (pgtrigger guards it in PostgreSQL too)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("id", "listing", "buyer", "status", "agreed_price", "reserved_at", "expires_at", "delivered_at")
    list_filter = ("status", "cancel_kind")
    search_fields = ("contract__number", "buyer__username", "buyer__full_name", "listing__vehicle__vin")
    list_select_related = ("listing__vehicle", "buyer")
    date_hierarchy = "created_at"
    readonly_fields = (
        "buyer", "listing", "status", "agreed_price", "reserved_at", "expires_at", "paid_at", "delivered_at",
        "delivery_odometer_km", "cancelled_at", "cancel_kind", "cancelled_reason", "created_at", "updated_at",
    )  # fmt: skip
    inlines = [PaymentInline]
    actions = ["expire_due_reservations"]

    def has_add_permission(self, request):
        return False  # orders start from a buyer's reservation

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Expire reservations that are past their signing deadline"))
    def expire_due_reservations(self, request, queryset):
        count = services.order_expire_reservations(now=timezone.now())
        self.message_user(request, _("%(n)d reservations expired.") % {"n": count}, messages.SUCCESS)


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("number", "order", "agreed_price", "payment_method", "delivery_date", "signed_at")
    list_filter = ("payment_method", ("signed_at", admin.EmptyFieldListFilter))
    search_fields = ("number", "content_hash", "pdf_sha256", "vehicle__vin")
    list_select_related = ("order",)
    inlines = [SignatureInline]
    readonly_fields = ("order", "number", "content_hash", "signed_at", "pdf", "pdf_sha256", "created_at", "updated_at")
    exclude = ("content_zh", "content_en")

    def has_add_permission(self, request):
        return False  # contracts are drafted by the reservation service

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # Texts and hashes come from the services only (a draft through the dealer's terms form);
        # a sealed contract is immutable everywhere. Staff may view every contract here.
        return obj is None and super().has_change_permission(request, obj)


@admin.register(Amendment)
class AmendmentAdmin(RecordAdmin):
    list_display = ("__str__", "kind", "status", "proposed_by", "effective_at", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("contract__number",)
    list_select_related = ("contract", "proposed_by")
    inlines = [AmendmentSignatureInline]
    exclude = ("content_zh", "content_en")


@admin.register(Signature)
class SignatureAdmin(RecordAdmin):
    list_display = ("__str__", "contract", "amendment", "party", "signer", "signed_at", "ip_address")
    list_filter = ("party",)
    search_fields = ("contract__number", "typed_name", "content_hash")
    list_select_related = ("contract", "amendment__contract", "signer")


@admin.register(Payment)
class PaymentAdmin(RecordAdmin):
    list_display = ("order", "amount", "method", "reference", "received_at", "recorded_by")
    list_filter = ("method",)
    search_fields = ("reference", "order__contract__number")
    list_select_related = ("order__listing__vehicle", "recorded_by")


@admin.register(Delivery)
class DeliveryAdmin(RecordAdmin):
    list_display = ("order", "delivered_at", "odometer_km", "dealer_confirmed_at", "buyer_confirmed_at")
    list_select_related = ("order__listing__vehicle",)


@admin.register(ContractCounter)
class ContractCounterAdmin(RecordAdmin):
    list_display = ("year", "last")
