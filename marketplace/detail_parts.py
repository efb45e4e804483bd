"""What a car's page and card show of issue 19's features: the finance estimate, the price history and the
recent drop, the booking button, the similar-cars section. Nothing here is per visitor (the page may be cached).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.http import Http404, HttpResponse
from django.template import engines
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views import View

from core import pagecache
from core.jinja import gettext

from . import finance, price_history
from .models import Listing


def finance_context(params, price: Decimal) -> dict:
    """The estimate at the terms in ``params`` (GET ``down``, ``term``, ``rate``; the staff's defaults otherwise;
    ``schedule=1`` adds the full repayment schedule)."""
    defaults = finance.default_terms()
    terms = finance.terms_from(params, defaults)
    return {
        "estimate": finance.estimate(price, terms),
        # The month-by-month schedule is printed on request (``schedule=1``: a link without script, swapped in
        # place with it): 36–60 rows of five amounts would otherwise be most of the car page's rendering.
        "show_schedule": params.get("schedule") == "1",
        "query": urlencode(
            {"down": terms.down_payment_percent, "term": terms.term_months, "rate": terms.annual_rate, "schedule": 1}
        ),
        "defaults": defaults,
        "terms": finance.TERMS,
        "down_choices": (0, 10, 20, 30, 40, 50, 60),
        "rate_max": finance.RATE_MAX,
    }


def detail_parts(request, listing: Listing) -> dict:
    """The detail page's additions (one query: the price history)."""
    history = price_history.chart_for(listing)
    return {
        "finance": finance_context(request.GET, listing.price),
        "price_history": history,
        "price_chart": price_history.chart_spec(history, label=gettext("Asking price")) if history else None,
        "price_drop": price_history.recent_drop(listing),
    }


def _finance_versions(kwargs, query) -> list[str]:
    return [f"listing:{kwargs['pk']}", finance.PAGE_VERSION]


pagecache.register("marketplace:finance", depends_on=_finance_versions)


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class FinanceEstimateView(View):
    """``/cars/<id>/finance/?down=&term=&rate=``: the estimate section alone, for the page script to swap in
    (the page itself works without script: the same form reloads it with the GET parameters)."""

    def get(self, request, pk):
        listing = Listing.objects.viewable().only("id", "price").filter(pk=pk).first()
        if listing is None:
            raise Http404
        context = {"listing": listing, "finance": finance_context(request.GET, listing.price)}
        template = engines["jinja2"].get_template("marketplace/_finance.html")
        return HttpResponse(template.render(context, request))
