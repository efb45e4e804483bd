"""The saved-search benchmark (issue 19): 100,000 saved searches, 1,000 cars put on sale, one sweep.

Measures ``marketplace.tasks.saved_search_sweep_task`` (the Celery task body: batches of 500 new cars, each one
matching query against every saved search, one INSERT of the matches, one ``notify_many``, one UPDATE), run until
nothing is due, on PostgreSQL. Reported: seconds, cars/s, matches and notifications written, statements per batch
(independent of the number of searches), Celery messages (one e-mail task per run, none per match), and the plan
of one batch's matching query (the probe index ``saved_search_probe_idx``). Best of ``repeats`` runs, the state
restored (matches, notifications, outbox deleted; the cars unmatched again; ``VACUUM ANALYZE``) between runs.

The dataset: buyers with five searches each, as buyers search — a make (half of them also the model) with a price
band (70 %), a body type in a city (20 %), a price band with a city and a fuel (10 %) — and cars of the catalogue's
makes and models, so each new car matches a few dozen searches (as alerts should: a search matching half of all
new cars is not one a buyer keeps).

From ``bench/run.py``: ``build(searches=…, cars=…)`` then ``measure(repeats=3)`` inside Django on the bench
database; ``summary(result)`` gives the README lines. Standalone, under the shared bench lock::

    flock /tmp/anxin-bench.lock .venv/bin/python -m bench.saved_searches --searches 100000 --cars 1000 \\
        --db-url postgres://postgres@127.0.0.1:5432/h_buyers_bench [--skip-build] [--json out.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import sys
import time
from decimal import Decimal
from pathlib import Path

SAVEPOINTS = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build(*, searches: int = 100_000, cars: int = 1_000, seed: int = 19, log=log) -> None:
    """Buyers with five saved searches each, one dealer, ``cars`` cars on sale not yet matched."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import DealerProfile, User
    from marketplace import catalogue
    from marketplace.models import Listing, SavedSearch, Vehicle
    from marketplace.search import listing_search_text

    rng = random.Random(seed)
    specs = [(make.name, spec.name, getattr(spec, "body", "sedan")) for make in catalogue.CATALOGUE for spec in make.models]
    bodies = [value for value, _label in Vehicle.Body.choices]
    cities = ["北京", "上海", "广州", "深圳", "成都", "杭州", "南京", "武汉", "西安", "重庆", "苏州", "天津"]
    created = timezone.now() - dt.timedelta(days=30)
    password = make_password(None)
    buyers = (searches + 4) // 5
    log(f"  {buyers:,} buyers")
    User.objects.bulk_create(
        [User(username=f"bench_buyer_{i}", email=f"b{i}@example.com", role="buyer", password=password) for i in range(buyers)],
        batch_size=5000,
    )
    user_ids = list(User.objects.filter(username__startswith="bench_buyer_").values_list("pk", flat=True))
    rows = []
    for i in range(searches):
        kind = rng.random()
        low = rng.choice([30_000, 50_000, 80_000, 100_000, 150_000])
        fields = {"price_min": low if rng.random() < 0.5 else None, "price_max": low + rng.choice([30_000, 50_000, 100_000])}
        if kind < 0.7:  # a make, half of them a model too
            make, model, _body = rng.choice(specs)
            fields.update(make=make, model=model if rng.random() < 0.5 else "")
            if rng.random() < 0.3:
                fields["year_min"] = rng.choice([2018, 2019, 2020, 2021])
        elif kind < 0.9:  # a body type in a city
            fields.update(body_type=rng.choice(bodies), city=rng.choice(cities))
        else:  # a price band, a city and a fuel
            fields.update(city=rng.choice(cities), fuel=rng.choice(["petrol", "ev", "hybrid"]))
        if rng.random() < 0.2:
            fields["mileage_max"] = rng.choice([30_000, 60_000, 100_000])
        rows.append(
            SavedSearch(
                user_id=user_ids[i % len(user_ids)],
                name=f"search {i}",
                query=f"bench={i}",
                frequency="instant" if rng.random() < 0.7 else "daily",
                **{k: v for k, v in fields.items() if v is not None},
            )
        )
    log(f"  {searches:,} saved searches")
    SavedSearch.objects.bulk_create(rows, batch_size=5000)
    SavedSearch.objects.update(created_at=created)
    dealer = User.objects.create(username="bench_search_dealer", role="dealer", password=password, email="d@example.com")
    DealerProfile.objects.create(user=dealer, business_name="Bench Motors", licence_number="91110000MA00000000", city="北京")
    vehicles, listings = [], []
    now = timezone.now()
    for i in range(cars):
        make, model, body = rng.choice(specs)
        year = rng.choice([2017, 2018, 2019, 2020, 2021, 2022, 2023])
        vehicle = Vehicle(
            vin=f"LBENCH{i:011d}"[:17], make=make, model=model, year=year, first_registration=dt.date(year, 6, 1),
            mileage_km=rng.randrange(5_000, 150_000), fuel=rng.choice(["petrol", "ev", "hybrid"]), transmission="automatic",
            body_type=body if body in bodies else rng.choice(bodies), colour="White", emission_standard="cn6b",
            city=rng.choice(cities),
        )  # fmt: skip
        vehicles.append(vehicle)
    Vehicle.objects.bulk_create(vehicles, batch_size=2000)
    for i, vehicle in enumerate(vehicles):
        listing = Listing(
            dealer=dealer, vehicle=vehicle, price=Decimal(rng.randrange(40, 400) * 1000), status="published",
            published_at=now - dt.timedelta(seconds=cars - i), inspection_grade=rng.choice([1, 2, 3]),
        )  # fmt: skip
        listing.copy_facts()
        listing.search_text = listing_search_text(
            make=vehicle.make, model=vehicle.model, trim="", vin=vehicle.vin, description=""
        )
        listings.append(listing)
    log(f"  {cars:,} new cars")
    Listing.objects.bulk_create(listings, batch_size=2000)


def _restore(marks: dict) -> None:
    from django.db import connection, transaction

    from marketplace.models import Listing, SavedSearchMatch

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {SavedSearchMatch._meta.db_table}")
        for model, last in marks.items():
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id > %s", [last])
        Listing.objects.filter(status="published").update(alerts_matched_at=None)
    with connection.cursor() as cursor:
        for table in (Listing._meta.db_table, SavedSearchMatch._meta.db_table, *(m._meta.db_table for m in marks)):
            cursor.execute(f"VACUUM ANALYZE {table}")


def _marks() -> dict:
    from core.models import OutboxMessage
    from notifications.models import Notification

    return {m: m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0 for m in (Notification, OutboxMessage)}


def _run() -> dict:
    from celery.signals import after_task_publish
    from django.db import connection

    from core.outbox import outbox_wait_idle
    from marketplace.tasks import saved_search_sweep_task

    statements: list[str] = []
    published: list[str] = []

    def count(execute, sql, params, many, context):
        if not SAVEPOINTS.match(sql):
            statements.append(sql)
        return execute(sql, params, many, context)

    def on_publish(sender=None, **kwargs):
        published.append(str(sender))

    after_task_publish.connect(on_publish, weak=False)
    totals: dict = {}
    calls = 0
    try:
        with connection.execute_wrapper(count):
            started = time.perf_counter()
            while True:
                result = saved_search_sweep_task()
                calls += 1
                for key, value in (result or {}).items():
                    totals[key] = totals.get(key, 0) + value
                if not result or not result.get("cars") or calls >= 100:
                    break
            seconds = time.perf_counter() - started
        outbox_wait_idle(timeout=30)
    finally:
        after_task_publish.disconnect(on_publish)
    batches = max(1, sum(1 for sql in statements if "FOR UPDATE" in sql and "SKIP LOCKED" in sql) - calls)
    return {"seconds": seconds, "calls": calls, "result": totals, "statements": len(statements), "batches": batches,
            "published": published}  # fmt: skip


def _plan(batch: int = 500) -> str:
    from django.db import connection

    from marketplace.models import Listing
    from marketplace.saved_searches.sweep import _match_sql

    ids = list(Listing.objects.filter(status="published").order_by("published_at", "id").values_list("pk", flat=True)[:batch])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + _match_sql(len(ids)), ids)
        return "\n".join(row[0] for row in cursor.fetchall())


def measure(*, repeats: int = 3) -> dict:
    """Run the sweep over the new cars ``repeats`` times (state restored in between); returns::

    searches, cars, repeats, seconds (best), runs, cars_per_s, matches, notifications, batches, task_calls,
    statements_per_batch, celery_messages, outbox_rows, plan (EXPLAIN ANALYZE of one batch's match query),
    probe_index_used, match_query_ms (from the plan)
    """
    from django.db import connection

    from core.models import OutboxMessage
    from marketplace.models import Listing, SavedSearch, SavedSearchMatch
    from notifications.models import Notification

    if connection.vendor != "postgresql":
        raise RuntimeError("the saved-search benchmark needs PostgreSQL")
    marks = _marks()
    _restore(marks)
    plan = _plan()
    runs, last = [], {}
    for _ in range(repeats):
        last = _run()
        last["matches"] = SavedSearchMatch.objects.count()
        last["notifications"] = Notification.objects.filter(pk__gt=marks[Notification]).count()
        last["outbox_rows"] = OutboxMessage.objects.filter(pk__gt=marks[OutboxMessage]).count()
        runs.append(last["seconds"])
        _restore(marks)
    cars = Listing.objects.filter(status="published").count()
    best = min(runs)
    per_batch = (last["statements"] - 3 * last["calls"]) / last["batches"]
    timing = re.search(r"Execution Time: ([0-9.]+) ms", plan)
    return {
        "searches": SavedSearch.objects.count(),
        "cars": cars,
        "repeats": repeats,
        "seconds": best,
        "runs": runs,
        "cars_per_s": cars / best if best else None,
        "matches": last["matches"],
        "notifications": last["notifications"],
        "batches": last["batches"],
        "task_calls": last["calls"],
        "statements_per_batch": per_batch,
        "celery_messages": len(last["published"]),
        "outbox_rows": last["outbox_rows"],
        "plan": plan,
        "probe_index_used": "saved_search_probe_idx" in plan,
        "match_query_ms": float(timing.group(1)) if timing else None,
    }


def summary(result: dict) -> list[str]:
    return [
        f"Saved searches: {result['searches']:,} searches × {result['cars']:,} new cars → {result['matches']:,} matches, "
        f"{result['notifications']:,} instant alerts in {result['seconds']:.2f} s ({result['cars_per_s']:,.0f} cars/s, "
        f"best of {result['repeats']})",
        f"{result['batches']} batches, {result['statements_per_batch']:.1f} statements per batch, one match query per batch "
        f"({result['match_query_ms']:.0f} ms for 500 cars, probe index used: {result['probe_index_used']}); "
        f"Celery messages {result['celery_messages']}, outbox rows {result['outbox_rows']}",
    ]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.saved_searches", description=__doc__.split("\n\n")[0])
    parser.add_argument("--searches", type=int, default=100_000)
    parser.add_argument("--cars", type=int, default=1_000)
    parser.add_argument(
        "--db-url", default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/h_buyers_bench")
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-build", action="store_true", help="measure the dataset of the previous run")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    from bench.run import standalone_django

    standalone_django(name="saved_searches", db_url=args.db_url, fresh=not args.skip_build, log=log)
    if not args.skip_build:
        log("dataset")
        build(searches=args.searches, cars=args.cars)
    log(f"measuring (best of {args.repeats})")
    result = measure(repeats=args.repeats)
    for line in summary(result):
        print(line)
    print(result["plan"])
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
