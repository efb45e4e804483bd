"""Thin views: each reads through selectors, writes through one service, and shows domain errors as messages."""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, ListView

from accounts.roles import BuyerRequiredMixin, DealerRequiredMixin
from core.errors import DomainError

from . import catalogue, selectors, services, session_lists
from .filters import CITIES
from .forms import ListingForm, MessageForm, PhotoUploadForm
from .models import Conversation, Favourite, Listing, ListingPhoto

RECENT_COOKIE = "anxin_recent"
RECENT_COOKIE_SALT = "marketplace.recent"


# --- small mixins ---------------------------------------------------------------------------------


class OwnListingMixin(DealerRequiredMixin):
    """Dealer workspace pages about one car: it is looked up among the dealer's own cars only, so another
    dealer's car is a 404 (after ``DealerRequiredMixin`` has refused anybody who is not a dealer)."""

    def get_listing(self) -> Listing:
        if not hasattr(self, "_listing"):
            self._listing = get_object_or_404(
                Listing.objects.owned_by(self.request.user).select_related("vehicle"), pk=self.kwargs["pk"]
            )
        return self._listing


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or request.META.get("HTTP_REFERER") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def catalogue_context() -> dict:
    return {
        "make_options": catalogue.label_choices(),
        "models_by_make": catalogue.models_by_make(),
        "cities": CITIES,
    }


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


class CompareAddView(View):
    """Add a car to the visitor's compare list. The page script posts with ``Accept: application/json`` and keeps
    the visitor where they were; without script, a redirect back with a message."""

    def post(self, request):
        listing = get_object_or_404(Listing.objects.viewable(), pk=request.POST.get("listing") or 0)
        try:
            ids = session_lists.compare_add(request.session, listing.pk)
        except DomainError as error:
            if _wants_json(request):
                return JsonResponse({"error": str(error), "compare": session_lists.compare_ids(request.session)}, status=409)
            messages.error(request, str(error))
        else:
            text = _("Added to compare (%(n)d of %(max)d).") % {"n": len(ids), "max": session_lists.COMPARE_MAX}
            if _wants_json(request):
                return JsonResponse({"message": text, "compare": ids})
            messages.success(request, text)
        return HttpResponseRedirect(safe_next(request, reverse("marketplace:compare")))


class CompareRemoveView(View):
    def post(self, request):
        if request.POST.get("all"):
            session_lists.compare_clear(request.session)
        else:
            with contextlib.suppress(ValueError):
                session_lists.compare_remove(request.session, int(request.POST.get("listing", 0)))
        if _wants_json(request):
            return JsonResponse({"message": _("Removed from compare."), "compare": session_lists.compare_ids(request.session)})
        return HttpResponseRedirect(safe_next(request, reverse("marketplace:compare")))


class FavouriteToggleView(BuyerRequiredMixin, View):
    """Save a car to (or remove it from) the buyer's favourites. The page script posts with ``Accept:
    application/json`` and updates the button in place, so the focus stays on it; without script, a redirect back
    with a message."""

    def post(self, request, pk):
        listing = get_object_or_404(Listing.objects.viewable(), pk=pk)
        error, level = "", messages.success
        if request.POST.get("action") == "remove":
            services.favourite_remove(user=request.user, listing=listing)
            message, level = _("Removed from your favourites."), messages.info
        else:
            message = _("Saved. We will tell you if the price drops.")
            try:
                services.favourite_add(user=request.user, listing=listing)
            except DomainError as exc:
                error = str(exc)
        if _wants_json(request):
            saved = Favourite.objects.filter(user=request.user, listing=listing).exists()
            return JsonResponse(
                {"favourite": saved, "message": error or message, "label": _("Saved") if saved else _("Favourite")},
                status=409 if error else 200,
            )
        if error:
            messages.error(request, error)
        else:
            level(request, message)
        return HttpResponseRedirect(safe_next(request, reverse("marketplace:detail", args=[pk])))


class FavouriteListView(BuyerRequiredMixin, ListView):
    template_name = "marketplace/favourites.html"
    context_object_name = "favourites"
    paginate_by = 24

    def get_queryset(self):
        return selectors.favourites_of(self.request.user)


class AskDealerView(BuyerRequiredMixin, View):
    """Start (or continue) the buyer's thread about a listing from its detail page."""

    def post(self, request, pk):
        listing = get_object_or_404(Listing.objects.viewable(), pk=pk)
        form = MessageForm(request.POST)
        body = form.cleaned_data["body"] if form.is_valid() else ""  # the service refuses an empty message
        try:
            conversation = services.conversation_start(listing=listing, buyer=request.user, body=body)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect("marketplace:detail", pk=pk)
        messages.success(request, _("Message sent to the dealer."))
        return redirect("marketplace:conversation", pk=conversation.pk)


class ConversationListView(LoginRequiredMixin, ListView):
    template_name = "marketplace/conversation_list.html"
    context_object_name = "conversations"
    paginate_by = 30

    def get_queryset(self):
        return selectors.conversations_for(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for conversation in context["conversations"]:
            conversation.unread = conversation.unread_for(self.request.user)
        return context


class ConversationDetailView(LoginRequiredMixin, FormView):
    """A thread: only its buyer, its dealer and staff; anyone else gets 404."""

    template_name = "marketplace/conversation_detail.html"
    form_class = MessageForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.conversation = get_object_or_404(
            Conversation.objects.visible_to(request.user).select_related(
                "listing", "listing__vehicle", "buyer", "dealer", "dealer__dealer_profile"
            ),
            pk=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        conversation = self.conversation
        user = self.request.user
        context.update(
            conversation=conversation,
            thread=selectors.thread_for(conversation, viewer=user),
            can_write=conversation.is_party(user),
            other_party=conversation.dealer if user.pk == conversation.buyer_id else conversation.buyer,
        )
        services.conversation_mark_read(conversation=conversation, user=user)
        return context

    def form_valid(self, form):
        try:
            services.message_send(conversation=self.conversation, sender=self.request.user, body=form.cleaned_data["body"])
        except DomainError as error:
            form.add_error("body", str(error))
            return self.form_invalid(form)
        return redirect("marketplace:conversation", pk=self.conversation.pk)


# --- dealer workspace -----------------------------------------------------------------------------

ACTIONS = {  # lazy: the message is translated in the language of the request, not at import
    "submit": (services.listing_submit_for_inspection, gettext_lazy("Sent for inspection.")),
    "publish": (services.listing_publish, gettext_lazy("The car is on sale.")),
    "withdraw": (services.listing_withdraw, gettext_lazy("The car was withdrawn.")),
    "draft": (services.listing_back_to_draft, gettext_lazy("The car is a draft again; you can correct its facts.")),
}


class MyCarsView(DealerRequiredMixin, ListView):
    """ "My cars": status tabs with counts; each row offers only the moves its state machine allows."""

    template_name = "marketplace/my_cars.html"
    context_object_name = "listings"
    paginate_by = 25

    def get_queryset(self):
        status = self.request.GET.get("status")
        self.status = status if status in Listing.Status.values else ""
        return selectors.dealer_listings(dealer=self.request.user, status=self.status or None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = selectors.dealer_status_counts(dealer=self.request.user)
        context.update(
            current_status=self.status,
            tabs=[(value, label, counts[value]) for value, label in Listing.Status.choices],
            total=sum(counts.values()),
            query_string=f"status={self.status}" if self.status else "",
        )
        return context


class ListingFormMixin(DealerRequiredMixin):
    template_name = "marketplace/listing_form.html"
    form_class = ListingForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(**catalogue_context())
        return context

    def apply_errors(self, form, error: Exception):
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error("vin" if getattr(error, "code", "") == "duplicate_vin" else None, str(error))
        return self.form_invalid(form)


class ListingCreateView(ListingFormMixin, FormView):
    def form_valid(self, form):
        try:
            listing = services.listing_create(
                dealer=self.request.user,
                vehicle_data=form.vehicle_data(),
                price=form.cleaned_data["price"],
                description=form.cleaned_data["description"],
            )
        except (DomainError, ValidationError, IntegrityError) as error:
            return self.apply_errors(form, error)
        messages.success(self.request, _("Draft saved. Now add photos of the car."))
        return redirect("marketplace:listing_photos", pk=listing.pk)


class ListingUpdateView(OwnListingMixin, ListingFormMixin, FormView):
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "listing": self.get_listing()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(listing=self.get_listing(), **kwargs)

    def form_valid(self, form):
        try:
            services.listing_update(
                listing=self.get_listing(),
                actor=self.request.user,
                vehicle_data=None if form.facts_locked else form.vehicle_data(),
                price=form.cleaned_data["price"],
                description=form.cleaned_data["description"],
            )
        except (DomainError, ValidationError) as error:
            return self.apply_errors(form, error)
        messages.success(self.request, _("Changes saved."))
        return redirect("marketplace:my_cars")


class ListingActionView(OwnListingMixin, View):
    """POST action=submit|publish|withdraw|draft|delete on one of the dealer's own cars."""

    def post(self, request, pk):
        listing = self.get_listing()
        action = request.POST.get("action")
        try:
            if action == "delete":
                services.listing_delete(listing=listing, actor=request.user)
                messages.success(request, _("The car was deleted."))
                return redirect("marketplace:my_cars")
            if action not in ACTIONS:
                raise Http404
            service, done = ACTIONS[action]
            service(listing=listing, actor=request.user)
            messages.success(request, done)
        except DomainError as error:
            messages.error(request, str(error))
        return HttpResponseRedirect(safe_next(request, reverse("marketplace:my_cars")))


class ListingPhotosView(OwnListingMixin, FormView):
    template_name = "marketplace/listing_photos.html"
    form_class = PhotoUploadForm

    def get_context_data(self, **kwargs):
        listing = self.get_listing()
        return super().get_context_data(listing=listing, photos=list(listing.photos.order_by("position", "pk")), **kwargs)

    def form_valid(self, form):
        listing, added = self.get_listing(), 0
        for upload in form.cleaned_data["photos"]:
            try:
                services.photo_add(listing=listing, actor=self.request.user, file=upload)
                added += 1
            except (DomainError, ValidationError) as error:
                message = error.messages[0] if isinstance(error, ValidationError) else str(error)
                messages.error(self.request, f"{upload.name}: {message}")
        if added:
            messages.success(self.request, _("%(n)d photo(s) added.") % {"n": added})
        return redirect("marketplace:listing_photos", pk=listing.pk)


class PhotoActionView(DealerRequiredMixin, View):
    """POST action=up|down|cover|delete on a photo of one of the dealer's own cars (404 otherwise)."""

    def post(self, request, pk):
        photo = get_object_or_404(ListingPhoto.objects.select_related("listing").filter(listing__dealer=request.user), pk=pk)
        action = request.POST.get("action")
        try:
            if action in ("up", "down"):
                services.photo_move(photo=photo, actor=request.user, direction=action)
            elif action == "cover":
                services.photo_make_cover(photo=photo, actor=request.user)
            elif action == "delete":
                services.photo_delete(photo=photo, actor=request.user)
                messages.info(request, _("Photo deleted."))
            else:
                raise Http404
        except DomainError as error:
            messages.error(request, str(error))
        return redirect("marketplace:listing_photos", pk=photo.listing_id)
