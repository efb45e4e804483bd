"""Browse filters (django-filter). Every parameter lives in the URL, so a search can be shared.

No filter loads a table into ``<select>`` options: make, model, city and dealer are text inputs (with
suggestions from the small static catalogue); only short enums (fuel, gearbox, body) are selects.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import catalogue
from .models import Listing, Vehicle

SORTS = {
    "newest": ("-published_at", "-pk"),
    "price_asc": ("price", "pk"),
    "price_desc": ("-price", "-pk"),
    "mileage": ("vehicle__mileage_km", "pk"),
    "year": ("-vehicle__year", "-pk"),
}
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
CITIES = ["北京", "上海", "广州", "深圳", "成都", "杭州", "南京", "武汉", "西安", "重庆", "苏州", "天津"]


class ListingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_keyword", label=_("Keyword"))
    make = django_filters.CharFilter(method="filter_make", label=_("Make"))
    model = django_filters.CharFilter(method="filter_model", label=_("Model"))
    price_min = django_filters.NumberFilter(field_name="price", lookup_expr="gte", label=_("Price from (¥)"), min_value=0)
    price_max = django_filters.NumberFilter(field_name="price", lookup_expr="lte", label=_("Price to (¥)"), min_value=0)
    year_min = django_filters.NumberFilter(field_name="vehicle__year", lookup_expr="gte", label=_("Year from"))
    year_max = django_filters.NumberFilter(field_name="vehicle__year", lookup_expr="lte", label=_("Year to"))
    mileage_max = django_filters.NumberFilter(
        field_name="vehicle__mileage_km", lookup_expr="lte", label=_("Mileage up to (km)"), min_value=0
    )
    city = django_filters.CharFilter(field_name="vehicle__city", lookup_expr="iexact", label=_("City"))
    fuel = django_filters.ChoiceFilter(
        field_name="vehicle__fuel", choices=Vehicle.Fuel.choices, label=_("Fuel"), empty_label=_("Any fuel")
    )
    transmission = django_filters.ChoiceFilter(
        field_name="vehicle__transmission",
        choices=Vehicle.Transmission.choices,
        label=_("Transmission"),
        empty_label=_("Any gearbox"),
    )
    body = django_filters.ChoiceFilter(
        field_name="vehicle__body_type", choices=Vehicle.Body.choices, label=_("Body type"), empty_label=_("Any body")
    )
    grade = django_filters.ChoiceFilter(
        method="filter_grade", choices=GRADE_CHOICES, label=_("Inspection grade"), empty_label=_("Any grade")
    )
    no_accident = django_filters.BooleanFilter(method="filter_no_flag", label=_("No accident"), widget=forms.CheckboxInput)
    no_flood = django_filters.BooleanFilter(method="filter_no_flag", label=_("No flood damage"), widget=forms.CheckboxInput)
    no_fire = django_filters.BooleanFilter(method="filter_no_flag", label=_("No fire damage"), widget=forms.CheckboxInput)
    dealer = django_filters.NumberFilter(field_name="dealer_id", label=_("Dealer"), widget=forms.HiddenInput)
    sort = django_filters.ChoiceFilter(method="filter_sort", choices=SORT_CHOICES, label=_("Sort by"), empty_label=None)

    class Meta:
        model = Listing
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        attrs = self.form.fields
        attrs["q"].widget.attrs.update(placeholder=_("Make, model or keyword"), type="search")
        attrs["make"].widget.attrs.update(
            list="make-options", placeholder=_("Any make"), autocomplete="off", **{"data-make-input": ""}
        )
        attrs["model"].widget.attrs.update(
            list="model-options", placeholder=_("Any model"), autocomplete="off", **{"data-model-input": ""}
        )
        attrs["city"].widget.attrs.update(list="city-options", placeholder=_("Any city"), autocomplete="off")
        for name in ("price_min", "price_max", "year_min", "year_max", "mileage_max"):
            attrs[name].widget.attrs.update(inputmode="numeric", **{"class": "form-control"})
        for name in ("price_min", "year_min"):
            attrs[name].widget.attrs["placeholder"] = _("Min")
        for name in ("price_max", "year_max"):
            attrs[name].widget.attrs["placeholder"] = _("Max")
        attrs["mileage_max"].widget.attrs["placeholder"] = _("Any mileage")

    @property
    def qs(self):
        queryset = super().qs
        if not (self.form.is_bound and self.form.is_valid() and self.form.cleaned_data.get("sort")):
            queryset = queryset.order_by(*SORTS["newest"])
        return queryset

    def filter_keyword(self, queryset, name, value):
        """Each word must match the make (also its Chinese name), model, trim or description."""
        for word in value.split()[:5]:
            make = catalogue.make_from_alias(word)
            make_model = catalogue.model_from_alias(word)
            condition = (
                Q(vehicle__make__icontains=word)
                | Q(vehicle__model__icontains=word)
                | Q(vehicle__trim__icontains=word)
                | Q(description__icontains=word)
            )
            if make:
                condition |= Q(vehicle__make__iexact=make)
            if make_model:
                condition |= Q(vehicle__make__iexact=make_model[0], vehicle__model__iexact=make_model[1])
            queryset = queryset.filter(condition)
        return queryset

    def filter_make(self, queryset, name, value):
        return queryset.filter(vehicle__make__iexact=catalogue.make_from_alias(value) or value.strip())

    def filter_model(self, queryset, name, value):
        found = catalogue.model_from_alias(value)
        return queryset.filter(vehicle__model__iexact=found[1] if found else value.strip())

    def filter_grade(self, queryset, name, value):
        # Grades run 1 (excellent) … 5 (accident car); "2 or better" means 1 or 2.
        return queryset.filter(inspection_grade__isnull=False, inspection_grade__lte=int(value))

    def filter_no_flag(self, queryset, name, value):
        if not value:
            return queryset
        flag = {"no_accident": "is_accident", "no_flood": "is_flood", "no_fire": "is_fire"}[name]
        return queryset.filter(**{flag: False})

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["newest"]))

    def active_count(self) -> int:
        if not self.form.is_bound:
            return 0
        return sum(
            1 for key, value in self.form.data.items() if key not in ("sort", "page", "q") and value not in ("", None, "off")
        )
