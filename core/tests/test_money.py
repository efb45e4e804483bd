from django.utils import translation

from core.templatetags.money import cny, km


def test_prices_are_grouped_in_both_languages():
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert cny(13460000) == "¥13,460,000"
            assert cny("98000.50") == "¥98,000.50"
            assert km(35000) == "35,000 km"


def test_empty_values_render_nothing():
    assert cny(None) == ""
    assert km("") == ""
