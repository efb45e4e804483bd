"""Demo history for the dashboards: ~12 months of sales with reviews, buyer ratings, complaints,
after-sales requests, warranty repairs, surveys, views and favourites; then the two nightly jobs.

Runs last in ``seed_demo``. Idempotent: every row is keyed (VIN, order, complaint number, survey
subject …) and created only when missing; a second run only recomputes the scores and badges.
Dealers differ on purpose (dealer1 excellent … dealer4 struggling) so the league table tells a story.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts.models import User
from complaints.models import Category, Complaint
from contracts.models import Order
from core.calendar import SHANGHAI
from marketplace import catalogue
from marketplace.models import Favourite, Listing, Vehicle
from surveys.models import Survey
from warranty.models import AfterSalesRequest, Coverage, Part, RepairRecord, RepairShop, WarrantyClaim

from .models import BuyerRating, ListingViewStat, Review
from .services import dealer_scores_recompute, price_assessments_recompute
from .services.reviews import review_edit_deadline

DEMO_PASSWORD = "anxin-demo-2026"
# username: (quality 0..1, share of sales)
DEALER_PROFILES = {
    "dealer1": (0.95, 0.28),
    "dealer2": (0.8, 0.24),
    "dealer3": (0.65, 0.18),
    "dealer4": (0.4, 0.14),
    "dealer5": (0.85, 0.16),
}
MODELS = [  # (make, model) pairs from the catalogue that sell often in China
    ("Volkswagen", "Lavida"),
    ("Volkswagen", "Sagitar"),
    ("Toyota", "Camry"),
    ("Toyota", "Corolla"),
    ("Honda", "Accord"),
    ("Honda", "CR-V"),
    ("Nissan", "Sylphy"),
    ("BYD", "Qin PLUS DM-i"),
    ("Tesla", "Model 3"),
    ("BMW", "3 Series"),
    ("Mercedes-Benz", "C-Class"),
    ("Buick", "GL8"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "平", "刚"]
REVIEW_TEXT = {
    5: ["车况和描述完全一致，交车很顺利，推荐！", "销售很专业，手续办得快，售后响应也及时。", "检测报告很详细，买得放心。"],
    4: ["整体满意，交车时间比约定晚了一天。", "车不错，价格合理，沟通可以更主动一些。"],
    3: ["车况一般，有些小划痕报告里没写清楚。", "过户手续拖了比较久。"],
    2: ["交车时发现轮胎磨损严重，和描述不太一样。", "售后处理很慢，打了好几次电话。"],
    1: ["隐瞒了车辆问题，非常失望。"],
}
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]


def _vin(n: int) -> str:
    base = f"LHGCV{n:04d}0H{n * 7919 % 1000000:06d}"
    base = base[:17]
    total = sum(_VIN_VALUES[c] * w for c, w in zip(base, _VIN_WEIGHTS, strict=True))
    return base[:8] + ("X" if total % 11 == 10 else str(total % 11)) + base[9:]


def _spec(make: str, model: str):
    for make_spec in catalogue.CATALOGUE:
        if make_spec.name == make:
            for model_spec in make_spec.models:
                if model_spec.name == model:
                    return model_spec
    return None


def _customers(rng: random.Random) -> list[User]:
    people = list(User.objects.filter(username__in=["buyer1", "buyer2"]).order_by("username"))
    for i in range(1, 31):
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)]
        user, created = User.objects.get_or_create(
            username=f"kehu{i:02d}",
            defaults={
                "role": User.Role.BUYER,
                "full_name": name,
                "email": f"kehu{i:02d}@demo.anxin-auto.example",
                "phone": f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                "id_number": f"{rng.choice(['110101', '310104', '440106', '510104', '330106'])}{rng.randint(1970, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(1000, 9999)}",
                "address": f"{rng.choice(['北京市朝阳区', '上海市浦东新区', '广州市天河区', '成都市锦江区', '杭州市西湖区'])}{rng.randint(1, 300)}号",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        people.append(user)
    return people


def _at(now: dt.datetime, days_ago: float, hour: int) -> dt.datetime:
    local = timezone.localtime(now, SHANGHAI) - dt.timedelta(days=days_ago)
    return local.replace(hour=hour, minute=(hour * 7) % 60, second=0, microsecond=0)


def _sale(n, *, rng, now, dealer, buyer, quality, days_ago) -> Order | None:
    """One historical sale (vehicle, sold listing, delivered order) keyed by its VIN."""
    vin = _vin(n)
    existing = Order.objects.filter(listing__vehicle__vin=vin, status__in=[Order.Status.DELIVERED, Order.Status.RETURNED]).first()
    if existing:
        return existing
    make, model = MODELS[rng.randrange(len(MODELS))]
    spec = _spec(make, model)
    if spec is None:
        return None
    year = rng.randint(max(spec.first_year, 2017), 2023)
    age = now.year - year
    mileage = max(3000, int(age * rng.randint(9000, 18000)))
    market = spec.new_price * (0.86**age) * (1 - mileage / 600000)
    price = int(round(market * rng.uniform(0.92, 1.1), -2))
    delivered_at = _at(now, days_ago, 10 + n % 7)
    days_to_sell = max(3, int(rng.gauss(32 - 14 * quality, 8)))
    reserved_at = delivered_at - dt.timedelta(days=rng.randint(2, 6))
    vehicle = Vehicle.objects.create(
        vin=vin,
        make=make,
        model=model,
        trim=spec.trims[0],
        year=year,
        first_registration=dt.date(year, rng.randint(1, 12), 1),
        mileage_km=mileage,
        fuel=spec.fuel,
        transmission=spec.transmission,
        body_type=spec.body,
        colour=rng.choice(["白色", "黑色", "银色", "灰色", "蓝色"]),
        engine_displacement_l=Decimal(str(spec.engine_l)) if spec.engine_l else None,
        battery_kwh=Decimal(str(spec.battery_kwh)) if spec.battery_kwh else None,
        emission_standard="none" if spec.fuel == "ev" else "cn6b",
        seats=spec.seats,
        city=dealer.dealer_profile.city,
    )
    listing = Listing.objects.create(
        dealer=dealer,
        vehicle=vehicle,
        price=Decimal(price),
        status=Listing.Status.SOLD,
        description="安心车历史成交车辆",
        published_at=reserved_at - dt.timedelta(days=days_to_sell),
        inspection_grade=rng.randint(2, 5),
    )
    if rng.random() < 0.12:  # an earlier buyer cancelled or let the reservation lapse
        first = Order.objects.create(
            buyer=buyer,
            listing=listing,
            agreed_price=Decimal(price),
            status=Order.Status.CANCELLED,
            cancelled_at=reserved_at - dt.timedelta(days=1),
            cancel_kind=rng.choice([Order.CancelKind.BUYER_CANCELLED, Order.CancelKind.EXPIRED]),
        )
        Order.objects.filter(pk=first.pk).update(reserved_at=reserved_at - dt.timedelta(days=3))
    order = Order.objects.create(
        buyer=buyer,
        listing=listing,
        agreed_price=Decimal(int(round(price * rng.uniform(0.96, 1.0), -2))),
        status=Order.Status.DELIVERED,
        paid_at=delivered_at - dt.timedelta(days=1),
        delivered_at=delivered_at,
        delivery_odometer_km=mileage,
    )
    Order.objects.filter(pk=order.pk).update(reserved_at=reserved_at)
    return order


def _stars(rng, quality) -> int:
    return max(1, min(5, round(rng.gauss(1.6 + 3.5 * quality, 0.8))))


def _review(order, *, rng, quality, now, staff):
    if Review.objects.filter(order=order).exists() or rng.random() > 0.78:
        return
    overall = _stars(rng, quality)
    written = order.delivered_at + dt.timedelta(days=rng.randint(1, 10))
    if written > now:
        return
    review = Review.objects.create(
        order=order,
        buyer=order.buyer,
        dealer=order.listing.dealer,
        overall=overall,
        as_described=_stars(rng, quality),
        communication=_stars(rng, quality),
        delivery=_stars(rng, quality),
        after_sales=_stars(rng, quality) if rng.random() < 0.4 else None,
        comment=rng.choice(REVIEW_TEXT[overall]),
        created_at=written,
        editable_until=review_edit_deadline(written),
    )
    if rng.random() < 0.5:
        review.reply = "感谢您的评价，我们会继续努力！" if overall >= 4 else "非常抱歉给您带来不便，我们的客服会尽快联系您。"
        review.replied_at = written + dt.timedelta(days=1)
        review.save(update_fields=["reply", "replied_at"])
    if overall == 1 and staff and not Review.objects.filter(is_hidden=True).exists():
        from .services import review_hide

        review.comment = "骗子！！！（含侮辱性语言）"
        review.save(update_fields=["comment"])
        review_hide(review=review, actor=staff, reason="包含侮辱性语言（社区规范第 3 条）", now=written + dt.timedelta(days=1))
    if not BuyerRating.objects.filter(order=order).exists() and rng.random() < 0.6:
        BuyerRating.objects.create(
            order=order,
            dealer=order.listing.dealer,
            buyer=order.buyer,
            payment_on_time=rng.choice([5, 5, 5, 4, 3]),
            communication=rng.choice([5, 4, 4, 3]),
            created_at=written,
        )


def _coverage(order) -> Coverage:
    coverage = Coverage.objects.filter(order=order).first()
    if coverage:
        return coverage
    km = order.delivery_odometer_km or 0
    return Coverage.objects.create(
        order=order,
        delivered_on=timezone.localtime(order.delivered_at, SHANGHAI).date(),
        delivery_odometer_km=km,
        window_ends_at=order.delivered_at + dt.timedelta(days=30),
        window_km_limit=km + 3000,
        warranty_ends_at=order.delivered_at + dt.timedelta(days=365),
        warranty_km_limit=km + 20000,
        current_odometer_km=km + 1500,
    )


def _cases(n, order, *, rng, quality, now, customers):
    """Complaints, after-sales requests, warranty claims and a survey for one sale (weighted by quality)."""
    dealer = order.listing.dealer
    number = f"HX{n:05d}"
    rng = random.Random(f"complaint-{n}")  # one stream per block: skipped blocks on a re-run shift nothing
    if rng.random() < 0.35 * (1.1 - quality) and not Complaint.objects.filter(number=number).exists():
        filed = order.delivered_at + dt.timedelta(days=rng.randint(3, 40))
        if filed < now - dt.timedelta(days=1):
            breached = rng.random() < 0.45 * (1.1 - quality)
            done = filed < now - dt.timedelta(days=12) or rng.random() < 0.5
            resolved = filed + dt.timedelta(days=rng.uniform(1.5, 6 + 8 * (1 - quality))) if done else None
            resolved = resolved if resolved and resolved < now else None
            Complaint.objects.create(
                number=number,
                complainant=order.buyer,
                complainant_name=order.buyer.full_name or order.buyer.username,
                complainant_phone=order.buyer.phone or "13800000000",
                dealer=dealer,
                order=order,
                category=rng.choice(
                    [Category.VEHICLE_QUALITY] * 3
                    + [Category.AFTER_SALES] * 2
                    + [Category.DELIVERY, Category.CONTRACT, Category.OTHER]
                ),
                subject="车辆问题投诉",
                description="交车后发现问题，与商家沟通未果。",
                desired_outcome="维修或赔偿",
                status=Complaint.Status.CLOSED
                if resolved
                else rng.choice([Complaint.Status.ACKNOWLEDGED, Complaint.Status.INVESTIGATING]),
                classification=rng.choice(["substantiated", "partly", "unsubstantiated"]) if resolved else "",
                ack_due_at=filed + dt.timedelta(days=1),
                response_due_at=filed + dt.timedelta(days=3),
                resolve_due_at=filed + dt.timedelta(days=9),
                acknowledged_at=filed + dt.timedelta(hours=5),
                resolved_at=resolved,
                closed_at=resolved,
                breached_at=filed + dt.timedelta(days=3) if breached else None,
                resolve_breached_at=filed + dt.timedelta(days=9) if breached else None,
                next_deadline_at=None if resolved else filed + dt.timedelta(days=9),
                created_at=filed,
            )
    coverage = None
    rng = random.Random(f"request-{n}")
    if rng.random() < 0.22 * (1.1 - quality) + 0.03:
        coverage = _coverage(order)
        if not coverage.requests.exists():
            submitted = order.delivered_at + dt.timedelta(days=rng.randint(2, 25))
            if submitted < now:
                old = submitted < now - dt.timedelta(days=15)
                status = (
                    rng.choice(["completed", "completed", "rejected"])
                    if old
                    else rng.choice(["submitted", "under_assessment", "approved"])
                )
                AfterSalesRequest.objects.create(
                    coverage=coverage,
                    kind=rng.choice(["repair", "repair", "repair", "exchange", "return"]),
                    status=status,
                    description="行驶中异响",
                    odometer_km=coverage.delivery_odometer_km + 400,
                    submitted_at=submitted,
                    rejection_reason="misuse" if status == "rejected" else "",
                    acknowledge_due_at=submitted + dt.timedelta(days=1),
                    assess_due_at=submitted + dt.timedelta(days=3),
                    complete_due_at=submitted + dt.timedelta(days=10),
                    next_deadline_at=submitted + dt.timedelta(days=10 if status == "approved" else 3) if not old else None,
                    breached_at=submitted + dt.timedelta(days=3) if rng.random() < 0.4 * (1.1 - quality) else None,
                )
    rng = random.Random(f"claim-{n}")
    if rng.random() < 0.12:
        coverage = coverage or _coverage(order)
        if not coverage.claims.exists():
            failed = order.delivered_at + dt.timedelta(days=rng.randint(20, 200))
            if failed < now - dt.timedelta(days=2):
                part = (
                    Part.objects.filter(group__code__in=["engine", "transmission", "ev_drive"]).order_by("?").first()
                    or Part.objects.order_by("?").first()
                )
                done = failed < now - dt.timedelta(days=10)
                claim = WarrantyClaim.objects.create(
                    coverage=coverage,
                    part=part,
                    status=WarrantyClaim.Status.COMPLETED if done else WarrantyClaim.Status.UNDER_REVIEW,
                    symptom="故障灯亮，动力下降",
                    odometer_km=coverage.delivery_odometer_km + 3000,
                    failed_on=failed.date(),
                    submitted_at=failed,
                )
                shop = RepairShop.objects.order_by("pk").first()
                if done and shop:
                    cost = rng.randint(8, 90) * 100
                    RepairRecord.objects.create(
                        shop=shop,
                        coverage=coverage,
                        claim=claim,
                        part=part,
                        diagnosis="更换故障部件",
                        labour_cost=Decimal(cost // 4),
                        parts_cost=Decimal(cost - cost // 4),
                        days_in_shop=rng.randint(1, 6),
                        completed_on=(failed + dt.timedelta(days=4)).date(),
                    )
    rng = random.Random(f"survey-{n}")
    answered = order.delivered_at + dt.timedelta(days=rng.randint(7, 12))
    if answered < now and rng.random() < 0.72:
        csat = max(1, min(5, round(rng.gauss(1.8 + 3.3 * quality, 0.7))))
        nps = max(0, min(10, round(rng.gauss(3.4 + 7 * quality, 1.2))))
        Survey.objects.get_or_create(
            kind=Survey.Kind.DELIVERY,
            subject_type=ContentType.objects.get_for_model(Order),
            subject_id=order.pk,
            defaults={
                "respondent": order.buyer,
                "dealer": dealer,
                "order": order,
                "due_at": answered - dt.timedelta(days=1),
                "sent_at": answered - dt.timedelta(days=1),
                "expires_at": answered + dt.timedelta(days=29),
                "answered_at": answered,
                "csat": csat,
                "nps": nps,
                "comment": rng.choice(["", "", "服务很好", "交车流程顺畅", "希望售后响应更快"]) if csat >= 3 else "售后响应太慢",
            },
        )


def _funnel(*, rng, now, customers):
    """Views per day and favourites for every dealer's cars (so each dealer dashboard has a funnel)."""
    if ListingViewStat.objects.exists():
        return
    today = timezone.localtime(now, SHANGHAI).date()
    stats = []
    for listing in Listing.objects.filter(
        status__in=[Listing.Status.PUBLISHED, Listing.Status.RESERVED, Listing.Status.SOLD]
    ).only("pk", "published_at", "price"):
        start = (
            timezone.localtime(listing.published_at, SHANGHAI).date() if listing.published_at else today - dt.timedelta(days=30)
        )
        span = max(1, min((today - start).days, 60))
        for offset in range(0, span, 3):
            stats.append(ListingViewStat(listing_id=listing.pk, day=start + dt.timedelta(days=offset), views=rng.randint(3, 25)))
        for buyer in rng.sample(customers, k=min(len(customers), rng.randint(0, 4))):
            favourite, created = Favourite.objects.get_or_create(
                user=buyer, listing=listing, defaults={"price_when_saved": listing.price}
            )
            if created:  # saved some day after publication, not all "now"
                saved = dt.datetime.combine(start + dt.timedelta(days=rng.randint(0, span)), dt.time(20), tzinfo=SHANGHAI)
                Favourite.objects.filter(pk=favourite.pk).update(created_at=min(saved, now))
    ListingViewStat.objects.bulk_create(stats, batch_size=1000, ignore_conflicts=True)


def seed(*, stdout, rng, cars=200, **kwargs) -> None:
    rng = random.Random(20260601)  # our own stream, so re-runs draw the same history
    now = timezone.now()
    dealers = {
        u.username: u
        for u in User.objects.filter(username__in=DEALER_PROFILES, role=User.Role.DEALER).select_related("dealer_profile")
    }
    if len(dealers) < len(DEALER_PROFILES):
        stdout.write("  insights: demo dealers missing; skipped")
        return
    staff = User.objects.filter(username="supervisor").first()
    customers = _customers(random.Random("customers"))
    names, weights = list(DEALER_PROFILES), [share for _q, share in DEALER_PROFILES.values()]
    n = 0
    for months_ago in range(11, -1, -1):
        sales = 7 + (11 - months_ago) + rng.randint(0, 3)  # a growing marketplace
        for _ in range(sales):
            n += 1
            r = random.Random(f"sale-{n}")  # one stream per sale: a re-run makes the same decisions
            days_ago = months_ago * 30.4 + r.uniform(1, 29)
            if days_ago < 1:
                continue
            username = r.choices(names, weights)[0]
            quality = DEALER_PROFILES[username][0]
            buyer = customers[0] if n % 40 == 1 else customers[1] if n % 70 == 2 else r.choice(customers[2:])
            order = _sale(n, rng=r, now=now, dealer=dealers[username], buyer=buyer, quality=quality, days_ago=days_ago)
            if order is None:
                continue
            _review(order, rng=random.Random(f"review-{n}"), quality=quality, now=now, staff=staff)
            _cases(n, order, rng=random.Random(f"cases-{n}"), quality=quality, now=now, customers=customers)
    _funnel(rng=random.Random("funnel"), now=now, customers=customers)
    # The score trend: one history row per month end, then today's.
    for months_ago in range(12, 0, -1):
        dealer_scores_recompute(now=now - dt.timedelta(days=30.4 * months_ago))
    dealer_scores_recompute(now=now)
    assessed = price_assessments_recompute(now=now)
    stdout.write(
        f"  insights: {n} historical sales over 12 months, {Review.objects.count()} reviews, scores for {len(dealers)} dealers, {assessed} price assessments"
    )
