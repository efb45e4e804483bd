"""Who is who, and the one way a page refuses someone.

Every app asks these predicates instead of writing its own ``_is_staff``; every view that is for one role
uses one of the mixins below. The refusal rule is the same everywhere:

* **not signed in** → redirect to the sign-in page, coming back afterwards (``LoginRequiredMixin``);
* **signed in, wrong role** (a dealer on a buyer page, a buyer in the inspector workspace) → **403**, a page
  that says whose page it is and where to go instead;
* **right role, somebody else's object** → **404**: querysets are narrowed to what the user may see
  (``Order.objects.visible_to(user)``), so a stranger's object does not exist for them and its id leaks nothing.

Services re-check with the same predicates (a view is not the only caller: admin actions and tasks are too).
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def is_buyer(user) -> bool:
    return _signed_in(user) and user.role == "buyer"


def is_dealer(user) -> bool:
    return _signed_in(user) and user.role == "dealer"


def is_inspector(user) -> bool:
    return _signed_in(user) and user.role == "inspector"


def is_platform_staff(user) -> bool:
    """Customer service and supervisors: ``is_staff`` accounts (the ones that can open the admin).

    The ``staff`` role alone does not make anyone staff: it only labels the account; the admin flag does.
    """
    return _signed_in(user) and bool(user.is_staff)


class RoleRequiredMixin(LoginRequiredMixin):
    """A page for one role. Subclasses set ``allowed`` (a predicate) and ``refusal`` (what the 403 page says)."""

    allowed = staticmethod(lambda user: False)
    refusal = _("This page is not available for your account.")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()  # → the sign-in page
        if not self.allowed(request.user):
            raise PermissionDenied(str(self.refusal))
        return super().dispatch(request, *args, **kwargs)


class BuyerRequiredMixin(RoleRequiredMixin):
    allowed = staticmethod(is_buyer)
    refusal = _("This page is for buyer accounts.")


class DealerRequiredMixin(RoleRequiredMixin):
    allowed = staticmethod(is_dealer)
    refusal = _("This page is for dealer accounts.")


class InspectorRequiredMixin(RoleRequiredMixin):
    allowed = staticmethod(is_inspector)
    refusal = _("This page is for certified inspectors.")


class StaffRequiredMixin(RoleRequiredMixin):
    allowed = staticmethod(is_platform_staff)
    refusal = _("This page is for Anxin Auto staff.")


class DealerOrStaffRequiredMixin(RoleRequiredMixin):
    allowed = staticmethod(lambda user: is_dealer(user) or is_platform_staff(user))
    refusal = _("This page is for dealers and Anxin Auto staff.")
