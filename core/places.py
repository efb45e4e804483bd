"""China's cities in both names: the vocabulary of a car's location (``marketplace.Vehicle.city``) and of a
dealer's city (``accounts.DealerProfile.city``), shared by both apps.

The stored value is the Chinese name (the official name, what contracts and Chinese pages print); English pages
show the English name. The list is the data file ``core/data/cities.json`` ([Chinese, English] pairs).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from django.utils.functional import lazy
from django.utils.translation import get_language

DATA = Path(__file__).with_name("data") / "cities.json"


@functools.cache
def cities() -> dict[str, str]:
    """{Chinese name: English name}, in the file's order (largest markets first)."""
    return dict(json.loads(DATA.read_text(encoding="utf-8")))


def _english() -> bool:
    return (get_language() or "").startswith("en")


def city_name(value: str) -> str:
    """The city ``value`` (its Chinese name) in the active language; a value outside the list as it is."""
    return cities().get(value, value) if _english() else value


def city_normalise(text: str) -> str:
    """The vocabulary's value for a city typed in either language ("杭州市", "hangzhou" → "杭州"); ``""`` if none."""
    text = " ".join((text or "").split())
    if text in cities():
        return text
    stripped = text.removesuffix("市")
    if stripped in cities():
        return stripped
    by_english = {english.casefold(): chinese for chinese, english in cities().items()}
    return by_english.get(text.casefold().removesuffix(" city"), "")


def city_choices() -> list[tuple[str, str]]:
    """(value, name in the active language) for every city — for model fields and forms (names evaluated lazily)."""
    lazy_name = lazy(city_name, str)
    return [(value, lazy_name(value)) for value in cities()]
