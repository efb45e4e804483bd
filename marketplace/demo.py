"""Demo cars: China-market makes and models across the five demo dealers, each with 3–6 generated photos.

Photos are drawn with Pillow (a stylised car in the car's colour on a gradient, with its name) — no
downloads. Renders are cached per (model, colour, view) and their bytes reused; each ListingPhoto still
gets its own files. Listings are published without reports here: the inspections demo, which runs
next, adds a report for every car and sets the denormalised grade/flags.

Idempotent: car ``i`` always gets the same VIN, so a second run finds it and creates nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from accounts.models import User

from .catalogue import CATALOGUE
from .models import Conversation, Favourite, Listing, ListingPhoto, Message, Vehicle
from .vin import check_digit

COLOURS = [
    ("白色", (236, 238, 240)),
    ("黑色", (34, 36, 40)),
    ("银色", (180, 186, 192)),
    ("灰色", (110, 116, 124)),
    ("蓝色", (30, 80, 160)),
    ("红色", (178, 34, 40)),
    ("珍珠白", (244, 242, 236)),
    ("深蓝", (24, 42, 86)),
]
VIEWS = ["side", "front", "rear", "interior", "wheel", "side_dusk"]
VIEW_LABELS = {
    "side": "外观 · 侧面 Side",
    "front": "外观 · 车头 Front",
    "rear": "外观 · 车尾 Rear",
    "interior": "内饰 Interior",
    "wheel": "轮毂 Wheel",
    "side_dusk": "外观 Exterior",
}
VIN_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
YEAR_CODES = dict(zip(range(2010, 2031), "ABCDEFGHJKLMNPRSTVWXY", strict=True))
DESCRIPTIONS = [
    "个人一手车，全程4S店保养，保养记录齐全，手续齐全，可随时看车试驾。",
    "车况精品，原版原漆，内饰干净无异味，轮胎九成新。支持按揭，欢迎到店咨询。",
    "公司高管用车，平时高速为主，里程真实可查。钥匙两把，随车工具齐全。",
    "家用代步，车主爱惜，无烟车。刚做完大保养，更换机油三滤和刹车片。",
    "本店承诺：包退包换包修，核心部件一年质保。可提供上门看车服务。",
]
FONT_PATHS = ["/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"]


@lru_cache(maxsize=8)
def _font(size: int):
    for path in FONT_PATHS:
        if Path(path).exists():
            try:
                return ImageFont.truetype(path, size)
            except OSError:
                continue
    return ImageFont.load_default()


@lru_cache(maxsize=16)
def _gradient(size, top, bottom) -> Image.Image:
    width, height = size
    column = Image.new("RGB", (1, height))
    for y in range(height):
        t = y / (height - 1)
        column.putpixel((0, y), tuple(int(top[i] + (bottom[i] - top[i]) * t) for i in range(3)))
    return column.resize(size, Image.Resampling.NEAREST)


def _shade(rgb, factor):
    return tuple(max(0, min(255, int(c * factor))) for c in rgb)


def _draw_side(draw: ImageDraw.ImageDraw, body: str, colour, w: int, h: int, flip=False):
    ground = int(h * 0.78)
    x0, x1 = int(w * 0.12), int(w * 0.88)
    length = x1 - x0
    roof = {"suv": 0.40, "mpv": 0.36, "hatchback": 0.44, "pickup": 0.44}.get(body, 0.47)
    belt = ground - int(h * 0.20)
    roof_y = int(h * roof)

    def X(f):  # noqa: N802 - local coordinate helper
        x = x0 + int(length * f)
        return w - x if flip else x

    body_poly = [
        (X(0.0), ground - 18),
        (X(0.0), belt + 10),
        (X(0.05), belt - 4),
        (X(0.26), belt - 14),
        (X(0.36), roof_y) if body != "mpv" else (X(0.22), roof_y),
        (X(0.72), roof_y) if body not in ("suv", "mpv", "hatchback") else (X(0.9), roof_y),
        (X(0.86), belt - 10) if body not in ("suv", "mpv", "hatchback") else (X(0.97), belt - 6),
        (X(1.0), belt + 6),
        (X(1.0), ground - 18),
    ]
    draw.polygon(body_poly, fill=colour, outline=_shade(colour, 0.6))
    # windows
    glass = (60, 78, 96)
    win = [
        (X(0.30), belt - 16),
        (X(0.38), roof_y + 10),
        (X(0.70), roof_y + 10) if body not in ("suv", "mpv", "hatchback") else (X(0.87), roof_y + 10),
        (X(0.82), belt - 16) if body not in ("suv", "mpv", "hatchback") else (X(0.93), belt - 16),
    ]
    if body == "mpv":
        win[0], win[1] = (X(0.18), belt - 16), (X(0.24), roof_y + 10)
    draw.polygon(win, fill=glass)
    pillar = X(0.55)
    draw.line([(pillar, roof_y + 8), (pillar, belt - 16)], fill=colour, width=8)
    # belt line highlight and door line
    draw.line([(X(0.03), belt + 14), (X(0.98), belt + 10)], fill=_shade(colour, 1.25), width=3)
    draw.line([(X(0.55), belt - 14), (X(0.55), ground - 24)], fill=_shade(colour, 0.7), width=2)
    # lights
    draw.ellipse([X(0.985) - 10, belt + 8, X(0.985) + 10, belt + 24], fill=(255, 236, 170))
    draw.rectangle([min(X(0.0), X(0.02)), belt + 10, max(X(0.0), X(0.02)), belt + 26], fill=(200, 30, 30))
    # wheels
    radius = int(h * 0.085)
    for f in (0.2, 0.8):
        cx = X(f)
        draw.ellipse([cx - radius - 6, ground - radius - 26, cx + radius + 6, ground - 14 + 6], fill=(24, 24, 26))
        draw.ellipse([cx - radius + 8, ground - radius - 12, cx + radius - 8, ground - 20 + 4], fill=(170, 174, 180))
        draw.ellipse([cx - 8, ground - radius // 2 - 24, cx + 8, ground - radius // 2 - 8], fill=(90, 92, 96))


def _draw_front(draw, colour, w, h, rear=False):
    ground = int(h * 0.8)
    left, right = int(w * 0.25), int(w * 0.75)
    top = int(h * 0.36)
    draw.rounded_rectangle([left, top + 60, right, ground - 20], radius=30, fill=colour, outline=_shade(colour, 0.6), width=3)
    draw.polygon([(left + 40, top + 62), (left + 80, top), (right - 80, top), (right - 40, top + 62)], fill=(60, 78, 96))
    lamp = (200, 30, 30) if rear else (255, 240, 190)
    draw.rounded_rectangle([left + 20, top + 90, left + 110, top + 120], radius=10, fill=lamp)
    draw.rounded_rectangle([right - 110, top + 90, right - 20, top + 120], radius=10, fill=lamp)
    if not rear:
        draw.rounded_rectangle([w // 2 - 90, top + 130, w // 2 + 90, top + 175], radius=8, fill=_shade(colour, 0.4))
    draw.rectangle([w // 2 - 60, ground - 70, w // 2 + 60, ground - 45], fill=(250, 250, 250), outline=(30, 60, 140), width=3)
    for x in (left + 10, right - 70):
        draw.rounded_rectangle([x, ground - 30, x + 60, ground + 10], radius=8, fill=(24, 24, 26))


def _draw_interior(draw, w, h):
    draw.rectangle([0, int(h * 0.55), w, h], fill=(40, 36, 34))
    draw.rounded_rectangle([int(w * 0.05), int(h * 0.30), int(w * 0.95), int(h * 0.55)], radius=40, fill=(58, 54, 52))
    draw.rounded_rectangle([int(w * 0.40), int(h * 0.33), int(w * 0.66), int(h * 0.50)], radius=10, fill=(20, 60, 90))
    draw.ellipse([int(w * 0.12), int(h * 0.42), int(w * 0.36), int(h * 0.80)], outline=(20, 20, 20), width=22)
    for x in (0.18, 0.62):
        draw.rounded_rectangle([int(w * x), int(h * 0.62), int(w * (x + 0.2)), int(h * 0.98)], radius=30, fill=(150, 120, 90))


def _draw_wheel(draw, w, h):
    cx, cy, r = w // 2, int(h * 0.55), int(h * 0.34)
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(26, 26, 28))
    draw.ellipse([cx - r + 40, cy - r + 40, cx + r - 40, cy + r - 40], fill=(185, 188, 194))
    for k in range(5):
        import math

        a = k * 2 * math.pi / 5
        draw.line(
            [(cx, cy), (cx + int((r - 45) * math.cos(a)), cy + int((r - 45) * math.sin(a)))], fill=(120, 124, 130), width=26
        )
    draw.ellipse([cx - 30, cy - 30, cx + 30, cy + 30], fill=(60, 62, 66))


@lru_cache(maxsize=512)
def render(make_zh: str, title: str, body: str, colour: tuple, view: str) -> tuple[bytes, bytes]:
    """(display JPEG 880×660, thumbnail 480×360) for one stylised view of a car."""
    w, h = 880, 660
    skies = {
        "side": ((188, 214, 240), (238, 242, 246)),
        "side_dusk": ((250, 190, 150), (120, 110, 160)),
        "front": ((214, 226, 238), (246, 246, 248)),
        "rear": ((220, 224, 230), (245, 245, 245)),
        "interior": ((70, 66, 64), (30, 28, 28)),
        "wheel": ((90, 94, 100), (40, 42, 46)),
    }
    image = _gradient((w, h), *skies[view]).copy()
    draw = ImageDraw.Draw(image)
    if view in ("side", "side_dusk", "front", "rear"):
        draw.rectangle([0, int(h * 0.78), w, h], fill=(150, 152, 156) if view != "side_dusk" else (80, 76, 90))
        draw.ellipse([int(w * 0.08), int(h * 0.74), int(w * 0.92), int(h * 0.82)], fill=(70, 72, 76))
    if view in ("side", "side_dusk"):
        _draw_side(draw, body, colour, w, h, flip=view == "side_dusk")
    elif view in ("front", "rear"):
        _draw_front(draw, colour, w, h, rear=view == "rear")
    elif view == "interior":
        _draw_interior(draw, w, h)
    else:
        _draw_wheel(draw, w, h)
    draw.rounded_rectangle([24, 24, 24 + 16 + draw.textlength(title, font=_font(36)), 80], radius=12, fill=(11, 79, 138))
    draw.text((32, 26), title, fill=(255, 255, 255), font=_font(36))
    draw.text(
        (32, h - 50),
        VIEW_LABELS[view],
        fill=(255, 255, 255) if view in ("interior", "wheel", "side_dusk") else (40, 44, 52),
        font=_font(26),
    )
    draw.text((w - 190, h - 50), "安心车 Anxin", fill=(255, 193, 7), font=_font(26))
    display = io.BytesIO()
    image.save(display, format="JPEG", quality=78)
    thumb = io.BytesIO()
    image.resize((480, 360), Image.Resampling.BOX).save(thumb, format="JPEG", quality=75)
    return display.getvalue(), thumb.getvalue()


def demo_vin(wmi: str, year: int, i: int) -> str:
    r = random.Random(f"vin-{i}")
    vds = "".join(r.choice(VIN_ALPHABET[:23]) for _ in range(5))
    serial = f"{i:06d}"
    vin = f"{wmi}{vds}0{YEAR_CODES.get(year, 'N')}{r.choice('ABCDEFGH')}{serial}"
    return vin[:8] + check_digit(vin) + vin[9:]


def _emission(fuel: str, year: int) -> str:
    if fuel == "ev":
        return "none"
    return "cn6b" if year >= 2020 else "cn6a" if year == 2019 else "cn5"


def seed(*, stdout, rng, cars: int = 200, **kwargs) -> None:
    dealers = list(
        User.objects.filter(username__in=[f"dealer{n}" for n in range(1, 6)])
        .select_related("dealer_profile")
        .order_by("username")
    )
    if not dealers:
        stdout.write("  no demo dealers; skipping cars")
        return
    existing = set(Vehicle.objects.values_list("vin", flat=True))
    now = timezone.now()
    today = timezone.localdate()
    created = photos = 0
    models = [(make, model) for make in CATALOGUE for model in make.models]
    for i in range(cars):
        r = random.Random(20260000 + i)
        make, spec = models[i % len(models)] if i < len(models) else r.choice(models)
        year = r.randint(max(spec.first_year, 2015), 2025)
        vin = demo_vin(make.wmi, year, i)
        if vin in existing:
            continue
        dealer = dealers[i % len(dealers)]
        # Three colours per model keep the render pool small (renders are cached per model/colour/view).
        model_index = models.index((make, spec))
        colour_name, colour_rgb = COLOURS[(model_index * 3 + r.randint(0, 2)) % len(COLOURS)]
        reg_year = year - 1 if r.random() < 0.1 else year
        first_registration = min(dt.date(reg_year, r.randint(1, 12), r.randint(1, 28)), today - dt.timedelta(days=30))
        age = max((today - first_registration).days / 365.25, 0.1)
        mileage = int(age * r.uniform(6000, 19000) / 100) * 100 + 300
        price = Decimal(int(spec.new_price * (0.86**age) * r.uniform(0.82, 1.02) / 100) * 100)
        roll = r.random()
        status = (
            Listing.Status.DRAFT
            if roll < 0.04
            else Listing.Status.AWAITING_INSPECTION
            if roll < 0.09
            else Listing.Status.WITHDRAWN
            if roll < 0.12
            else Listing.Status.PUBLISHED
        )
        vehicle = Vehicle.objects.create(
            vin=vin,
            make=make.name,
            model=spec.name,
            trim=r.choice(spec.trims),
            year=year,
            first_registration=first_registration,
            mileage_km=mileage,
            fuel=spec.fuel,
            transmission=spec.transmission,
            body_type=spec.body,
            colour=colour_name,
            engine_displacement_l=Decimal(str(spec.engine_l)) if spec.engine_l else None,
            battery_kwh=Decimal(str(spec.battery_kwh)) if spec.battery_kwh else None,
            emission_standard=_emission(spec.fuel, year),
            seats=spec.seats,
            previous_owners=1 if r.random() < 0.7 else r.randint(2, 3),
            city=dealer.dealer_profile.city if hasattr(dealer, "dealer_profile") else "北京",
        )
        listing = Listing.objects.create(
            dealer=dealer,
            vehicle=vehicle,
            price=max(price, Decimal("15000")),
            description=r.choice(DESCRIPTIONS),
            status=status,
            published_at=now - dt.timedelta(days=r.uniform(0, 120)) if status == Listing.Status.PUBLISHED else None,
        )
        title = f"{make.name_zh} {spec.name_zh}  {make.name} {spec.name}"
        views = ["side", "front", "rear", "interior", "wheel", "side_dusk"][: r.randint(3, 6)]
        for position, view in enumerate(views):
            display, thumb = render(make.name_zh, title, spec.body, colour_rgb, view)
            photo = ListingPhoto(listing=listing, position=position, is_cover=position == 0)
            stem = f"demo-{listing.pk}-{position}"
            photo.image.save(f"{stem}.jpg", ContentFile(display), save=False)
            photo.display.save(f"{stem}_d.jpg", ContentFile(display), save=False)
            photo.thumbnail.save(f"{stem}_t.jpg", ContentFile(thumb), save=False)
            photo.save()
            photos += 1
        created += 1
    _seed_buyer_activity()
    stdout.write(f"  {created} demo cars with {photos} photos ({Listing.objects.count()} listings in total)")


def _seed_buyer_activity() -> None:
    """A favourite and a conversation for buyer1 so the pages have something to show.

    A re-run reuses the car of the first run's conversation: later demos reserve and sell cars
    (contracts, insights), so "the first car on sale" is not the same car on the second run.
    The newest car on sale is picked because the contracts demo orders the oldest ones.
    """
    buyer = User.objects.filter(username="buyer1").first()
    if not buyer:
        return
    earlier = Conversation.objects.filter(buyer=buyer).select_related("listing__dealer").order_by("pk").first()
    listing = earlier.listing if earlier else Listing.objects.public().select_related("dealer").order_by("-pk").first()
    if not listing:
        return
    Favourite.objects.get_or_create(user=buyer, listing=listing, defaults={"price_when_saved": listing.price + 3000})
    conversation, created = Conversation.objects.get_or_create(listing=listing, buyer=buyer, defaults={"dealer": listing.dealer})
    if created:
        first = Message.objects.create(
            conversation=conversation, sender=buyer, body="你好，这台车还在吗？周六可以去看车吗？我的电话 13812341234"
        )
        reply = Message.objects.create(
            conversation=conversation, sender=listing.dealer, body="在的，周六上午10点后都可以，到店前联系门店电话即可。"
        )
        Conversation.objects.filter(pk=conversation.pk).update(
            last_message_at=reply.created_at, buyer_read_at=first.created_at, dealer_read_at=reply.created_at
        )
