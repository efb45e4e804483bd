"""The public pages every visitor sees — home, browse, detail, compare — and the one endpoint for what is theirs.

They are rendered by Jinja2 (``marketplace/jinja2/``) and may be served from the page cache (``core.pagecache``) to
visitors without a session: so they never contain anything personal. A visitor's compare tray, recently viewed
cars, compare-button states and the view count of a car are fetched by the page script from ``/cars/mine/``.
Signed-in visitors get the same pages rendered for them (their role decides the actions shown), cards from the
fragment cache.
"""

from __future__ import annotations

from django.db import transaction
from django.http import Http404, JsonResponse
from django.template import engines
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from accounts.roles import is_buyer
from core import pagecache

from . import browse, catalogue, finance, selectors, session_lists
from .detail_parts import detail_parts
from .forms import MessageForm
from .models import Favourite, Listing
from .options import models_json, options_html
from .saved_searches.columns import save_search_context
from .signals import listing_viewed

RECENT_COOKIE = "anxin_recent"
RECENT_COOKIE_SALT = "marketplace.recent"

QUICK_MAKES = 10
FLAG_FILTERS = ("no_accident", "no_flood", "no_fire")


def _listing_deps(kwargs: dict, query: dict) -> list[str]:
    return [f"listing:{kwargs['pk']}", *browse.CARD_VERSIONS, finance.PAGE_VERSION]  # finance: the estimate's defaults


def _compare_ids(raw: str) -> list[int]:
    ids = [int(part) for part in (raw or "").split(",") if part.isdigit()]
    return list(dict.fromkeys(ids))[: session_lists.COMPARE_MAX]


pagecache.register("home", depends_on=lambda kwargs, query: ["catalogue", *browse.CARD_VERSIONS])
pagecache.register("marketplace:browse", depends_on=lambda kwargs, query: ["catalogue", *browse.CARD_VERSIONS])
pagecache.register("marketplace:detail", depends_on=_listing_deps)
pagecache.register(
    "marketplace:compare",
    depends_on=lambda kwargs, query: [*(f"listing:{pk}" for pk in _compare_ids(query.get("ids", ""))), *browse.CARD_VERSIONS],
)


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class JinjaPage(TemplateView):
    """A read-only page rendered by Jinja2: no transaction around it (nothing to roll back, two round trips saved)."""

    template_engine = "jinja2"


class HomeView(JinjaPage):
    """``/``: the promise, a search box and the cars listed last."""

    template_name = "marketplace/home.html"

    def get_context_data(self, **kwargs):
        on_sale = browse.on_sale_count()
        label = ngettext("%(n)s inspected car on sale now", "%(n)s inspected cars on sale now", on_sale) % {"n": f"{on_sale:,}"}
        return {"cards": browse.latest_cards(request=self.request), "on_sale_label": label}


class BrowseView(JinjaPage):
    """``/cars/``: filters in the URL, sort, seek pagination, a capped count (``marketplace.browse``)."""

    template_name = "marketplace/browse.html"

    def get_context_data(self, **kwargs):
        params = self.request.GET
        page = browse.browse_page(params, request=self.request)
        data = page.query.data
        make = data.get("make", "")
        make = catalogue.make_from_alias(make) or make
        keep = params.copy()
        for key in ("page", "after", "before"):
            keep.pop(key, None)
        dealer = keep.pop("dealer", None)
        fields = {k for k, v in keep.items() if v and k != "sort"}
        return {
            "page": page,
            "has_filters": bool(fields or dealer),
            "active_filters": len(fields - {"q"}),
            "dealer_filter": page.query.cleaned.get("dealer") if dealer else None,
            "query_without_dealer": keep.urlencode(),
            "quick_makes": catalogue.label_choices()[:QUICK_MAKES],
            "make_options": options_html("make", make),
            "model_options": options_html("model", data.get("model", ""), make=make),
            "city_options": options_html("city", data.get("city", "")),
            "fuel_options": options_html("fuel", data.get("fuel", "")),
            "transmission_options": options_html("transmission", data.get("transmission", "")),
            "body_options": options_html("body", data.get("body", "")),
            "grade_options": options_html("grade", data.get("grade", "")),
            "sort_options": options_html("sort", page.sort),
            "flag_filters": [(name, page.query.label(name)) for name in FLAG_FILTERS],
            "models_json": models_json(self.request.LANGUAGE_CODE),
            "save_search": save_search_context(self.request, page.query),
        }


class ListingDetailView(JinjaPage):
    """``/cars/<id>/``: gallery, key facts, dealer card, the inspection summary, price fairness and actions."""

    template_name = "marketplace/detail.html"

    def get(self, request, *args, **kwargs):
        try:
            self.listing = selectors.listing_for_detail(pk=kwargs["pk"], user=request.user)
        except Listing.DoesNotExist:
            raise Http404
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        listing, user = self.listing, self.request.user
        vehicle = listing.vehicle
        return {
            "listing": listing,
            "vehicle": vehicle,
            "photos": listing.gallery,
            "dealer_profile": getattr(listing.dealer, "dealer_profile", None),
            "is_owner": user.is_authenticated and user.pk == listing.dealer_id,
            "may_favourite": not user.is_authenticated or is_buyer(user),
            # Signed-in pages are never page-cached, so the button can say whether this buyer saved the car.
            "is_favourite": user.is_authenticated
            and is_buyer(user)
            and Favourite.objects.filter(user=user, listing=listing).exists(),
            "message_form": MessageForm(),
            "make_label": catalogue.make_label(vehicle.make),
            "model_label": catalogue.model_label(vehicle.make, vehicle.model),
            "slots": detail_slots(self.request, listing),
            **detail_parts(self.request, listing),
        }


def detail_slots(request, listing: Listing) -> dict:
    """The parts later apps own on the detail page (reserve button, price fairness, dealer rating), rendered from
    their Django templates by name — marketplace never imports those apps. (The inspection summary is a Jinja
    template of the inspections app, included by name in the page itself.)"""
    django = engines["django"]
    context = {"listing": listing, "dealer": listing.dealer}
    names = {
        "reserve": "contracts/partials/reserve_button.html",
        "trust": "insights/partials/listing_trust.html",
        "rating": "insights/partials/dealer_rating_slot.html",
    }
    return {slot: django.get_template(name).render(context, request) for slot, name in names.items()}


class CompareView(JinjaPage):
    """``/compare/?ids=…``: up to four cars side by side (a link anyone can share); without ``ids``, the visitor's
    own compare list. Differing rows highlighted, best values marked."""

    template_name = "marketplace/compare.html"

    def get_context_data(self, **kwargs):
        raw = self.request.GET.get("ids")
        ids = _compare_ids(raw) if raw is not None else session_lists.compare_ids(self.request.session)
        cars = selectors.compare_listings(ids)
        return {
            "cars": cars,
            "rows": selectors.compare_rows(cars),
            "compare_max": session_lists.COMPARE_MAX,
            "share_url": "?ids=" + ",".join(str(car.pk) for car in cars),
            "names": {car.pk: f"{car.vehicle.year} {car.vehicle.name}" for car in cars},
        }


def recent_ids_from(request) -> list[int]:
    raw = request.get_signed_cookie(RECENT_COOKIE, default="", salt=RECENT_COOKIE_SALT)
    return [int(x) for x in raw.split(".") if x.isdigit()][: session_lists.RECENT_MAX]


class MineView(View):
    """``/cars/mine/`` (never cached): this visitor's compare list and recently viewed cars, as HTML to drop into
    the page and the ids of the cars in compare; ``?viewed=<id>`` also records a view of that car (the dealer's
    view count, and the recently viewed list kept in a signed cookie)."""

    def get(self, request):
        viewed = request.GET.get("viewed", "")
        viewed_id = int(viewed) if viewed.isdigit() else None
        compare = session_lists.compare_ids(request.session) if request.COOKIES.get("sessionid") else []
        recent = [i for i in recent_ids_from(request) if i != viewed_id]
        cars = {car.pk: car for car in selectors.tray_listings(list(dict.fromkeys(compare + recent)))}
        tray = [cars[i] for i in compare if i in cars]
        recents = [cars[i] for i in recent if i in cars][:6]
        context = {"tray": tray, "recent": recents, "compare_max": session_lists.COMPARE_MAX}
        html = engines["jinja2"].get_template("marketplace/_mine.html").render(context, request)
        tray_html, _, recent_html = html.partition("<!--recent-->")
        response = JsonResponse({"compare": [car.pk for car in tray], "tray": tray_html.strip(), "recent": recent_html.strip()})
        if viewed_id is not None:
            listing = Listing.objects.filter(pk=viewed_id).only("pk", "status", "dealer_id").first()
            if listing is not None and listing.is_public:
                if request.user.pk != listing.dealer_id:
                    listing_viewed.send(sender=Listing, listing=listing)
                ids = [viewed_id, *recent][: session_lists.RECENT_MAX]
                response.set_signed_cookie(
                    RECENT_COOKIE,
                    ".".join(map(str, ids)),
                    salt=RECENT_COOKIE_SALT,
                    max_age=60 * 60 * 24 * 30,
                    httponly=True,
                    samesite="Lax",
                )
        add_never_cache_headers(response)
        return response
