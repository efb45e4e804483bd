from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import DealerProfile, User


class DealerProfileInline(admin.StackedInline):
    model = DealerProfile
    can_delete = False
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "email", "role", "masked_phone", "is_staff", "is_active")
    list_filter = ("role", "is_staff", "is_active")
    search_fields = ("username", "full_name", "email", "phone")
    fieldsets = BaseUserAdmin.fieldsets + ((_("Anxin Auto"), {"fields": ("role", "full_name", "phone", "id_number", "address")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Anxin Auto"), {"fields": ("role", "email", "full_name")}),)
    inlines = [DealerProfileInline]

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, obj):
        return obj.masked_phone


@admin.register(DealerProfile)
class DealerProfileAdmin(admin.ModelAdmin):
    list_display = ("business_name", "city", "licence_number", "phone", "user")
    search_fields = ("business_name", "licence_number", "user__username")
    list_filter = ("city",)
