"""Saved-search pages: the buyer's list (and "save this search" from /cars/), edits, the e-mail's unsubscribe link."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.roles import BuyerRequiredMixin
from core.errors import DomainError

from . import saved_searches as services
from .buyer_forms import SavedSearchEditForm, SavedSearchForm
from .models import SavedSearch


class SavedSearchListView(BuyerRequiredMixin, TemplateView):
    """``/saved-searches/``: the buyer's searches with their alerts; POST saves the filters of a /cars/ page."""

    template_name = "marketplace/saved_search_list.html"

    def get_context_data(self, **kwargs):
        searches = (
            SavedSearch.objects.filter(user=self.request.user)
            .annotate(match_count=Count("matches"))
            .order_by("-created_at", "-pk")
        )
        return super().get_context_data(
            searches=searches,
            frequencies=SavedSearch.Frequency.choices,
            browse_url=reverse("marketplace:browse"),
            max_searches=services.services.MAX_PER_BUYER,
            **kwargs,
        )

    def post(self, request):
        form = SavedSearchForm(request.POST)
        form.is_valid()
        data = form.cleaned_data
        try:
            search = services.saved_search_create(
                user=request.user,
                params=data.get("query", ""),
                name=data.get("name", ""),
                frequency=data.get("frequency") or SavedSearch.Frequency.INSTANT,
            )
        except DomainError as error:
            messages.error(request, str(error))
            return redirect(reverse("marketplace:browse") + "?" + data.get("query", ""))
        messages.success(
            request, _("Search saved as “%(name)s”. We will tell you about new cars that match.") % {"name": search.name}
        )
        return redirect("marketplace:saved_searches")


class SavedSearchActionView(BuyerRequiredMixin, View):
    """POST ``action=update|delete`` on one of the buyer's own searches (anybody else's is a 404)."""

    def post(self, request, pk):
        search = get_object_or_404(SavedSearch.objects.filter(user=request.user), pk=pk)
        action = request.POST.get("action")
        if action == "delete":
            services.saved_search_delete(search=search, user=request.user)
            messages.info(request, _("Saved search deleted."))
        elif action == "update":
            form = SavedSearchEditForm(request.POST)
            form.is_valid()
            services.saved_search_update(
                search=search,
                user=request.user,
                name=form.cleaned_data.get("name"),
                frequency=form.cleaned_data.get("frequency"),
                alerts_on=form.cleaned_data.get("alerts_on", False),
            )
            messages.success(request, _("Saved search updated."))
        else:
            raise Http404
        return redirect("marketplace:saved_searches")


class UnsubscribeView(TemplateView):
    """``/saved-searches/unsubscribe/<token>/``: the e-mail's link. Opening it turns the alerts off at once — no
    sign-in, the signed token is the authority; the page offers to turn them back on (POST)."""

    template_name = "marketplace/saved_search_unsubscribe.html"

    def dispatch(self, request, *args, **kwargs):
        self.search = services.search_for_token(kwargs["token"])
        if self.search is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        services.saved_search_unsubscribe(search=self.search, alerts_on=False)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        services.saved_search_unsubscribe(search=self.search, alerts_on=request.POST.get("action") == "resubscribe")
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs):
        return super().get_context_data(search=self.search, **kwargs)
