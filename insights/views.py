"""Thin views: authorization by narrowed querysets; every write is one service call."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from accounts.masking import can_see_personal_data
from accounts.models import User
from accounts.roles import BuyerRequiredMixin, DealerRequiredMixin, StaffRequiredMixin, is_dealer, is_platform_staff
from contracts.models import Order
from core import pagecache
from core.errors import DomainError
from core.statemachine import audit

from . import services
from .forms import BuyerRatingForm, DateRangeForm, HideForm, ReplyForm, ReviewForm
from .models import Review
from .selectors import dealer as dealer_selectors
from .selectors import people
from .selectors.staff import STAFF_CHARTS, kpis
from .services.prices import MIN_COMPARABLES, THRESHOLDS
from .services.scores import PRIOR_REVIEWS, PRIOR_STARS, WEIGHTS

REVIEWS_PER_PAGE = 10


class PeriodMixin:
    def get_period(self):
        self.range_form = DateRangeForm(self.request.GET or None)
        return self.range_form.period()


def csv_response(chart, period) -> HttpResponse:
    response = HttpResponse("\ufeff" + chart.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{chart.key}_{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"'
    return response


# --- public -------------------------------------------------------------------------------------


class HowScoresWorkView(TemplateView):
    template_name = "insights/how_scores_work.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            weights=WEIGHTS,
            prior_reviews=PRIOR_REVIEWS,
            prior_stars=PRIOR_STARS,
            min_comparables=MIN_COMPARABLES,
            thresholds=[(round((upper - 1) * 100), badge) for upper, badge in THRESHOLDS],
            **kwargs,
        )


# The public dealer page may be served from the page cache: it shows the score (``dealers``) and the reviews.
pagecache.register("insights:dealer", depends_on=lambda kwargs, query: ["dealers", f"dealer:{kwargs['pk']}"])


class DealerPublicView(TemplateView):
    """A dealer's public page: score, components, trend and visible reviews."""

    template_name = "insights/dealer_public.html"

    def get_context_data(self, **kwargs):
        dealer = get_object_or_404(
            User.objects.filter(role=User.Role.DEALER).select_related("dealer_profile"), pk=self.kwargs["pk"]
        )
        reviews = Review.objects.of_dealer(dealer).select_related("buyer", "order__listing__vehicle")
        if not is_platform_staff(self.request.user):
            reviews = reviews.public()
        since = timezone.localdate() - dt.timedelta(days=365)
        page_obj = Paginator(reviews, REVIEWS_PER_PAGE).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            dealer=dealer,
            score=getattr(dealer, "dealer_score", None),
            trend=dealer_selectors.score_trend(dealer, since=since),
            reviews=page_obj.object_list,
            page_obj=page_obj,
            **kwargs,
        )


# --- reviews and ratings --------------------------------------------------------------------------


class MyReviewsView(LoginRequiredMixin, TemplateView):
    """Buyers: their delivered purchases to review. Dealers: buyers to rate and reviews to answer."""

    template_name = "insights/my_reviews.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        delivered = Order.objects.filter(status=Order.Status.DELIVERED).select_related(
            "listing__vehicle", "listing__dealer__dealer_profile", "buyer", "review", "buyer_rating"
        )
        return super().get_context_data(
            as_buyer=list(delivered.filter(buyer=user).order_by("-delivered_at")[:100]),
            as_dealer=list(delivered.filter(listing__dealer=user).order_by("-delivered_at")[:100]) if is_dealer(user) else [],
            now=timezone.now(),
            **kwargs,
        )


class ServiceFormMixin:
    """A form whose valid submission is one service call (``perform``, returning the success message);
    a domain error it raises is shown on the form."""

    def perform(self, form) -> str:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            done = self.perform(form)
        except DomainError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, done)
        return redirect(self.get_success_url())


class ReviewView(BuyerRequiredMixin, ServiceFormMixin, FormView):
    """Write (once) or edit (14 days) the review of one of the buyer's delivered orders (another's: 404)."""

    form_class = ReviewForm
    template_name = "insights/review_form.html"

    @cached_property
    def order(self) -> Order:
        orders = Order.objects.filter(buyer=self.request.user)
        return get_object_or_404(
            orders.select_related("listing__vehicle", "listing__dealer__dealer_profile"), pk=self.kwargs["order_pk"]
        )

    @cached_property
    def review(self) -> Review | None:
        return Review.objects.filter(order=self.order).first()

    def get_initial(self):
        return {f: getattr(self.review, f) for f in services.reviews.REVIEW_FIELDS} if self.review else {}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit_label": _("Save changes") if self.review else None}

    def get_context_data(self, **kwargs):
        return super().get_context_data(order=self.order, review=self.review, **kwargs)

    def perform(self, form) -> str:
        if self.review:
            services.review_update(review=self.review, actor=self.request.user, **form.cleaned_data)
            return _("Your review was updated.")
        services.review_create(order=self.order, buyer=self.request.user, **form.cleaned_data)
        return _("Thank you — your review is published.")

    def get_success_url(self) -> str:
        return reverse("insights:dealer", args=[self.order.listing.dealer_id])


class BuyerRatingView(DealerRequiredMixin, ServiceFormMixin, FormView):
    """The dealer rates the buyer of one of their delivered orders (another dealer's order: 404)."""

    form_class = BuyerRatingForm
    template_name = "insights/buyer_rating_form.html"
    success_url = reverse_lazy("insights:my_reviews")

    @cached_property
    def order(self) -> Order:
        orders = Order.objects.filter(listing__dealer=self.request.user).select_related("buyer", "listing__vehicle")
        return get_object_or_404(orders, pk=self.kwargs["order_pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(order=self.order, **kwargs)

    def perform(self, form) -> str:
        services.buyer_rating_create(order=self.order, dealer=self.request.user, **form.cleaned_data)
        return _("Your rating of the buyer was saved.")


class OneReviewMixin(ServiceFormMixin):
    """A form about one review, found among ``reviews()`` (narrowed to what the user may act on: 404
    otherwise); afterwards back to the reviewed dealer's page."""

    def reviews(self):
        raise NotImplementedError

    @cached_property
    def review(self) -> Review:
        return get_object_or_404(self.reviews().with_people(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(review=self.review, **kwargs)

    def get_success_url(self) -> str:
        return reverse("insights:dealer", args=[self.review.dealer_id])


class ReviewReplyView(DealerRequiredMixin, OneReviewMixin, FormView):
    """The reviewed dealer answers a review of theirs (another dealer's review: 404)."""

    form_class = ReplyForm
    template_name = "insights/review_reply.html"

    def reviews(self):
        return Review.objects.filter(dealer=self.request.user)

    def perform(self, form) -> str:
        services.review_reply(review=self.review, dealer=self.request.user, text=form.cleaned_data["text"])
        return _("Your reply is published.")


class ReviewHideView(StaffRequiredMixin, OneReviewMixin, FormView):
    form_class = HideForm
    template_name = "insights/review_hide.html"

    def reviews(self):
        return Review.objects.all()

    def perform(self, form) -> str:
        services.review_hide(review=self.review, actor=self.request.user, reason=form.cleaned_data["reason"])
        return _("The review is hidden; the reason is in the audit trail.")


class ReviewUnhideView(StaffRequiredMixin, View):
    def post(self, request, *args, **kwargs):
        review = get_object_or_404(Review, pk=kwargs["pk"])
        services.review_unhide(review=review, actor=request.user)
        messages.success(request, _("The review is visible again."))
        return redirect("insights:dealer", pk=review.dealer_id)


class BuyerCreditView(LoginRequiredMixin, TemplateView):
    """A buyer's credit record: the buyer, staff, and dealers they deal with. Anyone else: 404."""

    template_name = "insights/buyer_credit.html"

    def get_context_data(self, **kwargs):
        buyer = get_object_or_404(people.buyers_visible_to(self.request.user), pk=self.kwargs["pk"])
        ratings = buyer.buyer_ratings.select_related("dealer__dealer_profile")[:20]
        return super().get_context_data(buyer=buyer, credit=people.buyer_credit(buyer), ratings=ratings, **kwargs)


# --- dashboards -----------------------------------------------------------------------------------


class StaffDashboardView(StaffRequiredMixin, PeriodMixin, TemplateView):
    template_name = "insights/staff_dashboard.html"

    def get_context_data(self, **kwargs):
        period = self.get_period()
        charts = {key: build(period) for key, build in STAFF_CHARTS.items()}
        return super().get_context_data(
            period=period,
            range_form=self.range_form,
            kpis=kpis(period),
            charts=charts,
            query=self.request.GET.urlencode(),
            **kwargs,
        )


class StaffChartCsvView(StaffRequiredMixin, PeriodMixin, TemplateView):
    def get(self, request, *args, **kwargs):
        build = STAFF_CHARTS.get(kwargs["key"])
        if build is None:
            raise Http404
        period = self.get_period()
        return csv_response(build(period), period)


def _dealer_charts(dealer, period):
    return {
        "funnel": dealer_selectors.funnel(dealer, period),
        "score_trend": dealer_selectors.score_trend(dealer, since=period.start),
    }


class DealerDashboardView(DealerRequiredMixin, PeriodMixin, TemplateView):
    template_name = "insights/dealer_dashboard.html"

    def get_context_data(self, **kwargs):
        dealer = self.request.user
        period = self.get_period()
        return super().get_context_data(
            period=period,
            range_form=self.range_form,
            charts=_dealer_charts(dealer, period),
            days_to_sell=dealer_selectors.days_to_sell(dealer, period),
            score=getattr(dealer, "dealer_score", None),
            cases=dealer_selectors.open_cases(dealer),
            surveys=dealer_selectors.survey_results(dealer, period),
            reviews=dealer_selectors.recent_reviews(dealer),
            now=timezone.now(),
            query=self.request.GET.urlencode(),
            **kwargs,
        )


class DealerChartCsvView(DealerRequiredMixin, PeriodMixin, TemplateView):
    def get(self, request, *args, **kwargs):
        period = self.get_period()
        chart = _dealer_charts(request.user, period).get(kwargs["key"])
        if chart is None:
            raise Http404
        return csv_response(chart, period)


# --- customer archive (客户档案) -------------------------------------------------------------------


class CustomerListView(StaffRequiredMixin, ListView):
    template_name = "insights/customer_list.html"
    context_object_name = "customers"
    paginate_by = 30

    def search_term(self) -> str:
        """The search box's text: what no database can compare (NUL) removed, at most 100 characters."""
        return self.request.GET.get("q", "").replace("\x00", "").strip()[:100]

    def get_queryset(self):
        return people.customers(self.search_term())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for customer in context["customers"]:
            customer.tier = people.tier_for(customer.purchases)
            customer.tier_label = people.TIERS[customer.tier]
        q = self.search_term()
        context.update(q=q, query_string=urlencode({"q": q}) if q else "")
        return context


class CustomerArchiveView(StaffRequiredMixin, TemplateView):
    """Masked unless the viewer holds ``accounts.view_personal_data``; every unmasked view is audited."""

    template_name = "insights/customer_archive.html"

    def get_context_data(self, **kwargs):
        customer = get_object_or_404(User.objects.filter(~Q(role=User.Role.DEALER)), pk=self.kwargs["pk"])
        unmasked = can_see_personal_data(self.request.user, customer)
        if unmasked:
            audit(
                customer,
                action="personal_data_viewed",
                actor=self.request.user,
                note=reverse("insights:customer", args=[customer.pk]),
            )
        return super().get_context_data(
            customer=customer,
            unmasked=unmasked,
            phone=customer.phone if unmasked else customer.masked_phone,
            id_number=customer.id_number if unmasked else customer.masked_id_number,
            address=customer.address if unmasked else ("●●●●" if customer.address else ""),
            email=customer.email if unmasked else _mask_email(customer.email),
            archive=people.customer_archive(customer),
            **kwargs,
        )


def _mask_email(email: str) -> str:
    if not email or "@" not in email:
        return email
    name, domain = email.split("@", 1)
    return f"{name[:1]}***@{domain}"
