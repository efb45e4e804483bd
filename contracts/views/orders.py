"""Reserving a car, the order lists and page, and the steps after signing (payment, handover)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView, TemplateView

from accounts.roles import BuyerRequiredMixin, DealerRequiredMixin
from core.errors import DomainError
from marketplace.models import Listing

from .. import selectors, services
from ..forms import CancelForm, DeclineForm, DeliveryForm, PaymentForm
from ..models import Order
from .base import BUYER, DEALER, OrderMixin, ServiceActionView, ServiceFormView

# --- reserve ---------------------------------------------------------------------------------


class ReserveView(View):
    http_method_names = ["post"]

    def post(self, request, listing_pk: int):
        listing = get_object_or_404(Listing, pk=listing_pk)
        listing_url = f"/cars/{listing.pk}/"
        if not request.user.is_authenticated:
            return redirect_to_login(listing_url)
        try:
            order = services.order_reserve(buyer=request.user, listing=listing)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect(listing_url)
        messages.success(
            request,
            _("Reserved! The car is held for you for %(hours)d hours. Review and sign the contract to complete the purchase.")
            % {"hours": services.reservation_hours()},
        )
        return redirect("contracts:contract_detail", pk=order.pk)


# --- lists and detail ------------------------------------------------------------------------


class BuyerOrderListView(BuyerRequiredMixin, ListView):
    template_name = "contracts/order_list.html"
    paginate_by = 20
    context_object_name = "orders"

    def get_queryset(self):
        return selectors.orders_for_buyer(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [(o, selectors.order_next_steps(o)) for o in context["orders"]]
        context["as_dealer"] = False
        return context


class DealerOrderListView(DealerRequiredMixin, ListView):
    template_name = "contracts/order_list.html"
    paginate_by = 20
    context_object_name = "orders"

    def get_queryset(self):
        return selectors.orders_for_dealer(self.request.user, status=self.request.GET.get("status", ""))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [(o, selectors.order_next_steps(o)) for o in context["orders"]]
        context["as_dealer"] = True
        context["status_filter"] = self.request.GET.get("status", "")
        context["status_choices"] = [("", _("All")), ("open", _("Open"))] + list(Order.Status.choices)
        status = self.request.GET.get("status", "")
        context["query_string"] = f"status={status}" if status else ""
        return context


class OrderDetailView(OrderMixin, TemplateView):
    template_name = "contracts/order_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = context["order"]
        context["steps"] = selectors.order_next_steps(order)
        context["payments"] = list(order.payments.select_related("recorded_by").order_by("received_at"))
        context["amendments"] = list(selectors.amendments_of(order))
        context["delivery"] = getattr(order, "delivery", None)
        context["outstanding"] = order.agreed_price - (order.paid_total or 0)
        context["cancel_form"] = CancelForm()
        return context


class OrderCancelView(ServiceActionView):
    parties = (BUYER,)
    success_message = gettext_lazy("Your reservation is cancelled.")

    def perform(self, request) -> None:
        form = CancelForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        services.order_cancel(order=self.get_order(), actor=request.user, reason=reason)


class OrderDeclineView(ServiceFormView):
    parties = (DEALER,)
    form_class = DeclineForm
    title = gettext_lazy("Decline the reservation")

    def perform(self, form):
        services.order_decline(order=self.get_order(), actor=self.request.user, reason=form.cleaned_data["reason"])
        messages.success(self.request, _("You declined the reservation; the car is on sale again."))


# --- payment and delivery --------------------------------------------------------------------


class PaymentCreateView(ServiceFormView):
    parties = (DEALER,)
    form_class = PaymentForm
    title = gettext_lazy("Record a payment")

    def get_initial(self):
        """The amount still outstanding: the agreed price less what was recorded already."""
        order = self.get_order()
        outstanding = max(order.agreed_price - services.order_amount_paid(order), Decimal(0))
        return {"amount": outstanding or None}

    def perform(self, form):
        data = form.cleaned_data
        services.payment_record(
            order=self.get_order(),
            actor=self.request.user,
            amount=data["amount"],
            method=data["method"],
            reference=data["reference"],
            received_at=data["received_at"],
        )
        messages.success(self.request, _("Payment recorded."))


class DeliveryRecordView(ServiceFormView):
    parties = (DEALER,)
    form_class = DeliveryForm
    title = gettext_lazy("Record the handover")

    def get_initial(self):
        contract = getattr(self.get_order(), "contract", None)
        return {"odometer_km": contract.vehicle.get("mileage_km") if contract else None}

    def perform(self, form):
        services.delivery_record(order=self.get_order(), actor=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("Handover recorded. The buyer has been asked to confirm it."))


class DeliveryConfirmView(ServiceActionView):
    parties = (BUYER,)
    success_message = gettext_lazy("Enjoy your car! Your 30-day guarantee and warranty have started.")

    def perform(self, request) -> None:
        services.delivery_confirm(order=self.get_order(), actor=request.user)
