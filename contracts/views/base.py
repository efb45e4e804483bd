"""What every order page shares: the order loaded for who may see it, and the one-service form and button.

Refusals follow ``accounts.roles``: not signed in → sign-in page; somebody else's order → 404 (querysets
narrowed with ``visible_to``); the order's other side, or a role the page is not for → 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView

from core.errors import DomainError

from .. import selectors
from ..models import Contract, Order, Signature

BUYER, DEALER = Signature.Party.BUYER, Signature.Party.DEALER


class OrderMixin(LoginRequiredMixin):
    """Loads the order from ``visible_to(user)``: anybody else gets 404, whatever the URL.

    ``parties``: the sides of the order this page is for; others who may see the order (the other side,
    staff) get 403. Empty: everybody who may see the order.
    """

    order_kwarg = "pk"
    parties: tuple[str, ...] = ()
    refusals = {
        (BUYER,): gettext_lazy("Only the buyer can do this."),
        (DEALER,): gettext_lazy("Only the dealer selling this car can do this."),
        (BUYER, DEALER): gettext_lazy("You are not a party to this order."),
    }

    def get_order(self) -> Order:
        if not hasattr(self, "_order"):
            order = selectors.order_for_detail(self.request.user, self.kwargs[self.order_kwarg])
            if order is None:
                raise Http404
            self._order = order
        return self._order

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        order = self.get_order()
        if self.parties and order.party_of(request.user) not in self.parties:
            raise PermissionDenied(str(self.refusals[self.parties]))
        return super().dispatch(request, *args, **kwargs)

    def get_contract(self) -> Contract:
        """The order's contract (orders imported from elsewhere may have none → 404)."""
        contract = getattr(self.get_order(), "contract", None)
        if contract is None:
            raise Http404
        return contract

    def order_redirect(self):
        return redirect("contracts:order_detail", pk=self.get_order().pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.get_order()
        context.update(order=order, party=order.party_of(self.request.user), contract=getattr(order, "contract", None))
        return context


class ServiceFormView(OrderMixin, FormView):
    """A form whose valid data goes to one service; a DomainError is shown on the form."""

    template_name = "contracts/simple_form.html"
    title = ""  # lazy: rendered in the language of each request

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=self.title, **kwargs)

    def form_valid(self, form):
        try:
            self.perform(form)
        except DomainError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        return self.order_redirect()

    def perform(self, form):  # pragma: no cover - abstract
        raise NotImplementedError


class ServiceActionView(OrderMixin, View):
    """A button (POST only) that calls one service; a DomainError becomes an error message on the order page."""

    http_method_names = ["post"]
    success_message = ""

    def post(self, request, *args, **kwargs):
        try:
            self.perform(request)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, str(self.success_message))
        return self.order_redirect()

    def perform(self, request) -> None:  # pragma: no cover - abstract
        raise NotImplementedError
