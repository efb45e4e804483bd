"""Viewing and test-drive pages: booking from a car's page, the buyer's list, one appointment (both parties), the
dealer's list and hours."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.roles import BuyerRequiredMixin, DealerRequiredMixin, RoleRequiredMixin, is_buyer, is_dealer, is_platform_staff
from core.errors import DomainError

from . import appointments as services
from .appointments.hours import HORIZON_DAYS, free_slots, hours_of, parse_slot
from .buyer_forms import BookingForm, ViewingHoursForm
from .models import Appointment, Listing

ACTIONS = ("cancel", "reschedule", "attended", "no_show")


def _days(slots_by_day: dict) -> list[tuple[dt.date, list]]:
    return sorted(slots_by_day.items())


class BookView(BuyerRequiredMixin, TemplateView):
    """``/cars/<id>/book/``: the car's free slots for the next two weeks; POST books one."""

    template_name = "marketplace/appointment_book.html"

    def dispatch(self, request, *args, **kwargs):
        self.listing = get_object_or_404(
            Listing.objects.viewable().select_related("vehicle", "dealer", "dealer__dealer_profile"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        listing = self.listing
        days = _days(free_slots(listing=listing, now=timezone.now())) if listing.is_public else []
        mine = Appointment.objects.filter(listing=listing, buyer=self.request.user, status=Appointment.Status.BOOKED).first()
        return super().get_context_data(
            listing=listing, days=days, form=kwargs.pop("form", None) or BookingForm(), mine=mine, horizon=HORIZON_DAYS, **kwargs
        )

    def post(self, request, pk):
        form = BookingForm(request.POST)
        starts_at = parse_slot(request.POST.get("slot", "")) if form.is_valid() else None
        if starts_at is None:
            messages.error(request, _("Pick a time from the list."))
            return self.render_to_response(self.get_context_data(form=form))
        try:
            appointment = services.appointment_book(
                listing=self.listing,
                buyer=request.user,
                starts_at=starts_at,
                kind=form.cleaned_data["kind"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            messages.error(request, str(error))
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("Booked. The dealer has been told; we will remind you the day before and two hours before."))
        return redirect("marketplace:appointment", pk=appointment.pk)


class AppointmentListView(BuyerRequiredMixin, TemplateView):
    """``/appointments/``: the buyer's viewings, upcoming first."""

    template_name = "marketplace/appointment_list.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        rows = Appointment.objects.filter(buyer=self.request.user).select_related(
            "listing", "listing__vehicle", "dealer", "dealer__dealer_profile"
        )
        upcoming = [a for a in rows if a.status == Appointment.Status.BOOKED and a.ends_at > now]
        past = sorted((a for a in rows if a not in upcoming), key=lambda a: a.starts_at, reverse=True)[:30]
        return super().get_context_data(upcoming=upcoming, past=past, **kwargs)


class AppointmentPartyMixin(RoleRequiredMixin):
    """Buyers and dealers see their own appointments, staff every one; another's is a 404, an inspector gets 403."""

    allowed = staticmethod(lambda user: is_buyer(user) or is_dealer(user) or is_platform_staff(user))
    refusal = lazy("This page is for the buyer and the dealer of a viewing.")

    def get_appointment(self) -> Appointment:
        return get_object_or_404(
            Appointment.objects.visible_to(self.request.user).select_related(
                "listing", "listing__vehicle", "buyer", "dealer", "dealer__dealer_profile", "cancelled_by"
            ),
            pk=self.kwargs["pk"],
        )


class AppointmentDetailView(AppointmentPartyMixin, TemplateView):
    """``/appointments/<id>/``: the appointment, and what its parties may do now (move, cancel, mark)."""

    template_name = "marketplace/appointment_detail.html"

    def get_context_data(self, **kwargs):
        appointment, user, now = self.get_appointment(), self.request.user, timezone.now()
        party = appointment.party_of(user)
        upcoming = appointment.status == Appointment.Status.BOOKED and appointment.starts_at > now
        can_move = bool(party) and upcoming and appointment.listing.is_public
        days = _days(free_slots(listing=appointment.listing, now=now, exclude=appointment.pk)) if can_move else []
        return super().get_context_data(
            appointment=appointment,
            party=party,
            can_cancel=bool(party) and upcoming,
            can_move=can_move,
            can_mark=party == "dealer" and appointment.status == Appointment.Status.BOOKED and appointment.starts_at <= now,
            days=days,
            **kwargs,
        )


class AppointmentActionView(AppointmentPartyMixin, View):
    """POST ``action=cancel|reschedule|attended|no_show`` (the services check who may do what, and when)."""

    def post(self, request, pk):
        appointment = self.get_appointment()
        action = request.POST.get("action")
        try:
            if action == "cancel":
                services.appointment_cancel(appointment=appointment, actor=request.user, reason=request.POST.get("reason", ""))
                messages.info(request, _("The appointment is cancelled; the other side has been told."))
            elif action == "reschedule":
                starts_at = parse_slot(request.POST.get("slot", ""))
                if starts_at is None:
                    raise DomainError(_("Pick a time from the list."))
                services.appointment_reschedule(appointment=appointment, actor=request.user, starts_at=starts_at)
                messages.success(request, _("The appointment is moved; the other side has been told."))
            elif action in ("attended", "no_show"):
                status = Appointment.Status.ATTENDED if action == "attended" else Appointment.Status.NO_SHOW
                services.appointment_mark(appointment=appointment, actor=request.user, status=status)
                messages.success(request, _("Recorded."))
            else:
                messages.error(request, _("Unknown action."))
        except DomainError as error:
            messages.error(request, str(error))
        return redirect("marketplace:appointment", pk=appointment.pk)


class DealerAppointmentsView(DealerRequiredMixin, TemplateView):
    """``/dealer/appointments/``: the dealer's viewings — to mark (begun, still booked), upcoming, recent."""

    template_name = "marketplace/dealer_appointments.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        rows = list(
            Appointment.objects.filter(dealer=self.request.user, starts_at__gte=now - dt.timedelta(days=30))
            .select_related("listing", "listing__vehicle", "buyer")
            .order_by("starts_at", "pk")
        )
        booked = [a for a in rows if a.status == Appointment.Status.BOOKED]
        return super().get_context_data(
            to_mark=[a for a in booked if a.starts_at <= now],
            upcoming=[a for a in booked if a.starts_at > now],
            recent=sorted((a for a in rows if a.status != Appointment.Status.BOOKED), key=lambda a: a.starts_at, reverse=True),
            hours=hours_of(self.request.user.pk),
            **kwargs,
        )


class DealerHoursView(DealerRequiredMixin, FormView):
    """``/dealer/appointments/hours/``: opening hours per weekday, slot length, holidays and other closed days."""

    template_name = "marketplace/viewing_hours_form.html"
    form_class = ViewingHoursForm

    def get_initial(self):
        return ViewingHoursForm.initial_for(hours_of(self.request.user.pk))

    def form_valid(self, form):
        try:
            services.viewing_hours_set(
                dealer=self.request.user,
                weekly=form.weekly(),
                slot_minutes=form.cleaned_data["slot_minutes"],
                closed_on_public_holidays=form.cleaned_data["closed_on_public_holidays"],
                closed_days=form.cleaned_data["closed_days"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Viewing hours saved."))
        return redirect("marketplace:dealer_appointments")
