"""The ``<option>`` lists of the browse filters, built once per language and marked ``selected`` per request.

The make, model and city lists are long and the same for every visitor: building them in a template loop for each
request would cost more than the rest of the filter form.
"""

from __future__ import annotations

import functools
import json

from django.utils.translation import get_language
from markupsafe import Markup, escape

from . import catalogue, vocabularies
from .filters import CITIES, GRADE_CHOICES, SORT_CHOICES
from .models import Vehicle


@functools.cache
def _options(name: str, language: str, make: str = "") -> tuple[tuple[str, str], ...]:
    if name == "make":
        return tuple(catalogue.label_choices())
    if name == "model":
        models = catalogue.models_by_make().get(make, [])
        return tuple((model, catalogue.model_label(make, model)) for model in models)
    if name == "city":
        return tuple((city, vocabularies.city_name(city)) for city in CITIES)
    enum = {"fuel": Vehicle.Fuel, "transmission": Vehicle.Transmission, "body": Vehicle.Body}.get(name)
    if enum is not None:
        return tuple((value, str(label)) for value, label in enum.choices)
    return tuple((value, str(label)) for value, label in {"grade": GRADE_CHOICES, "sort": SORT_CHOICES}[name])


def options_html(name: str, selected: str = "", *, make: str = "") -> Markup:
    """``<option>`` tags for the filter ``name`` in the active language, with ``selected`` marked."""
    parts = []
    for value, label in _options(name, get_language() or "", make):
        mark = " selected" if value == selected else ""
        parts.append(f'<option value="{escape(value)}"{mark}>{escape(label)}</option>')
    return Markup("".join(parts))  # noqa: S704 - every value and label is escaped above


@functools.cache
def models_json(language: str) -> Markup:
    """``<script type="application/json" id="models-by-make">`` with {make: [[model, label], ...]} for the dependent
    model list (the page script reads it) — Django's ``json_script``, for the Jinja page."""
    data = {make: [[m, catalogue.model_label(make, m)] for m in models] for make, models in catalogue.models_by_make().items()}
    text = json.dumps(data, ensure_ascii=False).translate({ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"})
    return Markup(f'<script type="application/json" id="models-by-make">{text}</script>')  # noqa: S704 - escaped as json_script
