"""Browse filters (django-filter parses and validates them; the browse page renders its own plain HTML form).

Every parameter lives in the URL, so a search can be shared. The filters read the listing's own copies of the
vehicle's facts (``Listing.copy_facts``), so finding cars never joins another table.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import catalogue, vocabularies
from .models import Listing, Vehicle
from .search import query_tokens

SORT_CHOICES = [
    ("newest", _("Newest listed")),
    ("price_asc", _("Price: low to high")),
    ("price_desc", _("Price: high to low")),
    ("mileage", _("Lowest mileage")),
    ("year", _("Newest model year")),
]
GRADE_CHOICES = [
    ("1", _("Grade 1 only")),
    ("2", _("Grade 2 or better")),
    ("3", _("Grade 3 or better")),
    ("4", _("Grade 4 or better")),
]
#: The cities of the browse filter: the vocabulary's values (Chinese names; pages show them in the reader's language).
CITIES = list(vocabularies.cities())


#: ¥ 9,999,999,999: the largest price a listing can carry (``Listing.price``, ten digits).
MAX_PRICE = 10**10 - 1


class ListingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_keyword", label=_("Keyword"))
    make = django_filters.CharFilter(method="filter_make", label=_("Make"))
    model = django_filters.CharFilter(method="filter_model", label=_("Model"))
    # Bounds beyond any car (and beyond the columns a saved search stores them in) are invalid, so ignored.
    price_min = django_filters.NumberFilter(
        field_name="price", lookup_expr="gte", label=_("Price from (¥)"), min_value=0, max_value=MAX_PRICE
    )
    price_max = django_filters.NumberFilter(
        field_name="price", lookup_expr="lte", label=_("Price to (¥)"), min_value=0, max_value=MAX_PRICE
    )
    year_min = django_filters.NumberFilter(
        field_name="year", lookup_expr="gte", label=_("Year from"), min_value=1900, max_value=2200
    )
    year_max = django_filters.NumberFilter(
        field_name="year", lookup_expr="lte", label=_("Year to"), min_value=1900, max_value=2200
    )
    mileage_max = django_filters.NumberFilter(
        field_name="mileage_km", lookup_expr="lte", label=_("Mileage up to (km)"), min_value=0, max_value=10**8
    )
    city = django_filters.CharFilter(field_name="city", label=_("City"))
    fuel = django_filters.ChoiceFilter(
        field_name="fuel", choices=Vehicle.Fuel.choices, label=_("Fuel"), empty_label=_("Any fuel")
    )
    transmission = django_filters.ChoiceFilter(
        field_name="transmission",
        choices=Vehicle.Transmission.choices,
        label=_("Transmission"),
        empty_label=_("Any gearbox"),
    )
    body = django_filters.ChoiceFilter(
        field_name="body_type", choices=Vehicle.Body.choices, label=_("Body type"), empty_label=_("Any body")
    )
    grade = django_filters.ChoiceFilter(
        method="filter_grade", choices=GRADE_CHOICES, label=_("Inspection grade"), empty_label=_("Any grade")
    )
    no_accident = django_filters.BooleanFilter(method="filter_no_flag", label=_("No accident"), widget=forms.CheckboxInput)
    no_flood = django_filters.BooleanFilter(method="filter_no_flag", label=_("No flood damage"), widget=forms.CheckboxInput)
    no_fire = django_filters.BooleanFilter(method="filter_no_flag", label=_("No fire damage"), widget=forms.CheckboxInput)
    dealer = django_filters.NumberFilter(
        field_name="dealer_id", label=_("Dealer"), widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1
    )
    sort = django_filters.ChoiceFilter(method="filter_sort", choices=SORT_CHOICES, label=_("Sort by"), empty_label=None)
    # Seek pagination keys (marketplace.browse) and the page number: read by the browse page, not filters.
    after = django_filters.CharFilter(method="filter_nothing", widget=forms.HiddenInput)
    before = django_filters.CharFilter(method="filter_nothing", widget=forms.HiddenInput)
    page = django_filters.NumberFilter(method="filter_nothing", widget=forms.HiddenInput)

    class Meta:
        model = Listing
        fields: list[str] = []

    def filter_keyword(self, queryset, name, value):
        """Every word must start a word of the car's make or model (in either language), trim, VIN or description."""
        tokens = query_tokens(value)
        return queryset.filter(search_text__token_prefixes=tokens) if tokens else queryset

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_make(self, queryset, name, value):
        return queryset.filter(make=catalogue.make_from_alias(value) or value.strip())

    def filter_model(self, queryset, name, value):
        found = catalogue.model_from_alias(value)
        return queryset.filter(model=found[1] if found else value.strip())

    def filter_grade(self, queryset, name, value):
        # Grades run 1 (excellent) … 5 (accident car); "2 or better" means 1 or 2.
        return queryset.filter(inspection_grade__isnull=False, inspection_grade__lte=int(value))

    def filter_no_flag(self, queryset, name, value):
        if not value:
            return queryset
        flag = {"no_accident": "is_accident", "no_flood": "is_flood", "no_fire": "is_fire"}[name]
        return queryset.filter(**{flag: False})

    def filter_sort(self, queryset, name, value):
        return queryset

    def active_count(self) -> int:
        if not self.form.is_bound:
            return 0
        return sum(
            1 for key, value in self.form.data.items() if key not in ("sort", "page", "q") and value not in ("", None, "off")
        )


class BrowseQuery:
    """The browse filters of one request: cleaned by ``ListingFilter``'s own form fields and applied by its filters.

    Building a FilterSet (and its form) per request deep-copies some twenty filters and fields — more time than the
    rest of the page's Python. The filters and fields are stateless when they clean a value or filter a queryset, so
    one ``ListingFilter`` built at start-up serves every request; this object keeps only what is per request.
    """

    _prototype: ListingFilter | None = None
    PAGING = ("after", "before", "page")

    def __init__(self, params):
        if BrowseQuery._prototype is None:
            BrowseQuery._prototype = ListingFilter(queryset=Listing.objects.none())
        self.filterset = BrowseQuery._prototype
        fields = self.filterset.form.fields
        self.data = {key: params.get(key, "") for key in fields if params.get(key, "") != ""}
        self.cleaned: dict = {}
        for name in self.data:
            field = fields[name]
            try:
                value = field.clean(field.widget.value_from_datadict(params, None, name))
            except ValidationError:
                continue  # an invalid value is ignored (never a server error); the form shows what was typed
            if value not in (None, "", False):
                self.cleaned[name] = value

    @property
    def sort(self) -> str:
        value = self.cleaned.get("sort")
        return value if value in dict(SORT_CHOICES) else "newest"

    def label(self, name: str) -> str:
        return str(self.filterset.form.fields[name].label)

    def apply(self, queryset):
        """The cars matching every valid filter (not ordered)."""
        filters = self.filterset.filters
        for name, value in self.cleaned.items():
            if name not in ("sort", *self.PAGING):
                queryset = filters[name].filter(queryset, value)
        return queryset
