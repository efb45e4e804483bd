"""Saved searches: saving from /cars/, the matching sweep (set-based, the same answer as the browse page,
exactly once per car and search), instant alerts and daily digests, the one-click unsubscribe link."""

import contextlib
import datetime as dt
import random
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from marketplace import notices, saved_searches
from marketplace.filters import BrowseQuery
from marketplace.models import Listing, SavedSearch, SavedSearchMatch, Vehicle
from marketplace.saved_searches.sweep import saved_search_digest, saved_search_sweep
from marketplace.tasks import saved_search_digest_task, saved_search_sweep_task
from marketplace.tests.factories import ListingFactory, VehicleFactory
from notifications.models import Notification
from notifications.services import send_pending_emails

pytestmark = pytest.mark.django_db
LIST = reverse("marketplace:saved_searches")


def save(user, query, **kwargs):
    return saved_searches.saved_search_create(user=user, params=query, **kwargs)


def publish(**vehicle):
    """A car put on sale now (the sweep has not seen it yet)."""
    return ListingFactory(vehicle=VehicleFactory(**vehicle), published_at=timezone.now() + dt.timedelta(seconds=1))


# --- saving -----------------------------------------------------------------------------------------


def test_a_buyer_saves_the_current_filters_from_the_browse_page(client, buyer):
    client.force_login(buyer)
    html = client.get(
        reverse("marketplace:browse"), {"make": "Toyota", "price_max": "100000", "sort": "price_asc"}
    ).content.decode()
    assert (
        'data-testid="save-search"' in html and 'name="query" value="make=Toyota&amp;price_max=100000&amp;sort=price_asc"' in html
    )
    response = client.post(LIST, {"query": "make=Toyota&price_max=100000&sort=price_asc", "name": "", "frequency": "daily"})
    assert response.status_code == 302
    search = SavedSearch.objects.get(user=buyer)
    assert (search.make, search.price_max, search.frequency, search.name) == ("Toyota", 100000, "daily", "Toyota · ≤ ¥100,000")
    assert search.name in client.get(LIST).content.decode()
    # The same filters again rename the search instead of keeping two.
    client.post(LIST, {"query": "sort=price_asc&price_max=100000&make=Toyota", "name": "Cheap Toyotas"})
    assert list(SavedSearch.objects.values_list("name", flat=True)) == ["Cheap Toyotas"]


def test_visitors_are_asked_to_sign_in_and_an_unfiltered_page_offers_nothing(client):
    html = client.get(reverse("marketplace:browse"), {"make": "Toyota"}).content.decode()
    assert "/accounts/login/?next=/cars/%3Fmake%3DToyota" in html
    assert 'data-testid="save-search"' not in client.get(reverse("marketplace:browse")).content.decode()


def test_a_search_without_a_filter_is_refused(buyer):
    with pytest.raises(saved_searches.NoFilters):
        save(buyer, "sort=price_asc&page=3&price_max=abc")


def test_dealers_are_refused_with_403_and_another_buyer_s_search_is_404(client, buyer, other_buyer, dealer):
    search = save(buyer, "make=Toyota")
    client.force_login(dealer)
    assert client.get(LIST).status_code == 403
    assert client.post(LIST, {"query": "make=Toyota"}).status_code == 403
    client.force_login(other_buyer)
    url = reverse("marketplace:saved_search", args=[search.pk])
    assert client.post(url, {"action": "delete"}).status_code == 404
    assert client.post(url, {"action": "update", "name": "mine now"}).status_code == 404
    assert SavedSearch.objects.get(pk=search.pk).name == search.name
    client.logout()
    assert client.get(LIST)["Location"].startswith("/accounts/login/")


def test_the_owner_renames_switches_to_daily_and_deletes(client, buyer):
    search = save(buyer, "make=Toyota")
    client.force_login(buyer)
    url = reverse("marketplace:saved_search", args=[search.pk])
    client.post(url, {"action": "update", "name": "Corollas", "frequency": "daily", "alerts_on": "on"})
    search.refresh_from_db()
    assert (search.name, search.frequency, search.alerts_on) == ("Corollas", "daily", True)
    client.post(url, {"action": "delete"})
    assert not SavedSearch.objects.exists()


# --- matching -------------------------------------------------------------------------------------


def test_a_new_matching_car_is_announced_once_in_app_and_by_email_with_an_unsubscribe_link(client, buyer, other_buyer):
    mine = save(buyer, "make=Toyota&price_max=100000")
    save(other_buyer, "make=BYD")
    car = publish(make="Toyota", model="Corolla")
    publish(make="Honda", model="Civic")
    result = saved_search_sweep_task()
    assert result == {"cars": 2, "matches": 1, "notified": 1}
    note = Notification.objects.get(kind=notices.SAVED_SEARCH_MATCH.code)
    assert note.recipient == buyer and note.url == reverse("marketplace:detail", args=[car.pk])
    subject, body = note.render("en")
    assert "Toyota Corolla" in subject and "¥98,000" in subject
    assert note.render("zh-hans")[0].startswith("新上架")
    send_pending_emails()
    (email,) = [m for m in mail.outbox if m.to == [buyer.email]]
    link = saved_searches.unsubscribe_url(mine)
    assert link in email.body
    # Exactly once per car and search: further runs (and a re-publication) announce nothing again.
    assert saved_search_sweep_task() == {"cars": 0, "matches": 0, "notified": 0}
    Listing.objects.filter(pk=car.pk).update(alerts_matched_at=None)
    assert saved_search_sweep(now=timezone.now())["notified"] == 0
    assert SavedSearchMatch.objects.count() == 1
    # One click on the link, signed out: no more alerts for that search.
    client.logout()
    response = client.get(urlsplit(link).path)
    assert response.status_code == 200 and "no more alerts" in response.content.decode()
    mine.refresh_from_db()
    assert mine.alerts_on is False
    publish(make="Toyota", model="Camry")
    assert saved_search_sweep(now=timezone.now())["matches"] == 0


def test_a_forged_unsubscribe_link_is_404(client, buyer):
    search = save(buyer, "make=Toyota")
    token = saved_searches.unsubscribe_token(search)
    assert client.get(reverse("marketplace:saved_search_unsubscribe", args=[token[:-2] + "xx"])).status_code == 404
    assert SavedSearch.objects.get(pk=search.pk).alerts_on


def test_cars_listed_before_the_search_was_saved_are_not_news(buyer):
    ListingFactory(vehicle=VehicleFactory(make="Toyota"), published_at=timezone.now() - dt.timedelta(days=1))
    save(buyer, "make=Toyota")
    assert saved_search_sweep(now=timezone.now())["matches"] == 0


def test_a_daily_search_gets_one_digest_of_its_new_cars(buyer):
    search = save(buyer, "body=suv", frequency=SavedSearch.Frequency.DAILY)
    cars = [publish(body_type=Vehicle.Body.SUV, make="BYD", model="Song PLUS") for _ in range(7)]
    assert saved_search_sweep(now=timezone.now())["notified"] == 0  # nothing at once for a daily search
    assert saved_search_digest_task() == {"searches": 1, "notified": 1}
    note = Notification.objects.get(kind=notices.SAVED_SEARCH_DIGEST.code)
    subject, body = note.render("en")
    assert subject.endswith(": 7") and body.count("BYD") == 5 and "…" in body
    assert saved_searches.unsubscribe_url(search) in body
    assert note.url == f"{reverse('marketplace:browse')}?body=suv"
    assert saved_search_digest(now=timezone.now()) == {"searches": 0, "notified": 0}
    assert not SavedSearchMatch.objects.filter(told_at__isnull=True).exists()
    assert len(cars) == SavedSearchMatch.objects.count()


def test_matching_finds_what_the_browse_page_finds(buyer):
    """The sweep's one join and the browse page's filters agree on random searches and cars."""
    rng = random.Random(19)
    makes = [("Toyota", "Corolla"), ("Toyota", "Camry"), ("BYD", "Qin PLUS"), ("Honda", "Civic")]
    queries = []
    for _ in range(60):
        params = {}
        if rng.random() < 0.6:
            make, model = rng.choice(makes)
            params["make"] = make
            if rng.random() < 0.5:
                params["model"] = model
        for name, values in (
            ("price_min", ["50000", "90000"]), ("price_max", ["99999", "120000"]), ("year_min", ["2019", "2020.5"]),
            ("mileage_max", ["40000", "80000"]), ("city", ["北京", "上海"]), ("fuel", ["petrol", "ev"]),
            ("body", ["sedan", "suv"]), ("grade", ["2", "3"]), ("no_accident", ["on"]), ("q", ["corolla", "pioneer", "卡罗拉"]),
            ("transmission", ["cvt", "manual"]),
        ):  # fmt: skip
            if rng.random() < 0.25:
                params[name] = rng.choice(values)
        if params:
            queries.append(params)
    searches = []
    for i, params in enumerate(queries):
        user = make_user(f"matcher{i}")
        with contextlib.suppress(saved_searches.NoFilters):
            searches.append((save(user, "&".join(f"{k}={v}" for k, v in params.items())), params))
    cars = []
    for _ in range(40):
        make, model = rng.choice(makes)
        car = publish(
            make=make, model=model, trim=rng.choice(["1.2T Pioneer", "2.0 Luxury"]), year=rng.choice([2018, 2020, 2021, 2023]),
            mileage_km=rng.choice([20000, 50000, 90000]), city=rng.choice(["北京", "上海"]),
            fuel=rng.choice(["petrol", "ev"]), body_type=rng.choice(["sedan", "suv"]), transmission=rng.choice(["cvt", "manual"]),
        )  # fmt: skip
        Listing.objects.filter(pk=car.pk).update(
            price=Decimal(rng.choice([60000, 95000, 99999, 100000, 130000])),
            inspection_grade=rng.choice([None, 1, 2, 3, 4]),
            is_accident=rng.random() < 0.3,
        )
        cars.append(car)
    saved_search_sweep(now=timezone.now(), batch_size=15)
    found = set(SavedSearchMatch.objects.values_list("search_id", "listing_id"))
    expected = set()
    for search, params in searches:
        for pk in (
            BrowseQuery(params).apply(Listing.objects.public()).filter(pk__in=[c.pk for c in cars]).values_list("pk", flat=True)
        ):
            expected.add((search.pk, pk))
    assert expected and found == expected


def test_a_batch_costs_the_same_statements_whatever_the_number_of_searches(buyer):
    def statements(searches: int) -> int:
        SavedSearch.objects.all().delete()
        for i in range(searches):
            save(make_user(f"s{searches}_{i}"), f"make=Toyota&price_min={i}")
        for _ in range(5):
            publish(make="Toyota")
        with CaptureQueriesContext(connection) as context:
            saved_search_sweep(now=timezone.now() + dt.timedelta(minutes=searches))
        return len([q for q in context.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))])

    assert statements(3) == statements(40)


def test_a_sweep_run_twice_at_once_announces_each_car_once(buyer):
    save(buyer, "make=Toyota")
    publish(make="Toyota")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1)):
        first = saved_search_sweep(now=timezone.now())
        second = saved_search_sweep(now=timezone.now())
    assert first["notified"] + second["notified"] == 1
