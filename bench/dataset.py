"""Builds the benchmark dataset in the bench database with PostgreSQL ``COPY`` (psycopg2 ``copy_expert``).

Runs inside Django (``python -m bench.inproc build``) so that table and column names, NOT NULL columns
and their defaults come from the models: another app adding a field does not break the builder.
Ids are assigned here (1..n) so rows can reference each other; sequences are moved past them at the end.

Shape for ``n`` listings (all numbers scale with ``n``):
* ``n`` vehicles and listings (90 % published), one cover photo row per listing (a few shared small JPEGs);
* listing 1 — the detail car — has 30 photos and a published 150-item inspection report;
* ``cases`` open complaints, 1 % of them due for a reminder now (assigned, deadline ahead).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection, models
from django.utils import timezone

PHOTO_FILES = 4
DETAIL_PHOTOS = 30
REPORT_ITEMS = 150
DUE_FRACTION = 0.01
OPEN_STATUSES = ("new", "acknowledged", "investigating", "resolution_proposed", "escalated", "reopened")


# --- COPY plumbing ---------------------------------------------------------------------------------


def _fmt(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


class _LineStream(io.RawIOBase):
    """A file-like ``read()`` over an iterator of lines, for ``copy_expert``: nothing is held in memory."""

    def __init__(self, lines: Iterator[str]):
        self._lines = lines
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunks = [self._buffer]
        have = len(self._buffer)
        while size < 0 or have < size:
            batch = "".join(line for _, line in zip(range(5000), self._lines, strict=False))
            if not batch:
                break
            encoded = batch.encode()
            chunks.append(encoded)
            have += len(encoded)
        data = b"".join(chunks)
        if size < 0:
            self._buffer = b""
            return data
        self._buffer = data[size:]
        return data[:size]


def copy_rows(model: type[models.Model], varying: list[str], rows: Iterable[tuple], *, fixed: dict | None = None) -> int:
    """COPY ``rows`` (tuples of already formatted strings for the ``varying`` columns) into ``model``'s table.

    Every other concrete column gets ``fixed[name]``, else NULL when nullable, else the field default,
    else now() for auto timestamps, else "" for text columns.
    """
    fixed = fixed or {}
    now = timezone.now()
    columns, parts = [], []
    for field in model._meta.concrete_fields:
        name = field.attname
        if name in varying:
            columns.append(field.column)
            parts.append(f"{{{varying.index(name)}}}")
            continue
        if field.primary_key and name not in fixed:
            continue
        if name in fixed:
            const = _fmt(fixed[name])
        elif field.null:
            const = r"\N"
        elif field.has_default():
            const = _fmt(field.get_default())
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            const = _fmt(now)
        elif isinstance(field, (models.CharField, models.TextField, models.FileField)):
            const = ""
        else:
            raise ValueError(f"{model.__name__}.{name}: no value for a NOT NULL column without default")
        columns.append(field.column)
        parts.append(const.replace("{", "{{").replace("}", "}}"))
    missing = set(varying) - {f.attname for f in model._meta.concrete_fields}
    if missing:
        raise ValueError(f"{model.__name__}: unknown columns {sorted(missing)}")
    template = "\t".join(parts) + "\n"
    count = 0

    def lines():
        nonlocal count
        for row in rows:
            count += 1
            yield template.format(*row)

    table = model._meta.db_table
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(sql, _LineStream(lines()), size=1 << 20)
    return count


def reset_sequence(model: type[models.Model]) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}")


# --- media -----------------------------------------------------------------------------------------


def make_photo_files() -> list[tuple[str, str, str]]:
    """A few small JPEGs under MEDIA_ROOT/bench/ — (image, display, thumbnail) paths relative to MEDIA_ROOT."""
    from PIL import Image

    root = Path(settings.MEDIA_ROOT) / "bench"
    root.mkdir(parents=True, exist_ok=True)
    colours = [(200, 60, 60), (60, 120, 200), (70, 160, 90), (220, 180, 40)]
    paths = []
    for i in range(PHOTO_FILES):
        names = []
        for kind, size in (("image", (640, 480)), ("display", (640, 480)), ("thumb", (160, 120))):
            name = f"bench/{kind}{i}.jpg"
            Image.new("RGB", size, colours[i % len(colours)]).save(Path(settings.MEDIA_ROOT) / name, "JPEG", quality=70)
            names.append(name)
        paths.append(tuple(names))
    return paths


# --- the build -------------------------------------------------------------------------------------


def build(*, listings: int, cases: int, seed: int = 7, log=print) -> dict:
    from accounts.models import DealerProfile, User
    from complaints.models import Complaint
    from marketplace import catalogue
    from marketplace.models import Listing, ListingPhoto, Vehicle

    rng = random.Random(seed)
    now = timezone.now()
    stats: dict = {"listings": listings, "cases": cases}
    n_dealers = max(10, listings // 500)
    n_buyers = max(20, min(cases // 50, 20_000))
    n_staff = 20

    # Users: dealers (with profiles), buyers, staff assignees, one supervisor (superuser), one inspector.
    user_rows = []
    uid = 0
    dealer_ids, buyer_ids, staff_ids = [], [], []
    for kind, count in (("dealer", n_dealers), ("buyer", n_buyers), ("staff", n_staff)):
        for i in range(count):
            uid += 1
            role = "buyer" if kind == "staff" else kind
            is_staff = "t" if kind == "staff" else "f"
            user_rows.append(
                (str(uid), f"bench_{kind}{i}", f"bench_{kind}{i}@example.com", f"{kind.title()} {i}", role, is_staff, "f")
            )
            {"dealer": dealer_ids, "buyer": buyer_ids, "staff": staff_ids}[kind].append(uid)
    uid += 1
    supervisor_id = uid
    user_rows.append((str(uid), "bench_supervisor", "bench_supervisor@example.com", "Supervisor", "buyer", "t", "t"))
    uid += 1
    inspector_id = uid
    user_rows.append((str(uid), "bench_inspector", "bench_inspector@example.com", "Inspector", "inspector", "f", "f"))
    varying = ["id", "username", "email", "full_name", "role", "is_staff", "is_superuser"]
    copy_rows(User, varying, user_rows, fixed={"password": "!bench", "is_active": True, "date_joined": now})
    reset_sequence(User)
    cities = ["北京", "上海", "广州", "深圳", "成都", "杭州", "南京", "武汉", "西安", "重庆", "苏州", "天津"]
    copy_rows(
        DealerProfile,
        ["id", "user_id", "business_name", "city"],
        ((str(i + 1), str(d), f"安心二手车 {i} 号店", cities[i % len(cities)]) for i, d in enumerate(dealer_ids)),
        fixed={"licence_number": "91110000MA00000000", "address": "朝阳区建国路 88 号", "phone": "010-12345678"},
    )
    reset_sequence(DealerProfile)
    stats["users"] = uid
    log(f"  users: {uid} ({n_dealers} dealers)")

    # Vehicles and listings.
    specs = [(make, spec) for make in catalogue.CATALOGUE for spec in make.models]
    fuels_with_engine = {"petrol", "diesel", "hybrid", "phev"}
    emission = {"ev": "none"}
    statuses = ["published"] * 90 + ["reserved"] * 3 + ["sold"] * 4 + ["draft"] * 2 + ["withdrawn"]

    def vehicles() -> Iterator[tuple]:
        r = random.Random(seed + 1)
        for i in range(1, listings + 1):
            make, spec = specs[r.randrange(len(specs))]
            year = r.randint(max(spec.first_year, 2012), 2025)
            age = 2026 - year
            mileage = max(1000, int(age * r.uniform(8000, 20000)))
            engine = f"{spec.engine_l:.1f}" if spec.fuel in fuels_with_engine and spec.engine_l else r"\N"
            battery = f"{spec.battery_kwh:.1f}" if spec.battery_kwh else r"\N"
            yield (
                str(i),
                f"LBENCH{i:011d}",
                make.name,
                spec.name,
                spec.trims[i % len(spec.trims)],
                str(year),
                f"{year}-{(i % 12) + 1:02d}-15",
                str(mileage),
                spec.fuel,
                spec.transmission,
                spec.body,
                ["白色", "黑色", "银色", "灰色", "蓝色", "红色"][i % 6],
                engine,
                battery,
                emission.get(spec.fuel, "cn6b" if year >= 2020 else "cn5"),
                str(spec.seats),
                str(1 + i % 3),
                cities[r.randrange(len(cities))],
            )

    varying = [
        "id",
        "vin",
        "make",
        "model",
        "trim",
        "year",
        "first_registration",
        "mileage_km",
        "fuel",
        "transmission",
        "body_type",
        "colour",
        "engine_displacement_l",
        "battery_kwh",
        "emission_standard",
        "seats",
        "previous_owners",
        "city",
    ]
    copy_rows(Vehicle, varying, vehicles(), fixed={"created_at": now, "updated_at": now})
    reset_sequence(Vehicle)
    log(f"  vehicles: {listings}")

    files = make_photo_files()
    from marketplace.search import listing_search_text

    description = "车况良好，一手车，4S 店定期保养。"

    def listing_rows_gen() -> Iterator[tuple]:
        r = random.Random(seed + 2)
        r2 = random.Random(seed + 1)  # replay the vehicle generator's draws: the listing carries the same facts
        for i in range(1, listings + 1):
            make, spec = specs[r2.randrange(len(specs))]
            year = r2.randint(max(spec.first_year, 2012), 2025)
            age = 2026 - year
            mileage = max(1000, int(age * r2.uniform(8000, 20000)))
            city = cities[r2.randrange(len(cities))]
            trim = spec.trims[i % len(spec.trims)]
            price = max(8000, int(spec.new_price * (0.88**age) * r.uniform(0.75, 1.05)) // 100 * 100)
            status = "published" if i <= 10 else statuses[r.randrange(len(statuses))]
            published = now - dt.timedelta(seconds=r.randint(60, 180 * 86400)) if status != "draft" else None
            grade = str(r.choice((1, 2, 2, 3, 3, 4))) if status != "draft" else r"\N"
            accident = r.random() < 0.03
            vin = f"LBENCH{i:011d}"
            yield (
                str(i),
                str(dealer_ids[i % len(dealer_ids)]),
                str(i),
                str(price),
                status,
                grade,
                "t" if accident else "f",
                _fmt(published),
                make.name,
                spec.name,
                trim,
                str(year),
                str(mileage),
                spec.fuel,
                spec.transmission,
                spec.body,
                city,
                files[i % len(files)][2],
                json.dumps([[files[i % len(files)][1], files[i % len(files)][2]]]),
                listing_search_text(make=make.name, model=spec.name, trim=trim, vin=vin, description=description),
            )

    copy_rows(
        Listing,
        [
            "id",
            "dealer_id",
            "vehicle_id",
            "price",
            "status",
            "inspection_grade",
            "is_accident",
            "published_at",
            "make",
            "model",
            "trim",
            "year",
            "mileage_km",
            "fuel",
            "transmission",
            "body_type",
            "city",
            "cover_thumb",
            "gallery",
            "search_text",
        ],
        listing_rows_gen(),
        fixed={"description": description, "created_at": now, "updated_at": now},
    )
    reset_sequence(Listing)
    log(f"  listings: {listings}")

    def photos() -> Iterator[tuple]:
        pid = 0
        for i in range(1, listings + 1):
            pid += 1
            image, display, thumb = files[i % len(files)]
            yield (str(pid), str(i), image, display, thumb, "0", "t")
        for pos in range(1, DETAIL_PHOTOS):  # listing 1: 30 photos in all
            pid += 1
            image, display, thumb = files[pos % len(files)]
            yield (str(pid), "1", image, display, thumb, str(pos), "f")

    copy_rows(
        ListingPhoto,
        ["id", "listing_id", "image", "display", "thumbnail", "position", "is_cover"],
        photos(),
        fixed={"created_at": now},
    )
    reset_sequence(ListingPhoto)
    log(f"  photos: {listings + DETAIL_PHOTOS - 1}")

    # Complaints: all open, 1 % due for a reminder now (deadline still ahead), the rest due in days.
    due_every = max(1, round(1 / DUE_FRACTION))
    kinds = ("ack", "response", "resolve")

    def complaints() -> Iterator[tuple]:
        r = random.Random(seed + 3)
        for i in range(1, cases + 1):
            created = now - dt.timedelta(hours=r.randint(1, 48))
            ack, response, resolve = (created + dt.timedelta(days=d) for d in (1, 3, 7))
            kind = kinds[i % 3]
            if i % due_every == 0:
                deadline = now + dt.timedelta(minutes=r.randint(30, 200))
                reminder = now - dt.timedelta(seconds=r.randint(1, 3600))
            else:
                deadline = now + dt.timedelta(days=r.randint(1, 30), seconds=r.randint(0, 86400))
                reminder = deadline - dt.timedelta(hours=4)
            yield (
                str(i),
                f"BC{i:010d}",
                str(buyer_ids[i % len(buyer_ids)]),
                str(dealer_ids[i % len(dealer_ids)]),
                OPEN_STATUSES[i % len(OPEN_STATUSES)],
                str(staff_ids[i % len(staff_ids)]),
                _fmt(ack),
                _fmt(response),
                _fmt(resolve),
                _fmt(deadline),
                kind,
                _fmt(reminder),
                _fmt(created),
            )

    copy_rows(
        Complaint,
        [
            "id",
            "number",
            "complainant_id",
            "dealer_id",
            "status",
            "assignee_id",
            "ack_due_at",
            "response_due_at",
            "resolve_due_at",
            "next_deadline_at",
            "next_deadline_kind",
            "next_reminder_at",
            "created_at",
        ],
        complaints(),
        fixed={
            "complainant_name": "张先生",
            "complainant_phone": "13800138000",
            "category": "vehicle_quality",
            "priority": "normal",
            "subject": "车辆异响",
            "description": "提车后发动机有异响，请尽快处理。",
            "desired_outcome": "免费维修",
            "updated_at": now,
        },
    )
    reset_sequence(Complaint)
    stats["cases_due"] = cases // due_every
    log(f"  complaints: {cases} open, {cases // due_every} due")

    stats.update(_report(listing_id=1, items=REPORT_ITEMS, inspector_id=inspector_id, rng=rng))
    # The reference for "constant queries": a car with one photo and a 10-item report.
    stats["plain_listing"] = _report(listing_id=8, items=10, inspector_id=inspector_id, rng=rng)["detail_listing"]
    stats["supervisor_id"] = supervisor_id
    stats["compare_ids"] = [2, 3, 4, 5]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    log("  VACUUM ANALYZE done")
    return stats


def _report(*, listing_id: int, items: int, inspector_id: int, rng: random.Random) -> dict:
    """A published inspection report with ``items`` items for a listing, made with the inspections models."""
    from inspections.models import ChecklistItemDefinition, InspectionItem, InspectionReport, Section
    from marketplace.models import Listing

    listing = Listing.objects.select_related("vehicle").get(pk=listing_id)
    definitions = list(ChecklistItemDefinition.objects.filter(is_active=True).order_by("position"))
    top = max((d.position for d in definitions), default=0)
    extra = []
    for i in range(max(0, items - len(definitions))):
        extra.append(
            ChecklistItemDefinition(
                code=f"BN{i:03d}",
                section=Section.CABIN,
                position=top + i + 1,
                name_en=f"Extra check {i}",
                name_zh=f"附加检查 {i}",
                kind=ChecklistItemDefinition.Kind.OTHER,
                minor_points=0,
                major_points=0,
            )
        )
    ChecklistItemDefinition.objects.bulk_create(extra)
    definitions = (definitions + extra)[:items]
    now = timezone.now()
    report = InspectionReport.objects.create(
        vehicle=listing.vehicle,
        listing=listing,
        inspector_id=inspector_id,
        version=1,
        status=InspectionReport.Status.DRAFT,
        inspected_at=now,
        odometer_km=listing.vehicle.mileage_km,
        location="北京市朝阳区",
        summary="整车状况良好。",
    )
    results = (["minor"] * 8 + ["major"] * 2 + ["ok"] * items)[:items]
    rng.shuffle(results)
    rows = []
    for definition, result in zip(definitions, results, strict=False):
        codes = definition.defect_codes
        rows.append(
            InspectionItem(
                report=report,
                definition=definition,
                result=result,
                defect_code=codes[0] if result != "ok" and codes else "",
                note="轻微划痕" if result != "ok" else "",
            )
        )
    InspectionItem.objects.bulk_create(rows)
    InspectionReport.objects.filter(pk=report.pk).update(
        status=InspectionReport.Status.PUBLISHED,
        published_at=now,
        score=88,
        grade=2,
        minor_count=results.count("minor"),
        major_count=results.count("major"),
        content_hash="0" * 64,
    )
    from inspections.summary import summary_of

    report.refresh_from_db()
    gallery = [list(pair) for pair in listing.photos.order_by("position", "pk").values_list("display", "thumbnail")]
    Listing.objects.filter(pk=listing_id).update(
        inspection_grade=2, status=Listing.Status.PUBLISHED, report_summary=summary_of(report), gallery=gallery
    )
    photos = listing.photos.count()
    return {"detail_listing": listing_id, "detail_photos": photos, "report_items": len(rows), "report_id": report.pk}
