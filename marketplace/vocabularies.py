"""The fixed vocabularies of a car's facts, each with both names, so an English page shows no Chinese data
(only the proper names of dealers and people stay as written):

* cities — ``core.places`` (shared with the dealer profile): the stored value is the Chinese name;
* colours — ``marketplace/data/colours.json`` ([Chinese, English] pairs): the stored value is the Chinese name;
* body types, fuels, gearboxes and emission standards — the enums of ``Vehicle`` (translated labels);
* trims — free text of the maker's series names, their Chinese words translated by ``catalogue.trim_label``.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from django.utils.functional import lazy
from django.utils.translation import get_language

from core.places import cities, city_choices, city_name, city_normalise

from .catalogue import trim_label

COLOURS_FILE = Path(__file__).with_name("data") / "colours.json"

__all__ = [
    "cities",
    "city_choices",
    "city_name",
    "city_normalise",
    "colour_choices",
    "colour_name",
    "colour_normalise",
    "colours",
    "trim_label",
]


@functools.cache
def colours() -> dict[str, str]:
    """{Chinese name: English name}."""
    return dict(json.loads(COLOURS_FILE.read_text(encoding="utf-8")))


def colour_name(value: str) -> str:
    """The colour ``value`` in the active language; a value outside the list as it is."""
    return colours().get(value, value) if (get_language() or "").startswith("en") else value


def colour_normalise(text: str) -> str:
    """The vocabulary's value for a colour typed in either language ("白", "white" → "白色"); ``""`` if none."""
    text = " ".join((text or "").split())
    if text in colours():
        return text
    if f"{text}色" in colours():
        return f"{text}色"
    by_english = {english.casefold(): chinese for chinese, english in colours().items()}
    return by_english.get(text.casefold(), "")


def colour_choices() -> list[tuple[str, str]]:
    lazy_name = lazy(colour_name, str)
    return [(value, lazy_name(value)) for value in colours()]
