"""Demo data: certified repair shops, guarantees for delivered orders, requests and claims in several
states (one close to its deadline). Idempotent: a second run creates nothing new."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from contracts.models import Order
from marketplace.models import Listing, Vehicle

from . import services
from .models import AfterSalesRequest, Part, RepairRecord, RepairShop

SHOPS = [
    ("安心认证维修中心（朝阳）", "北京", "BJ-AX-2026-001", "王师傅", "010-65001234", "北京市朝阳区东三环中路 18 号"),
    ("沪安汽车技术服务", "上海", "SH-AX-2026-014", "陈工", "021-58001234", "上海市浦东新区张杨路 88 号"),
    ("粤通变速箱专修", "广州", "GZ-AX-2026-007", "李工", "020-83001234", "广州市天河区黄埔大道 66 号"),
]

_VIN_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9), strict=True))}
_VIN_VALUES.update(
    {**dict(zip("JKLMN", range(1, 6), strict=True)), "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10), strict=True))}
)
OWN_ORDER_NUMBERS = (9001, 9002)  # fallback cars when the contracts demo delivered nothing to a buyer
_VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]


def _vin(base: str) -> str:
    total = sum(_VIN_VALUES[c] * w for c, w in zip(base, _VIN_WEIGHTS, strict=True))
    check = "X" if total % 11 == 10 else str(total % 11)
    return base[:8] + check + base[9:]


def _own_delivered_order(buyer, dealer, *, days_ago: int, n: int, make: str, model: str, km: int, price: int) -> Order:
    """Only when the contracts demo produced no delivered order for this buyer."""
    now = timezone.now()
    vehicle, _ = Vehicle.objects.get_or_create(
        vin=_vin(f"LFV3A2BR0P{n:07d}"),
        defaults={
            "make": make,
            "model": model,
            "year": 2023,
            "first_registration": dt.date(2023, 5, 1),
            "mileage_km": km,
            "fuel": Vehicle.Fuel.PETROL,
            "transmission": Vehicle.Transmission.DCT,
            "body_type": Vehicle.Body.SUV,
            "colour": "白色",
            "engine_displacement_l": Decimal("1.5"),
            "emission_standard": "cn6b" if "cn6b" in Vehicle.Emission.values else Vehicle.Emission.values[0],
            "city": "北京",
        },
    )
    listing, _ = Listing.objects.get_or_create(
        vehicle=vehicle,
        defaults={
            "dealer": dealer,
            "price": Decimal(price),
            "status": Listing.Status.SOLD,
            "description": "安心车演示车辆",
            "published_at": now - dt.timedelta(days=days_ago + 20),
        },
    )
    order = Order.objects.filter(listing=listing).first()
    if order is None:
        order = Order.objects.create(
            buyer=buyer,
            listing=listing,
            status=Order.Status.DELIVERED,
            agreed_price=Decimal(price),
            delivered_at=(now - dt.timedelta(days=days_ago)).replace(hour=7, minute=0, second=0, microsecond=0),
            delivery_odometer_km=km,
        )
    return order


def seed(*, stdout, rng, cars=0, **kwargs) -> None:
    User = get_user_model()
    shops = []
    for name, city, cert, contact, phone, address in SHOPS:
        shop, _ = RepairShop.objects.get_or_create(
            certification_number=cert,
            defaults={"name": name, "city": city, "contact_name": contact, "phone": phone, "address": address},
        )
        shops.append(shop)
    staff = User.objects.filter(username="supervisor").first() or User.objects.filter(is_staff=True).first()
    buyer1, buyer2 = User.objects.filter(username="buyer1").first(), User.objects.filter(username="buyer2").first()
    dealer1, dealer2 = User.objects.filter(username="dealer1").first(), User.objects.filter(username="dealer2").first()
    if not all((staff, buyer1, buyer2, dealer1, dealer2)):
        stdout.write("  warranty: demo users missing; only repair shops seeded")
        return

    def delivered(buyer):
        # Only orders with a signed contract (the contracts demo) or our own fallback car: the insights
        # demo, which runs later, adds contract-less history sales for the same buyers, and picking
        # "the oldest delivery" among those on a re-run would file a second set of cases.
        own = Q(listing__vehicle__vin__in=[_vin(f"LFV3A2BR0P{n:07d}") for n in OWN_ORDER_NUMBERS])
        return Order.objects.filter(
            Q(contract__isnull=False) | own, buyer=buyer, status=Order.Status.DELIVERED, delivered_at__isnull=False
        ).order_by("delivered_at")

    orders1 = list(delivered(buyer1))
    orders2 = list(delivered(buyer2))
    if not orders1:
        orders1 = [
            _own_delivered_order(buyer1, dealer1, days_ago=9, n=9001, make="大众", model="途观L", km=42_000, price=168_000)
        ]
    if not orders2:
        orders2 = [
            _own_delivered_order(buyer2, dealer2, days_ago=200, n=9002, make="丰田", model="凯美瑞", km=31_000, price=152_000)
        ]
    now = timezone.now()
    recent = max(orders1, key=lambda o: o.delivered_at)
    older = min(orders2, key=lambda o: o.delivered_at)
    for order in (*orders1, *orders2):  # delivered through contracts they have one already; our own need it
        services.coverage_start(order=order)

    # buyer1, recent delivery: a repair request filed ~20 hours ago (acknowledgement due soon) and an
    # engine claim under review.
    cov1 = services.coverage_start(order=recent)
    if not cov1.requests.exists() and cov1.window_check(at=now, odometer_km=cov1.delivery_odometer_km + 300):
        services.request_create(
            coverage=cov1,
            actor=recent.buyer,
            kind=AfterSalesRequest.Kind.REPAIR,
            description="冷车启动时发动机舱有明显异响，仪表偶尔亮起发动机故障灯。",
            odometer_km=cov1.delivery_odometer_km + 300,
            now=now - dt.timedelta(hours=20),
        )
    if not cov1.claims.exists():
        claim = services.claim_open(
            coverage=cov1,
            actor=recent.buyer,
            part=Part.objects.get(code="turbocharger"),
            symptom="急加速时涡轮有啸叫声，动力明显下降。",
            odometer_km=cov1.delivery_odometer_km + 350,
            failed_on=timezone.localdate(now) - dt.timedelta(days=1),
            now=now - dt.timedelta(hours=3),
        )
        services.claim_review(claim=claim, actor=staff)

    # buyer2, older delivery: a repair request done inside the window, a completed transmission
    # repair with serial numbers, and a rejected request (accident damage).
    cov2 = services.coverage_start(order=older)
    if not cov2.requests.exists() and not cov2.claims.exists():
        start = dt.datetime.combine(cov2.delivered_on + dt.timedelta(days=5), dt.time(10), tzinfo=timezone.get_current_timezone())
        dealer = older.listing.dealer
        req = services.request_create(
            coverage=cov2,
            actor=older.buyer,
            kind=AfterSalesRequest.Kind.REPAIR,
            description="副驾驶车窗升降异响。",
            odometer_km=cov2.delivery_odometer_km + 400,
            now=start,
        )
        services.request_start_assessment(request=req, actor=dealer)
        services.request_approve(request=req, actor=dealer, note="故障确认，免费维修。")
        services.request_start_work(request=req, actor=dealer)
        services.request_complete(
            request=req,
            actor=dealer,
            repair={
                "shop": shops[0],
                "diagnosis": "车窗升降器导轨松动",
                "days_in_shop": 1,
                "completed_on": start.date() + dt.timedelta(days=2),
                "cost_borne_by": RepairRecord.CostBearer.DEALER,
                "labour_cost": 200,
                "parts_cost": 180,
            },
            parts=[{"description": "车窗升降器", "serial_removed": "WR-2021-88123", "serial_installed": "WR-2026-00417"}],
        )
        failed = cov2.delivered_on + dt.timedelta(days=90)
        claim = services.claim_open(
            coverage=cov2,
            actor=older.buyer,
            part=Part.objects.get(code="valve_body"),
            symptom="二挡升三挡时顿挫明显，偶发跳挡。",
            odometer_km=cov2.delivery_odometer_km + 6_500,
            failed_on=failed,
            now=dt.datetime.combine(failed, dt.time(9), tzinfo=timezone.get_current_timezone()),
        )
        services.claim_authorise(claim=claim, actor=staff, shop=shops[2], estimated_completion_on=failed + dt.timedelta(days=4))
        services.claim_complete(
            claim=claim,
            actor=staff,
            repair={
                "diagnosis": "阀体电磁阀卡滞，更换阀体总成并升级变速箱程序",
                "days_in_shop": 4,
                "completed_on": failed + dt.timedelta(days=4),
                "labour_hours": Decimal("6.0"),
                "labour_cost": 1200,
                "parts_cost": 6800,
            },
            parts=[{"description": "变速箱阀体总成", "serial_removed": "VB-0DE-211734", "serial_installed": "VB-0DE-260912"}],
        )
    stdout.write(f"  warranty: {len(shops)} repair shops, guarantees for {len(orders1) + len(orders2)} delivered orders")
