"""Announcing new cars to saved searches, set-based per batch of new cars, and the daily digests.

``saved_search_sweep`` (beat, every minute) takes the cars on sale not yet matched — a batch at a time in
publication order, locked SKIP LOCKED through ``listing_alerts_due_idx`` — and, per batch:

1. ONE query finds every (search, car) pair: each car probes the searches' (make, model, body) index with its own
   values and the wildcards ('') — the other filters in the join — for searches saved before the car was listed;
2. keywords are checked in Python on the pairs found (the same prefix rule as the browse page);
3. ONE query reads which pairs were matched before (a car put on sale again), ONE INSERT writes the new matches
   (unique per search and car: each car is announced once per search, whatever re-runs);
4. ONE ``notify_many`` tells the instant searches' owners (in-app and e-mail, with an unsubscribe link);
5. ONE UPDATE marks the batch matched (``alerts_matched_at``; ``updated_at`` is left alone: no card changes).

``saved_search_digest`` (daily) tells each daily search's owner its untold matches in one message.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import Subquery

from core.sweeps import lock_batch, run_batches, url_for_each
from notifications.kinds import localized
from notifications.services import Notice, notify_many

from .. import notices
from ..appointments.services import car_name
from ..models import Listing, SavedSearch, SavedSearchMatch
from .columns import keywords_match
from .services import unsubscribe_url

BATCH_SIZE = 500
DIGEST_CARS = 5
_LISTING_COLUMNS = ("id", "make", "model", "year", "price", "search_text", "dealer_id", "published_at", "status")


def _match_sql(count: int) -> str:
    s_table = connection.ops.quote_name(SavedSearch._meta.db_table)
    l_table = connection.ops.quote_name(Listing._meta.db_table)
    u_table = connection.ops.quote_name(SavedSearch._meta.get_field("user").related_model._meta.db_table)
    ids = ", ".join(["%s"] * count)
    return f"""
        SELECT s.id, s.user_id, s.name, s.frequency, s.keywords, u.email, l.id
        FROM {l_table} l
        JOIN {s_table} s ON s.alerts_on = TRUE
            AND s.make IN (l.make, '') AND s.model IN (l.model, '') AND s.body_type IN (l.body_type, '')
            AND (s.city = '' OR s.city = l.city)
            AND (s.fuel = '' OR s.fuel = l.fuel)
            AND (s.transmission = '' OR s.transmission = l.transmission)
            AND (s.price_min IS NULL OR l.price >= s.price_min)
            AND (s.price_max IS NULL OR l.price <= s.price_max)
            AND (s.year_min IS NULL OR l.year >= s.year_min)
            AND (s.year_max IS NULL OR l.year <= s.year_max)
            AND (s.mileage_max IS NULL OR l.mileage_km <= s.mileage_max)
            AND (s.grade_max IS NULL OR l.inspection_grade <= s.grade_max)
            AND (s.no_accident = FALSE OR l.is_accident = FALSE)
            AND (s.no_flood = FALSE OR l.is_flood = FALSE)
            AND (s.no_fire = FALSE OR l.is_fire = FALSE)
            AND (s.dealer_filter IS NULL OR s.dealer_filter = l.dealer_id)
            AND s.created_at < l.published_at
        JOIN {u_table} u ON u.id = s.user_id AND u.is_active = TRUE
        WHERE l.id IN ({ids})
    """  # noqa: S608 - quoted table names; every value is a parameter


def matches_for(cars: list[Listing]) -> list[tuple]:
    """(search id, user id, name, frequency, e-mail, car) for every saved search each car matches: one query."""
    if not cars:
        return []
    by_id = {car.pk: car for car in cars}
    with connection.cursor() as cursor:
        cursor.execute(_match_sql(len(cars)), list(by_id))
        rows = cursor.fetchall()
    return [
        (search_id, user_id, name, frequency, email, by_id[car_id])
        for search_id, user_id, name, frequency, keywords, email, car_id in rows
        if keywords_match(keywords, by_id[car_id].search_text)
    ]


def _user(pk: int, email: str):
    from accounts.models import User

    return User(pk=pk, email=email or "")


def _search_link(search_id: int) -> SavedSearch:
    return SavedSearch(pk=search_id)  # unsubscribe_url needs only the pk


def saved_search_sweep(*, now: dt.datetime, batch_size: int = BATCH_SIZE, budget: float | None = None) -> dict:
    """Match every car put on sale since the last run against every saved search (see the module docstring).
    Returns counts: ``cars`` matched, new ``matches``, ``notified`` (new notifications)."""
    detail_url = url_for_each("marketplace:detail")

    def batch() -> tuple[int, dict]:
        with transaction.atomic():
            due = Listing.objects.filter(status=Listing.Status.PUBLISHED, alerts_matched_at__isnull=True)
            cars = lock_batch(due.order_by("published_at", "id").only(*_LISTING_COLUMNS), size=batch_size)
            if not cars:
                return 0, {}
            found = matches_for(cars)
            ids = [car.pk for car in cars]
            before = set(SavedSearchMatch.objects.filter(listing_id__in=ids).values_list("search_id", "listing_id"))
            new = [row for row in found if (row[0], row[5].pk) not in before]
            SavedSearchMatch.objects.bulk_create(
                [
                    SavedSearchMatch(
                        search_id=search_id,
                        listing_id=car.pk,
                        matched_at=now,
                        told_at=now if frequency == SavedSearch.Frequency.INSTANT else None,
                    )
                    for search_id, _user_id, _name, frequency, _email, car in new
                ],
                ignore_conflicts=True,
                batch_size=2000,
            )
            instant = [row for row in new if row[3] == SavedSearch.Frequency.INSTANT]
            names = {car.pk: localized(lambda car=car: car_name(car)) for car in {row[5] for row in instant}}
            links = {search_id: unsubscribe_url(_search_link(search_id)) for search_id in {row[0] for row in instant}}
            notified = notify_many(
                Notice(
                    _user(user_id, email),
                    notices.SAVED_SEARCH_MATCH,
                    f"saved-search:{search_id}:car:{car.pk}",
                    params={
                        "name": name,
                        "car": names[car.pk],
                        "price": f"{car.price:,.0f}",
                        "unsubscribe": links[search_id],
                    },
                    url=detail_url(car.pk),
                )
                for search_id, user_id, name, _frequency, email, car in instant
            )
            Listing.objects.filter(pk__in=ids).update(alerts_matched_at=now)
        return len(cars), {"cars": len(cars), "matches": len(new), "notified": notified}

    return run_batches(batch, totals={"cars": 0, "matches": 0, "notified": 0}, budget=budget)


def saved_search_digest(*, now: dt.datetime, batch_size: int = BATCH_SIZE, budget: float | None = None) -> dict:
    """Tell each daily search's owner, in one message, the cars it matched since its last digest (once: the
    matches are marked told in the same transaction, and the dedupe key names the last of them)."""
    from django.urls import reverse

    browse = reverse("marketplace:browse")

    def batch() -> tuple[int, dict]:
        with transaction.atomic():
            untold = SavedSearchMatch.objects.filter(told_at__isnull=True).values("search_id")
            due = SavedSearch.objects.filter(
                frequency=SavedSearch.Frequency.DAILY, alerts_on=True, pk__in=Subquery(untold)
            ).select_related("user")
            searches = lock_batch(due.order_by("pk"), size=batch_size)
            if not searches:
                return 0, {}
            by_search: dict[int, list[SavedSearchMatch]] = {}
            rows = (
                SavedSearchMatch.objects.filter(search__in=searches, told_at__isnull=True)
                .select_related("listing")
                .only("id", "search_id", "listing__id", "listing__make", "listing__model", "listing__year")
                .order_by("search_id", "id")
            )
            for match in rows:
                by_search.setdefault(match.search_id, []).append(match)
            notices_ = []
            for search in searches:
                matches = by_search.get(search.pk, [])
                if not matches:
                    continue
                cars = [match.listing for match in matches[:DIGEST_CARS]]
                more = len(matches) > DIGEST_CARS
                notices_.append(
                    Notice(
                        search.user,
                        notices.SAVED_SEARCH_DIGEST,
                        f"saved-search:{search.pk}:digest:{matches[-1].pk}",
                        params={
                            "name": search.name,
                            "count": len(matches),
                            "cars": localized(
                                lambda cars=cars, more=more: "; ".join(map(car_name, cars)) + (" …" if more else "")
                            ),
                            "unsubscribe": unsubscribe_url(search),
                        },
                        url=f"{browse}?{search.query}",
                    )
                )
            notified = notify_many(notices_)
            SavedSearchMatch.objects.filter(pk__in=[m.pk for ms in by_search.values() for m in ms]).update(told_at=now)
        return len(searches), {"searches": len(searches), "notified": notified}

    return run_batches(batch, totals={"searches": 0, "notified": 0}, budget=budget)
