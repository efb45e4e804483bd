"""A car's facts (city, colour, trim) are stored as the vocabulary's Chinese names and shown in the reader's
language on the hot pages: detail, browse cards and compare."""

import pytest
from django.urls import reverse

from marketplace.tests.factories import ListingFactory, VehicleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def car(dealer):
    vehicle = VehicleFactory(make="BYD", model="Qin PLUS", trim="55KM 领先型", colour="白色", city="北京")
    return ListingFactory(dealer=dealer, vehicle=vehicle, city="北京", trim="55KM 领先型")


def _pages(client, car) -> dict[str, str]:
    return {
        "detail": client.get(reverse("marketplace:detail", args=[car.pk])).content.decode(),
        "browse": client.get(reverse("marketplace:browse")).content.decode(),
        "compare": client.get(reverse("marketplace:compare"), {"ids": str(car.pk)}).content.decode(),
    }


def test_english_pages_name_the_city_colour_and_trim_in_english(client, car):
    client.cookies["django_language"] = "en"
    pages = _pages(client, car)
    for name, html in pages.items():
        assert "Beijing" in html and "55KM Leading" in html, name
        assert "领先型" not in html, name
    for name in ("detail", "compare"):
        assert "White" in pages[name] and "白色" not in pages[name], name


def test_chinese_pages_keep_the_chinese_names(client, car):
    client.cookies["django_language"] = "zh-hans"
    for name, html in _pages(client, car).items():
        assert "北京" in html and "55KM 领先型" in html, name
