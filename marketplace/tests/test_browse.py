"""Browse: seek pagination keyed by each sort, the capped count and keyword search (marketplace.browse/search)."""

import datetime as dt
import html as htmllib
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace import browse
from marketplace.models import Listing
from marketplace.search import index_tokens, query_tokens
from marketplace.tests.factories import ListingFactory, VehicleFactory, vin_with_check_digit

pytestmark = pytest.mark.django_db
BROWSE = reverse("marketplace:browse")


def ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-car="(\d+)"', response.content.decode())]


def link(response, rel: str) -> str | None:
    found = re.search(rf'href="([^"]+)" rel="{rel}"', response.content.decode())
    return htmllib.unescape(found.group(1)) if found else None


@pytest.fixture
def many(dealer):
    """60 cars; prices repeat (ties are broken by id), so are years and mileages."""
    now = timezone.now()
    cars = []
    for i in range(60):
        vehicle = VehicleFactory(year=2015 + i % 7, mileage_km=10_000 * (i % 9 + 1))
        cars.append(
            ListingFactory(
                dealer=dealer,
                vehicle=vehicle,
                price=Decimal(50_000 + 1_000 * (i % 13)),
                published_at=now - dt.timedelta(hours=i % 17),
            )
        )
    return cars


def expected_order(sort: str) -> list[int]:
    return list(Listing.objects.public().order_by(*browse.SORTS[sort].order).values_list("pk", flat=True))


@pytest.mark.parametrize("sort", list(browse.SORTS))
def test_following_next_pages_walks_every_car_once_in_the_sort_order(client, many, sort):
    seen, url = [], f"{BROWSE}?sort={sort}"
    pages = 0
    while url:
        response = client.get(url if url.startswith("/") else BROWSE + url)
        assert response.status_code == 200
        seen += ids(response)
        url = link(response, "next")
        pages += 1
    assert seen == expected_order(sort)
    assert pages == 3  # 24 + 24 + 12


@pytest.mark.parametrize("sort", ["price_asc", "newest", "year"])
def test_previous_goes_back_exactly_one_page(client, many, sort):
    first = client.get(BROWSE, {"sort": sort})
    second = client.get(BROWSE + link(first, "next"))
    third = client.get(BROWSE + link(second, "next"))
    back = client.get(BROWSE + link(third, "prev"))
    assert ids(back) == ids(second)
    assert ids(client.get(BROWSE + link(back, "prev"))) == ids(first)
    assert "Page 3" in third.content.decode() and "Page 2" in back.content.decode()


def test_a_deep_page_by_its_seek_key_is_the_same_as_by_offset(client, many):
    order = expected_order("price_asc")
    anchor = Listing.objects.get(pk=order[23 + 24])  # the last car of page 2
    key = browse.SORTS["price_asc"].key_of(anchor)
    response = client.get(BROWSE, {"sort": "price_asc", "after": key, "page": 3})
    assert ids(response) == order[48:]


def test_old_page_links_still_work_and_a_bad_key_is_ignored(client, many):
    order = expected_order("newest")
    assert ids(client.get(BROWSE, {"page": 2})) == order[24:48]
    assert ids(client.get(BROWSE, {"after": "x.y", "before": "1.2.3"})) == order[:24]


def test_the_count_stops_at_the_cap(client, many, monkeypatch):
    monkeypatch.setattr(browse, "COUNT_CAP", 50)
    assert "50+ cars" in client.get(BROWSE).content.decode()
    narrow = Listing.objects.public().filter(mileage_km__lte=20_000).count()
    assert narrow < 50
    assert f"{narrow} cars for sale" in client.get(BROWSE, {"mileage_max": 20_000}).content.decode()


def test_the_page_keeps_within_eight_queries_for_a_deep_page(client, many, django_assert_max_num_queries):
    first = client.get(BROWSE, {"sort": "mileage"})
    with django_assert_max_num_queries(8):
        client.get(BROWSE + link(first, "next"))


# --- keyword search ---------------------------------------------------------------------------------


@pytest.fixture
def searchable(dealer):
    x3 = ListingFactory(
        dealer=dealer,
        vehicle=VehicleFactory(make="BMW", model="X3", trim="xDrive25i 豪华套装", vin=vin_with_check_digit("LBVAB2BR0NA111111")),
        description="车况良好，一手车，4S店定期保养。",
    )
    x5 = ListingFactory(dealer=dealer, vehicle=VehicleFactory(make="BMW", model="X5", trim="xDrive40i"))
    corolla = ListingFactory(
        dealer=dealer, vehicle=VehicleFactory(make="Toyota", model="Corolla", trim="1.2T"), description="Panoramic roof"
    )
    return {"x3": x3, "x5": x5, "corolla": corolla}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("宝马 X3", ["x3"]),
        ("宝马X3", ["x3"]),
        ("bmw x3", ["x3"]),
        ("BMW", ["x3", "x5"]),
        ("宝马", ["x3", "x5"]),
        ("lbvab", ["x3"]),  # a VIN prefix
        ("一手车", ["x3"]),  # words inside the dealer's Chinese description
        ("定期保养", ["x3"]),
        ("豪华", ["x3"]),
        ("panoramic", ["corolla"]),
        ("卡罗拉", ["corolla"]),
        ("x", ["x3", "x5"]),
        ("bmw corolla", []),
        ("法拉利", []),
        ("%", ["x3", "x5", "corolla"]),  # nothing searchable: no filter, never an error
    ],
)
def test_keyword_search_in_both_languages(client, searchable, query, expected):
    response = client.get(BROWSE, {"q": query})
    assert response.status_code == 200
    assert sorted(ids(response)) == sorted(searchable[name].pk for name in expected)


def test_tokens_are_the_same_for_what_is_stored_and_what_is_asked():
    assert index_tokens("宝马X3 一手车") == ["宝马", "宝", "马", "宝马", "x3", "一手车", "一", "手", "车", "一手", "手车"]
    assert query_tokens("宝马X3  一手车") == ["宝马", "x3", "一手", "手车"]
    assert query_tokens("ＢＭＷ") == ["bmw"]  # full-width letters fold (NFKC)
